# Browser side of the npm package `wscore`: the package itself (target/npm/wscore,
# packed by `npm pack`) and its tests in headless Chromium (tests/browser).
.PHONY: npm-package browser-wasm browser-deps browser-test

BROWSER_DIR := tests/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.stamp-$(shell sha1sum $(BROWSER_DIR)/package-lock.json | cut -c1-12)
# npm's binaryen (never Debian's: its output crashes at start-up).
WASM_OPT := $(BROWSER_DIR)/node_modules/.bin/wasm-opt

browser-deps: $(BROWSER_STAMP)

$(BROWSER_STAMP): $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@rm -f $(BROWSER_DIR)/node_modules/.stamp-* && touch $@

# The browser entry's module: wscore-wasm without its `codec` feature (SafeWebSocket alone,
# no deflate), in the size-optimized `wasm-browser` profile of the root Cargo.toml.
BROWSER_WASM := target/wasm32-unknown-unknown/wasm-browser/wscore_wasm.wasm
# `cargo rustc --crate-type cdylib`: with the crate's rlib beside it cargo drops `lto`
# (+15% of wasm after wasm-opt).
# No wasm-bindgen here (browser_abi.rs): core's getrandom gets the backend that
# needs no JS (SafeWebSocket's jitter seed comes from JS).
browser-wasm: wasm-target
	RUSTFLAGS='--cfg getrandom_backend="unsupported"' $(CARGO) rustc -p wscore-wasm --lib --crate-type cdylib --no-default-features --profile wasm-browser \
	  --target wasm32-unknown-unknown

# wasm/npm's sources plus three wasm modules: dist/web (browsers and bundlers:
# SafeWebSocket, plain exports loaded by index.js, shrunk by wasm-opt), and two ESM
# wasm-bindgen builds, dist/full (browsers: everything, for `wscore/codec`) and
# dist/node (Node, Deno, Bun: everything).
# The sources, package.json and dist/node come from npm-package-node (mk/wasm-node.mk).
npm-package: npm-package-node wasm-build-web browser-wasm browser-deps
	@# The custom sections (producers, target features, names) are of no use to a page.
	rm -rf $(NPM_PKG)/dist/web && mkdir -p $(NPM_PKG)/dist/web
	$(WASM_OPT) -Oz --strip-debug --strip-producers --strip-target-features $(BROWSER_WASM) -o $(NPM_PKG)/dist/web/wscore_browser.wasm
	rm -rf $(NPM_PKG)/dist/full && cp -r $(WASM_OUT)/web $(NPM_PKG)/dist/full
	@printf 'browser entry gzipped: wasm %s B + JS (index.js, safe_socket.js, unminified) %s B\n' \
	  "$$(gzip -9c $(NPM_PKG)/dist/web/wscore_browser.wasm | wc -c)" "$$(cat $(NPM_PKG)/index.js $(NPM_PKG)/safe_socket.js | gzip -9c | wc -c)"

# Real Chromium (/usr/bin/chromium) against servers on 127.0.0.1 that the tests start.
browser-test: chromium-deps examples npm-package node-test-deps
	cd $(BROWSER_DIR) && node --test --test-concurrency=1 --test-timeout=180000 *.test.js

TEST_SUITES += browser-test
