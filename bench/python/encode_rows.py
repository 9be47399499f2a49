"""Encode rows: a server sending unmasked frames, starting from ``str`` (text) or
``bytes`` and ending with the bytes to write. Returns (seconds, bytes out)."""

from __future__ import annotations

import time

import wscore
from workload import LIMITS, Workload


def wscore_row(w: Workload) -> tuple[float, int]:
    conn = wscore.Connection.upgraded("server", **LIMITS)
    send = conn.send_text if w.kind == "text" else conn.send_binary
    data = w.text if w.kind == "text" else w.payload
    out = 0
    t = time.perf_counter()
    for _ in range(w.count):
        send(data)
        out += len(conn.data_to_send())
    return time.perf_counter() - t, out


def wsproto_row(w: Workload) -> tuple[float, int]:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, TextMessage

    conn = Connection(ConnectionType.SERVER)
    out = 0
    t = time.perf_counter()
    for _ in range(w.count):
        ev = TextMessage(data=w.text) if w.kind == "text" else BytesMessage(data=w.payload)
        out += len(conn.send(ev))
    return time.perf_counter() - t, out


def websockets_row(w: Workload) -> tuple[float, int]:
    from websockets.protocol import Protocol, Side

    proto = Protocol(Side.SERVER, max_size=None)
    out = 0
    t = time.perf_counter()
    for _ in range(w.count):
        if w.kind == "text":
            proto.send_text(w.text.encode())
        else:
            proto.send_binary(w.payload)
        out += sum(map(len, proto.data_to_send()))
    return time.perf_counter() - t, out


ROWS = {"wscore": wscore_row, "wsproto": wsproto_row, "websockets": websockets_row}
