"""wscore against one peer with each row alone in its own process, processes
alternating: the check for cells where the in-process ratio depends on where
buffers landed in memory (memcpy-bound sizes). Prints medians of MB/s per row
and the median of the pairwise ratios; --out writes them as JSON.

Usage: python3 bench/rust/per_process.py target/bench-rust/release/profile \
         [--reps 7] [--iters 3000] [--out F] op:kind:size:peer ...
e.g.   encode:binary:16384:fastwebsockets decode:text:1048576:sockudo-ws
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess


def run(profile: str, op: str, kind: str, size: str, row: str, iters: int) -> float:
    err = subprocess.run([profile, op, kind, size, row, str(iters)], capture_output=True,
                         text=True, check=True).stderr
    return float(re.search(r"([\d.]+) MB/s", err).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("cells", nargs="+")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--iters", type=int, default=3000)
    ap.add_argument("--out")
    a = ap.parse_args()
    results = []
    for cell in a.cells:
        op, kind, size, peer = cell.split(":")
        ours, theirs = [], []
        for rep in range(a.reps):
            order = ["wscore", peer] if rep % 2 == 0 else [peer, "wscore"]
            got = {row: run(a.profile, op, kind, size, row, a.iters) for row in order}
            ours.append(got["wscore"])
            theirs.append(got[peer])
        ratios = [o / t for o, t in zip(ours, theirs)]
        r = {"op": op, "kind": kind, "size": int(size), "peer": peer,
             "wscore_mb_s": statistics.median(ours), "peer_mb_s": statistics.median(theirs),
             "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}
        results.append(r)
        print(f"{op} {kind} {size}: wscore {r['wscore_mb_s']:,.0f} MB/s, {peer} {r['peer_mb_s']:,.0f}: "
              f"{r['ratio_median']:.2f}x ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})", flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"reps": a.reps, "iters": a.iters, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
