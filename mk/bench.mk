# Benchmarks (`make bench`): wscore side by side with the fastest peer in each
# runtime, written to BENCHMARKS.md (bench/report.py) from JSON in target/bench/.
# Benchmarks, not tests: nothing in `make test` depends on them. Each part can be
# rerun alone (bench-rust, bench-python, bench-e2e, bench-node, bench-memory, bench-callgrind,
# bench-deflate); each rewrites BENCHMARKS.md from whatever JSON is there. bench-tokio
# writes its own page, docs/benchmarks-tokio.md (BENCHMARKS.md links to it).
.PHONY: bench bench-rust bench-rust-build bench-python bench-e2e bench-node bench-node-deps \
  bench-memory bench-deflate bench-callgrind bench-venv bench-report valgrind-deps \
  bench-tokio bench-tokio-build bench-tokio-smoke bench-tokio-profile

BENCH_OUT := target/bench
BENCH_RUNS ?= 5
BENCH_E2E_ROUNDS ?= 3
BENCH_RUST_TARGET := target/bench-rust
BENCH_VENV := target/bench-venv
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_NODE_DIR := bench/node

bench: bench-rust bench-python bench-e2e bench-tokio bench-node bench-memory bench-deflate bench-callgrind \
  bench-tokio-profile
	@$(MAKE) --no-print-directory bench-report

bench-report:
	$(PYTHON3) bench/report.py --dir $(BENCH_OUT) --out BENCHMARKS.md

# ---- Rust: bench/rust is its own workspace (own Cargo.lock), so `make test` never builds the peers.
bench-rust-build:
	$(CARGO) build --release --locked --manifest-path bench/rust/Cargo.toml --target-dir $(BENCH_RUST_TARGET)

bench-rust: bench-rust-build
	@mkdir -p $(BENCH_OUT)
	$(BENCH_RUST_TARGET)/release/wscore-bench-peers --runs $(BENCH_RUNS) --out $(BENCH_OUT)/rust.json
	@$(MAKE) --no-print-directory bench-report

# ---- Python: pinned peers and wscore (pip install ./python) in their own venv, not .venv.
BENCH_VENV_STAMP := $(BENCH_VENV)/.stamp-$(shell sha1sum bench/python/requirements.txt | cut -c1-12)
BENCH_WSCORE_STAMP := $(BENCH_VENV)/.wscore-installed
BENCH_WSCORE_INPUTS := $(wildcard core/src/*.rs core/src/*/*.rs python/src/*.rs python/wscore/*.py \
  python/wscore/*/*.py) core/Cargo.toml python/Cargo.toml python/pyproject.toml Cargo.lock

$(BENCH_VENV_STAMP): bench/python/requirements.txt
	@test -x $(BENCH_PY) || $(PYTHON3) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet -r bench/python/requirements.txt
	@rm -f $(BENCH_VENV)/.stamp-* && touch $@

$(BENCH_WSCORE_STAMP): $(BENCH_VENV_STAMP) $(BENCH_WSCORE_INPUTS)
	$(BENCH_PY) -m pip install --quiet --force-reinstall --no-deps ./python
	@touch $@

bench-venv: $(BENCH_WSCORE_STAMP)

bench-python: bench-venv
	@mkdir -p $(BENCH_OUT)
	$(BENCH_PY) bench/python/codec.py --runs $(BENCH_RUNS) --out $(BENCH_OUT)/python.json
	@$(MAKE) --no-print-directory bench-report

# Twice: on asyncio's loop (plain `pip install uvicorn`) and on uvloop, which
# `uvicorn[standard]` installs and `--loop auto` then picks.
# The load comes from bench/rust's `loadgen` (a few µs per round trip): the Python
# one (bench/python/loadgen.py) saturates first at 100 clients on 2 cores.
bench-e2e: bench-venv bench-rust-build
	@mkdir -p $(BENCH_OUT)
	$(BENCH_PY) bench/python/e2e.py --rounds $(BENCH_E2E_ROUNDS) --loop asyncio \
	  --loadgen $(BENCH_RUST_TARGET)/release/loadgen --out $(BENCH_OUT)/e2e.json
	$(BENCH_PY) bench/python/e2e.py --rounds $(BENCH_E2E_ROUNDS) --loop uvloop \
	  --loadgen $(BENCH_RUST_TARGET)/release/loadgen --out $(BENCH_OUT)/e2e-uvloop.json
	@$(MAKE) --no-print-directory bench-report

