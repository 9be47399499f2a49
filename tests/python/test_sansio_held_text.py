"""A `str` of 4096 characters or more is encoded once into a `bytes` of its own,
which a server sending it whole and uncompressed keeps by reference (never copied
into core) until the output is taken: ``data_to_send_chunks()`` hands that `bytes`
out as it is, ``data_to_send()`` copies it. The same `str` sent to many
connections is encoded once: they all hand out the same `bytes`. The peer gets
exactly ``str.encode()``, in order; anything core copies (a client's, a
compressed or a fragmented text) arrives as before."""

from __future__ import annotations

import gc
import sys

import pytest

import wscore
from payloads import DEFLATE, assert_kept_until_taken, client, payload, received, server

HOLD_FROM = 4096  # characters (core/src/thresholds.rs)
BIG = 64 << 10  # kept whatever the threshold
UNIT = "héllo wörld — ça va? 你好 👋 "  # 1-, 2-, 3- and 4-byte characters


def ascii_text(n: int, seed: int = 0) -> str:
    """A new ASCII `str` of `n` characters (= UTF-8 bytes), differing by seed."""
    return "".join(chr(33 + (i * 7 + seed) % 90) for i in range(n))


def mixed_text(n: int, seed: int = 0) -> str:
    """A new non-ASCII `str` whose UTF-8 is exactly `n` bytes."""
    out, used = [str(seed)], len(str(seed))
    while used < n:
        for c in UNIT:
            w = len(c.encode())
            if used + w > n:
                break
            out.append(c)
            used += w
        else:
            continue
        break
    text = "".join(out) + "." * (n - used)
    assert len(text.encode()) == n
    return text


def header(n: int) -> bytes:
    """An unmasked text frame's header for `n` payload bytes (n >= 126)."""
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big")
    return b"\x81\x7f" + n.to_bytes(8, "big")


def queue_mixed(conn: wscore.Connection, long_ascii: str, long_mixed: str, binary: bytes) -> list:
    """Short and long texts between binaries and a ping; returns the events a peer should see."""
    conn.send_text("short é")
    conn.send_text(long_ascii)
    conn.send_binary(binary)
    conn.send_text(long_mixed)
    conn.send_binary(b"small")
    conn.send_ping(b"p")
    conn.send_text(long_ascii)
    conn.send_text("end")
    return [
        wscore.TextMessage("short é"),
        wscore.TextMessage(long_ascii),
        wscore.BinaryMessage(binary),
        wscore.TextMessage(long_mixed),
        wscore.BinaryMessage(b"small"),
        wscore.Ping(b"p"),
        wscore.TextMessage(long_ascii),
        wscore.TextMessage("end"),
    ]


@pytest.mark.parametrize("take", ["data_to_send", "data_to_send_chunks"])
def test_long_texts_arrive_intact_in_order_between_other_messages(take):
    long_ascii, long_mixed, binary = ascii_text(BIG), mixed_text(3 * BIG + 1), payload(BIG)
    srv = server()
    expected = queue_mixed(srv, long_ascii, long_mixed, binary)
    out = getattr(srv, take)()
    wire = out if take == "data_to_send" else b"".join(out)
    assert srv.buffered_amount == 0
    assert received(client(), wire) == expected


def kept_utf8(chunks: list, text: str) -> bytes:
    """The one chunk that is `text`'s UTF-8 handed out whole."""
    found = [c for c in chunks if c == text.encode()]
    assert len(found) == 1, "the kept UTF-8 is a chunk of its own"
    return found[0]


