"""Sans-IO API: timers driven by handle_timeout, and bytes-like input."""

import array

import pytest

import wscore
from conftest import pair, relay


def test_handshake_timeout():
    server = wscore.ServerConnection(handshake_timeout=2.5)
    assert server.next_timeout() == 0.0  # "tell me the time": timers count from the first reading
    server.handle_timeout(0.0)
    assert server.next_timeout() == 2.5
    server.handle_timeout(2.4)
    assert server.events() == [] and server.state == "connecting"
    server.handle_timeout(2.5)
    [closed] = server.events()
    assert closed.code == 1006 and closed.error == "opening handshake timed out"
    assert server.should_close_transport
    assert server.next_timeout() is None


def test_close_timeout_when_peer_never_answers():
    client, server = pair(close_timeout=3.0)
    server.handle_timeout(100.0)
    assert server.close(1000, "bye")
    assert server.next_timeout() == pytest.approx(103.0)
    server.handle_timeout(102.9)
    assert server.events() == []
    server.handle_timeout(103.0)
    [closed] = server.events()
    assert (closed.code, closed.clean, closed.initiator) == (1006, False, "local")
    assert server.should_close_transport


def test_keepalive_ping_and_pong_timeout():
    client, server = pair(ping_interval=1.0, pong_timeout=0.5)
    server.handle_timeout(0.0)
    assert server.next_timeout() == pytest.approx(1.0)
    server.handle_timeout(1.0)
    [ping] = relay(server, client)
    assert isinstance(ping, wscore.Ping) and len(ping.payload) == 8
    # the client answered, but we do not deliver the pong: the timeout fires
    client.data_to_send()
    server.handle_timeout(1.5)
    [closed] = server.events()
    assert closed.code == 1011 and not closed.clean  # told the peer why before dropping it
    assert closed.error == "keepalive ping timeout"


def test_keepalive_pong_answered_keeps_connection_open():
    client, server = pair(ping_interval=1.0, pong_timeout=0.5)
    server.handle_timeout(0.0)
    server.handle_timeout(1.0)
    assert isinstance(relay(server, client)[0], wscore.Ping)
    assert relay(client, server)[0].__class__ is wscore.Pong
    server.handle_timeout(1.6)
    assert server.state == "open"


def test_time_must_be_non_negative_finite():
    server = wscore.ServerConnection()
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            server.handle_timeout(bad)


@pytest.mark.parametrize(
    "make",
    [bytes, bytearray, lambda b: memoryview(b), lambda b: memoryview(bytearray(b"..") + b)[2:], lambda b: array.array("B", b)],
    ids=["bytes", "bytearray", "memoryview", "memoryview-slice", "array"],
)
def test_bytes_like_input(make):
    client, server = pair()
    client.send_binary(make(b"payload"))
    client.send_ping(make(b"pi"))
    server.receive_data(make(client.data_to_send()))
    assert server.events() == [wscore.BinaryMessage(b"payload"), wscore.Ping(b"pi")]


def test_bytearray_is_read_in_place_and_locked_while_borrowed():
    client, server = pair()
    data = bytearray(b"abc")
    client.send_binary(data)
    data[0] = ord("z")  # the frame was already built from the original bytes
    assert relay(client, server) == [wscore.BinaryMessage(b"abc")]


def test_non_contiguous_buffer_is_refused():
    client, server = pair()
    with pytest.raises(TypeError, match="contiguous"):
        client.send_binary(memoryview(b"abcdef")[::2])
