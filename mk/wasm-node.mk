# Node: the sans-IO Connection in JS (wasm/src/codec.rs) and the Node adapter
# that ships as `wscore/node` (wasm/npm/adapter.js). `make node-test` runs the
# codec's wasm-bindgen tests in Node, then the adapter over 127.0.0.1 against
# the `ws` package, from the package `make npm-package-node` builds.
.PHONY: node-test node-codec-test node-adapter-test node-test-deps npm-package-node

TEST_SUITES += node-test
CHECK_SUITES += node-test
AB_PEERS += node
AB_BUILD_node := npm-package-node
AB_SERVER_CMD_node := node examples/node/echo_server.mjs 127.0.0.1:{port}
AB_CLIENT_CMD_node := node examples/node/autobahn_client.mjs {url} {agent}

NODE_TEST_DIR := tests/node
NPM_PKG := target/npm/wscore

node-test: node-codec-test node-adapter-test

node-codec-test: wasm-tools
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  $(CARGO) test -p wscore-wasm --target wasm32-unknown-unknown --test node_codec

node-adapter-test: npm-package-node node-test-deps
	node --test --test-concurrency=1 --test-timeout=60000 $(NODE_TEST_DIR)/

# The package with its Node entries alone (`wscore`, `wscore/codec` and
# `wscore/node` under Node, Deno, Bun): the SIMD module, no browser tooling.
# `make npm-package` (mk/wasm-browser.mk) adds the browser entries to it.
npm-package-node: wasm-build-node
	rm -rf $(NPM_PKG) && mkdir -p $(NPM_PKG)/dist
	cp wasm/npm/*.js wasm/npm/*.d.ts wasm/npm/README.md LICENSE-MIT LICENSE-APACHE $(NPM_PKG)/
	node wasm/tools/package-json.mjs $(NPM_PKG)
	wasm-bindgen $(WASM_NODE_WASM) --out-dir $(NPM_PKG)/dist/node --target experimental-nodejs-module

# The pinned `ws` (our independent peer), reinstalled only when the lockfile changes.
node-test-deps: $(NODE_TEST_DIR)/node_modules/.stamp
$(NODE_TEST_DIR)/node_modules/.stamp: $(NODE_TEST_DIR)/package-lock.json
	cd $(NODE_TEST_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
