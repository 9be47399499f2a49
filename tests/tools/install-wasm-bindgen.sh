#!/usr/bin/env bash
# Installs wasm-bindgen-cli VERSION into ROOT/bin, reproducibly: its published
# lockfile pins webpki-roots 1.0.11, which the registry here lacks, so we unpack
# the crate, move that one pin to 1.0.10, and install with --locked.
set -euo pipefail
version=$1
root=$(realpath -m "$2")
if [[ "$("$root/bin/wasm-bindgen" --version 2>/dev/null)" == "wasm-bindgen $version" ]]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Let cargo download the .crate through the registry it is configured for.
mkdir -p "$work/fetch/src"
cat > "$work/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-wasm-bindgen-cli"
version = "0.0.0"
edition = "2021"
[dependencies]
wasm-bindgen-cli = "=$version"
TOML
touch "$work/fetch/src/lib.rs"
(cd "$work/fetch" && cargo fetch --quiet)
crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/wasm-bindgen-cli-"$version".crate | head -1)
tar -xzf "$crate" -C "$work"
cd "$work/wasm-bindgen-cli-$version"
if grep -q 'name = "webpki-roots"' Cargo.lock && grep -A1 'name = "webpki-roots"' Cargo.lock | grep -q '"1.0.11"'; then
  cargo update --quiet -p webpki-roots@1.0.11 --precise 1.0.10
fi
echo "install-wasm-bindgen: building wasm-bindgen-cli $version (2-5 min on 2 cores)"
cargo install --quiet --locked --path . --root "$root"
"$root/bin/wasm-bindgen" --version
