# Node: the sans-IO Connection in JS (wasm/src/codec.rs) and the net.Socket
# adapter in examples/node/. `make node-test` runs the codec's wasm-bindgen
# tests in Node, then the adapter over 127.0.0.1 against the `ws` package.
.PHONY: node-test node-codec-test node-adapter-test node-test-deps

TEST_SUITES += node-test
CHECK_SUITES += node-test
AB_PEERS += node
AB_BUILD_node := wasm-build
AB_SERVER_CMD_node := node examples/node/echo_server.mjs 127.0.0.1:{port}
AB_CLIENT_CMD_node := node examples/node/autobahn_client.mjs {url} {agent}

NODE_TEST_DIR := tests/node

node-test: node-codec-test node-adapter-test

node-codec-test: wasm-tools
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  $(CARGO) test -p wscore-wasm --target wasm32-unknown-unknown --test node_codec

node-adapter-test: wasm-build node-test-deps
	node --test --test-concurrency=1 --test-timeout=60000 $(NODE_TEST_DIR)/

# The pinned `ws` (our independent peer), reinstalled only when the lockfile changes.
node-test-deps: $(NODE_TEST_DIR)/node_modules/.stamp
$(NODE_TEST_DIR)/node_modules/.stamp: $(NODE_TEST_DIR)/package-lock.json
	cd $(NODE_TEST_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
