"""Decode rows: a server receiving client-masked frames in 64 KiB reads, each
message delivered as ``str`` (text, UTF-8 validated) or ``bytes``. Each row
returns (seconds, messages delivered); set-up is outside the timing."""

from __future__ import annotations

import asyncio
import time

import wscore
from workload import LIMITS, Workload


def wscore_row(w: Workload) -> tuple[float, int]:
    conn = wscore.Connection.upgraded("server", **LIMITS)
    got = 0
    t = time.perf_counter()
    for chunk in w.chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            ev.data
            got += 1
    return time.perf_counter() - t, got


def wsproto_row(w: Workload) -> tuple[float, int]:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import Message

    conn = Connection(ConnectionType.SERVER)
    got, parts = 0, []
    t = time.perf_counter()
    for chunk in w.chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            if not isinstance(ev, Message):
                raise AssertionError(ev)
            # wsproto hands out a message in pieces as they arrive: join them.
            if ev.message_finished and not parts:
                ev.data
            else:
                parts.append(ev.data)
                if ev.message_finished:
                    (b"" if isinstance(ev.data, bytes) else "").join(parts)
                    parts = []
            got += ev.message_finished
    return time.perf_counter() - t, got


def websockets_row(w: Workload) -> tuple[float, int]:
    from websockets.frames import Opcode
    from websockets.protocol import Protocol, Side

    proto = Protocol(Side.SERVER, max_size=None)
    got = 0
    t = time.perf_counter()
    for chunk in w.chunks:
        proto.receive_data(chunk)
        for frame in proto.events_received():
            # The sans-I/O Protocol returns frames; websockets' own connections
            # decode text in their assembler, as done here.
            if frame.opcode is Opcode.TEXT:
                frame.data.decode()
            else:
                frame.data
            got += 1
    return time.perf_counter() - t, got


class _Paused:
    """The protocol aiohttp's queue pauses and resumes (never, with a large limit)."""

    _reading_paused = False

    def pause_reading(self) -> None:
        raise AssertionError("the queue limit is large enough not to pause")

    def resume_reading(self) -> None:
        pass


def aiohttp_row(w: Workload) -> tuple[float, int]:
    from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader

    loop = asyncio.new_event_loop()
    try:
        queue = WebSocketDataQueue(_Paused(), 1 << 30, loop=loop)
        reader = WebSocketReader(queue, 64 << 20, compress=False, decode_text=True)
        buffer = queue._buffer
        got = 0
        t = time.perf_counter()
        for chunk in w.chunks:
            reader.feed_data(chunk)
            while buffer:
                msg, _size = buffer.popleft()
                msg.data
                got += 1
        return time.perf_counter() - t, got
    finally:
        loop.close()


def wscore_bytes_row(w: Workload) -> tuple[float, int]:
    """Text taken as its validated UTF-8 (`text_as_bytes=True`), as a relay would."""
    conn = wscore.Connection.upgraded("server", **LIMITS, text_as_bytes=True)
    got = 0
    t = time.perf_counter()
    for chunk in w.chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            ev.data
            got += 1
    return time.perf_counter() - t, got


def websockets_bytes_row(w: Workload) -> tuple[float, int]:
    """The sans-I/O Protocol's text frames as they are: bytes, not checked as
    UTF-8 (its connections check as they decode), so it does less than wscore."""
    from websockets.protocol import Protocol, Side

    proto = Protocol(Side.SERVER, max_size=None)
    got = 0
    t = time.perf_counter()
    for chunk in w.chunks:
        proto.receive_data(chunk)
        for frame in proto.events_received():
            frame.data
            got += 1
    return time.perf_counter() - t, got


ROWS = {
    "wscore": wscore_row,
    "wsproto": wsproto_row,
    "websockets": websockets_row,
    "aiohttp": aiohttp_row,
}
# Kind text-bytes: text taken as UTF-8 `bytes`.
TEXT_BYTES_ROWS = {"wscore": wscore_bytes_row, "websockets": websockets_bytes_row}
