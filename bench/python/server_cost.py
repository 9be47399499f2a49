"""The uvicorn echo server's own cost per round trip, 1 client, load-independent:
CPU time of the server process (/proc schedstat, ns), its context switches, the
machine's idle halts and idle time (cpuidle: 1-client round trips wait on them), and,
with --strace, its syscalls (strace -c -f; slows the run, so rates from that run
mean nothing, counts per round trip do). Servers alternate within each round.

Usage: python bench/python/server_cost.py --loadgen target/bench-rust/release/loadgen
       [--rounds 3] [--seconds 3] [--size 125] [--loop auto] [--strace]
       [--ws wscore=wscore.uvicorn:WSProtocol --ws auto=auto --ws floor=floor --ws hop=floor-hop]
(floor, floor-hop: bench/python/floor_server.py, the same reads and writes without protocol work)
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import HERE, free_port, start_server  # noqa: E402


def start_floor(ws: str, port: int, loop: str) -> subprocess.Popen:
    """floor_server.py (``floor``: the write in data_received; ``floor-hop``: in a task)."""
    if loop == "auto":
        try:
            import uvloop  # noqa: F401

            loop = "uvloop"
        except ImportError:
            loop = "asyncio"
    args = [sys.executable, os.path.join(HERE, "floor_server.py"), str(port), "--loop", loop]
    proc = subprocess.Popen(args + (["--hop"] if ws == "floor-hop" else []))
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{ws} did not start")


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of the process so far (schedstat: ns, not ticks)."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with open(path) as f:
            total += int(f.read().split()[0])
    return total


def switches(pid: int) -> tuple[int, int]:
    """Voluntary and involuntary context switches of the main thread."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if "ctxt_switches" in line:
                key, value = line.split(":")
                values[key] = int(value)
    return values["voluntary_ctxt_switches"], values["nonvoluntary_ctxt_switches"]


def idle_states() -> tuple[int, int]:
    """Machine-wide entries into the deepest idle state (a halt in a VM guest: a vCPU
    that halts is woken by the host) and microseconds spent there, all CPUs."""
    entries = micros = 0
    for cpu in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/cpuidle"):
        states = sorted(glob.glob(f"{cpu}/state[0-9]*"))
        if states:
            with open(f"{states[-1]}/usage") as f:
                entries += int(f.read())
            with open(f"{states[-1]}/time") as f:
                micros += int(f.read())
    return entries, micros


def strace_counts(path: str) -> dict[str, int]:
    """Calls per syscall from strace -c's table."""
    counts: dict[str, int] = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                counts[parts[-1]] = int(parts[3])
    return counts


def measure(ws: str, a: argparse.Namespace) -> dict:
    port = free_port()
    server = start_floor(ws, port, a.loop) if ws.startswith("floor") else start_server(ws, port, a.loop)
    tracer = out_path = None
    try:
        if a.strace:
            fd, out_path = tempfile.mkstemp(suffix=".strace")
            os.close(fd)
            tracer = subprocess.Popen(["strace", "-c", "-f", "-o", out_path, "-p", str(server.pid)],
                                      stderr=subprocess.DEVNULL)
        cpu0, (vol0, invol0), (halt0, idle0) = cpu_ns(server.pid), switches(server.pid), idle_states()
        out = subprocess.run([a.loadgen, f"127.0.0.1:{port}", "1", str(a.seconds), str(a.size)],
                             check=True, capture_output=True, text=True, timeout=a.seconds * 10 + 60).stdout
        cpu1, (vol1, invol1), (halt1, idle1) = cpu_ns(server.pid), switches(server.pid), idle_states()
    finally:
        if tracer is not None:
            tracer.terminate()
            tracer.wait(timeout=10)
        server.terminate()
        server.wait(timeout=10)
    r = json.loads(out)
    n = r["round_trips"]
    result = {"round_trips": n, "rt_per_s": r["round_trips_per_s"], "p50_us": r["p50_ms"] * 1000,
              "cpu_us_per_rt": (cpu1 - cpu0) / n / 1000, "vol_cs_per_rt": (vol1 - vol0) / n,
              "invol_cs_per_rt": (invol1 - invol0) / n,
              "halts_per_rt": (halt1 - halt0) / n, "idle_us_per_rt": (idle1 - idle0) / n}
    if out_path is not None:
        counts = strace_counts(out_path)
        os.unlink(out_path)
        result["syscalls_per_rt"] = {k: round(v / n, 3) for k, v in sorted(counts.items()) if v / n >= 0.01}
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--size", type=int, default=125)
    ap.add_argument("--loop", default="auto")
    ap.add_argument("--strace", action="store_true")
    ap.add_argument("--ws", action="append", default=None, help="name=uvicorn --ws value")
    a = ap.parse_args()
    servers = dict(s.split("=", 1) for s in a.ws or ["wscore=wscore.uvicorn:WSProtocol", "auto=auto"])
    rows: dict[str, list[dict]] = {name: [] for name in servers}
    for rnd in range(a.rounds):
        for name, ws in servers.items():
            r = measure(ws, a)
            rows[name].append(r)
            print(f"round {rnd} {name:10} {json.dumps(r)}", file=sys.stderr)
    first = next(iter(servers))
    for name, rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("rt_per_s", "cpu_us_per_rt", "vol_cs_per_rt")}
        ratio = statistics.median(
            x["rt_per_s"] / y["rt_per_s"] for x, y in zip(rows[first], rs))
        print(f"{name:10} median {med['rt_per_s']:.0f} rt/s, server CPU {med['cpu_us_per_rt']:.1f} µs/rt, "
              f"{med['vol_cs_per_rt']:.2f} voluntary switches/rt; {first}/{name} per round: {ratio:.2f}x")


if __name__ == "__main__":
    main()
