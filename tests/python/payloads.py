"""What the sans-IO payload tests share: limits high enough for 1 MiB messages, a
permessage-deflate setting with context takeover, payloads whose bytes differ
by size and seed (so that a swapped or misplaced payload shows), connections and
the check that a kept payload is let go once the output is taken."""

from __future__ import annotations

import gc
import sys
from typing import Callable

import wscore

LIMITS = dict(max_message_size=64 << 20, max_frame_size=64 << 20)
DEFLATE = {
    "server_no_context_takeover": False,
    "client_no_context_takeover": False,
    "server_max_window_bits": 15,
    "client_max_window_bits": 15,
}


def payload(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + n + seed) & 0xFF for i in range(n))


def server(deflate=None) -> wscore.Connection:
    return wscore.Connection.upgraded("server", deflate, **LIMITS)


def client(deflate=None) -> wscore.Connection:
    return wscore.Connection.upgraded("client", deflate, **LIMITS)


def received(conn: wscore.Connection, wire: bytes) -> list:
    conn.receive_data(wire)
    return conn.events()


def assert_kept_until_taken(kept: object, send: Callable[[wscore.Connection], None]) -> None:
    """`send` twice on a fresh server holds two references to `kept` (the object
    the server keeps), and taking the output, either way, lets both go."""
    for take in ("data_to_send", "data_to_send_chunks"):
        refs = sys.getrefcount(kept)
        srv = server()
        send(srv)
        send(srv)
        assert sys.getrefcount(kept) == refs + 2, "kept until the output is taken"
        out = getattr(srv, take)()
        del out
        gc.collect()
        assert sys.getrefcount(kept) == refs, take
