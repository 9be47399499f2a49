"""Sans-IO API: the handshake and the events, in memory."""

import pytest

import wscore
from conftest import pair, relay


def test_request_fields_and_accept_with_subprotocol_and_headers():
    client = wscore.ClientConnection("ws://example.com:8080/chat?x=1", subprotocols=["a", "b"], headers=[("X-Token", b"t")])
    server = wscore.ServerConnection()
    assert server.state == "connecting" and server.role == "server" and client.role == "client"
    [request] = relay(client, server)
    assert request.target == "/chat?x=1"
    assert (b"Host", b"example.com:8080") in request.headers
    assert (b"X-Token", b"t") in request.headers
    assert request.subprotocols == ["a", "b"]
    assert request.extensions == []
    server.accept(subprotocol="b", headers=[("X-Server", "wscore")])
    [accepted] = relay(server, client)
    assert isinstance(accepted, wscore.Accepted)
    assert accepted.subprotocol == "b"
    assert (b"X-Server", b"wscore") in accepted.headers
    assert client.subprotocol == server.subprotocol == "b"
    assert client.state == server.state == "open"
    assert (client.our_state, client.their_state) == ("open", "open")


def test_messages_ping_pong_in_order():
    client, server = pair()
    client.send_text("héllo")
    client.send_binary(b"\x00\x01")
    client.send_ping(b"p1")
    client.send_pong(b"unsolicited")
    events = relay(client, server)
    assert events == [
        wscore.TextMessage("héllo"),
        wscore.BinaryMessage(b"\x00\x01"),
        wscore.Ping(b"p1"),
        wscore.Pong(b"unsolicited"),
    ]
    # auto_pong answered the ping
    assert relay(server, client) == [wscore.Pong(b"p1")]


def test_auto_pong_off():
    client, server = pair(auto_pong=False)
    client.send_ping(b"x")
    assert relay(client, server) == [wscore.Ping(b"x")]
    assert server.data_to_send() == b""
    server.send_pong(b"x")
    assert relay(server, client) == [wscore.Pong(b"x")]


def test_match_statement_and_repr():
    client, server = pair()
    client.send_text("hi")
    client.close(4001, "done")
    seen = []
    for event in relay(client, server):
        match event:
            case wscore.TextMessage(data):
                seen.append(("text", data))
            case wscore.CloseReceived(code, reason):
                seen.append(("close", code, reason))
            case wscore.Closed(code, reason, clean, initiator, error):
                seen.append(("closed", code, reason, clean, initiator, error))
    assert seen == [("text", "hi"), ("close", 4001, "done"), ("closed", 4001, "done", True, "remote", None)]
    assert repr(wscore.TextMessage("hi")) == "TextMessage(data='hi')"
    assert repr(wscore.CloseReceived(1000, "")) == "CloseReceived(code=1000, reason='')"
    assert wscore.Closed.__match_args__ == ("code", "reason", "clean", "initiator", "error")


def test_events_are_frozen_and_compare_by_value():
    event = wscore.BinaryMessage(b"x")
    with pytest.raises(AttributeError):
        event.data = b"y"
    with pytest.raises(AttributeError):
        event.other = 1
    assert event == wscore.BinaryMessage(b"x")
    assert event != wscore.BinaryMessage(b"y")
    assert event != wscore.Ping(b"x")


def test_rejected_event_and_reject_response():
    client = wscore.ClientConnection("ws://localhost/")
    server = wscore.ServerConnection()
    relay(client, server)
    server.reject(401, headers=[("WWW-Authenticate", "Basic")], body=b"no entry")
    assert server.should_close_transport
    assert [type(e) for e in server.events()] == [wscore.Closed]
    events = relay(server, client)
    rejected, closed = events
    assert isinstance(rejected, wscore.Rejected)
    assert rejected.status == 401 and rejected.body == b"no entry"
    assert (b"WWW-Authenticate", b"Basic") in rejected.headers
    assert isinstance(closed, wscore.Closed) and closed.code == 1006 and not closed.clean
    assert "401" in closed.error
    assert isinstance(client.failure, wscore.HandshakeError) and client.failure.status == 401