def test_chunks_and_data_to_send_give_the_same_bytes_and_only_bytes():
    long_ascii, long_mixed, binary = ascii_text(BIG, 1), mixed_text(BIG, 2), payload(BIG, 3)
    srv, twin = server(), server()
    queue_mixed(srv, long_ascii, long_mixed, binary)
    queue_mixed(twin, long_ascii, long_mixed, binary)
    chunks = srv.data_to_send_chunks()
    wire = twin.data_to_send()
    assert all(type(c) is bytes for c in chunks)
    assert b"".join(chunks) == wire
    # short text + header | ascii | header | binary | header | mixed | small, ping, header | ascii | end
    assert len(chunks) == 9
    assert chunks[3] is binary
    assert chunks[1] == chunks[7] == long_ascii.encode() and chunks[5] == long_mixed.encode()
    assert srv.buffered_amount == twin.buffered_amount == 0


@pytest.mark.parametrize("n", [HOLD_FROM, HOLD_FROM + 1, 65535, 65536, 1 << 20])
@pytest.mark.parametrize("make", [ascii_text, mixed_text], ids=["ascii", "non-ascii"])
def test_the_wire_holds_exactly_str_encode(n, make):
    text = make(n)
    srv, twin = server(), server()
    for conn in (srv, twin):
        conn.send_text(text)
        conn.send_text("t")
    chunks = srv.data_to_send_chunks()
    if make is ascii_text or len(text) >= HOLD_FROM:
        assert chunks == [header(n), text.encode(), b"\x81\x01t"]
    else:  # a non-ASCII text under HOLD_FROM characters is copied
        assert chunks == [header(n) + text.encode() + b"\x81\x01t"]
    assert twin.data_to_send() == b"".join(chunks)
    assert srv.data_to_send_chunks() == [] and twin.data_to_send() == b""


@pytest.mark.parametrize("text", [ascii_text(HOLD_FROM - 1), "你好👋" * 700], ids=["ascii", "non-ascii"])
def test_a_text_under_hold_from_characters_is_copied(text):
    assert len(text) < HOLD_FROM
    srv = server()
    srv.send_text(text)
    srv.send_text("t")
    chunks = srv.data_to_send_chunks()
    assert chunks == [header(len(text.encode())) + text.encode() + b"\x81\x01t"]


def test_the_same_str_sent_to_many_connections_is_encoded_once():
    text = mixed_text(BIG, 4)
    servers = [server() for _ in range(3)]
    kept = []
    for conn in servers:
        conn.send_text(text)
        conn.send_text(text)
        chunks = conn.data_to_send_chunks()
        assert b"".join(chunks) == 2 * (header(BIG) + text.encode())
        assert chunks[1] is chunks[3]
        kept.append(chunks[1])
        assert received(client(), b"".join(chunks)) == [wscore.TextMessage(text)] * 2
    assert kept[0] is kept[1] is kept[2], "one bytes for every connection"
    other = mixed_text(BIG, 4)  # equal, but another object: encoded anew
    servers[0].send_text(other)
    assert kept_utf8(servers[0].data_to_send_chunks(), other) is not kept[0]


def test_a_kept_text_is_referenced_until_the_output_is_taken():
    for text in (ascii_text(BIG, 5), mixed_text(BIG, 5)):
        assert_kept_until_taken(encoded(text), lambda srv: srv.send_text(text))


def test_the_encoded_text_is_let_go_once_its_str_is():
    text = mixed_text(BIG, 14)
    utf8 = encoded(text)
    refs = sys.getrefcount(utf8)
    server().data_to_send()
    assert sys.getrefcount(utf8) == refs, "remembered while the str is in use"
    del text
    server().data_to_send()  # any output taken, on any connection
    assert sys.getrefcount(utf8) == refs - 1, "forgotten with its str"


def test_a_dropped_str_stays_alive_until_taken():
    srv = server()
    srv.send_text(mixed_text(BIG, 6))  # the only reference is the connection's
    srv.send_text(ascii_text(BIG, 6))
    gc.collect()
    assert received(client(), b"".join(srv.data_to_send_chunks())) == [
        wscore.TextMessage(mixed_text(BIG, 6)),
        wscore.TextMessage(ascii_text(BIG, 6)),
    ]


def encoded(text: str) -> bytes:
    """The `bytes` a server keeps for `text` (the same for every connection
    while `text` is the last long one sent)."""
    return kept_utf8(server_sent(text), text)


