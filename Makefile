# wscore developer entry points (GNU make). Every target installs what it needs
# and is safe to re-run.
#   make check           the fast suite, a few minutes once built: format, clippy, Rust unit,
#                        property and doc tests, pytest (tests/python), Node tests
#                        (tests/node and the wasm codec). No Autobahn, no browser, no apt.
#   make test            the full contract: system packages first (system-deps), then every
#                        suite (Rust, Python, Node, browser, demo end to end, hostile
#                        clients, fuzz smoke) and Autobahn 1.*-10.* (both roles). About 30 min.
#   make system-deps     the Debian packages `make test` needs (chromium-deps, redis-deps;
#                        valgrind-deps is for bench-callgrind): installed when root, otherwise
#                        the apt-get line to run is printed and make stops.
#   make autobahn        the whole Autobahn|Testsuite (both roles), reports in target/autobahn/
#   make autobahn-quick  the Autobahn part of `make test` alone (every peer but AB_FULL_ONLY)
#   make demo            the chat demo on http://127.0.0.1:8000 (mk/demo.mk; WORKERS=2 for Redis fan-out)
#   make echo-demo       echo server on 127.0.0.1:9001
#   make bench           benchmarks side by side with peers (mk/bench.mk), BENCHMARKS.md
#   make wheel           the Python wheels users install (manylinux, musllinux) and the sdist, target/wheels/
# Override the Autobahn selection from the command line, e.g.
#   make autobahn-quick AUTOBAHN_CASES='6.4.*,7.*' AUTOBAHN_PEERS=tokio

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
.PHONY: test check system-deps rust-checks clippy-installed autobahn autobahn-quick autobahn-install examples

CARGO ?= cargo
PYTHON3 ?= python3

