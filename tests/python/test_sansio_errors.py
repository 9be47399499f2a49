"""Sans-IO API: every error type, send after close, close idempotence, panics."""

import pytest

import wscore
from conftest import pair, relay


def test_send_after_local_close_raises_connection_closed_local():
    client, server = pair()
    assert server.close(1001, "restarting") is True
    for send in (lambda: server.send_text("x"), lambda: server.send_binary(b"x"), lambda: server.send_ping()):
        with pytest.raises(wscore.ConnectionClosed) as info:
            send()
        assert (info.value.code, info.value.reason, info.value.initiator) == (1001, "restarting", "local")
        assert info.value.closed_by_us
    # close is idempotent and never raises for already-closed
    assert server.close() is False
    assert server.close(4000, "again") is False


def test_send_after_remote_close_raises_connection_closed_remote():
    client, server = pair()
    client.close(4002, "client done")
    relay(client, server)
    with pytest.raises(wscore.ConnectionClosed) as info:
        server.send_text("too late")
    assert (info.value.code, info.value.reason, info.value.initiator) == (4002, "client done", "remote")
    assert not info.value.closed_by_us
    assert server.close() is False


def test_send_after_eof_raises_connection_closed_transport():
    client, server = pair()
    server.receive_eof()
    [closed] = server.events()
    assert closed == wscore.Closed(1006, "", False, "transport", None)
    with pytest.raises(wscore.ConnectionClosed) as info:
        server.send_binary(b"x")
    assert (info.value.code, info.value.initiator) == (1006, "transport")


def test_protocol_error_fails_connection_and_is_the_cause():
    client, server = pair()
    server.receive_data(b"\x81\x05hello")  # unmasked frame from a client
    [closed] = server.events()
    assert (closed.code, closed.clean, closed.initiator) == (1002, False, "protocol_error")
    assert closed.error == "client frame is not masked"
    assert isinstance(server.failure, wscore.ProtocolError)
    assert server.failure.code == 1002
    with pytest.raises(wscore.ConnectionClosed) as info:
        server.send_text("x")
    assert info.value.initiator == "protocol_error"
    assert isinstance(info.value.__cause__, wscore.ProtocolError)
    # our close frame with 1002 went on the wire
    [close_received, *_] = relay(server, client)
    assert close_received.code == 1002


def test_message_too_big_is_payload_too_big_1009():
    client, server = pair(max_message_size=10)
    client.send_binary(b"x" * 11)
    [closed] = relay(client, server)
    assert closed.code == 1009 and closed.initiator == "protocol_error"
    assert isinstance(server.failure, wscore.PayloadTooBig)
    assert isinstance(server.failure, wscore.ProtocolError)
    assert server.failure.code == 1009


def test_invalid_utf8_is_1007():
    client, server = pair()
    server.receive_data(bytes([0x81, 0x81, 0, 0, 0, 0, 0xFF]))  # masked (zero key) text "\xff"
    [closed] = server.events()
    assert (closed.code, closed.error) == (1007, "invalid UTF-8 in text message")
    assert server.failure.code == 1007 and type(server.failure) is wscore.ProtocolError


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2999, 5000])
def test_invalid_close_code(code):
    client, server = pair()
    with pytest.raises(wscore.InvalidCloseArguments):
        server.close(code)
    assert server.state == "open" and server.data_to_send() == b""


def test_close_reason_too_long():
    client, server = pair()
    with pytest.raises(wscore.InvalidCloseArguments, match="123"):
        server.close(1000, "x" * 124)
    with pytest.raises(ValueError):  # InvalidCloseArguments is a ValueError too
        server.close(1000, "é" * 62)
    assert server.close(1000, "é" * 61) is True


def test_send_before_open_is_invalid_state():
    server = wscore.ServerConnection()
    with pytest.raises(wscore.InvalidState):
        server.send_text("x")
    with pytest.raises(wscore.InvalidState):
        server.accept()  # no request yet
    client = wscore.ClientConnection("ws://localhost/")
    with pytest.raises(wscore.InvalidState):
        client.send_binary(b"x")


def test_close_during_handshake_aborts():
    client = wscore.ClientConnection("ws://localhost/")
    assert client.close() is False
    assert client.should_close_transport
    [closed] = client.events()
    assert closed.initiator == "local" and closed.code == 1006


def test_control_frame_too_long():
    client, server = pair()
    with pytest.raises(wscore.ControlFrameTooLong):
        server.send_ping(b"x" * 126)
    server.send_ping(b"x" * 125)


