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
	@# The distribution was named `wscore` before `wscore-rs`: drop a venv's old copy.
	@$(PY) -m pip uninstall --quiet --yes wscore 2>/dev/null || true
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

# ---- wheels users install without Rust: make wheel, make wheel-test ----
# manylinux_2_17 (glibc 2.17: every distribution since 2014) and musllinux_1_2
# (Alpine), built with zig as the C linker (the ziglang package), stripped
# ([tool.maturin] strip), plus the sdist. Into target/wheels/, replacing what was there.
WHEEL_DIR := target/wheels
WHEEL_STAMP := $(WHEEL_DIR)/.stamp
WHEEL_INPUTS := $(PY_DEVELOP_INPUTS) python/README.md $(wildcard python/wscore/*.py* python/wscore/*/*.py \
  python/wscore/*/*/*.py) python/wscore/py.typed LICENSE-MIT LICENSE-APACHE
WHEEL_MATURIN := cd python && PATH=$(abspath $(PY_VENV))/bin:$$PATH VIRTUAL_ENV=$(abspath $(PY_VENV)) maturin
WHEEL_MUSL := x86_64-unknown-linux-musl

.PHONY: wheel wheel-test
wheel: $(WHEEL_STAMP)

$(WHEEL_STAMP): $(PY_STAMP) $(WHEEL_INPUTS)
	@rustup target list --installed | grep -qx $(WHEEL_MUSL) || rustup target add $(WHEEL_MUSL)
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	$(WHEEL_MATURIN) build --release --zig --target x86_64-unknown-linux-gnu --compatibility manylinux2014 --out $(abspath $(WHEEL_DIR))
	$(WHEEL_MATURIN) build --release --zig --target $(WHEEL_MUSL) --compatibility musllinux_1_2 --out $(abspath $(WHEEL_DIR))
	$(WHEEL_MATURIN) sdist --out $(abspath $(WHEEL_DIR))
	@ls -l $(WHEEL_DIR) && touch $@

# The oldest and newest Python the wheel supports, from pyenv: installed here when a
# machine lacks them (pyenv builds from source: minutes, once).
WHEEL_TEST_VERSIONS := 3.9.18 3.13.0
PYENV_ROOT_DIR = $(shell pyenv root 2>/dev/null || echo $${PYENV_ROOT:-$$HOME/.pyenv})
WHEEL_TEST_PYTHONS = $(foreach v,$(WHEEL_TEST_VERSIONS),$(PYENV_ROOT_DIR)/versions/$(v)/bin/python$(basename $(v)))

wheel-test: wheel
	@for v in $(WHEEL_TEST_VERSIONS); do \
	  test -x $(PYENV_ROOT_DIR)/versions/$$v/bin/python3 || pyenv install --skip-existing $$v; done
	WHEEL_DIR=$(WHEEL_DIR) WHEEL_TEST_PYTHONS="$(WHEEL_TEST_PYTHONS)" $(PY) -m pytest -c tests/wheel/pytest.ini tests/wheel -q

TEST_SUITES += wheel-test
