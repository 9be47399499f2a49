"""wscore's sans-IO API next to wsproto, websockets' sans-I/O Protocol and aiohttp's
reader, on identical bytes. Every row of a workload runs in turn, run after run,
in this one process, so each run's ratios come from the same moment of the machine.

Usage: python bench/python/codec.py [--runs 5] [--sample-ms 150] [--out target/bench/python.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import decode_rows  # noqa: E402
import encode_rows  # noqa: E402
from workload import SIZES, Workload  # noqa: E402

BATCH_BYTES = 256 << 10


def sample(row, w: Workload, op: str, min_s: float) -> float:
    """Repeats one batch until ``min_s`` has passed; returns payload MB/s."""
    spent, n = 0.0, 0
    while spent < min_s:
        secs, got = row(w)
        if op == "decode":
            assert got == w.count, f"{row.__module__}.{row.__name__}: {got} of {w.count}"
        else:
            assert got >= w.bytes, f"{row.__name__}: short output"
        spent += secs
        n += 1
    return w.bytes * n / spent / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sample-ms", type=int, default=150)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--ops", default="decode,encode")
    ap.add_argument("--kinds", default="text,binary,text-bytes")
    ap.add_argument("--out", default="target/bench/python.json")
    a = ap.parse_args()
    results = []
    for op in a.ops.split(","):
        module = decode_rows if op == "decode" else encode_rows
        for size in map(int, a.sizes.split(",")):
            for kind in a.kinds.split(","):
                # text-bytes: the text workload, given or taken as UTF-8 bytes (a relay).
                rows = module.TEXT_BYTES_ROWS if kind == "text-bytes" else module.ROWS
                w = Workload("text" if kind == "text-bytes" else kind, size, BATCH_BYTES)
                runs = {name: [] for name in rows}
                for run in range(a.runs + 1):  # run 0 warms up and is dropped
                    for name, row in rows.items():
                        mbps = sample(row, w, op, a.sample_ms / 1000)
                        if run:
                            runs[name].append(mbps)
                line = ", ".join(f"{n} {statistics.median(r):.1f}" for n, r in runs.items())
                print(f"{op:6} {kind:6} {size:>8} B: {line}", file=sys.stderr)
                results.append({
                    "op": op, "kind": kind, "size": size, "messages_per_batch": w.count,
                    "rows": {n: {"mbps": r} for n, r in runs.items()},
                })
    import aiohttp, websockets, wsproto  # noqa: E401
    doc = {
        "runtime": "python",
        "python": sys.version.split()[0],
        "versions": {"websockets": websockets.__version__, "wsproto": wsproto.__version__,
                     "aiohttp": aiohttp.__version__},
        "runs": a.runs, "sample_ms": a.sample_ms, "chunk": 64 << 10,
        "unit": "payload MB/s (1e6 bytes), one value per run",
        "results": results,
    }
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
