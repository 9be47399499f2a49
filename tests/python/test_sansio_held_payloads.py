"""A `bytes` sent whole by a server is kept as it is (never copied into core):
``data_to_send_chunks()`` hands that very object back between the other bytes,
``data_to_send()`` copies it into its one `bytes`, and both let go of it."""

from __future__ import annotations

import gc
import sys

import pytest

import wscore
from payloads import DEFLATE, assert_kept_until_taken, client, payload, received, server

BIG = 64 << 10  # large enough to be kept whatever the adapter's threshold


def queue_mixed(conn: wscore.Connection, first: bytes, second: bytes) -> None:
    conn.send_text("before")
    conn.send_binary(first)
    conn.send_ping(b"p")
    conn.send_binary(second)
    conn.send_text("after")
    conn.close(1000, "bye")


def test_a_kept_payload_is_the_very_object_in_the_chunks():
    data = payload(BIG)
    srv = server()
    srv.send_binary(data)
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 2
    assert chunks[1] is data
    assert chunks[0] == b"\x82\x7f" + BIG.to_bytes(8, "big")
    assert srv.buffered_amount == 0 and srv.data_to_send_chunks() == []
    assert received(client(), b"".join(chunks)) == [wscore.BinaryMessage(data)]


def test_order_is_kept_between_text_ping_and_close_frames():
    first, second = payload(BIG, 1), payload(BIG + 3, 2)
    srv = server()
    queue_mixed(srv, first, second)
    chunks = srv.data_to_send_chunks()
    # text + header | first | ping + header | second | text + close
    assert len(chunks) == 5
    assert chunks[1] is first and chunks[3] is second
    assert all(type(c) is bytes for c in chunks)
    twin = server()
    queue_mixed(twin, first, second)
    assert b"".join(chunks) == twin.data_to_send()
    events = received(client(), b"".join(chunks))
    assert events[:5] == [
        wscore.TextMessage("before"),
        wscore.BinaryMessage(first),
        wscore.Ping(b"p"),
        wscore.BinaryMessage(second),
        wscore.TextMessage("after"),
    ]
    assert isinstance(events[5], wscore.CloseReceived) and events[5].code == 1000


@pytest.mark.parametrize("n", [1, 16, 125, 126, 1024, 1025, 8 << 10, 65535, 65536, 1 << 20])
def test_chunks_join_to_what_data_to_send_gives(n):
    data = payload(n)
    srv, twin = server(), server()
    for conn in (srv, twin):
        conn.send_binary(data)
        conn.send_text("t")
        conn.send_binary(data)
    chunks = srv.data_to_send_chunks()
    wire = twin.data_to_send()
    assert b"".join(chunks) == wire
    assert srv.buffered_amount == twin.buffered_amount == 0
    assert received(client(), wire) == [
        wscore.BinaryMessage(data),
        wscore.TextMessage("t"),
        wscore.BinaryMessage(data),
    ]


def test_data_to_send_copies_kept_payloads_in_order():
    first, second = payload(BIG, 1), payload(3 * BIG, 2)
    srv = server()
    queue_mixed(srv, first, second)
    wire = srv.data_to_send()
    assert type(wire) is bytes
    head = lambda n: b"\x82\x7f" + n.to_bytes(8, "big")  # noqa: E731 (unmasked, 64-bit length)
    assert wire == (
        b"\x81\x06before" + head(len(first)) + first + b"\x89\x01p"
        + head(len(second)) + second + b"\x81\x05after" + b"\x88\x05\x03\xe8bye"
    )
    assert srv.buffered_amount == 0 and srv.data_to_send() == b""


def test_a_client_masks_so_nothing_is_kept():
    data = payload(BIG)
    cli = client()
    cli.send_binary(data)
    chunks = cli.data_to_send_chunks()
    assert len(chunks) == 1 and chunks[0] is not data
    assert data not in chunks[0]  # masked
    assert received(server(), chunks[0]) == [wscore.BinaryMessage(data)]


