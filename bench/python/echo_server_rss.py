"""Peak RSS of the Rust echo server (examples/echo_server.rs: blocking std::net,
one thread per connection) holding 10,000 idle open WebSocket connections. The
clients are raw asyncio sockets in this process; the server is a child process.

Usage: python bench/python/echo_server_rss.py SERVER_BINARY [--connections 10000] [--out ...]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import socket
import subprocess
import sys
import time


def status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


async def open_one(port: int, keep: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit(f"handshake refused: {head[:40]!r}")
    keep.append(writer)


async def main(binary: str, n: int) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < n + 100:
        # Measure what the machine allows; the report prints the count.
        print(f"open-files limit {hard}: measuring {hard - 100} connections, not {n}", file=sys.stderr)
        n = hard - 100
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([binary, f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        idle = status(server.pid)
        keep: list = []
        for start in range(0, n, 250):
            await asyncio.gather(*(open_one(port, keep) for _ in range(min(250, n - start))))
        await asyncio.sleep(1.0)
        held = status(server.pid)
        for w in keep:
            w.close()
        return {
            "connections": len(keep),
            "server_threads": held["Threads"],
            "rss_before_kib": idle["VmRSS"],
            "rss_holding_kib": held["VmRSS"],
            "peak_rss_kib": held["VmHWM"],
            "bytes_per_connection": (held["VmRSS"] - idle["VmRSS"]) * 1024 / len(keep),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--connections", type=int, default=10_000)
    ap.add_argument("--out", default="target/bench/memory-echo-server.json")
    a = ap.parse_args()
    r = asyncio.run(main(a.binary, a.connections))
    print(f"echo server: {r['connections']} idle connections, peak RSS {r['peak_rss_kib'] / 1024:.1f} MiB "
          f"({r['bytes_per_connection']:.0f} B per connection, {r['server_threads']} threads)", file=sys.stderr)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"runtime": "rust-echo-server-memory", **r}, f, indent=1)
