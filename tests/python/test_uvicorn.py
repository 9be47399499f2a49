"""wscore.uvicorn.WSProtocol under a real uvicorn.Server, with a websockets client."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus

import wscore
from asgi_apps import FIREHOSE_COUNT, FIREHOSE_SIZE, Recorder, fastapi_app, raw_app
from conftest import UvicornThread
from wscore.uvicorn import WebSocketClosed, WSProtocol
from uvicorn.protocols.utils import ClientDisconnected

pytestmark = pytest.mark.asyncio


async def test_echo_text_and_bytes(logs):
    recorder = Recorder()
    with UvicornThread(fastapi_app(recorder)) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo", max_size=None) as ws:
                await ws.send("héllo")
                assert await ws.recv() == "héllo"
                await ws.send(b"\x00\xff" * 1000)
                assert await ws.recv() == b"\x00\xff" * 1000
                big = b"b" * (4 << 20)
                await ws.send(big)
                assert await ws.recv() == big
            assert recorder.wait() == [("disconnect", 1000)]
    assert logs.problems() == []


async def test_subprotocol_negotiated():
    with UvicornThread(fastapi_app(Recorder())) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo", subprotocols=["chat", "superchat"]) as ws:
                assert ws.subprotocol == "superchat"
                await ws.send("x")
                assert await ws.recv() == "x"


async def test_close_before_accept_is_403(logs):
    with UvicornThread(fastapi_app(Recorder())) as server:
        async with asyncio.timeout(10):
            with pytest.raises(InvalidStatus) as info:
                async with connect(server.url + "/deny"):
                    pass
    assert info.value.response.status_code == 403
    assert logs.problems() == []


async def test_limit_concurrency_refuses_upgrades_with_503(logs):
    # uvicorn itself checks --limit-concurrency only for plain HTTP requests.
    with UvicornThread(fastapi_app(Recorder()), limit_concurrency=3) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo") as first, connect(server.url + "/echo") as second:
                with pytest.raises(InvalidStatus) as info:
                    async with connect(server.url + "/echo"):
                        pass
                assert info.value.response.status_code == 503
                for ws in (first, second):
                    await ws.send("still served")
                    assert await ws.recv() == "still served"
            # The limit counts open connections: once they are gone, one is served again.
            await asyncio.sleep(0.2)
            async with connect(server.url + "/echo") as ws:
                await ws.send("x")
                assert await ws.recv() == "x"
    assert logs.problems() == []


async def test_denial_response_via_http_response_extension():
    with UvicornThread(fastapi_app(Recorder())) as server:
        async with asyncio.timeout(10):
            with pytest.raises(InvalidStatus) as info:
                async with connect(server.url + "/teapot"):
                    pass
    response = info.value.response
    assert response.status_code == 418
    assert response.body == b"short and stout"
    assert response.headers["x-pot"] == "1"
    # The app's own Content-Length is dropped by core, which frames the body: one header.
    assert response.headers.get_all("content-length") == [str(len(b"short and stout"))]


async def test_scope(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder), root_path="/root") as server:
        async with asyncio.timeout(10):
            with pytest.raises(InvalidStatus):
                async with connect(server.url + "/scope?a=1&b=%20", subprotocols=["p1", "p2"],
                                   additional_headers={"X-Thing": "v"}):
                    pass
        [scope] = recorder.wait()
    assert scope["asgi"]["spec_version"] == "2.4"
    assert scope["path"] == "/root/scope" and scope["raw_path"] == b"/root/scope"
    assert scope["query_string"] == b"a=1&b=%20"
    assert scope["subprotocols"] == ["p1", "p2"]
    assert (b"x-thing", b"v") in scope["headers"]
    assert scope["scheme"] == "ws" and scope["client"][0] == "127.0.0.1"
    assert scope["extensions"] == {"websocket.http.response": {}}


async def test_app_close_delivers_everything_then_code_and_reason(logs):
    recorder = Recorder()
    with UvicornThread(fastapi_app(recorder)) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/goodbye", max_size=None) as ws:
                received = []
                with pytest.raises(ConnectionClosed) as info:
                    while True:
                        received.append(await ws.recv())
        assert recorder.wait() == ["closed"]
    assert received[:200] == [f"message {i}" for i in range(200)]
    assert received[200:] == [b"x" * 300_000]
    closed = info.value
    assert (closed.rcvd.code, closed.rcvd.reason) == (4001, "see you")
    # the client's reply went out and the server waited for it: a clean closing handshake
    assert closed.sent is not None and closed.sent.code == 4001
    assert closed.rcvd_then_sent is True
    assert logs.problems() == []


def _abort(sock: socket.socket) -> None:
    """Close with RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


