"""wscore.compat.wsproto against the real wsproto 1.3, in memory: handshake,
messages, permessage-deflate, close, send-after-close, ping/pong, rejections,
protocol errors and unsupported extensions, in both roles."""

from __future__ import annotations

import os
import struct
import types
from typing import Any, List, Tuple

import pytest
import wsproto as real

import wscore
import wscore.compat.wsproto as ours
from wscore.compat.wsproto import events as oev
from wscore.compat.wsproto.extensions import Extension, PerMessageDeflate
from wscore.compat.wsproto.utilities import (
    ConnectionClosedError,
    LocalProtocolError,
    RemoteProtocolError,
    UnsupportedExtension,
)

CLIENT, SERVER = ours.ConnectionType.CLIENT, ours.ConnectionType.SERVER

# (server module, client module): ours against real wsproto both ways, and ours with ours.
PAIRS = [pytest.param(ours, real, id="ours-server"), pytest.param(real, ours, id="ours-client"), pytest.param(ours, ours, id="ours-both")]


def make(mod: types.ModuleType, client: bool) -> Any:
    kind = mod.connection.ConnectionType.CLIENT if client else mod.connection.ConnectionType.SERVER
    return mod.WSConnection(kind)


def pmd(mod: types.ModuleType, **kwargs: Any) -> Any:
    return mod.extensions.PerMessageDeflate(**kwargs)


def open_pair(smod: types.ModuleType, cmod: types.ModuleType, deflate: dict | None = None) -> Tuple[Any, Any, Any, Any]:
    """Handshake; returns (server, client, server's AcceptConnection event sent, client's received)."""
    server, client = make(smod, False), make(cmod, True)
    extensions = [pmd(cmod, **deflate)] if deflate is not None else []
    server.receive_data(client.send(cmod.events.Request(host="localhost", target="/chat?x=1", extensions=extensions, subprotocols=["chat"])))
    [request] = list(server.events())
    assert isinstance(request, smod.events.Request)
    assert (request.host, request.target, request.subprotocols) == ("localhost", "/chat?x=1", ["chat"])
    server_ext = [pmd(smod, **deflate)] if deflate is not None else []
    accept = smod.events.AcceptConnection(subprotocol="chat", extensions=server_ext, extra_headers=[(b"x-test", b"1")])
    client.receive_data(server.send(accept))
    [accepted] = list(client.events())
    assert isinstance(accepted, cmod.events.AcceptConnection)
    assert accepted.subprotocol == "chat"
    assert (b"x-test", b"1") in accepted.extra_headers
    assert server.state is smod.connection.ConnectionState.OPEN
    assert client.state is cmod.connection.ConnectionState.OPEN
    return server, client, server_ext, accepted


def deliver(src: Any, dst: Any, event: Any) -> List[Any]:
    dst.receive_data(src.send(event))
    return list(dst.events())


def messages(events: List[Any]) -> List[Any]:
    """Received data events reassembled into whole messages (wsproto delivers frames)."""
    out: List[Any] = []
    parts: List[Any] = []
    for e in events:
        parts.append(e.data)
        if e.message_finished:
            out.append("".join(parts) if isinstance(parts[0], str) else b"".join(parts))
            parts = []
    return out


@pytest.mark.parametrize("smod, cmod", PAIRS)
def test_messages_both_ways(smod: types.ModuleType, cmod: types.ModuleType) -> None:
    server, client, _, _ = open_pair(smod, cmod)
    for payload in ["hello", "", "日本語 ✓", b"\x00\xff" * 10, b"", "x" * 70_000, os.urandom(1 << 20)]:
        for src, dst, mod in [(client, server, cmod), (server, client, smod)]:
            cls = mod.events.TextMessage if isinstance(payload, str) else mod.events.BytesMessage
            assert messages(deliver(src, dst, cls(data=payload))) == [payload]