def test_a_compressed_message_is_copied_in():
    data = payload(BIG)
    srv = server(DEFLATE)
    srv.send_binary(data)
    chunks = srv.data_to_send_chunks()
    assert not any(c is data for c in chunks)
    assert sum(map(len, chunks)) < len(data), "went out compressed"
    assert received(client(DEFLATE), b"".join(chunks)) == [wscore.BinaryMessage(data)]


def test_mutable_buffers_are_copied_at_the_call():
    array = bytearray(payload(BIG))
    view_source = bytearray(payload(BIG, 1))
    srv = server()
    srv.send_binary(array)
    srv.send_binary(memoryview(view_source))
    expected = [bytes(array), bytes(view_source)]
    array[:] = b"x" * BIG  # changed after the call, before the output is taken
    view_source[:] = b"y" * BIG
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1, "copied: one run of bytes"
    assert [e.data for e in received(client(), chunks[0])] == expected


def test_fragments_are_copied():
    data = payload(BIG)
    srv = server()
    srv.send_binary_fragment(data, False)
    srv.send_binary_fragment(data, True)
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1 and chunks[0] is not data
    assert received(client(), chunks[0]) == [wscore.BinaryMessage(data + data)]


def test_kept_payloads_are_released_once_taken():
    data = payload(BIG)
    assert_kept_until_taken(data, lambda srv: srv.send_binary(data))


def test_a_dropped_payload_stays_alive_until_taken():
    srv = server()
    srv.send_binary(payload(BIG, 5))  # the only reference is the connection's
    gc.collect()
    assert received(client(), srv.data_to_send()) == [wscore.BinaryMessage(payload(BIG, 5))]


def test_a_connection_dropped_with_payloads_kept_releases_them():
    data = payload(BIG)
    refs = sys.getrefcount(data)
    srv = server()
    srv.send_binary(data)
    assert sys.getrefcount(data) == refs + 1
    del srv
    gc.collect()
    assert sys.getrefcount(data) == refs


def test_send_after_close_raises_and_keeps_nothing():
    data = payload(BIG)
    refs = sys.getrefcount(data)
    srv = server()
    assert srv.close(1000, "bye") is True
    before = srv.buffered_amount
    with pytest.raises(wscore.ConnectionClosed) as info:
        srv.send_binary(data)
    assert (info.value.code, info.value.initiator) == (1000, "local")
    assert srv.buffered_amount == before
    del info
    assert sys.getrefcount(data) == refs, "not kept"
    chunks = srv.data_to_send_chunks()
    assert len(chunks) == 1 and data not in chunks[0]


def test_a_message_in_progress_refuses_a_whole_one_and_keeps_nothing():
    data = payload(BIG)
    refs = sys.getrefcount(data)
    srv = server()
    srv.send_binary_fragment(b"first", False)
    with pytest.raises(wscore.InvalidState):
        srv.send_binary(data)
    assert sys.getrefcount(data) == refs
    srv.send_binary_fragment(b"last", True)
    assert received(client(), b"".join(srv.data_to_send_chunks())) == [
        wscore.BinaryMessage(b"firstlast")
    ]


def test_empty_output_and_empty_payload():
    srv = server()
    assert srv.data_to_send_chunks() == []
    srv.send_binary(b"")
    chunks = srv.data_to_send_chunks()
    assert chunks == [b"\x82\x00"]


def test_a_panic_releases_kept_payloads_and_chunks_are_empty_after():
    data = payload(BIG)
    refs = sys.getrefcount(data)
    srv = server()
    srv.send_binary(data)
    assert hasattr(srv, "_debug_panic"), "build with `make python-develop` (feature test-hooks)"
    with pytest.raises(wscore.InternalError):
        srv._debug_panic()
    assert sys.getrefcount(data) == refs, "released when the connection failed"
    assert srv.data_to_send_chunks() == []
    assert srv.data_to_send() == b""
    with pytest.raises(wscore.InternalError):
        srv.send_binary(data)
    assert sys.getrefcount(data) == refs
