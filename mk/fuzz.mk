# Fuzzing with cargo-fuzz (libFuzzer, nightly Rust): fuzz/ is its own workspace.
#   make fuzz              every target for FUZZ_SECONDS (60) each; prints exec/s and coverage
#   make fuzz-smoke        every target for FUZZ_SMOKE_SECONDS (10) each (part of `make test`)
# A crash fails the run; its input lands in fuzz/artifacts/<target>/ and becomes
# a regression test in core/tests.
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS := frame_decode handshake_request handshake_response client_request server_connection client_connection inflate
TEST_SUITES += fuzz-smoke

.PHONY: fuzz fuzz-smoke fuzz-tools

fuzz-tools:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@fuzz/tools/install-cargo-fuzz.sh $(CARGO_FUZZ_VERSION) $(CURDIR)/target/tools

fuzz: fuzz-tools
	PATH="$(CURDIR)/target/tools/bin:$$PATH" fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-tools
	PATH="$(CURDIR)/target/tools/bin:$$PATH" fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