# Bindings add their suites and Autobahn peers in mk/*.mk (one file each, so they
# stay independent): TEST_SUITES += target; AB_PEERS += name with AB_BUILD_name,
# AB_SERVER_CMD_name ({port}) and AB_CLIENT_CMD_name ({url} {agent}), and
# AB_ALLOW_UNIMPLEMENTED_name for case groups that peer does not offer yet.
# CHECK_SUITES: the part of TEST_SUITES that `make check` runs (no apt, no browser).
# SYSTEM_DEPS: targets that install Debian packages (tests/tools/apt-deps.sh).
TEST_SUITES := rust-checks
CHECK_SUITES := rust-checks
SYSTEM_DEPS :=
AB_PEERS := rust
# Peers that only `make autobahn` runs, not `make autobahn-quick` (so `make test`):
# AB_FULL_ONLY += name. Choose peers from the command line with AUTOBAHN_PEERS=...
AB_FULL_ONLY :=
AB_BUILD_rust := examples
AB_SERVER_CMD_rust := target/release/examples/echo_server 127.0.0.1:{port}
AB_CLIENT_CMD_rust := target/release/examples/autobahn_client {url} {agent}
include $(sort $(wildcard mk/*.mk))

# System packages first: without root, a missing one stops the run in seconds, not
# after 20 minutes of other suites.
test: system-deps $(TEST_SUITES)
	@# Autobahn last, so that a "SKIPPED" banner is the final line of output.
	@$(MAKE) --no-print-directory autobahn-quick AUTOBAHN_MAY_SKIP=$(if $(filter true,$(CI)),no,yes)

system-deps: $(SYSTEM_DEPS)

check: $(CHECK_SUITES)
	@echo 'make check: all passed (make test runs the rest: browsers, demo, hostile, fuzz, Autobahn)'

rust-checks: clippy-installed
	$(CARGO) fmt --all -- --check
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	@# Optional features: the serde names (as_str agrees with them).
	$(CARGO) test -p wscore --lib --features serde
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc -p wscore -p wscore-tokio --no-deps
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p wscore --no-default-features --all-targets -- -D warnings
	$(CARGO) clippy -p wscore-wasm --no-default-features --all-targets -- -D warnings
	$(CARGO) clippy -p wscore --all-features --all-targets -- -D warnings
	@# wscore-tokio's optional features: TLS (rcgen certificates), hyper and axum upgrades.
	$(CARGO) test -p wscore-tokio --all-features --test features
	$(CARGO) test -p wscore-tokio --all-features --doc
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc -p wscore-tokio --all-features --no-deps
	$(CARGO) clippy -p wscore-tokio --all-features --all-targets -- -D warnings

# rustup's server may be unreachable: only ask it when clippy is really missing.
clippy-installed:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

examples:
	$(CARGO) build --release -p wscore --examples

# ---- Autobahn|Testsuite: our example server and client, both roles ----------
# There is no group 8 in the suite; 12.* and 13.* are permessage-deflate: the
# whole of them takes 10-17 min per role (the Python 2 driver is the bottleneck),
# so `make test` runs a sample (context takeover, and no takeover with small windows).
AUTOBAHN_QUICK_CASES := 1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,12.1.*,13.7.*

autobahn-quick: AUTOBAHN_CASES = $(AUTOBAHN_QUICK_CASES)
autobahn-quick: AUTOBAHN_PEERS = $(filter-out $(AB_FULL_ONLY),$(AB_PEERS))
autobahn: AUTOBAHN_PEERS = $(AB_PEERS)
autobahn-quick: AUTOBAHN_TIMEOUT = 1200
autobahn: AUTOBAHN_CASES = *
# 12.*/13.* alone take 10-17 min per role once deflate exists.
autobahn: AUTOBAHN_TIMEOUT = 3600

AUTOBAHN_ALLOW_UNIMPLEMENTED ?=
AUTOBAHN_MAY_SKIP ?= no
AB_RUN = $(PYTHON3) tests/autobahn/run.py --cases '$(AUTOBAHN_CASES)' \
  --allow-unimplemented '$(AUTOBAHN_ALLOW_UNIMPLEMENTED)' --timeout $(AUTOBAHN_TIMEOUT)

autobahn-install:
	tests/autobahn/install.sh

# install.sh exits 3 when there is no Python 2.7: `make test` may then skip the
# conformance run (loudly, as its last words), except when CI=true.
# Both roles run even when the first one fails.
autobahn-quick autobahn:
	@rc=0; why=$$(tests/autobahn/install.sh) || rc=$$?; \
	if [[ $$rc == 3 && $(AUTOBAHN_MAY_SKIP) == yes ]]; then \
	  stars='************************************************************'; \
	  printf '\n%s\nAUTOBAHN CONFORMANCE SKIPPED: %s\n' "$$stars" "$$why"; \
	  exit 0; \
	elif [[ $$rc == 3 ]]; then \
	  echo "AUTOBAHN CONFORMANCE FAILED: $$why (skipping is not allowed here$(if $(filter true,$(CI)), since CI=true))"; \
	  exit 1; \
	elif [[ $$rc != 0 ]]; then \
	  echo "AUTOBAHN CONFORMANCE FAILED: tests/autobahn/install.sh exited with $$rc"; exit 1; \
	fi; \
	$(if $(strip $(foreach p,$(AUTOBAHN_PEERS),$(AB_BUILD_$(p)))),$(MAKE) --no-print-directory $(foreach p,$(AUTOBAHN_PEERS),$(AB_BUILD_$(p)));) \
	status=0; \
	$(foreach p,$(AUTOBAHN_PEERS),\
	$(AB_RUN) $(if $(AB_ALLOW_UNIMPLEMENTED_$(p)),--allow-unimplemented '$(AB_ALLOW_UNIMPLEMENTED_$(p))') server --agent wscore-$(p)-server --cmd '$(AB_SERVER_CMD_$(p))' --outdir target/autobahn/$(p)-server || status=1; \
	$(AB_RUN) $(if $(AB_ALLOW_UNIMPLEMENTED_$(p)),--allow-unimplemented '$(AB_ALLOW_UNIMPLEMENTED_$(p))') client --agent wscore-$(p)-client --cmd '$(AB_CLIENT_CMD_$(p))' --outdir target/autobahn/$(p)-client || status=1; \
	) exit $$status