async def _open_raw(url: str) -> tuple[socket.socket, wscore.ClientConnection, list]:
    """A client on a blocking socket (so the test can stop reading or abort it);
    returns it with the connection and the events so far (Accepted first)."""
    client = wscore.ClientConnection(url, max_message_size=1 << 20)
    host, port = url.split("//")[1].split("/")[0].split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(client.data_to_send())
    events: list = []
    while not events:
        data = sock.recv(65536)
        assert data, "server closed during the handshake"
        client.receive_data(data)
        events = client.events()
    assert isinstance(events[0], wscore.Accepted)
    return sock, client, events


async def test_client_vanishing_while_raw_app_sends(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        sock, _, _ = await _open_raw(server.url + "/flood")
        sock.recv(4096)  # messages are flowing
        _abort(sock)
        [error] = recorder.wait()
    assert isinstance(error, WebSocketClosed)
    assert isinstance(error, ClientDisconnected) and isinstance(error, OSError)
    assert isinstance(error, wscore.ConnectionClosed)
    assert (error.code, error.initiator) == (1006, "transport")
    assert logs.problems() == []


async def test_client_vanishing_while_fastapi_app_sends(logs):
    recorder = Recorder()
    with UvicornThread(fastapi_app(recorder)) as server:
        sock, _, _ = await _open_raw(server.url + "/flood")
        sock.recv(4096)
        _abort(sock)
        assert recorder.wait() == [("WebSocketDisconnect", 1006)]  # Starlette's translation of OSError
    assert logs.problems() == []


async def test_an_app_that_does_not_receive_stops_the_server_reading(logs):
    """Read backpressure: the server takes one message and at most one more read,
    then stops reading, so a client flooding a deaf app stalls in its own socket."""
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        sock, client, _ = await _open_raw(server.url + "/deaf")
        sock.settimeout(1.0)
        sent = 0
        message_size, limit = 64 * 1024, 256 * 1024 * 1024
        try:
            while sent < limit:
                client.send_binary(b"m" * message_size)
                sock.sendall(client.data_to_send())
                sent += message_size
        except (socket.timeout, BlockingIOError):
            pass
        recorder.add("done")  # lets the app return
        _abort(sock)
    # Kernel buffers on both sides hold a few MiB at most; without backpressure
    # the server would read all of it into memory.
    assert sent < 64 * 1024 * 1024, f"the server read {sent} bytes for a deaf app"
    assert logs.problems() == []


async def test_send_after_own_close_is_typed_and_never_logged(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/send-after-close") as ws:
                assert await ws.recv() == "before close"
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
        [error] = recorder.wait()
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4003, "app done")
    assert isinstance(error, WebSocketClosed)
    assert (error.code, error.reason, error.initiator) == (4003, "app done", "local")
    assert logs.problems() == []


async def test_send_after_peer_close(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/after-peer-close") as ws:
                await ws.close(4005, "client leaving")
        disconnect, error = recorder.wait() and _wait_len(recorder, 2)
    assert disconnect == {"type": "websocket.disconnect", "code": 4005, "reason": "client leaving"}
    assert isinstance(error, WebSocketClosed)
    assert (error.code, error.reason, error.initiator) == (4005, "client leaving", "remote")
    assert logs.problems() == []


async def test_text_as_bytes_is_refused_as_asgi_requires(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/text-bytes") as ws:
                assert await ws.recv() == "ok"
                assert await ws.recv() == b"raw utf-8"  # 'bytes' is a binary message
        [error] = recorder.wait()
    assert isinstance(error, TypeError) and "'text' must be a str, not bytes" in str(error)
    assert logs.problems() == []


def _wait_len(recorder: Recorder, n: int, timeout: float = 10.0) -> list:
    import time

    deadline = time.monotonic() + timeout
    while len(recorder.items) < n:
        assert time.monotonic() < deadline, f"expected {n} records, got {recorder.items}"
        time.sleep(0.01)
    return recorder.items


async def test_app_returning_closes_with_1000():
    with UvicornThread(raw_app(Recorder())) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/return") as ws:
                assert await ws.recv() == "last words"
                with pytest.raises(ConnectionClosedOK) as info:
                    await ws.recv()
    assert info.value.rcvd.code == 1000


async def test_ws_max_size_fails_with_1009():
    recorder = Recorder()
    with UvicornThread(fastapi_app(recorder), ws_max_size=1000) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo") as ws:
                await ws.send(b"x" * 1000)
                assert await ws.recv() == b"x" * 1000
                await ws.send(b"x" * 1001)
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
            assert ws.close_code == 1009
        assert recorder.wait() == [("disconnect", 1009)]


async def test_keepalive_pings_from_uvicorn_settings():
    from ws_driver import connect as raw_connect

    with UvicornThread(raw_app(Recorder()), ws_ping_interval=0.2, ws_ping_timeout=5.0) as server:
        driver, accepted = await raw_connect(server.url + "/linger")
        assert isinstance(accepted, wscore.Accepted)
        pings = []
        while len(pings) < 2:
            event = await driver.next_event(timeout=3)
            if isinstance(event, wscore.Ping):
                pings.append(event)
        driver.close()
        await driver.wait_closed()
    assert len(pings) == 2


async def test_server_shutdown_closes_with_1012():
    recorder = Recorder()
    server = UvicornThread(raw_app(recorder))
    with server:
        async with asyncio.timeout(10):
            ws = await connect(server.url + "/linger")
            server.server.should_exit = True
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1012
    # No reason key on a server shutdown, as on uvicorn's protocols.
    assert recorder.wait() == [{"type": "websocket.disconnect", "code": 1012}]


async def test_write_backpressure_pauses_the_app():
    import time

    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        sock, client, events = await _open_raw(server.url + "/firehose")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        time.sleep(1.0)  # not reading: the socket buffers fill, then the transport pauses writing
        sent_while_blocked = len(recorder.items)
        # 400 x 64 KiB = 25 MiB; kernel buffers plus the transport's 64 KiB high-water mark hold far less
        assert sent_while_blocked < FIREHOSE_COUNT // 2, f"the app was not paused ({sent_while_blocked} sent)"
        messages = [e for e in events if isinstance(e, wscore.BinaryMessage)]
        sock.settimeout(10)
        while len(messages) < FIREHOSE_COUNT:
            chunk = sock.recv(1 << 20)
            assert chunk, f"connection closed early: {len(messages)} messages"
            client.receive_data(chunk)
            messages += [e for e in client.events() if isinstance(e, wscore.BinaryMessage)]
        sock.close()
    assert recorder.items[-1] == FIREHOSE_COUNT
    assert len(messages) == FIREHOSE_COUNT
    assert all(m.data == b"f" * FIREHOSE_SIZE for m in messages)


async def test_client_protocol_error_reaches_the_app_as_1002(logs):
    recorder = Recorder()
    with UvicornThread(raw_app(recorder)) as server:
        sock, _, _ = await _open_raw(server.url + "/linger")
        sock.sendall(b"\x81\x02hi")  # unmasked: clients must mask
        [message] = recorder.wait()
        reply = sock.recv(1024)
        sock.close()
    assert message == {"type": "websocket.disconnect", "code": 1002, "reason": "client frame is not masked"}
    assert reply[:1] == b"\x88" and int.from_bytes(reply[2:4], "big") == 1002
    assert logs.problems() == []


@pytest.mark.parametrize("enabled", [True, False])
async def test_ws_per_message_deflate_setting(enabled):
    with UvicornThread(fastapi_app(Recorder()), ws_per_message_deflate=enabled) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo") as ws:  # websockets offers permessage-deflate
                names = [ext.name for ext in ws.protocol.extensions]
                text = "compress me " * 500
                await ws.send(text)
                assert await ws.recv() == text
    assert names == (["permessage-deflate"] if enabled else [])


async def test_deflate_windows_settable_by_subclass():
    class SmallWindows(WSProtocol):
        deflate = {"server_max_window_bits": 9, "client_max_window_bits": 9, "mem_level": 1}

    with UvicornThread(fastapi_app(Recorder()), ws=SmallWindows, ws_per_message_deflate=True) as server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo") as ws:
                [ext] = ws.protocol.extensions
                text = "compress me " * 500
                await ws.send(text)
                assert await ws.recv() == text
    # websockets' extension object records what the server's response agreed to.
    assert (ext.name, ext.remote_max_window_bits, ext.local_max_window_bits) == ("permessage-deflate", 9, 9)