@pytest.mark.parametrize("smod, cmod", PAIRS)
def test_fragmented_sends(smod: types.ModuleType, cmod: types.ModuleType) -> None:
    server, client, _, _ = open_pair(smod, cmod)
    for src, dst, mod in [(client, server, cmod), (server, client, smod)]:
        received: List[Any] = []
        for i, part in enumerate(["frag", "ment", "ed ✓"]):
            received += deliver(src, dst, mod.events.TextMessage(data=part, message_finished=i == 2))
        assert messages(received) == ["fragmented ✓"]
        received = []
        for i, part in enumerate([b"a", b"b", b"c"]):
            received += deliver(src, dst, mod.events.BytesMessage(data=part, message_finished=i == 2))
        assert messages(received) == [b"abc"]


def test_switching_type_inside_a_fragmented_message_is_a_type_error() -> None:
    server, client, _, _ = open_pair(ours, real)
    server.send(oev.TextMessage(data="a", message_finished=False))
    with pytest.raises(TypeError):
        server.send(oev.BytesMessage(data=b"b", message_finished=True))


@pytest.mark.parametrize("smod, cmod", PAIRS)
def test_permessage_deflate_is_negotiated_and_compresses(smod: types.ModuleType, cmod: types.ModuleType) -> None:
    server, client, server_ext, accepted = open_pair(smod, cmod, deflate={"client_max_window_bits": 10, "server_max_window_bits": 11})
    [client_ext] = accepted.extensions
    assert client_ext.enabled() and server_ext[0].enabled()
    for ext in (client_ext, server_ext[0]):
        assert (ext.client_max_window_bits, ext.server_max_window_bits) == (10, 11)
    text = '{"user": "ana", "text": "hello everyone in the room"}' * 200
    for src, dst, mod in [(client, server, cmod), (server, client, smod)]:
        wire = src.send(mod.events.TextMessage(data=text))
        assert len(wire) < len(text) // 10, "compressed"
        assert wire[0] & 0x40, "RSV1 set"
        dst.receive_data(wire)
        assert messages(list(dst.events())) == [text]


def test_no_deflate_when_the_server_does_not_accept_it() -> None:
    server, client, _, accepted = open_pair(ours, real, deflate=None)
    assert accepted.extensions == []
    assert server.connection.core.deflate is None


@pytest.mark.parametrize("smod, cmod", PAIRS)
@pytest.mark.parametrize("closer", ["client", "server"])
def test_close_handshake(smod: types.ModuleType, cmod: types.ModuleType, closer: str) -> None:
    server, client, _, _ = open_pair(smod, cmod)
    (a, amod), (b, bmod) = ((client, cmod), (server, smod)) if closer == "client" else ((server, smod), (client, cmod))
    [received] = deliver(a, b, amod.events.CloseConnection(code=4000, reason="bye"))
    assert a.state is amod.connection.ConnectionState.LOCAL_CLOSING
    assert isinstance(received, bmod.events.CloseConnection)
    assert (received.code, received.reason) == (4000, "bye")
    assert b.state is bmod.connection.ConnectionState.REMOTE_CLOSING
    [reply] = deliver(b, a, received.response())
    assert isinstance(reply, amod.events.CloseConnection) and reply.code == 4000
    assert a.state is amod.connection.ConnectionState.CLOSED
    assert b.state is bmod.connection.ConnectionState.CLOSED


def test_send_after_local_close_raises_typed_local_protocol_error() -> None:
    server, client, _, _ = open_pair(ours, real)
    server.send(oev.CloseConnection(code=4000, reason="bye"))
    for event in [oev.TextMessage(data="late"), oev.CloseConnection(code=1000), oev.Ping()]:
        with pytest.raises(LocalProtocolError) as raised:
            server.send(event)
        err = raised.value
        assert isinstance(err, ConnectionClosedError) and isinstance(err, wscore.ConnectionClosed)
        assert (err.code, err.reason, err.initiator) == (4000, "bye", "local")


