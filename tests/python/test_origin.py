"""Origin/Host policy of wscore.uvicorn.WSProtocol under a real uvicorn on 127.0.0.1.

A page on another site (cross-site WebSocket hijacking) or a forged Host (DNS
rebinding) must get 403 from the handshake, and the app must never see it: here
the app hands every connection the room's history, as the chat demo does.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import wscore
from asgi_apps import Recorder
from conftest import UvicornThread
from wscore.uvicorn import WSProtocol


SECRET = "alice: the door code is 4711"


def history_app(recorder: Recorder) -> Any:
    """Sends the room's history to whoever connects; records each connection."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        recorder.add(dict(scope["headers"]).get(b"origin"))
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": SECRET})
        await send({"type": "websocket.close", "code": 1000})

    return app


class SameOrigin(WSProtocol):
    origins = ("same-origin",)
    allowed_hosts = ("127.0.0.1", "localhost")


async def refused(url: str, **kwargs: Any) -> InvalidStatus:
    async with asyncio.timeout(10):
        with pytest.raises(InvalidStatus) as info:
            async with connect(url, **kwargs):
                pass
    return info.value


async def history(url: str, **kwargs: Any) -> str:
    async with asyncio.timeout(10):
        async with connect(url, **kwargs) as ws:
            return str(await ws.recv())


async def test_a_page_on_another_origin_gets_403_and_no_history(logs):
    recorder = Recorder()
    with UvicornThread(history_app(recorder), ws=SameOrigin) as server:
        error = await refused(server.url + "/ws/lobby", origin="http://evil.example")
        response = error.response
        assert response.status_code == 403
        assert response.headers["Connection"] == "close"
        assert response.body.decode() == (
            'origin "http://evil.example" is not allowed '
            f'(allowed: same-origin (Host "127.0.0.1:{server.port}"))\n'
        )
        # The page served by this server, and a client without Origin, are served.
        assert await history(server.url + "/ws/lobby", origin=f"http://127.0.0.1:{server.port}") == SECRET
        assert await history(server.url + "/ws/lobby") == SECRET
        assert recorder.wait() == [f"http://127.0.0.1:{server.port}".encode(), None]
    assert logs.problems() == []


async def test_a_forged_host_gets_403_even_with_a_matching_origin(logs):
    # DNS rebinding: evil.example resolves to 127.0.0.1, so the page's Origin and
    # the Host header both say evil.example.
    recorder = Recorder()
    with UvicornThread(history_app(recorder), ws=SameOrigin) as server:
        url = f"ws://evil.example:{server.port}/ws/lobby"
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            error = await refused(url, sock=sock, origin=f"http://evil.example:{server.port}")
        assert error.response.status_code == 403
        assert error.response.body.decode() == (
            f'host "evil.example:{server.port}" is not allowed (allowed: 127.0.0.1, localhost)\n'
        )
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            url = f"ws://localhost:{server.port}/ws/lobby"
            assert await history(url, sock=sock, origin=f"http://localhost:{server.port}") == SECRET
        assert recorder.wait() == [f"http://localhost:{server.port}".encode()]
    assert logs.problems() == []


async def test_null_origin_is_refused_unless_listed():
    class AllowNull(WSProtocol):
        origins = ("same-origin", "null")

    for protocol, allowed in ((SameOrigin, False), (AllowNull, True)):
        with UvicornThread(history_app(Recorder()), ws=protocol) as server:
            if allowed:
                assert await history(server.url, origin="null") == SECRET
            else:
                assert (await refused(server.url, origin="null")).response.status_code == 403


async def test_environment_variables_configure_the_cli_protocol(monkeypatch):
    # `uvicorn --ws wscore.uvicorn:WSProtocol` has no subclass: the environment decides.
    recorder = Recorder()
    with UvicornThread(history_app(recorder), ws=WSProtocol) as server:
        # Unset: nothing is checked, as before.
        assert await history(server.url, origin="http://evil.example") == SECRET
        monkeypatch.setenv("WSCORE_ALLOWED_ORIGINS", "https://chat.example, same-origin")
        monkeypatch.setenv("WSCORE_ALLOWED_HOSTS", "127.0.0.1")
        assert (await refused(server.url, origin="http://evil.example")).response.status_code == 403
        assert await history(server.url, origin="https://chat.example") == SECRET
        assert await history(server.url, origin=f"http://127.0.0.1:{server.port}") == SECRET
        assert await history(server.url) == SECRET
        monkeypatch.setenv("WSCORE_REQUIRE_ORIGIN", "1")
        error = await refused(server.url)
        assert error.response.body == b"missing Origin header (this server requires one)\n"


async def test_a_subclass_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("WSCORE_ALLOWED_ORIGINS", "https://chat.example")
    with UvicornThread(history_app(Recorder()), ws=SameOrigin) as server:
        assert (await refused(server.url, origin="https://chat.example")).response.status_code == 403
        assert await history(server.url, origin=f"http://127.0.0.1:{server.port}") == SECRET


def test_bad_policies_are_refused_up_front():
    with pytest.raises(ValueError, match='"https://chat.example/"'):
        wscore.ServerConnection(origins=["https://chat.example/"])
    with pytest.raises(TypeError, match="not a str"):
        wscore.ServerConnection(origins="same-origin")
    with pytest.raises(ValueError, match='"a.\\*"'):
        wscore.check_origin(None, "a", allowed_hosts=["a.*"])


def test_check_origin_is_cores_rule():
    wscore.check_origin("https://Chat.Example:443", "x", origins=["https://chat.example"])
    wscore.check_origin(None, "x", origins=[])  # no Origin: not a browser
    with pytest.raises(wscore.HandshakeError) as info:
        wscore.check_origin("https://chat.example.evil", "x", origins=["https://chat.example"])
    assert info.value.status == 403
    with pytest.raises(wscore.HandshakeError, match="requires one"):
        wscore.check_origin(None, "x", require_origin=True)
