"""A large `bytes` sent whole is kept by reference until data_to_send() (see
test_sansio_held_payloads.py); other buffers and fragments are copied at the
call. Either way the peer gets exactly what was sent, compressed or not."""

from __future__ import annotations

import gc
import sys

import pytest

import wscore
from payloads import DEFLATE, LIMITS, payload


@pytest.mark.parametrize("deflate", [None, DEFLATE], ids=["plain", "deflate"])
def test_shared_bytes_arrive_intact_and_are_released(deflate):
    server = wscore.Connection.upgraded("server", deflate, **LIMITS)
    client = wscore.Connection.upgraded("client", deflate, **LIMITS)
    sent = []
    for n in (1024, 1025, 5000, 64 << 10, 1 << 20):
        data = payload(n)
        refs = sys.getrefcount(data)
        server.send_binary(data)
        sent.append(data)
        dropped = bytes(range(256)) * 20  # dropped before data_to_send(): the connection keeps it alive
        server.send_binary(dropped)
        sent.append(bytes(dropped))
        del dropped
        gc.collect()
        server.send_binary_fragment(data[:2000], False)
        server.send_binary_fragment(data[2000:] or b"z", True)
        sent.append(data[:2000] + (data[2000:] or b"z"))
        client.receive_data(server.data_to_send())
        # Once written out, the connection holds no reference to the caller's object.
        assert sys.getrefcount(data) == refs + 1  # +1: the `sent` list
    received = [e.data for e in client.events() if isinstance(e, wscore.BinaryMessage)]
    assert received == sent


def test_mutable_buffers_are_copied_at_the_call():
    server = wscore.Connection.upgraded("server", None)
    client = wscore.Connection.upgraded("client", None)
    array = bytearray(b"a" * 5000)
    view_source = bytearray(b"b" * 5000)
    server.send_binary(array)
    server.send_binary(memoryview(view_source))
    array[:] = b"x" * 5000  # changed after the call, before data_to_send()
    view_source[:] = b"y" * 5000
    client.receive_data(server.data_to_send())
    received = [e.data for e in client.events() if isinstance(e, wscore.BinaryMessage)]
    assert received == [b"a" * 5000, b"b" * 5000]


@pytest.mark.parametrize("role", ["server", "client"])
def test_text_is_read_from_the_str_itself_and_encoded_like_str_encode(role):
    """send_text borrows the str's UTF-8 (ASCII as is, others encoded once and
    cached by CPython); the bytes sent are exactly str.encode()'s, every time."""
    conn = wscore.Connection.upgraded(role, **LIMITS)
    peer = wscore.Connection.upgraded("client" if role == "server" else "server", **LIMITS)
    texts = ["plain ascii " * 100, "héllo wörld 你好 👋 " * 100, "", "\x00\x7f\x80\uffff"]
    for text in texts + texts:  # the same str objects twice: the cached UTF-8 is reused
        conn.send_text(text)
    peer.receive_data(conn.data_to_send())
    got = [e.data for e in peer.events()]
    assert got == texts + texts
    # A lone surrogate has no UTF-8: str.encode()'s error, nothing queued, still usable.
    with pytest.raises(UnicodeEncodeError):
        conn.send_text("ok \ud800")
    assert conn.data_to_send() == b""
    with pytest.raises(UnicodeEncodeError):
        conn.send_text_fragment("\udfff", True)
    with pytest.raises(TypeError):
        conn.send_text(12)  # type: ignore[arg-type]
    conn.send_text("after")
    peer.receive_data(conn.data_to_send())
    assert [e.data for e in peer.events()] == ["after"]
