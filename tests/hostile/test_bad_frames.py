"""The frame rows of docs/bad-input.md's "Bad input → what happens" table, over a real
socket against uvicorn + WSProtocol and the Rust echo_server: the close code on
the wire, the TCP connection closed after it, memory flat, and a well-behaved
client served. (`masked_server_frame` is a client-side row: no server to attack.)
"""

from __future__ import annotations

from typing import Iterable

import attacks
from attacks import Outcome
from servers import Server
from wire import BINARY, CLOSE, CONTINUATION, PING, TEXT, close_payload, frame


def check(server: Server, data: bytes, code: int, *, reason: str = "", extra: Iterable[tuple[str, str]] = ()) -> Outcome:
    outcome = attacks.bad_frames(server, data, extra=extra)
    print(outcome)
    assert outcome["code"] == code, outcome
    assert reason in outcome["reason"], outcome
    assert outcome["tcp_closed"], outcome
    # A frame header or a short payload: nothing sized by the declared length.
    assert outcome["rss_growth_mib"] <= 8, outcome
    assert outcome.served is not None, outcome.served_error
    return outcome


def test_length_with_top_bit_set(server: Server) -> None:
    head = bytes([0x82, 0xFF]) + (1 << 63 | 5).to_bytes(8, "big") + b"\x00\x00\x00\x00"
    check(server, head, 1002)


def test_lengths_far_above_the_limits(server: Server) -> None:
    """A frame declaring 2^62 bytes is refused on its header."""
    check(server, frame(BINARY, b"", length=1 << 62), 1009)


def test_unmasked_client_frame(server: Server) -> None:
    check(server, frame(TEXT, b"hello", mask=None), 1002)


def test_fragmented_control_frame(server: Server) -> None:
    check(server, frame(PING, b"x", fin=False), 1002)


def test_control_frame_over_125_bytes(server: Server) -> None:
    check(server, frame(PING, b"p" * 126), 1002)


def test_continuation_with_no_message_started(server: Server) -> None:
    check(server, frame(CONTINUATION, b"x"), 1002)


def test_new_message_inside_a_fragmented_one(server: Server) -> None:
    check(server, frame(TEXT, b"first", fin=False) + frame(TEXT, b"second"), 1002)


def test_invalid_utf8_in_text(server: Server) -> None:
    check(server, frame(TEXT, b"ok \xff bad"), 1007)


def test_invalid_utf8_in_close_reason(server: Server) -> None:
    check(server, frame(CLOSE, close_payload(1000, b"\xff\xfe")), 1007)


def test_invalid_close_codes(server: Server) -> None:
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535):
        check(server, frame(CLOSE, close_payload(code)), 1002)


def test_one_byte_close_payload(server: Server) -> None:
    check(server, frame(CLOSE, b"\x03"), 1002)


def test_rsv_bits_with_no_extension(server: Server) -> None:
    """No extension offered, so none agreed: any RSV bit is a protocol error."""
    for rsv in (0b100, 0b010, 0b001, 0b111):
        check(server, frame(TEXT, b"x", rsv=rsv), 1002)


def test_unknown_opcodes(server: Server) -> None:
    for opcode in [*range(0x3, 0x8), *range(0xB, 0x10)]:
        check(server, frame(opcode, b"x"), 1002)


def test_compression_bomb(server: Server) -> None:
    """One compressed frame inflating to twice the message limit (32 KB on the wire
    for uvicorn's 16 MiB, 130 KB for the example's 64 MiB). Inflation stops at the
    limit (1009), or earlier at the shared memory budget (1013) where that is
    smaller than the limit; either way memory stays within twice the limit."""
    outcome = attacks.compression_bomb(server)
    print(outcome)
    assert outcome["code"] in (1009, 1013), outcome
    assert outcome["rss_growth_mib"] <= 2 * server.max_message_size / (1 << 20) + 16, outcome
    assert outcome.served is not None, outcome.served_error
