#!/usr/bin/env bash
# Installs cargo-fuzz VERSION into ROOT/bin (skipped when that version is there).
# `cargo fuzz` needs the nightly toolchain; installing it is rustup's job.
set -euo pipefail
version=$1
root=$(realpath -m "$2")
if [[ "$("$root/bin/cargo-fuzz" --version 2>/dev/null)" == "cargo-fuzz $version" ]]; then
  exit 0
fi
echo "install-cargo-fuzz: building cargo-fuzz $version (2-5 min on 2 cores)"
cargo install --quiet --locked --version "=$version" --root "$root" cargo-fuzz
"$root/bin/cargo-fuzz" --version
