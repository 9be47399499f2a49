# The tokio adapter (tokio/, the crate wscore-tokio): its tests run in
# rust-checks with the workspace; here its Autobahn peer. `make autobahn-quick`
# (in `make test`) runs this peer instead of the sync `rust` one (both drive
# the same core; the tokio one is the adapter users adopt); `make autobahn`
# runs every peer.
.PHONY: tokio-examples

AB_PEERS += tokio
AB_FULL_ONLY += rust
AB_BUILD_tokio := tokio-examples
AB_SERVER_CMD_tokio := target/release/examples/tokio_echo_server 127.0.0.1:{port}
AB_CLIENT_CMD_tokio := target/release/examples/tokio_autobahn_client {url} {agent}

tokio-examples:
	$(CARGO) build --release -p wscore-tokio --examples
