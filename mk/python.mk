# Python: the virtualenv every Python target uses (.venv, pinned packages).
PY_VENV := .venv
PY := $(PY_VENV)/bin/python
PY_STAMP := $(PY_VENV)/.stamp-$(shell sha1sum python/requirements-dev.txt | cut -c1-12)

.PHONY: python-venv
python-venv: $(PY_STAMP)

$(PY_STAMP): python/requirements-dev.txt
	@test -x $(PY) || $(PYTHON3) -m venv $(PY_VENV)
	$(PY) -m pip install --quiet -r python/requirements-dev.txt
	@rm -f $(PY_VENV)/.stamp-* && touch $@

# ---- the native module, built into python/wscore/ and installed editable ----
# test-hooks adds the hidden Connection._debug_panic the panic test needs; the
# package built by `pip install ./python` has no such hook.
PY_DEVELOP_STAMP := target/python-develop.stamp
PY_DEVELOP_INPUTS := $(wildcard python/src/*.rs core/src/*.rs core/src/*/*.rs) python/Cargo.toml python/pyproject.toml \
  core/Cargo.toml Cargo.lock

.PHONY: python-develop python-test
python-develop: $(PY_DEVELOP_STAMP)

# Rebuilt when a Rust input changes or the module is missing (e.g. after a clean).
$(PY_DEVELOP_STAMP): $(PY_STAMP) $(PY_DEVELOP_INPUTS) $(if $(wildcard python/wscore/_wscore*.so),,python-force)
	cd python && VIRTUAL_ENV=$(abspath $(PY_VENV)) $(abspath $(PY_VENV))/bin/maturin develop --release --features test-hooks
	@mkdir -p $(dir $@) && touch $@

.PHONY: python-force
python-force:

# Every Python test, including tests/python/asgi/.
python-test: python-develop
	$(PY) -m pytest -c tests/python/pytest.ini tests/python -q

TEST_SUITES += python-test
CHECK_SUITES += python-test

# The public suites of wsproto, hypercorn, trio-websocket and simple-websocket
# (their sdists, fetched by pip once) on the real wsproto and on
# wscore.compat.wsproto: fails if the tests whose outcome differs change.
.PHONY: python-compat-suites
python-compat-suites: python-develop
	$(PY) tests/python/compat/upstream/run_suites.py --expect tests/python/compat/upstream/expected_differences.txt

TEST_SUITES += python-compat-suites

# ---- Autobahn peers: uvicorn + WSProtocol (server), the sans-IO asyncio client ----
AB_PEERS += python
AB_BUILD_python := python-develop
AB_SERVER_CMD_python := $(PY) -m uvicorn --loop asyncio --app-dir tests/python autobahn_echo_app:app \
  --ws wscore.uvicorn:WSProtocol --ws-max-size 67108864 --ws-ping-interval 0 \
  --host 127.0.0.1 --port {port} --log-level warning --no-access-log --lifespan off
AB_CLIENT_CMD_python := $(PY) tests/python/autobahn_client.py {url} {agent}