def test_accept_errors():
    client = wscore.ClientConnection("ws://localhost/", subprotocols=["a"])
    server = wscore.ServerConnection()
    relay(client, server)
    with pytest.raises(wscore.InvalidHandshakeAnswer, match="not offered"):
        server.accept("b")
    with pytest.raises(wscore.InvalidHandshakeAnswer):
        server.accept(headers=[("X-Bad", "a\r\nb")])
    with pytest.raises(wscore.InvalidHandshakeAnswer):
        server.reject(101)
    server.accept("a")
    with pytest.raises(wscore.InvalidState):
        server.accept("a")


def test_handshake_errors():
    with pytest.raises(wscore.HandshakeError, match="URL"):
        wscore.ClientConnection("http://localhost/")
    with pytest.raises(wscore.HandshakeError):
        wscore.ClientConnection("ws://localhost/", subprotocols=["bad token"])
    server = wscore.ServerConnection()
    server.receive_data(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
    [closed] = server.events()
    assert closed.code == 1006 and "POST" in closed.error
    assert isinstance(server.failure, wscore.HandshakeError) and server.failure.status == 405
    assert server.data_to_send().startswith(b"HTTP/1.1 405")


def test_all_errors_are_websocket_errors():
    for cls in (
        wscore.ConnectionClosed, wscore.ProtocolError, wscore.PayloadTooBig, wscore.HandshakeError,
        wscore.InvalidCloseArguments, wscore.InvalidState, wscore.InternalError,
        wscore.InvalidHandshakeAnswer, wscore.ControlFrameTooLong,
    ):
        assert issubclass(cls, wscore.WebSocketError)


def test_data_type_errors():
    client, server = pair()
    with pytest.raises(TypeError):
        server.send_binary("text is not bytes")
    with pytest.raises(TypeError):
        server.send_text(12)  # a str or its UTF-8 (test_sansio_text_bytes.py)
    with pytest.raises(TypeError):
        server.receive_data(12)


def test_rust_panic_becomes_internal_error_and_fails_the_connection():
    client, server = pair()
    assert hasattr(server, "_debug_panic"), "build with `make python-develop` (feature test-hooks)"
    with pytest.raises(wscore.InternalError, match="debug panic"):
        server._debug_panic()
    # never pyo3's PanicException (a BaseException), and only this connection fails
    assert server.state == "closed" and server.should_close_transport
    [closed] = server.events()
    assert (closed.code, closed.clean) == (1006, False) and "debug panic" in closed.error
    assert server.events() == []
    with pytest.raises(wscore.InternalError):
        server.send_text("x")
    assert server.close() is False
    assert server.data_to_send() == b""
    other_client, other_server = pair()
    other_client.send_text("still fine")
    assert relay(other_client, other_server) == [wscore.TextMessage("still fine")]


def test_debug_panic_is_not_public():
    import pathlib
    stub = pathlib.Path(wscore.__file__).with_name("_wscore.pyi").read_text()
    assert "_debug_panic" not in stub


def test_validate_close_is_cores_rule():
    wscore.validate_close(4000, "é" * 61)  # 122 bytes: fine
    with pytest.raises(wscore.InvalidCloseArguments, match="123"):
        wscore.validate_close(1000, "é" * 62)
    with pytest.raises(wscore.InvalidCloseArguments):
        wscore.validate_close(1005, "")


def test_close_reason_too_long_names_the_python_helper_not_rust():
    client, server = pair()
    with pytest.raises(wscore.InvalidCloseArguments) as info:
        server.close(1000, "x" * 124)
    message = str(info.value)
    assert "::" not in message and "wscore.truncate_close_reason()" in message
    assert server.close(1000, wscore.truncate_close_reason("x" * 124)) is True


@pytest.mark.parametrize(
    "code, initiator, kind",
    [
        (1000, "local", wscore.ConnectionClosedOK),
        (1001, "remote", wscore.ConnectionClosedOK),
        (4000, "remote", wscore.ConnectionClosedError),
        (1011, "local", wscore.ConnectionClosedError),
    ],
)
def test_send_after_close_raises_ok_or_error_as_websockets_does(code, initiator, kind):
    client, server = pair()
    closer = server if initiator == "local" else client
    closer.close(code, "")
    relay(client, server)
    with pytest.raises(kind) as info:
        server.send_text("late")
    assert isinstance(info.value, wscore.ConnectionClosed)
    assert (info.value.code, info.value.initiator) == (code, initiator)
    other = ({wscore.ConnectionClosedOK, wscore.ConnectionClosedError} - {kind}).pop()
    assert not isinstance(info.value, other)


def test_peer_close_without_code_is_ok_and_a_dropped_transport_is_an_error():
    assert type(wscore.ConnectionClosed(1005, "", "remote")) is wscore.ConnectionClosedOK
    client, server = pair()
    server.receive_eof()
    with pytest.raises(wscore.ConnectionClosedError) as info:
        server.send_text("late")
    assert (info.value.code, info.value.initiator) == (1006, "transport")
