# The chat demo (examples/chat) and its end-to-end tests (tests/e2e).
#   make demo             one uvicorn process, rooms in memory, on http://127.0.0.1:8000
#   make demo WORKERS=2   two workers sharing rooms through Redis pub/sub: the demo starts
#                         redis-server on 127.0.0.1:$(DEMO_REDIS_PORT) and stops it on exit
#   make e2e-test         the demo in headless Chromium: chat, restart, crash mid-flood, workers
# serve.sh also reads DEMO_WS_MAX_SIZE (65536), DEMO_LIMIT_CONCURRENCY (1000) and the app
# WSCORE_CHAT_RATE (20 messages/s per connection, 0: off), WSCORE_CHAT_MAX_CONNECTIONS (1000).
.PHONY: demo echo-demo chat-deps redis-deps e2e-deps e2e-test

DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
DEMO_REDIS_PORT ?= 6390
WORKERS ?= 1
# REDIS=1 uses Redis with a single worker too.
REDIS ?= 0
DEMO_USES_REDIS := $(if $(filter-out 1,$(WORKERS))$(filter 1,$(REDIS)),yes)

# The chat's own Python packages (redis, prometheus-client), in the shared .venv of
# mk/python.mk (included after this file, so its variables are not set yet here).
CHAT_REQS := examples/chat/requirements.txt
CHAT_STAMP := .venv/.chat-stamp-$(shell sha1sum $(CHAT_REQS) | cut -c1-12)

chat-deps: $(CHAT_STAMP)

$(CHAT_STAMP): $(CHAT_REQS) | python-venv
	$(PY) -m pip install --quiet -r $(CHAT_REQS)
	@rm -f .venv/.chat-stamp-* && touch $@

# Debian's Redis, for fan-out across workers (the package's own service is not used;
# tests/e2e and tests/python/asgi start /usr/bin/redis-server). Needs root when missing.
redis-deps:
	@tests/tools/apt-deps.sh /usr/bin/redis-server redis-server

SYSTEM_DEPS += redis-deps

demo: python-develop chat-deps npm-package $(if $(DEMO_USES_REDIS),redis-deps)
	PY=$(PY) DEMO_HOST=$(DEMO_HOST) DEMO_PORT=$(DEMO_PORT) DEMO_REDIS_PORT=$(DEMO_REDIS_PORT) \
	  WORKERS=$(WORKERS) REDIS=$(if $(DEMO_USES_REDIS),1,0) examples/chat/serve.sh

# The Rust echo server (examples/echo_server.rs).
echo-demo:
	$(CARGO) run --release -p wscore --example echo_server -- 127.0.0.1:9001

E2E_DIR := tests/e2e
E2E_STAMP := $(E2E_DIR)/node_modules/.stamp-$(shell sha1sum $(E2E_DIR)/package-lock.json | cut -c1-12)

e2e-deps: $(E2E_STAMP)

$(E2E_STAMP): $(E2E_DIR)/package-lock.json
	cd $(E2E_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@rm -f $(E2E_DIR)/node_modules/.stamp-* && touch $@

# Servers and Redis on free ports of 127.0.0.1, started by the tests; screenshots in target/e2e/.
e2e-test: chromium-deps redis-deps python-develop chat-deps npm-package e2e-deps
	rm -rf target/e2e && mkdir -p target/e2e
	cd $(E2E_DIR) && node --test --test-concurrency=1 --test-timeout=120000 *.test.js

TEST_SUITES += e2e-test

# tests/python/asgi/test_chat_rules.py imports the demo app: it needs the chat's packages.
# tests/python/asgi/test_redis_*.py and test_presence.py start Debian's redis-server
# themselves: `make test` installs it first (system-deps: redis-deps); without it
# (`make check` installs nothing) they skip, saying so.
python-test: chat-deps
