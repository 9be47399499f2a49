# Soak tests (loopback only, bounded in time; not part of `make test`):
#   make soak            the Rust echo server with 1,000 clients, then uvicorn with
#                        wscore's protocol with 200, SOAK_SECONDS (60) each
# The load generator is examples/soak_client.rs; tests/soak/run_soak.py samples
# the server's RSS and fds and checks every connection ended with a close code.
SOAK_SECONDS ?= 60
SOAK_ECHO_CLIENTS ?= 1000
SOAK_UVICORN_CLIENTS ?= 200
# RSS may grow at most this much between warm-up (a quarter of the run) and the end.
SOAK_ECHO_RSS_GROWTH_MB ?= 32
SOAK_UVICORN_RSS_GROWTH_MB ?= 16

SOAK_UVICORN_CMD := $(PY) -m uvicorn --loop asyncio --app-dir tests/soak uvicorn_echo_app:app --ws wscore.uvicorn:WSProtocol \
  --host 127.0.0.1 --port {port} --log-level warning --no-access-log --lifespan off

.PHONY: soak soak-echo soak-uvicorn soak-build

soak-build:
	$(CARGO) build --release -p wscore --example echo_server --example soak_client

soak: soak-echo soak-uvicorn

# glibc raises its mmap threshold after the first large free; from then on, with a
# thread per connection coming and going, arena fragmentation shows as RSS growth
# (+34 MiB in 30 s here without this setting, +7 with it) that goes back once the
# clients are gone (~10 MiB either way): allocator behaviour, not something the
# connections keep. A fixed threshold keeps the measurement about the connections.
soak-echo: soak-build
	MALLOC_MMAP_THRESHOLD_=131072 $(PYTHON3) tests/soak/run_soak.py --name echo --clients $(SOAK_ECHO_CLIENTS) --seconds $(SOAK_SECONDS) \
	  --rss-growth-mb $(SOAK_ECHO_RSS_GROWTH_MB) --client target/release/examples/soak_client \
	  --server 'target/release/examples/echo_server 127.0.0.1:{port}'

soak-uvicorn: soak-build python-develop
	$(PYTHON3) tests/soak/run_soak.py --name uvicorn --clients $(SOAK_UVICORN_CLIENTS) --seconds $(SOAK_SECONDS) \
	  --rss-growth-mb $(SOAK_UVICORN_RSS_GROWTH_MB) --client target/release/examples/soak_client \
	  --server '$(SOAK_UVICORN_CMD)'