def test_send_after_remote_close_says_the_peer_closed() -> None:
    server2, client2, _, _ = open_pair(real, ours)
    # The peer's close arrived but is not read yet: the send already fails, typed.
    client2.receive_data(server2.send(real.events.CloseConnection(code=4002, reason="go")))
    with pytest.raises(ConnectionClosedError) as raised:
        client2.send(oev.TextMessage(data="late"))
    assert (raised.value.code, raised.value.initiator) == (4002, "remote")
    [closing] = list(client2.events())
    assert client2.state is ours.ConnectionState.REMOTE_CLOSING
    with pytest.raises(ConnectionClosedError):
        client2.send(oev.BytesMessage(data=b"late"))
    client2.send(closing.response())
    with pytest.raises(ConnectionClosedError):
        client2.send(closing.response())


@pytest.mark.parametrize("smod, cmod", PAIRS)
def test_ping_is_not_answered_automatically(smod: types.ModuleType, cmod: types.ModuleType) -> None:
    server, client, _, _ = open_pair(smod, cmod)
    for src, dst, smodule, dmodule in [(client, server, cmod, smod), (server, client, smod, cmod)]:
        [ping] = deliver(src, dst, smodule.events.Ping(payload=b"are you there"))
        assert isinstance(ping, dmodule.events.Ping) and ping.payload == b"are you there"
        # Nothing was queued for the peer until the application answers.
        assert dst.send(dmodule.events.TextMessage(data="x"))[0] & 0x0F == 0x1
        [pong] = deliver(dst, src, ping.response())
        assert isinstance(pong, smodule.events.Pong) and pong.payload == b"are you there"


def test_eof_reports_1006_and_then_refuses_data() -> None:
    server, client, _, _ = open_pair(ours, real)
    server.receive_data(None)
    [closed] = list(server.events())
    assert closed == oev.CloseConnection(code=1006)
    assert server.state is ours.ConnectionState.CLOSED
    with pytest.raises(LocalProtocolError):
        server.receive_data(b"\x81\x80abcd")


def masked_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + key + masked


@pytest.mark.parametrize("frame, code", [(masked_frame(0x1, b"\xff\xfe"), 1007), (masked_frame(0x3, b""), 1002)])
def test_protocol_error_yields_close_and_the_response_sends_cores_close_frame(frame: bytes, code: int) -> None:
    server, client, _, _ = open_pair(ours, real)
    server.receive_data(masked_frame(0x1, b"before") + frame)
    events = list(server.events())
    assert events[0] == oev.TextMessage(data="before")
    assert isinstance(events[1], oev.CloseConnection) and events[1].code == code
    assert server.state is ours.ConnectionState.REMOTE_CLOSING
    wire = server.send(events[1].response())
    client.receive_data(wire)
    [close] = list(client.events())
    assert isinstance(close, real.events.CloseConnection) and close.code == code


def test_server_rejection_with_a_body() -> None:
    server, client = make(ours, False), make(real, True)
    server.receive_data(client.send(real.events.Request(host="localhost", target="/")))
    list(server.events())
    head = server.send(oev.RejectConnection(status_code=403, headers=[(b"content-type", b"text/plain")], has_body=True))
    assert server.state is ours.ConnectionState.REJECTING
    wire = head + server.send(oev.RejectData(data=b"no ", body_finished=False)) + server.send(oev.RejectData(data=b"entry"))
    assert server.state is ours.ConnectionState.CLOSED
    client.receive_data(wire)
    events = list(client.events())
    assert isinstance(events[0], real.events.RejectConnection) and events[0].status_code == 403
    assert b"".join(e.data for e in events[1:]) == b"no entry"


def test_client_sees_a_rejection() -> None:
    server, client = make(real, False), make(ours, True)
    server.receive_data(client.send(oev.Request(host="localhost", target="/")))
    list(server.events())
    wire = server.send(real.events.RejectConnection(status_code=404, headers=[(b"content-length", b"4")], has_body=True))
    wire += server.send(real.events.RejectData(data=b"gone"))
    client.receive_data(wire)
    events = list(client.events())
    assert events == [oev.RejectConnection(status_code=404, headers=events[0].headers, has_body=True), oev.RejectData(data=b"gone")]
    assert client.state is ours.ConnectionState.CLOSED


