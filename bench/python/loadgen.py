"""Load generator for the end-to-end benchmark: N clients on raw asyncio sockets,
each sending one masked text message and waiting for its echo, again and again,
for a fixed time. It is a separate process from the server, and deliberately
thin (frames prepared in advance, replies only counted), so that the server is
what is measured. Prints one JSON object: round trips/s and latency percentiles.

Usage: python loadgen.py HOST:PORT CLIENTS SECONDS SIZE
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from workload import text_of_len  # noqa: E402


def masked_text_frame(payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0xFE]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 0xFF]) + n.to_bytes(8, "big")
    body = bytes(b ^ key[i & 3] for i, b in enumerate(payload))
    return head + key + body


def reply_len(n: int) -> int:
    return n + (2 if n < 126 else 4 if n < 65536 else 10)


class Client(asyncio.Protocol):
    def __init__(self, host: str, frame: bytes, expect: int, deadline: float, lat: list, done):
        self.frame, self.expect, self.deadline, self.lat, self.done = frame, expect, deadline, lat, done
        self.buf = b""
        self.open = False
        self.got = 0
        self.host = host

    def connection_made(self, transport):
        self.t = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (f"GET / HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        )

    def send(self):
        self.t0 = time.perf_counter()
        self.t.write(self.frame)

    def data_received(self, data):
        if not self.open:
            self.buf += data
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buf.startswith(b"HTTP/1.1 101"):
                raise SystemExit(f"handshake refused: {self.buf[:60]!r}")
            self.open = True
            self.got = len(self.buf) - end - 4
            self.send()
            return
        self.got += len(data)
        if self.got < self.expect:
            return
        if self.got > self.expect:
            raise SystemExit("unexpected bytes from the server")
        now = time.perf_counter()
        self.lat.append(now - self.t0)
        self.got = 0
        if now < self.deadline:
            self.send()
        else:
            self.t.close()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(None)


async def main(addr: str, clients: int, seconds: float, size: int) -> dict:
    host, port = addr.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    frame = masked_text_frame(text_of_len(size).encode())
    expect = reply_len(size)
    lat: list[float] = []
    deadline = time.perf_counter() + seconds + 1.0  # 1 s of connecting and warm-up, dropped below
    dones = []
    for _ in range(clients):
        done = loop.create_future()
        await loop.create_connection(lambda: Client(addr, frame, expect, deadline, lat, done), host, int(port))
        dones.append(done)
    await asyncio.sleep(1.0)
    start_count, start = len(lat), time.perf_counter()
    await asyncio.gather(*dones)
    elapsed = time.perf_counter() - start
    measured = sorted(lat[start_count:])
    pct = lambda p: measured[min(len(measured) - 1, int(p * len(measured)))] * 1e3  # noqa: E731
    return {
        "clients": clients, "size": size, "seconds": elapsed, "round_trips": len(measured),
        "round_trips_per_s": len(measured) / elapsed,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99),
    }


if __name__ == "__main__":
    addr, clients, seconds, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(main(addr, clients, seconds, size))))
