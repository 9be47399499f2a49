# Hostile clients (issue 14): tests/hostile/ attacks uvicorn + wscore's WSProtocol
# and the Rust echo_server example over 127.0.0.1 (servers are subprocesses on
# free ports) and asserts memory, CPU and wire-level bounds. About 2 minutes.
# `$(PY) tests/hostile/measure.py` prints the figures next to uvicorn's default protocol.
.PHONY: hostile-test hostile-echo-server

hostile-echo-server:
	$(CARGO) build --release -p wscore --example echo_server

hostile-test: python-develop hostile-echo-server
	$(PY) -m pytest -c tests/hostile/pytest.ini tests/hostile -q

TEST_SUITES += hostile-test
