"""guard(origins=..., allowed_hosts=...): the Origin/Host check for apps on servers
that do not run wscore's handshake, on real servers over 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, List

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.exceptions import ConnectionClosed as ClientClosed
from websockets.exceptions import InvalidStatus

import wscore
from wscore.asgi import guard

from .servers import SERVERS, client, running

SECRET = "alice: the door code is 4711"
POLICY = {"origins": ["same-origin"], "allowed_hosts": ["127.0.0.1"]}


def history_app(sent: List[bool], accept_first: bool = False) -> Starlette:
    """Hands the room's history to whoever it accepts; ``sent`` records each try_send."""

    async def endpoint(websocket: WebSocket) -> None:
        if accept_first:  # guarded after accepting, as older code does
            await websocket.accept()
            ws = guard(websocket, **POLICY)
        else:
            ws = guard(websocket, **POLICY)
            if not await ws.accept():
                return
        async with ws:
            sent.append(await ws.try_send_text(SECRET))

    return Starlette(routes=[WebSocketRoute("/ws", endpoint)])


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.mark.parametrize("server", SERVERS)
async def test_a_page_on_another_origin_is_refused_with_403(server: str) -> None:
    sent: List[bool] = []
    before = wscore.asgi.stats()["origins_refused"]
    async with running(server, history_app(sent)) as url:
        with pytest.raises(InvalidStatus) as info:
            async with client(url + "/ws", origin="http://evil.example"):
                pass
        response = info.value.response
        assert response.status_code == 403
        assert response.body.decode() == (
            f'origin "http://evil.example" is not allowed (allowed: same-origin (Host "127.0.0.1:{port_of(url)}"))\n'
        )
        async with client(url + "/ws", origin=f"http://127.0.0.1:{port_of(url)}") as connection:
            assert await connection.recv() == SECRET
    assert sent == [True]
    assert wscore.asgi.stats()["origins_refused"] - before == 1


@pytest.mark.parametrize("server", SERVERS)
async def test_a_forged_host_is_refused(server: str) -> None:
    sent: List[bool] = []
    async with running(server, history_app(sent)) as url:
        port = port_of(url)
        sock = socket.create_connection(("127.0.0.1", port))
        with pytest.raises(InvalidStatus) as info:
            async with client(f"ws://evil.example:{port}/ws", sock=sock, origin=f"http://evil.example:{port}"):
                pass
        sock.close()
        assert info.value.response.status_code == 403
        assert b'host "evil.example:' in info.value.response.body
    assert sent == []


@pytest.mark.parametrize("server", SERVERS)
async def test_guarded_after_accept_closes_with_1008_and_sends_nothing(server: str) -> None:
    sent: List[bool] = []
    async with running(server, history_app(sent, accept_first=True)) as url:
        async with client(url + "/ws", origin="http://evil.example") as connection:
            with pytest.raises(ClientClosed):
                await asyncio.wait_for(connection.recv(), 10)
            assert connection.close_code == 1008
            assert connection.close_reason.startswith('origin "http://evil.example" is not allowed')
    assert sent == [False]


async def test_without_the_response_extension_the_refusal_is_close_1008() -> None:
    # A server that cannot send an HTTP response from the app: close before accept.
    sent: List[dict] = []

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/ws",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://evil.example")],
        "extensions": {},
    }
    await history_app([])(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008
    assert sent[0]["reason"].startswith('origin "http://evil.example" is not allowed')


async def test_no_policy_checks_nothing_and_bad_entries_fail_loudly() -> None:
    def websocket() -> WebSocket:
        scope = {"type": "websocket", "headers": [(b"host", b"a"), (b"origin", b"http://evil.example")]}
        return WebSocket(scope, receive=None, send=None)  # type: ignore[arg-type]

    assert guard(websocket()).closed is None
    with pytest.raises(ValueError, match="https://a.example/"):
        guard(websocket(), origins=["https://a.example/"])
