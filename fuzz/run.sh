#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (one after the other: the machine is
# small), then prints one line per target: executions per second, coverage
# (libFuzzer's edge count `cov` and feature count `ft`) and corpus size.
# Fails on the first crash, leak or timeout; the input is in fuzz/artifacts/<target>/.
# Usage: fuzz/run.sh SECONDS TARGET...
set -euo pipefail
seconds=$1
shift
cd "$(dirname "$0")/.."
cargo run -q --manifest-path fuzz/Cargo.toml --example seeds >/dev/null
cargo +nightly fuzz build >/dev/null 2>&1 || cargo +nightly fuzz build
mkdir -p target/fuzz-logs
summary=()
for target in "$@"; do
  log=target/fuzz-logs/$target.log
  mkdir -p "fuzz/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target FAILED (log: $log, input: fuzz/artifacts/$target/)"
    exit 1
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
  runs=$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+)/\1/p' "$log")
  execs=$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]+([0-9]+)/\1/p' "$log")
  rss=$(sed -nE 's/^stat::peak_rss_mb:[[:space:]]+([0-9]+)/\1/p' "$log")
  summary+=("$(printf '%-20s %9s runs %7s exec/s   cov %5s   ft %6s   corpus %5s   peak RSS %4s MB' \
    "$target" "$runs" "$execs" "$cov" "$ft" "$corp" "$rss")")
done
echo "fuzz: ${seconds}s per target, no crash"
printf '%s\n' "${summary[@]}"
