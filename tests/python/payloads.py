"""What the sans-IO payload tests share: limits high enough for 1 MiB messages, a
permessage-deflate setting with context takeover, and payloads whose bytes differ
by size and seed (so that a swapped or misplaced payload shows)."""

from __future__ import annotations

LIMITS = dict(max_message_size=64 << 20, max_frame_size=64 << 20)
DEFLATE = {
    "server_no_context_takeover": False,
    "client_no_context_takeover": False,
    "server_max_window_bits": 15,
    "client_max_window_bits": 15,
}


def payload(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + n + seed) & 0xFF for i in range(n))
