# wasm: the toolchain (pinned) and the build of the wasm module for JS.
# Browser and Node test suites live in their own mk/wasm-*.mk files.
WASM_BINDGEN_VERSION := 0.2.130
TOOLS := $(CURDIR)/target/tools
export PATH := $(TOOLS)/bin:$(PATH)
WASM_OUT := target/wasm

.PHONY: wasm-target wasm-bindgen-cli chromium-deps wasm-tools wasm-build wasm-build-web wasm-build-node

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

wasm-bindgen-cli:
	@tests/tools/install-wasm-bindgen.sh $(WASM_BINDGEN_VERSION) $(TOOLS)

# Debian's Chromium and ChromeDriver (the tests start /usr/bin/chromium; downloading a
# browser is not possible here). Needs root when missing: tests/tools/apt-deps.sh says so.
chromium-deps:
	@tests/tools/apt-deps.sh "/usr/bin/chromium /usr/bin/chromedriver" chromium chromium-driver

SYSTEM_DEPS += chromium-deps

wasm-tools: wasm-target wasm-bindgen-cli

# target/wasm/{web,node}: the module with its JS glue for browsers (ESM) and Node.
# Node (>= 16.4), Deno and Bun all run wasm SIMD, so their module is built with
# simd128: the UTF-8 check and the unmask loop go 16 bytes wide (text decode
# 0.8-0.9x -> about 1x ws+bufferutil, see BENCHMARKS.md). Browsers keep the
# baseline module: Safari before 16.4 has no wasm SIMD.
WASM_SIMD_TARGET := target/wasm-simd
WASM_NODE_WASM := $(WASM_SIMD_TARGET)/wasm32-unknown-unknown/release/wscore_wasm.wasm
wasm-build: wasm-build-web wasm-build-node

wasm-build-web: wasm-tools
	$(CARGO) build -p wscore-wasm --target wasm32-unknown-unknown --release
	wasm-bindgen target/wasm32-unknown-unknown/release/wscore_wasm.wasm --out-dir $(WASM_OUT)/web --target web

wasm-build-node: wasm-tools
	RUSTFLAGS="$(RUSTFLAGS) -C target-feature=+simd128" $(CARGO) build -p wscore-wasm \
	  --target wasm32-unknown-unknown --release --target-dir $(WASM_SIMD_TARGET)
	wasm-bindgen $(WASM_NODE_WASM) --out-dir $(WASM_OUT)/node --target nodejs