def server_sent(text: str) -> list:
    srv = server()
    srv.send_text(text)
    return srv.data_to_send_chunks()


def test_a_client_masks_so_its_long_text_is_copied():
    long_ascii, long_mixed = ascii_text(BIG, 7), mixed_text(BIG, 7)
    cli = client()
    cli.send_text(long_ascii)
    cli.send_text("short")
    utf8 = encoded(long_mixed)
    refs = sys.getrefcount(utf8)
    cli.send_text(long_mixed)
    assert sys.getrefcount(utf8) == refs, "copied, not kept"
    chunks = cli.data_to_send_chunks()
    assert len(chunks) == 1, "copied: one run of bytes"
    assert long_ascii.encode() not in chunks[0]  # masked
    assert received(server(), chunks[0]) == [
        wscore.TextMessage(long_ascii),
        wscore.TextMessage("short"),
        wscore.TextMessage(long_mixed),
    ]


def test_a_compressed_text_is_copied_in():
    text = mixed_text(BIG, 8)
    utf8 = encoded(text)
    refs = sys.getrefcount(utf8)
    srv = server(DEFLATE)
    srv.send_text(text)
    assert sys.getrefcount(utf8) == refs, "copied, not kept"
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1 and sum(map(len, chunks)) < BIG, "went out compressed"
    assert received(client(DEFLATE), b"".join(chunks)) == [wscore.TextMessage(text)]


def test_fragments_are_copied():
    text = mixed_text(BIG, 9)
    utf8 = encoded(text)
    refs = sys.getrefcount(utf8)
    srv = server()
    srv.send_text_fragment(text, False)
    srv.send_text_fragment(text, True)
    assert sys.getrefcount(utf8) == refs, "copied, not kept"
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1
    assert received(client(), chunks[0]) == [wscore.TextMessage(text + text)]


def test_send_after_close_raises_and_keeps_nothing():
    text = mixed_text(BIG, 10)
    srv = server()
    assert srv.close(1000, "bye") is True
    before = srv.buffered_amount
    with pytest.raises(wscore.ConnectionClosed) as info:
        srv.send_text(text)
    assert (info.value.code, info.value.initiator) == (1000, "local")
    assert srv.buffered_amount == before
    assert srv.data_to_send_chunks() == [b"\x88\x05\x03\xe8bye"]


def test_a_message_in_progress_refuses_a_long_text_and_keeps_nothing():
    text = ascii_text(BIG, 11)
    srv = server()
    srv.send_text_fragment("first", False)
    with pytest.raises(wscore.InvalidState):
        srv.send_text(text)
    srv.send_text_fragment("last", True)
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1
    assert received(client(), chunks[0]) == [wscore.TextMessage("firstlast")]


def test_a_long_text_with_a_lone_surrogate_raises_like_str_encode():
    text = ascii_text(BIG, 12) + "\ud800"
    srv = server()
    with pytest.raises(UnicodeEncodeError) as info:
        srv.send_text(text)
    with pytest.raises(UnicodeEncodeError) as expected:
        text.encode()
    assert str(info.value) == str(expected.value)
    assert srv.data_to_send_chunks() == []
    srv.send_text("still usable")
    assert received(client(), srv.data_to_send()) == [wscore.TextMessage("still usable")]


def test_a_panic_releases_kept_texts():
    text = mixed_text(BIG, 13)
    utf8 = encoded(text)
    refs = sys.getrefcount(utf8)
    srv = server()
    srv.send_text(text)
    assert sys.getrefcount(utf8) == refs + 1
    assert hasattr(srv, "_debug_panic"), "build with `make python-develop` (feature test-hooks)"
    with pytest.raises(wscore.InternalError):
        srv._debug_panic()
    assert sys.getrefcount(utf8) == refs, "released when the connection failed"
    assert srv.data_to_send_chunks() == []
    assert srv.data_to_send() == b""
