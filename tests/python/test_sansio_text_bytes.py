"""Text as UTF-8 bytes both ways, for an application that relays text: ``send_text``
takes ``bytes``/``bytearray``/``memoryview`` (checked: not UTF-8 raises
``UnicodeDecodeError`` and sends nothing; ``skip_utf8_check=True`` trusts the
caller), and ``text_as_bytes=True`` reports text as ``TextBytesMessage`` with the
validated bytes. A ``bytes`` of 4 KiB or more is kept by reference like
``send_binary``'s; anything else is copied at the call."""

from __future__ import annotations

import sys

import pytest

import wscore
from payloads import DEFLATE, LIMITS, assert_kept_until_taken, client, received, server

HOLD_FROM = 4096  # bytes (core/src/thresholds.rs)
UNIT = "héllo wörld — ça va? 你好 👋 "  # 1-, 2-, 3- and 4-byte characters


def utf8(n: int, seed: int = 0) -> bytes:
    """Valid UTF-8 of exactly `n` bytes with multi-byte characters, differing by seed."""
    out = (str(seed) + UNIT * (n // len(UNIT.encode()) + 1)).encode()[:n]
    while True:  # cut back to a whole character, pad with ASCII
        try:
            text = out.decode()
            break
        except UnicodeDecodeError:
            out = out[:-1]
    return (text + "." * (n - len(out))).encode()


def header(n: int) -> bytes:
    """An unmasked text frame's header for `n` payload bytes."""
    if n < 126:
        return bytes([0x81, n])
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big")
    return b"\x81\x7f" + n.to_bytes(8, "big")


BAD = [
    (b"\xff", 0, "invalid start byte"),
    (b"ok \xc3\x28", 3, "invalid continuation byte"),
    (b"cut \xe4\xbd", 4, "unexpected end of data"),
    (b"surrogate \xed\xa0\x80", 10, "invalid continuation byte"),
    (b"overlong \xc0\xaf", 9, "invalid start byte"),
]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("n", [0, 5, 125, HOLD_FROM - 1, HOLD_FROM, 1 << 20])
def test_utf8_bytes_go_out_as_the_text_frame_of_that_str(kind, n):
    data = utf8(n, seed=n)
    for make in (server, client):
        conn, twin = make(), make()
        conn.send_text(kind(data))
        twin.send_text(data.decode())
        wire = conn.data_to_send()
        if make is server:
            assert wire == twin.data_to_send() == header(n) + data
        peer = client() if make is server else server()
        assert received(peer, wire) == [wscore.TextMessage(data.decode())]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("bad,at,why", BAD)
@pytest.mark.parametrize("pad", [0, HOLD_FROM])
def test_bytes_that_are_not_utf8_raise_and_send_nothing(kind, bad, at, why, pad):
    data = b"a" * pad + bad
    srv = server()
    srv.send_text("before")
    with pytest.raises(UnicodeDecodeError) as info:
        srv.send_text(kind(data))
    # What `data.decode()` raises: the same position and reason.
    with pytest.raises(UnicodeDecodeError) as expected:
        data.decode()
    assert (info.value.start, info.value.reason) == (expected.value.start, expected.value.reason)
    assert info.value.start == pad + at and why in str(info.value)
    assert srv.state == "open"
    assert received(client(), srv.data_to_send()) == [wscore.TextMessage("before")]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("n", [3, HOLD_FROM + 3])
def test_skip_utf8_check_sends_the_bytes_unchecked_and_the_peer_fails_with_1007(kind, n):
    good = utf8(n)
    srv = server()
    srv.send_text(kind(good), skip_utf8_check=True)
    srv.send_text(kind(b"\xff" * n), skip_utf8_check=True)  # the caller's promise, broken
    wire = srv.data_to_send()
    assert wire == header(n) + good + header(n) + b"\xff" * n
    events = received(client(), wire)
    assert events[0] == wscore.TextMessage(good.decode())
    assert events[-1].code == 1007 and events[-1].initiator == "protocol_error"


def test_skip_utf8_check_is_keyword_only_and_a_str_needs_no_check():
    srv = server()
    with pytest.raises(TypeError):
        srv.send_text(b"x", True)  # type: ignore[misc]
    srv.send_text("é", skip_utf8_check=True)
    srv.send_text("é", skip_utf8_check=False)
    assert received(client(), srv.data_to_send()) == [wscore.TextMessage("é")] * 2


@pytest.mark.parametrize("bad", [1, None, ["x"], object()])
def test_anything_else_is_a_type_error_naming_what_is_accepted(bad):
    with pytest.raises(TypeError, match="str or its UTF-8 as bytes, bytearray or memoryview"):
        server().send_text(bad)


def test_a_long_bytes_is_kept_by_reference_and_handed_back_as_it_is():
    data = utf8(64 << 10, seed=1)
    srv = server()
    srv.send_text(data)
    srv.send_text(b"t")
    chunks = srv.data_to_send_chunks()
    assert chunks == [header(len(data)), data, b"\x81\x01t"]
    assert chunks[1] is data
    assert_kept_until_taken(data, lambda s: s.send_text(data))
    assert_kept_until_taken(data, lambda s: s.send_text(data, skip_utf8_check=True))


def test_a_long_bytearray_or_memoryview_is_copied_at_the_call():
    data = bytearray(utf8(64 << 10, seed=2))
    srv = server()
    srv.send_text(data)
    srv.send_text(memoryview(data))
    want = header(len(data)) + bytes(data)
    data[:] = b"x" * len(data)  # changed after the call: what was sent stays
    assert b"".join(srv.data_to_send_chunks()) == want * 2


def test_compressed_or_masked_bytes_are_copied_and_arrive_intact():
    data = utf8(64 << 10, seed=3)
    refs = sys.getrefcount(data)
    srv = wscore.Connection.upgraded("server", DEFLATE, **LIMITS)
    cli = client()
    srv.send_text(data)
    cli.send_text(data)
    assert sys.getrefcount(data) == refs, "copied, not kept"
    peer = wscore.Connection.upgraded("client", DEFLATE, **LIMITS)
    assert received(peer, srv.data_to_send()) == [wscore.TextMessage(data.decode())]
    assert received(server(), cli.data_to_send()) == [wscore.TextMessage(data.decode())]


def test_send_text_bytes_after_close_raises_connection_closed_and_checks_first():
    srv = server()
    srv.close()
    with pytest.raises(wscore.ConnectionClosed):
        srv.send_text(b"x")
    with pytest.raises(UnicodeDecodeError):  # the check comes first: a clear cause
        srv.send_text(b"\xff")


# ---- receiving: text_as_bytes=True ----


def bytes_server(**config) -> wscore.Connection:
    return wscore.Connection.upgraded("server", **LIMITS, text_as_bytes=True, **config)


@pytest.mark.parametrize("n", [0, 5, 125, 16 << 10, 1 << 20])
def test_text_as_bytes_reports_text_as_its_validated_utf8(n):
    data = utf8(n, seed=4)
    cli = client()
    cli.send_text(data.decode())
    cli.send_binary(b"bin")
    cli.send_ping(b"p")
    srv = bytes_server()
    events = received(srv, cli.data_to_send())
    assert events == [wscore.TextBytesMessage(data), wscore.BinaryMessage(b"bin"), wscore.Ping(b"p")]
    assert type(events[0].data) is bytes
    assert events[0] != wscore.TextMessage(data.decode())


def test_text_as_bytes_still_fails_invalid_utf8_with_1007():
    cli = client()
    cli.send_binary(b"\xff")  # a binary frame, then a text frame carrying the same bytes
    wire = cli.data_to_send()
    bad_text = bytearray(wire)
    bad_text[0] = 0x81
    events = received(bytes_server(), bytes(bad_text))
    assert [type(e) for e in events] == [wscore.Closed]
    assert events[0].code == 1007


def test_text_as_bytes_on_fragmented_text_joins_the_pieces():
    cli = client()
    cli.send_text_fragment("héllo ", False)
    cli.send_text_fragment("wörld", True)
    assert received(bytes_server(), cli.data_to_send()) == [wscore.TextBytesMessage("héllo wörld".encode())]


def test_text_as_bytes_is_a_setting_off_by_default_for_every_kind_of_connection():
    assert wscore.default_config()["text_as_bytes"] is False
    assert server().config["text_as_bytes"] is False
    assert bytes_server().config["text_as_bytes"] is True
    assert wscore.ServerConnection(text_as_bytes=True).config["text_as_bytes"] is True
    assert wscore.ClientConnection("ws://x/", text_as_bytes=True).config["text_as_bytes"] is True
    with pytest.raises(TypeError):
        wscore.ServerConnection(text_as_bytes="yes")


def test_a_relay_forwards_text_without_a_str():
    """The use it is for: text in as bytes, out with send_text(bytes, skip_utf8_check=True)."""
    data = utf8(64 << 10, seed=5)
    sender, relay, receiver = client(), bytes_server(), client()
    sender.send_text(data.decode())
    [message] = received(relay, sender.data_to_send())
    relay.send_text(message.data, skip_utf8_check=True)
    chunks = relay.data_to_send_chunks()
    assert chunks[1] is message.data, "forwarded by reference"
    assert received(receiver, b"".join(chunks)) == [wscore.TextMessage(data.decode())]


def test_text_bytes_message_matches_like_the_other_events():
    event = wscore.TextBytesMessage(b"hi")
    match event:
        case wscore.TextBytesMessage(data):
            assert data == b"hi"
        case _:
            pytest.fail("no match")
    assert repr(event) == "TextBytesMessage(data=b'hi')"
    assert "TextBytesMessage" in wscore.__all__
