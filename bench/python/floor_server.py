"""The floor for bench/python/e2e.py's 1-client echo: an asyncio server that does only
what any ASGI WebSocket server must per message (one read, one write, and, with
--hop, the wake-up of a task that awaits the message as an ASGI app does) and no
protocol work: it echoes 125 B frames by flipping the mask bit off. Not a WebSocket
implementation; it assumes one whole small frame per read (the load generator's).

Usage: python bench/python/floor_server.py PORT [--hop] [--loop asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def unmask(frame: bytes) -> bytes:
    """The server's copy of a masked client frame of < 126 bytes."""
    length = frame[1] & 0x7F
    key = frame[2:6]
    payload = frame[6 : 6 + length]
    n = int.from_bytes(payload, "big") ^ int.from_bytes((key * (length // 4 + 1))[:length], "big")
    return bytes([frame[0], length]) + n.to_bytes(length, "big")


class Echo(asyncio.Protocol):
    hop = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.open = False
        self.inbox: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None

    def data_received(self, data: bytes) -> None:
        if not self.open:
            key = next(line.split(b":", 1)[1].strip() for line in data.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            self.open = True
            if self.hop:
                asyncio.get_running_loop().create_task(self.app())
            return
        if not self.hop:
            self.transport.write(unmask(data))
            return
        self.inbox.append(data)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def app(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.transport.is_closing():
            while not self.inbox:
                self.waiter = loop.create_future()
                await self.waiter
            self.transport.write(unmask(self.inbox.pop(0)))


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--hop", action="store_true")
    ap.add_argument("--loop", default="asyncio")
    a = ap.parse_args()
    Echo.hop = a.hop
    if a.loop == "uvloop":
        import uvloop

        uvloop.run(serve(a.port))
    else:
        asyncio.run(serve(a.port))


if __name__ == "__main__":
    main()
