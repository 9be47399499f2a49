"""In-process echo through a uvicorn WebSocket protocol and bench/python/echo_app.py
over a fake transport: the protocol's and asyncio's Python per message, without
sockets. Run it under callgrind twice (N and 3N messages) and subtract, for a
count that does not depend on the machine's load:

  valgrind --tool=callgrind --callgrind-out-file=/dev/null python bench/python/uvicorn_inproc.py 1000
  (the "Collected" line; or: python bench/python/uvicorn_inproc.py 20000 --time for CPU time)

Usage: python bench/python/uvicorn_inproc.py MESSAGES [--ws wscore.uvicorn:WSProtocol] [--time]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from uvicorn.config import Config  # noqa: E402
from uvicorn.server import ServerState  # noqa: E402

from echo_app import app  # noqa: E402

REQUEST = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def masked_text(payload: bytes) -> bytes:
    key = b"\x01\x02\x03\x04"
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + key + masked


class FakeTransport(asyncio.Transport):
    """Counts writes; each write resolves the future the driver waits on."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.waiter: asyncio.Future[None] | None = None
        self.closing = False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 40000)}.get(name, default)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        if data:
            self.written += 1
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(None)

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True


async def run(ws: str, messages: int, timed: bool) -> None:
    config = Config(app, ws=ws, ws_ping_interval=0, lifespan="off", log_level="warning")
    config.load()
    loop = asyncio.get_running_loop()
    protocol = config.ws_protocol_class(config, ServerState(), {})  # type: ignore[misc]
    transport = FakeTransport()
    protocol.connection_made(transport)
    transport.waiter = loop.create_future()
    protocol.data_received(REQUEST)
    await asyncio.wait_for(transport.waiter, 5)  # the 101 response
    frame = masked_text(b"x" * 100 + "é".encode() * 12 + b"y")
    start = time.process_time()
    for _ in range(messages):
        transport.waiter = loop.create_future()
        protocol.data_received(frame)
        await transport.waiter
    if timed:
        spent = time.process_time() - start
        print(f"{ws}: {spent / messages * 1e6:.2f} µs CPU per echo ({messages} echoes)")
    protocol.connection_lost(None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("messages", type=int)
    ap.add_argument("--ws", default="wscore.uvicorn:WSProtocol")
    ap.add_argument("--time", action="store_true")
    a = ap.parse_args()
    asyncio.run(run(a.ws, a.messages, a.time))


if __name__ == "__main__":
    main()
