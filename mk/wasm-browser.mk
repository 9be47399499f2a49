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
browser-wasm: wasm-tools
	$(CARGO) rustc -p wscore-wasm --lib --crate-type cdylib --no-default-features --profile wasm-browser \
	  --target wasm32-unknown-unknown

# wasm/npm's sources plus three ESM wasm-bindgen builds: dist/web (browsers and
# bundlers: SafeWebSocket, shrunk by wasm-opt), dist/full (browsers: everything, for
# `wscore/codec`) and dist/node (Node, Deno, Bun: everything).
# The sources, package.json and dist/node come from npm-package-node (mk/wasm-node.mk).
npm-package: npm-package-node wasm-build-web browser-wasm browser-deps
	@# encodeInto is everywhere now: no fallback in the glue. The custom sections
	@# (producers, target features, names) are of no use to a page.
	wasm-bindgen $(BROWSER_WASM) --out-dir $(NPM_PKG)/dist/web --target web --out-name wscore_browser --encode-into always
	$(WASM_OPT) -Oz --strip-debug --strip-producers --strip-target-features $(NPM_PKG)/dist/web/wscore_browser_bg.wasm -o $(NPM_PKG)/dist/web/wscore_browser_bg.wasm
	rm -rf $(NPM_PKG)/dist/full && cp -r $(WASM_OUT)/web $(NPM_PKG)/dist/full
	@printf 'browser entry gzipped: wasm %s B + JS glue %s B\n' \
	  "$$(gzip -9c $(NPM_PKG)/dist/web/wscore_browser_bg.wasm | wc -c)" "$$(gzip -9c $(NPM_PKG)/dist/web/wscore_browser.js | wc -c)"

# Real Chromium (/usr/bin/chromium) against servers on 127.0.0.1 that the tests start.
browser-test: chromium-deps examples npm-package node-test-deps
	cd $(BROWSER_DIR) && node --test --test-concurrency=1 --test-timeout=180000 *.test.js

TEST_SUITES += browser-test
