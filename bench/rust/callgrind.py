"""Instructions per message under callgrind, for each Rust row: the repeatable
measure on a noisy, shared machine (wall-clock ratios move by 2x there; these do
not). Each row runs one batch and three batches of a workload in the fixed-
iteration driver (src/bin/profile.rs), counting only inside the rows' clocks
(src/clock.rs switches collection on and off when BENCH_CALLGRIND_CLOCKS=1);
the difference divided by two batches' messages is the cost of one message,
without set-up.

Usage: python3 bench/rust/callgrind.py PROFILE_BINARY [--out target/bench/callgrind.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

ROWS = ["wscore", "tungstenite", "fastwebsockets", "sockudo-ws", "tokio-websockets"]
SIZES = [16, 1024, 16384]
BATCH_BYTES = 2 << 20  # as bench/rust/src/workload.rs


def instructions(binary: str, op: str, kind: str, size: int, row: str, iters: int) -> int:
    p = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--collect-atstart=no", binary, op, kind, str(size), row,
         str(iters)], capture_output=True, text=True, check=True,
        env={**os.environ, "BENCH_CALLGRIND_CLOCKS": "1"})
    return int(re.search(r"Collected : (\d+)", p.stderr).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--out", default="target/bench/callgrind.json")
    a = ap.parse_args()
    results = []
    for op in ("decode", "encode"):
        for kind in ("text", "binary"):
            for size in SIZES:
                count = max(BATCH_BYTES // size, 2)
                per = {}
                for row in ROWS:
                    one = instructions(a.binary, op, kind, size, row, 1)
                    three = instructions(a.binary, op, kind, size, row, 3)
                    per[row] = (three - one) / 2 / count
                results.append({"op": op, "kind": kind, "size": size, "instructions_per_message": per})
                print(f"{op} {kind} {size}: " + ", ".join(f"{r} {v:.0f}" for r, v in per.items()), file=sys.stderr)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"runtime": "rust-callgrind", "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
