"""wscore.asgi.WebSocket: Starlette's WebSocket, attribute by attribute, with the guard's close rules."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Dict, List

import pytest
from starlette import websockets as starlette_websockets
from starlette.datastructures import URL, Address, Headers, QueryParams
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketState
from websockets.exceptions import InvalidStatus

import wscore
from wscore.asgi import GuardedWebSocket, WebSocket, WebSocketDisconnect, guard

from .endpoint import DropInEndpoint
from .servers import SERVERS, client, running

PATH = "/ws/alice?room=7&tag=a&tag=b"
HEADERS = {"Cookie": "session=abc; theme=dark", "X-Trace": "t1"}

# Each request attribute: what it must be for PATH and HEADERS (besides equal to Starlette's).
EXPECTED: Dict[str, Callable[[Any, DropInEndpoint], bool]] = {
    "headers": lambda v, _: isinstance(v, Headers) and v["x-trace"] == "t1",
    "query_params": lambda v, _: isinstance(v, QueryParams) and v.getlist("tag") == ["a", "b"] and v["room"] == "7",
    "path_params": lambda v, _: v == {"name": "alice"},
    "url": lambda v, _: isinstance(v, URL) and (v.scheme, v.path, v.query) == ("ws", "/ws/alice", "room=7&tag=a&tag=b"),
    "base_url": lambda v, _: isinstance(v, URL) and v.path == "/" and v.query == "",
    "client": lambda v, _: isinstance(v, Address) and v.host == "127.0.0.1" and v.port > 0,
    "cookies": lambda v, _: v == {"session": "abc", "theme": "dark"},
    "scope": lambda v, _: v["type"] == "websocket" and v["path"] == "/ws/alice",
    "app": lambda v, endpoint: v is endpoint.app,
}


async def read_all(connection: Any) -> List[Any]:
    received: List[Any] = []
    try:
        while True:
            received.append(await connection.recv())
    except Exception:  # websockets' ConnectionClosed: the close is on ``connection``
        return received


def test_it_is_a_starlette_websocket_with_every_public_method_and_signature() -> None:
    assert issubclass(WebSocket, starlette_websockets.WebSocket)
    assert issubclass(WebSocketDisconnect, starlette_websockets.WebSocketDisconnect)
    assert issubclass(WebSocketDisconnect, wscore.ConnectionClosed)
    for name, theirs in inspect.getmembers(starlette_websockets.WebSocket):
        if name.startswith("_"):
            continue
        ours = getattr(WebSocket, name)
        if inspect.isfunction(theirs):  # their parameters come first, same names and defaults
            their_params = list(inspect.signature(theirs).parameters.values())
            our_params = list(inspect.signature(ours).parameters.values())[: len(their_params)]
            assert [(p.name, p.kind, p.default) for p in our_params] == [
                (p.name, p.kind, p.default) for p in their_params
            ], name
            assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs), name
            assert inspect.isasyncgenfunction(ours) == inspect.isasyncgenfunction(theirs), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_request_attribute_is_starlettes(name: str) -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        ours, theirs = getattr(ws, name), getattr(raw, name)
        await ws.close()
        return ours, theirs

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url, client(url + PATH, additional_headers=HEADERS) as connection:
        await read_all(connection)
        ours, theirs = await endpoint.outcome()
    assert ours == theirs
    assert type(ours) is type(theirs)
    assert EXPECTED[name](ours, endpoint)


async def test_state_is_the_requests_state() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        ws.state.user = "alice"
        raw.state.room = "7"
        await ws.close()  # before accepting: a 403
        return raw.state.user, ws.state.room, ws.scope["state"]

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url:
        with pytest.raises(InvalidStatus) as refused:
            async with client(url + "/ws/x"):
                pass
        user, room, state = await endpoint.outcome()
    assert refused.value.response.status_code == 403
    assert (user, room) == ("alice", "7")
    assert state == {"user": "alice", "room": "7"}


async def test_accept_with_a_subprotocol_and_headers_then_every_send_and_receive() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        states = [(ws.client_state, ws.application_state)]
        await ws.accept("chat", headers=[(b"x-server", b"wscore")])
        states.append((ws.client_state, ws.application_state))
        got = [await ws.receive(), await ws.receive_text(), await ws.receive_bytes(), await ws.receive_json()]
        got.append(await ws.receive_json(mode="binary"))
        await ws.send({"type": "websocket.send", "text": "one"})
        await ws.send_text("two")
        await ws.send_bytes(b"three")
        await ws.send_json({"four": 4})
        await ws.send_json([5], mode="binary")
        got.append([text async for text in ws.iter_text()])  # until the client closes
        states.append((ws.client_state, ws.application_state))
        got.append(await ws.receive())  # the disconnect, once
        return got, states, ws.closed

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url:
        async with client(url + "/ws/x", subprotocols=["chat"]) as connection:
            assert connection.subprotocol == "chat"
            assert connection.response.headers["x-server"] == "wscore"
            for message in ("zero", "text", b"bytes", '{"a": 1}', b'{"b": 2}'):
                await connection.send(message)
            assert [await connection.recv() for _ in range(5)] == ["one", "two", b"three", '{"four":4}', b"[5]"]
            await connection.send("last")
            await connection.close(4001, "done")
        got, states, closed = await endpoint.outcome()
    assert got == [
        {"type": "websocket.receive", "text": "zero"},
        "text",
        b"bytes",
        {"a": 1},
        {"b": 2},
        ["last"],
        {"type": "websocket.disconnect", "code": 4001, "reason": "done"},
    ]
    connecting, connected, closed_state = (WebSocketState.CONNECTING,) * 2, (WebSocketState.CONNECTED,) * 2, (
        WebSocketState.DISCONNECTED,
    ) * 2
    assert states == [connecting, connected, closed_state]
    assert (closed.code, closed.reason, closed.initiator) == (4001, "done", "remote")


@pytest.mark.parametrize("server", SERVERS)
async def test_iter_bytes_and_iter_json_stop_at_the_close(server: str) -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        first = [await ws.receive_bytes()]
        first += [data async for data in ws.iter_bytes()]
        return first, [data async for data in ws.iter_json()]

    endpoint = DropInEndpoint(handler)
    async with running(server, endpoint.app) as url:
        async with client(url + "/ws/x") as connection:
            await connection.send(b"a")
            await connection.send(b"b")
        assert await endpoint.outcome() == ([b"a", b"b"], [])


@pytest.mark.parametrize("server", SERVERS)
async def test_send_after_the_client_left_does_nothing_and_receive_raises_disconnect(server: str) -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        assert await ws.receive_text() == "hello"
        with pytest.raises(starlette_websockets.WebSocketDisconnect) as left:
            await ws.receive_text()
        sent = [await ws.send_text("late"), await ws.send_bytes(b"late"), await ws.send_json([1])]
        await ws.close()  # nothing to do: returns at once
        return left.value, sent, (ws.client_state, ws.application_state), ws.guard.stats()

    endpoint = DropInEndpoint(handler)
    async with running(server, endpoint.app) as url:
        async with client(url + "/ws/x") as connection:
            await connection.send("hello")
            await connection.close(4005, "bye")
        left, sent, states, stats = await endpoint.outcome()
    assert isinstance(left, WebSocketDisconnect) and isinstance(left, wscore.ConnectionClosed)
    # hypercorn 0.18 reports 1006 for every close the client starts (test_guard.py).
    expected = (4005, "bye", "remote") if server == "uvicorn" else (1006, "", "transport")
    assert (left.code, left.reason, left.initiator) == expected
    assert sent == [None, None, None]
    assert states == (WebSocketState.DISCONNECTED, WebSocketState.DISCONNECTED)
    assert stats["sends_after_close_avoided"] == 3


@pytest.mark.parametrize("server", SERVERS)
async def test_close_from_another_task_ends_receive_text_with_a_local_disconnect(server: str) -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        received: List[str] = []
        first = asyncio.Event()

        async def reader() -> None:
            async for text in ws.iter_text():
                received.append(text)
                first.set()

        reading = asyncio.ensure_future(reader())
        await first.wait()
        await asyncio.gather(ws.close(4003, "enough"), ws.close(4004, "second"))  # closes once
        await asyncio.wait_for(reading, 2)  # iter_text ended by itself
        with pytest.raises(WebSocketDisconnect) as late:
            await ws.receive_text()
        await ws.send_text("after")  # does nothing
        return received, late.value, ws.guard.stats()

    endpoint = DropInEndpoint(handler)
    async with running(server, endpoint.app) as url, client(url + "/ws/x") as connection:
        for i in range(50):
            try:
                await connection.send(f"m{i}")
            except Exception:  # the server's close arrived
                break
            await asyncio.sleep(0.005)
        assert await read_all(connection) == []
        assert (connection.close_code, connection.close_reason) == (4003, "enough")
        received, late, stats = await endpoint.outcome()
    assert received[0] == "m0"
    assert (late.code, late.reason, late.initiator) == (4003, "enough", "local")
    assert stats["close_races_resolved"] == 1 and stats["sends_after_close_avoided"] == 1


async def test_close_flushes_what_was_sent_before_it() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        senders = [asyncio.ensure_future(ws.send_text(f"m{i}")) for i in range(50)]
        await asyncio.sleep(0)  # every sender has queued its message
        await ws.close(4000, "done")
        await asyncio.gather(*senders)

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws/x") as connection:
        assert await read_all(connection) == [f"m{i}" for i in range(50)]
        assert (connection.close_code, connection.close_reason) == (4000, "done")
        await endpoint.outcome()


async def test_send_denial_response_answers_with_http() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.send_denial_response(PlainTextResponse("no entry\n", status_code=401))
        await ws.close()  # the response ended the request: nothing to do
        return ws.application_state

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url:
        with pytest.raises(InvalidStatus) as refused:
            async with client(url + "/ws/x"):
                pass
        assert await endpoint.outcome() == WebSocketState.DISCONNECTED
    assert (refused.value.response.status_code, refused.value.response.body) == (401, b"no entry\n")


async def test_one_dropin_and_one_guard_per_connection() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()
        same = WebSocket.of(raw) is ws and WebSocket.of(ws) is ws and guard(raw) is ws.guard and guard(ws) is ws.guard
        await ws.close()
        return same, ws.guard

    endpoint = DropInEndpoint(handler, send_timeout=1.5)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws/x") as connection:
        await read_all(connection)
        same, guarded = await endpoint.outcome()
    assert same is True
    assert isinstance(guarded, GuardedWebSocket) and guarded.send_timeout == 1.5


async def test_origin_policy_refuses_at_accept_and_the_socket_reads_closed() -> None:
    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        await ws.accept()  # refused: answers 403 instead
        await ws.send_text("secret")  # does nothing
        with pytest.raises(WebSocketDisconnect) as refused:
            await ws.receive_text()
        return refused.value

    endpoint = DropInEndpoint(handler, origins=["https://chat.example"])
    async with running("uvicorn", endpoint.app) as url:
        with pytest.raises(InvalidStatus) as answer:
            async with client(url + "/ws/x", origin="https://evil.example"):
                pass
        refused = await endpoint.outcome()
    assert answer.value.response.status_code == 403
    assert (refused.code, refused.initiator) == (1008, "local")