def test_bad_request_raises_remote_protocol_error_whose_hint_sends_cores_answer() -> None:
    server = make(ours, False)
    with pytest.raises(RemoteProtocolError) as raised:
        server.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
    hint = raised.value.event_hint
    # Core's answer to a request without Sec-WebSocket-Version is 426, and it
    # is what sending the hint writes.
    assert isinstance(hint, oev.RejectConnection) and hint.status_code == 426
    answer = server.send(hint)
    assert answer.startswith(b"HTTP/1.1 426 ") and b"Sec-WebSocket-Version: 13" in answer
    assert server.state is ours.ConnectionState.CLOSED


def test_events_before_the_handshake_cannot_be_sent() -> None:
    with pytest.raises(LocalProtocolError):
        make(ours, False).send(oev.TextMessage(data="too early"))


class Custom(Extension):
    name = "x-custom"

    def offer(self) -> str:
        return "level=1"

    def accept(self, offer: str) -> str:
        return "level=1"


def test_custom_extension_that_would_run_is_refused_clearly() -> None:
    # Offered by a real client and accepted by the extension: cannot run on core.
    server, client = make(ours, False), make(real, True)

    class RealCustom(real.extensions.Extension):
        name = "x-custom"

        def offer(self) -> str:
            return "level=1"

    server.receive_data(client.send(real.events.Request(host="h", target="/", extensions=[RealCustom()])))
    list(server.events())
    with pytest.raises(UnsupportedExtension, match="x-custom"):
        server.send(oev.AcceptConnection(extensions=[Custom()]))
    assert isinstance(UnsupportedExtension("x"), NotImplementedError)
    # Not offered by the client: it takes no part, and the connection opens.
    server, client, _, _ = open_pair(ours, real)
    with pytest.raises(UnsupportedExtension):
        make(ours, True).send(oev.Request(host="h", target="/", extensions=[Custom()]))
    enabled = Custom()
    enabled.enabled = lambda: True  # type: ignore[method-assign]
    with pytest.raises(UnsupportedExtension):
        ours.connection.Connection(SERVER, [enabled])


def test_post_handshake_connection_like_hypercorn_builds_it() -> None:
    """hypercorn negotiates with server_extensions_handshake and then builds
    Connection(SERVER, extensions); a real wsproto client talks to it."""
    client = make(real, True)
    request = client.send(real.events.Request(host="h", target="/", extensions=[real.extensions.PerMessageDeflate()]))
    headers = dict(line.split(b": ", 1) for line in request.split(b"\r\n")[1:] if b": " in line)
    offers = ours.utilities.split_comma_header(headers[b"Sec-WebSocket-Extensions"])
    extensions: List[Extension] = [PerMessageDeflate()]
    accepts = ours.handshake.server_extensions_handshake(offers, extensions)
    assert accepts is not None and accepts.startswith(b"permessage-deflate")
    key = ours.utilities.generate_accept_token(headers[b"Sec-WebSocket-Key"])
    assert key == real.utilities.generate_accept_token(headers[b"Sec-WebSocket-Key"])
    response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\nSec-WebSocket-Extensions: %s\r\n\r\n" % (key, accepts)
    client.receive_data(response)
    [accepted] = list(client.events())
    assert accepted.extensions and accepted.extensions[0].enabled()
    conn = ours.connection.Connection(SERVER, extensions)
    assert conn.core.deflate is not None
    text = "compress me " * 500
    wire = conn.send(oev.TextMessage(data=text))
    assert len(wire) < len(text) // 10
    client.receive_data(wire)
    assert messages(list(client.events())) == [text]
    conn.receive_data(client.send(real.events.TextMessage(data=text)))
    assert list(conn.events()) == [oev.TextMessage(data=text)]


def test_close_codes_wsproto_rewrites_and_ones_core_refuses() -> None:
    for code, on_wire in [(1006, 1000), (1015, 1000), (1005, 1000), (4999, 4999)]:
        server, client, _, _ = open_pair(ours, real)
        client.receive_data(server.send(oev.CloseConnection(code=code, reason="r" * 200)))
        [close] = list(client.events())
        assert close.code == on_wire
        assert len(close.reason.encode()) <= 123
    server, _, _, _ = open_pair(ours, real)
    with pytest.raises(LocalProtocolError) as raised:
        server.send(oev.CloseConnection(code=999))
    assert isinstance(raised.value, wscore.InvalidCloseArguments)
    assert server.state is ours.ConnectionState.OPEN, "nothing was sent"