def test_clean_close_initiated_by_client():
    client, server = pair()
    assert client.close(1000, "bye") is True
    assert client.state == "closing" and client.our_state == "closed" and client.their_state == "open"
    close_received, closed = relay(client, server)
    assert close_received == wscore.CloseReceived(1000, "bye")
    assert closed == wscore.Closed(1000, "bye", True, "remote", None)
    assert server.should_close_transport and server.state == "closed"
    assert relay(server, client) == [wscore.CloseReceived(1000, "")]  # the reply echoes the code
    client.receive_eof()
    [closed] = client.events()
    assert (closed.code, closed.clean, closed.initiator) == (1000, True, "local")
    assert client.close_info == wscore.CloseInfo(1000, "bye", "local")


def test_default_config_comes_from_core():
    config = wscore.default_config()
    assert config == {
        "max_frame_size": 16 << 20,
        "max_message_size": 16 << 20,
        "max_handshake_size": 16 << 10,
        "handshake_timeout": 10.0,
        "close_timeout": 10.0,
        "ping_interval": None,
        "pong_timeout": 20.0,
        "auto_pong": True,
        "auto_close_reply": True,
        "text_as_bytes": False,
        "deflate": None,
        "origins": None,
        "require_origin": False,
        "allowed_hosts": None,
        "output_high_water": 1 << 20,
        "output_stall_timeout": 30.0,
        "memory_budget": None,
    }
    conn = wscore.ServerConnection(max_message_size=5, close_timeout=None, ping_interval=1.5)
    assert conn.config["max_message_size"] == 5
    assert conn.config["close_timeout"] is None
    assert conn.config["ping_interval"] == 1.5
    with pytest.raises(TypeError, match="bogus"):
        wscore.ServerConnection(bogus=1)
    with pytest.raises(ValueError, match="handshake_timeout"):
        wscore.ServerConnection(handshake_timeout=-1.0)


def test_permessage_deflate_negotiated_by_core():
    client = wscore.ClientConnection("ws://localhost/", deflate=True)
    server = wscore.ServerConnection(deflate={"server_max_window_bits": 12, "min_size": 0})
    assert server.config["deflate"]["server_max_window_bits"] == 12
    [request] = relay(client, server)
    assert request.extensions and request.extensions[0].startswith("permessage-deflate")
    server.accept()
    [accepted] = relay(server, client)
    assert client.deflate is not None and server.deflate is not None
    assert server.deflate["server_max_window_bits"] == 12
    text = "compressible " * 1000
    server.send_text(text)
    wire = server.data_to_send()
    assert len(wire) < len(text) // 10
    client.receive_data(wire)
    assert client.events() == [wscore.TextMessage(text)]
    plain_client, plain_server = pair()
    assert plain_client.deflate is None and plain_server.deflate is None
    with pytest.raises(TypeError, match="deflate"):
        wscore.ServerConnection(deflate="yes")
    with pytest.raises(TypeError, match="bogus"):
        wscore.ServerConnection(deflate={"bogus": 1})


def test_auto_close_reply_off_lets_the_application_answer_a_close():
    client = wscore.ClientConnection("ws://localhost/chat")
    server = wscore.ServerConnection(auto_close_reply=False)
    server.receive_data(client.data_to_send())
    server.events()
    server.accept()
    relay(server, client)
    client.close(4000, "bye")
    assert relay(client, server) == [wscore.CloseReceived(4000, "bye")]
    assert server.data_to_send() == b"", "no automatic echo"
    assert not server.should_close_transport
    assert server.close(4001, "mine") is True
    assert [e for e in relay(server, client) if isinstance(e, wscore.CloseReceived)] == [wscore.CloseReceived(4001, "mine")]
    [closed] = server.events()
    assert (closed.code, closed.clean, closed.initiator) == (4000, True, "remote")
    assert server.should_close_transport
