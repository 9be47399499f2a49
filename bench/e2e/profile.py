"""Repeatable counts per round trip for each echo server of bench/e2e, where
the clock is too noisy to separate them (a shared 2-core machine):

- syscalls per round trip, by name (`strace -f -c` around the server);
- user-space instructions per round trip (`valgrind --tool=callgrind` around
  the server, counters zeroed once the connections are up), from two runs with
  different round-trip counts, so that closing and exit cancel out.

The kernel's share (the syscalls) is not in the instruction count; the two
tables are read together. Writes target/bench/tokio-profile.json for
bench/e2e/report.py.

Usage: python3 bench/e2e/profile.py [--bench target/bench-e2e/release/e2e_bench]
       [--out target/bench/tokio-profile.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile

# Round trips per connection: (fewer, more) for each connection count.
COUNTS = {1: (200, 600), 64: (5, 15)}
STRACE_COUNT = {1: 1000, 64: 50}


def run(bench: str, peers: str, conns: int, n: int, wrap: str, before: str = "") -> list[tuple[str, int, int, int]]:
    cmd = [bench, "--profile", str(n), "--conns", str(conns), "--peers", peers, "--wrap", wrap]
    if before:
        cmd += ["--before", before]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        peer, c, size, done = line.rsplit(" ", 3)
        rows.append((peer, int(c), int(size), int(done)))
    return rows


def strace_counts(path: str) -> dict[str, int]:
    counts = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5 and p[0][0].isdigit() and p[-1] != "total":
                counts[p[-1]] = int(p[3])
    return counts


def callgrind_total(path: str) -> int:
    with open(path) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise ValueError(f"no totals in {path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="target/bench-e2e/release/e2e_bench")
    ap.add_argument("--out", default="target/bench/tokio-profile.json")
    ap.add_argument("--peers", default="wscore,tokio-tungstenite,fastwebsockets,tokio-websockets,sockudo-ws")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tokio-profile-")
    result: dict[str, dict] = {"syscalls": {}, "instructions": {}}
    for conns, n in STRACE_COUNT.items():
        wrap = f"strace -f -c -o {tmp}/st-{{peer}}-{{conns}}-{{size}}.txt"
        for peer, c, size, done in run(a.bench, a.peers, conns, n, wrap):
            counts = strace_counts(f"{tmp}/st-{peer}-{c}-{size}.txt")
            # Start-up and handshakes: a few dozen calls, under 0.05 per round trip.
            per = {k: v / done for k, v in counts.items() if v / done >= 0.05}
            result["syscalls"].setdefault(peer, {})[f"{c}x{size}"] = per
    for conns, (lo, hi) in COUNTS.items():
        totals = {}
        for n in (lo, hi):
            wrap = f"valgrind --tool=callgrind --callgrind-out-file={tmp}/cg-{{peer}}-{{conns}}-{{size}}-{n}.out"
            for peer, c, size, done in run(a.bench, a.peers, conns, n, wrap, "callgrind_control -z {pid}"):
                totals[(peer, size, n)] = (callgrind_total(f"{tmp}/cg-{peer}-{c}-{size}-{n}.out"), done)
        for (peer, size, n), (ir, done) in totals.items():
            if n == hi:
                ir_lo, done_lo = totals[(peer, size, lo)]
                result["instructions"].setdefault(peer, {})[f"{conns}x{size}"] = (ir - ir_lo) / (done - done_lo)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {a.out} (raw files in {tmp})")


if __name__ == "__main__":
    main()