def test_long_ping_is_a_value_error() -> None:
    server, _, _, _ = open_pair(ours, real)
    with pytest.raises(ValueError):
        server.send(oev.Ping(payload=b"x" * 126))


def test_close_frame_code_parses() -> None:
    # The reply core sends in REMOTE_CLOSING echoes the peer's code.
    server, client, _, _ = open_pair(ours, real)
    [close] = deliver(client, server, real.events.CloseConnection(code=4321, reason="why"))
    wire = server.send(close.response())
    assert wire[0] == 0x88 and struct.unpack("!H", wire[2:4])[0] == 4321


def test_initiate_upgrade_connection_with_a_request_parsed_elsewhere() -> None:
    server = make(ours, False)
    headers = [(b"host", b"example.com"), (b"upgrade", b"websocket"), (b"connection", b"Upgrade"),
               (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"sec-websocket-version", b"13")]
    server.initiate_upgrade_connection(headers, "/room?id=7")
    [request] = list(server.events())
    assert (request.host, request.target) == ("example.com", "/room?id=7")
    answer = server.send(oev.AcceptConnection())
    assert answer.startswith(b"HTTP/1.1 101 ")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in answer  # RFC 6455 §1.3's example
    with pytest.raises(LocalProtocolError):
        make(ours, True).initiate_upgrade_connection(headers, "/")


def test_message_size_limit_is_configurable_and_fails_with_1009() -> None:
    server, client = ours.WSConnection(SERVER, config={"max_message_size": 1000}), make(real, True)
    server.receive_data(client.send(real.events.Request(host="h", target="/")))
    list(server.events())
    client.receive_data(server.send(oev.AcceptConnection()))
    list(client.events())
    server.receive_data(client.send(real.events.BytesMessage(data=b"x" * 999)))
    assert [len(e.data) for e in server.events()] == [999]
    server.receive_data(client.send(real.events.BytesMessage(data=b"x" * 1001)))
    [close] = list(server.events())
    assert close.code == 1009
    client.receive_data(server.send(close.response()))
    assert [e.code for e in client.events()] == [1009]


@pytest.mark.parametrize("smod, cmod", PAIRS)
@pytest.mark.parametrize("closer", ["client", "server"])
def test_close_reply_carries_the_applications_code_and_reason(smod: types.ModuleType, cmod: types.ModuleType, closer: str) -> None:
    # trio-websocket and hypercorn answer with their own CloseConnection, and their
    # peers read its code and reason, not an echo of the first close.
    server, client, _, _ = open_pair(smod, cmod)
    (a, amod), (b, bmod) = ((client, cmod), (server, smod)) if closer == "client" else ((server, smod), (client, cmod))
    [received] = deliver(a, b, amod.events.CloseConnection(code=1001, reason="going"))
    [reply] = deliver(b, a, bmod.events.CloseConnection(code=4005, reason="app says no"))
    assert (reply.code, reply.reason) == (4005, "app says no")
    assert (received.code, received.reason) == (1001, "going")
    assert a.state is amod.connection.ConnectionState.CLOSED
    assert b.state is bmod.connection.ConnectionState.CLOSED


@pytest.mark.parametrize("mod", [pytest.param(real, id="real"), pytest.param(ours, id="ours")])
@pytest.mark.parametrize("status", [100, 102, 103])
def test_an_informational_answer_is_a_rejection_without_body(mod: types.ModuleType, status: int) -> None:
    client = make(mod, True)
    client.send(mod.events.Request(host="localhost", target="/"))
    client.receive_data(f"HTTP/1.1 {status} Continue\r\nx-a: b\r\n\r\n".encode())
    events = list(client.events())
    assert events == [mod.events.RejectConnection(status_code=status, headers=[(b"x-a", b"b")], has_body=False)]
    assert client.state is mod.connection.ConnectionState.CLOSED
