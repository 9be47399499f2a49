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
