#!/usr/bin/env bash
# Installs the Autobahn|Testsuite (Python 2.7 only) into target/autobahn-venv.
# Idempotent: a stamp file records a finished install of the pinned versions.
# Exit codes: 0 ok, 3 = no Python 2.7 interpreter (callers may skip), other = failure.
# Progress goes to stderr; stdout carries only the one-line reason for exit 3.
set -euo pipefail
cd "$(dirname "$0")/../.."   # repo root
exec 3>&1 1>&2

SUITE_VERSION=25.10.1
VIRTUALENV_VERSION=20.21.1   # last virtualenv release that can create 2.7 environments
VENV=target/autobahn-venv
STAMP="$VENV/.installed-autobahntestsuite-$SUITE_VERSION"

if [[ -f "$STAMP" ]] && "$VENV/bin/wstest" -a >/dev/null 2>&1; then
  exit 0
fi

# Full path on purpose: the pyenv `python2.7` shim fails unless 2.7 is the selected version.
PYENV_ROOT_DIR="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
PY27="${AUTOBAHN_PYTHON27:-$PYENV_ROOT_DIR/versions/2.7.18/bin/python2.7}"
if [[ ! -x "$PY27" ]]; then
  echo "no Python 2.7 interpreter at $PY27; the Autobahn|Testsuite runs only on Python 2.7 (pyenv install 2.7.18, or set AUTOBAHN_PYTHON27)" >&3
  exit 3
fi

# Python 3 venv holding only the pinned virtualenv (2.7 has no built-in venv module).
if ! .venv-tools/bin/python -c "import virtualenv, sys; sys.exit(virtualenv.__version__ != '$VIRTUALENV_VERSION')" 2>/dev/null; then
  python3 -m venv .venv-tools
  .venv-tools/bin/pip install --quiet --disable-pip-version-check "virtualenv==$VIRTUALENV_VERSION"
fi

echo "install.sh: installing autobahntestsuite==$SUITE_VERSION into $VENV (about a minute)" >&2
rm -rf "$VENV"
mkdir -p target
# Keep virtualenv's seed cache inside the repo instead of the user's home.
VIRTUALENV_OVERRIDE_APP_DATA="$PWD/target/virtualenv-appdata" \
  .venv-tools/bin/virtualenv --quiet -p "$PY27" "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-python-version-warning "autobahntestsuite==$SUITE_VERSION"
"$VENV/bin/wstest" -a >&2
touch "$STAMP"
