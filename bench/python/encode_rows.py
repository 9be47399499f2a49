"""Encode rows: a server sending unmasked frames, starting from ``str`` (text) or
``bytes`` and ending with the bytes to write copied into an in-memory sink, as a
socket write copies them into the kernel. Returns (seconds, bytes out)."""

from __future__ import annotations

import io
import time

import wscore
from workload import LIMITS, Workload

# The socket write: every row's output is copied into this buffer, as a socket
# write copies it into the kernel. Without it a row that hands its payload on by
# reference (websockets' list, wscore's chunks) would stop before its bytes are
# anywhere, and the rows would not be comparable. Lists go to `writelines`, as
# they would to a transport's; each piece is copied by one C call. A batch (at
# most 2 MiB of payload) fits, so each row starts at the beginning and never
# wraps; its output size is where the sink stands at the end.
SINK_SIZE = 4 << 20
SINK = io.BytesIO(bytes(SINK_SIZE))
SINK.write(b"\0")  # unshares the initial bytes now, not in the first timed row


def sink_start() -> io.BytesIO:
    SINK.seek(0)
    return SINK


def sink_end() -> int:
    """How many bytes the row wrote into the sink."""
    out = SINK.tell()
    assert out <= SINK_SIZE, "a batch outgrew the sink"
    return out


def messages(w: Workload) -> list:
    """What each row sends, one object per message: a fresh `str` each time, as
    a server's messages are (wscore borrows a str's UTF-8, which CPython caches
    in the str: sending one str again and again would skip the encoding that
    the other rows pay); the same `bytes` each time (nothing is cached in it)."""
    if w.kind == "text":
        return [(w.text + "\0")[:-1] for _ in range(w.count)]
    return [w.payload] * w.count


def wscore_row(w: Workload) -> tuple[float, int]:
    conn = wscore.Connection.upgraded("server", **LIMITS)
    send = conn.send_text if w.kind == "text" else conn.send_binary
    chunks = conn.data_to_send_chunks
    writelines = sink_start().writelines
    data = messages(w)
    t = time.perf_counter()
    for m in data:
        send(m)
        # The pieces to write, a kept `bytes` payload as it is.
        writelines(chunks())
    return time.perf_counter() - t, sink_end()


def wsproto_row(w: Workload) -> tuple[float, int]:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, TextMessage

    conn = Connection(ConnectionType.SERVER)
    write = sink_start().write
    data = messages(w)
    t = time.perf_counter()
    for m in data:
        ev = TextMessage(data=m) if w.kind == "text" else BytesMessage(data=m)
        write(conn.send(ev))
    return time.perf_counter() - t, sink_end()


def websockets_row(w: Workload) -> tuple[float, int]:
    from websockets.protocol import Protocol, Side

    proto = Protocol(Side.SERVER, max_size=None)
    writelines = sink_start().writelines
    data = messages(w)
    t = time.perf_counter()
    for m in data:
        if w.kind == "text":
            proto.send_text(m.encode())
        else:
            proto.send_binary(m)
        writelines(proto.data_to_send())
    return time.perf_counter() - t, sink_end()


def wscore_bytes_row(w: Workload) -> tuple[float, int]:
    """Text already encoded (a relay's case): the same UTF-8 `bytes` each time,
    checked by `send_text`, kept by reference from 4 KiB."""
    conn = wscore.Connection.upgraded("server", **LIMITS)
    send = conn.send_text
    chunks = conn.data_to_send_chunks
    writelines = sink_start().writelines
    data = [w.payload] * w.count
    t = time.perf_counter()
    for m in data:
        send(m)
        writelines(chunks())
    return time.perf_counter() - t, sink_end()


def wscore_trusted_row(w: Workload) -> tuple[float, int]:
    """As wscore_bytes_row, with `skip_utf8_check=True` (bytes received as text)."""
    conn = wscore.Connection.upgraded("server", **LIMITS)
    send = conn.send_text
    chunks = conn.data_to_send_chunks
    writelines = sink_start().writelines
    data = [w.payload] * w.count
    t = time.perf_counter()
    for m in data:
        send(m, skip_utf8_check=True)
        writelines(chunks())
    return time.perf_counter() - t, sink_end()


def websockets_bytes_row(w: Workload) -> tuple[float, int]:
    """Text already encoded: websockets' `send_text` takes the UTF-8 `bytes`
    (and does not check them)."""
    from websockets.protocol import Protocol, Side

    proto = Protocol(Side.SERVER, max_size=None)
    writelines = sink_start().writelines
    data = [w.payload] * w.count
    t = time.perf_counter()
    for m in data:
        proto.send_text(m)
        writelines(proto.data_to_send())
    return time.perf_counter() - t, sink_end()


ROWS = {"wscore": wscore_row, "wsproto": wsproto_row, "websockets": websockets_row}
# Kind text-bytes: text given as UTF-8 `bytes` (wsproto sends bytes as binary only).
TEXT_BYTES_ROWS = {
    "wscore": wscore_bytes_row,
    "wscore skip_utf8_check": wscore_trusted_row,
    "websockets": websockets_bytes_row,
}
