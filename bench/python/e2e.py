"""End to end over 127.0.0.1: uvicorn serving bench/python/echo_app.py with wscore's
protocol and with uvicorn's websockets-sansio and wsproto protocols (and its default,
`auto`), against a load generator in a separate process, 1 and 100 clients:
bench/rust's `loadgen` (`make bench-e2e` passes it; a few µs per round trip) or
loadgen.py (tens of µs per round trip: at 100 clients on 2 cores it saturates
before the server does). Rounds alternate the servers, so each round's ratios
come from the same moment.

"1@0" in --clients is 1 client with the server and the load generator both pinned
to CPU 0 (taskset). Unpinned, a 1-client round trip on this 2-vCPU VM is mostly
the wake-up of the other, halted vCPU (twice per round trip) and moves ×2 from
round to round; on one core it is the CPU work of both ends, which is what a
protocol changes.

Usage: python bench/python/e2e.py [--rounds 3] [--seconds 3] [--size 125]
       [--loadgen target/bench-rust/release/loadgen] [--out target/bench/e2e.json] [--loop auto]
       [--clients 1,100,1@0]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOCOLS = {
    "wscore": "wscore.uvicorn:WSProtocol",
    "websockets-sansio": "websockets-sansio",
    "wsproto": "wsproto",
    "auto (default)": "auto",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(clients: str) -> tuple[str, list[str]]:
    """"N@CPU" -> (N, a taskset prefix pinning to CPU); "N" -> (N, no prefix)."""
    n, _, cpu = clients.partition("@")
    return n, (["taskset", "-c", cpu] if cpu else [])


def start_server(ws: str, port: int, loop: str = "auto", pin: list[str] | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(
        (pin or []) + [sys.executable, "-m", "uvicorn", "--app-dir", HERE, "echo_app:app", "--ws", ws,
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--lifespan", "off", "--ws-ping-interval", "0", "--loop", loop],
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"uvicorn --ws {ws} exited with {proc.returncode}")
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"uvicorn --ws {ws} did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--size", type=int, default=125)
    ap.add_argument("--clients", default="1,100,1@0", help="N clients, or N@CPU: pinned to that CPU")
    ap.add_argument("--out", default="target/bench/e2e.json")
    ap.add_argument("--loop", default="auto", help="uvicorn --loop for every server")
    ap.add_argument("--loadgen", default=None,
                    help="the load generator: the Rust one (bench/rust, `loadgen`) by path, "
                         "or omitted for loadgen.py")
    a = ap.parse_args()
    results = {name: {c: [] for c in a.clients.split(",")} for name in PROTOCOLS}
    for rnd in range(a.rounds):
        for clients in a.clients.split(","):
            for name, ws in PROTOCOLS.items():
                port = free_port()
                n, pin = pinned(clients)
                server = start_server(ws, port, a.loop, pin)
                try:
                    loadgen = [a.loadgen] if a.loadgen else [sys.executable, os.path.join(HERE, "loadgen.py")]
                    out = subprocess.run(
                        pin + loadgen + [f"127.0.0.1:{port}", n, str(a.seconds), str(a.size)],
                        check=True, capture_output=True, text=True, timeout=a.seconds * 10 + 60,
                    ).stdout
                finally:
                    server.terminate()
                    server.wait(timeout=10)
                r = json.loads(out)
                results[name][clients].append(r)
                print(f"round {rnd} {clients:>3} clients {name:18}: {r['round_trips_per_s']:8.0f} rt/s"
                      f"  p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms"
                      f"  mean {r.get('mean_ms', 0):.3f} ms  max {r.get('max_ms', 0):.3f} ms", file=sys.stderr)
    import uvicorn

    doc = {"runtime": "python-e2e", "uvicorn": uvicorn.__version__, "rounds": a.rounds, "loop": a.loop,
           "loadgen": "rust (bench/rust/src/bin/loadgen.rs)" if a.loadgen else "loadgen.py",
           "seconds": a.seconds, "size": a.size, "protocols": PROTOCOLS, "results": results}
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    for name in PROTOCOLS:
        for c, rs in results[name].items():
            med = statistics.median(r["round_trips_per_s"] for r in rs)
            print(f"{name:18} {c:>3} clients: median {med:.0f} rt/s", file=sys.stderr)
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