# ---- Rust end to end over 127.0.0.1: an echo server per tokio WebSocket crate (wscore-tokio,
# tokio-tungstenite, fastwebsockets, tokio-websockets, sockudo-ws), each in its own process,
# under our own load generator (bench/e2e: its own workspace and Cargo.lock, so `make test`
# never builds the peers). About 4 minutes with the defaults; the cold build about 3.
BENCH_TOKIO_TARGET := target/bench-e2e
BENCH_TOKIO_ROUNDS ?= 3
BENCH_TOKIO_SECONDS ?= 1.0
BENCH_TOKIO_IDLE ?= 2000

bench-tokio-build:
	$(CARGO) build --release --locked --manifest-path bench/e2e/Cargo.toml --target-dir $(BENCH_TOKIO_TARGET)

bench-tokio: bench-tokio-build
	@mkdir -p $(BENCH_OUT)
	$(BENCH_TOKIO_TARGET)/release/e2e_bench --rounds $(BENCH_TOKIO_ROUNDS) --seconds $(BENCH_TOKIO_SECONDS) \
	  --idle $(BENCH_TOKIO_IDLE) --out $(BENCH_OUT)/tokio-e2e.json
	$(PYTHON3) bench/e2e/report.py --json $(BENCH_OUT)/tokio-e2e.json --profile $(BENCH_OUT)/tokio-profile.json \
	  --out docs/benchmarks-tokio.md

# The repeatable counts behind the analysis: syscalls (strace -c) and user-space
# instructions (callgrind) per round trip of each server; about 4 minutes. The page is
# rewritten with them when bench-tokio's JSON is there (`make bench` runs that first).
bench-tokio-profile: valgrind-deps bench-tokio-build
	@tests/tools/apt-deps.sh strace strace
	@mkdir -p $(BENCH_OUT)
	$(PYTHON3) bench/e2e/profile.py --bench $(BENCH_TOKIO_TARGET)/release/e2e_bench --out $(BENCH_OUT)/tokio-profile.json
	test ! -f $(BENCH_OUT)/tokio-e2e.json || $(PYTHON3) bench/e2e/report.py --json $(BENCH_OUT)/tokio-e2e.json --profile $(BENCH_OUT)/tokio-profile.json \
	  --out docs/benchmarks-tokio.md

# Each server starts and echoes 16 B, 1 KiB and 16 KiB once (20 ms). Not in `make test`:
# the cold build of the peers costs ~3 minutes for a check that only guards the benchmark.
bench-tokio-smoke: bench-tokio-build
	$(BENCH_TOKIO_TARGET)/release/e2e_bench --smoke

# ---- Node: the wasm Connection (make wasm-build) and the pinned ws + bufferutil.
bench-node-deps: $(BENCH_NODE_DIR)/node_modules/.stamp
$(BENCH_NODE_DIR)/node_modules/.stamp: $(BENCH_NODE_DIR)/package-lock.json
	cd $(BENCH_NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench-node: wasm-build bench-node-deps
	@mkdir -p $(BENCH_OUT)
	node $(BENCH_NODE_DIR)/codec.mjs --runs $(BENCH_RUNS) --out $(BENCH_OUT)/node.json
	@$(MAKE) --no-print-directory bench-report

# ---- Memory: per idle connection in core, Python and JS; the Rust echo server with 10,000.
bench-memory: bench-rust-build bench-venv wasm-build bench-node-deps examples
	@mkdir -p $(BENCH_OUT)
	$(BENCH_RUST_TARGET)/release/idle_memory > $(BENCH_OUT)/memory-core.json
	$(BENCH_PY) bench/python/memory.py --out $(BENCH_OUT)/memory-python.json
	node $(BENCH_NODE_DIR)/memory.mjs --out $(BENCH_OUT)/memory-node.json
	$(PYTHON3) bench/python/echo_server_rss.py target/release/examples/echo_server --out $(BENCH_OUT)/memory-echo-server.json
	@$(MAKE) --no-print-directory bench-report

# ---- permessage-deflate through whole connections, next to Python's zlib (core/benches/deflate.rs).
bench-deflate:
	@mkdir -p $(BENCH_OUT)
	$(CARGO) bench -q -p wscore --bench deflate > $(BENCH_OUT)/deflate-wscore.jsonl
	$(PYTHON3) tests/bench/zlib_baseline.py > $(BENCH_OUT)/deflate-zlib.jsonl
	@$(MAKE) --no-print-directory bench-report

# ---- Instructions per message under callgrind: the repeatable comparison on a noisy machine.
# Debian's valgrind; needs root when missing (not part of `make test`).
valgrind-deps:
	@tests/tools/apt-deps.sh valgrind valgrind

bench-callgrind: valgrind-deps bench-rust-build
	@mkdir -p $(BENCH_OUT)
	$(PYTHON3) bench/rust/callgrind.py $(BENCH_RUST_TARGET)/release/profile --out $(BENCH_OUT)/callgrind.json
	@$(MAKE) --no-print-directory bench-report
