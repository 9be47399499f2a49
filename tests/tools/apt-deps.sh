#!/usr/bin/env bash
# Installs Debian packages a test suite needs, only when one of its programs is
# missing, so that re-runs cost nothing. Used by the *-deps targets in mk/*.mk.
#   apt-deps.sh "PROGRAM..." PACKAGE...
# PROGRAMs are paths or names on PATH. Without root (and without passwordless
# sudo) nothing is installed: it says what is missing and what to run, exit 1.
set -euo pipefail
programs=$1
shift
missing=()
for p in $programs; do
  command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $*"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing ${missing[*]}: install the equivalent of the Debian package(s) $* with your system's package manager" >&2
  exit 1
elif [[ $(id -u) == 0 ]]; then
  echo "apt-deps.sh: installing $* (for ${missing[*]})" >&2
  bash -c "$install"
elif sudo -n true 2>/dev/null; then
  echo "apt-deps.sh: installing $* with sudo (for ${missing[*]})" >&2
  sudo bash -c "$install"
else
  echo "missing ${missing[*]}; this needs root to install. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
  echo "then run make again." >&2
  exit 1
fi
