"""Programming errors on wscore.asgi.WebSocket (and the guard) say what to do, in words.

Each case misuses a real connection from a handler and checks the exception's
type and message: never a ConnectionClosed 1006 for what is a bug in the app.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Tuple, Type

import pytest
from starlette import websockets as starlette_websockets
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketState
from websockets.exceptions import InvalidStatus

import wscore
from wscore.asgi import WebSocket, WebSocketStateError, guard

from .endpoint import DropInEndpoint
from .servers import client, running

Misuse = Callable[[WebSocket, starlette_websockets.WebSocket], Awaitable[Any]]
NOT_ACCEPTED = "before the connection is accepted: call accept() first"


async def deny(ws: WebSocket) -> None:
    await ws.send_denial_response(PlainTextResponse("no", status_code=403))


async def receive_until_disconnect(ws: WebSocket) -> None:
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass


# (what is done wrong, the exception type, words its message must contain)
CASES: "dict[str, Tuple[Misuse, Type[BaseException], str]]" = {
    "send_text before accept": (lambda ws, raw: ws.send_text("x"), WebSocketStateError, "send " + NOT_ACCEPTED),
    "send_bytes before accept": (lambda ws, raw: ws.send_bytes(b"x"), WebSocketStateError, "send " + NOT_ACCEPTED),
    "send_json before accept": (lambda ws, raw: ws.send_json({}), WebSocketStateError, "send " + NOT_ACCEPTED),
    "send before accept": (
        lambda ws, raw: ws.send({"type": "websocket.send", "text": "x"}),
        WebSocketStateError,
        "send " + NOT_ACCEPTED,
    ),
    "receive_text before accept": (
        lambda ws, raw: ws.receive_text(),
        WebSocketStateError,
        "receive_text() " + NOT_ACCEPTED,
    ),
    "receive_bytes before accept": (
        lambda ws, raw: ws.receive_bytes(),
        WebSocketStateError,
        "receive_bytes() " + NOT_ACCEPTED,
    ),
    "receive_json before accept": (
        lambda ws, raw: ws.receive_json(),
        WebSocketStateError,
        "receive_text() " + NOT_ACCEPTED,
    ),
    "guard send before accept": (
        lambda ws, raw: guard(raw).send_text("x"),
        WebSocketStateError,
        "cannot send " + NOT_ACCEPTED,
    ),
    "guard receive before accept": (
        lambda ws, raw: guard(raw).receive(),
        WebSocketStateError,
        "cannot receive " + NOT_ACCEPTED,
    ),
    "accept twice": (lambda ws, raw: ws.accept(), WebSocketStateError, "accept() was already called"),
    "accept after close": (
        lambda ws, raw: ws.accept(),
        WebSocketStateError,
        "accept() after close(): the request was already rejected",
    ),
    "accept after denial": (
        lambda ws, raw: ws.accept(),
        WebSocketStateError,
        "accept() after send_denial_response(): the request was refused",
    ),
    "receive_text after denial": (
        lambda ws, raw: ws.receive_text(),
        WebSocketStateError,
        "receive_text() after send_denial_response(): the request was refused",
    ),
    "denial after accept": (
        lambda ws, raw: deny(ws),
        WebSocketStateError,
        "send_denial_response() must come before accept() and close()",
    ),
    "send_text with bytes": (
        lambda ws, raw: ws.send_text(b"x"),  # type: ignore[arg-type]
        TypeError,
        "send_text() takes a str, not bytes: use send_bytes() for bytes",
    ),
    "send_bytes with a str": (
        lambda ws, raw: ws.send_bytes("x"),  # type: ignore[arg-type]
        TypeError,
        "send_bytes() takes bytes, not str: use send_text() for a str",
    ),
    "send without a payload": (
        lambda ws, raw: ws.send({"type": "websocket.send"}),
        TypeError,
        'a "websocket.send" message needs "text" or "bytes"',
    ),
    "send_json with a bad mode": (
        lambda ws, raw: ws.send_json({}, mode="binery"),
        RuntimeError,
        'The "mode" argument should be "text" or "binary".',
    ),
    "receive_json with a bad mode": (
        lambda ws, raw: ws.receive_json(mode="binery"),
        RuntimeError,
        'The "mode" argument should be "text" or "binary".',
    ),
    "receive_text of a binary message": (
        lambda ws, raw: ws.receive_text(),
        TypeError,
        "receive_text() got a binary message: use receive_bytes(), or receive() for either",
    ),
    "receive_bytes of a text message": (
        lambda ws, raw: ws.receive_bytes(),
        TypeError,
        "receive_bytes() got a text message: use receive_text(), or receive() for either",
    ),
    "close with a reserved code": (
        lambda ws, raw: ws.close(1006),
        wscore.InvalidCloseArguments,
        "1006",
    ),
    "close with a reason over 123 bytes": (
        lambda ws, raw: ws.close(1000, "é" * 62),
        wscore.InvalidCloseArguments,
        "123",
    ),
    "receive after the disconnect": (
        lambda ws, raw: ws.receive(),
        starlette_websockets.WebSocketDisconnected,
        'Cannot call "receive" once a disconnect message has been received.',
    ),
}

# What each case needs done first (nothing: the request is not accepted yet).
SETUP: "dict[str, Callable[[WebSocket], Awaitable[Any]]]" = {
    "accept after close": lambda ws: ws.close(),
    "accept after denial": deny,
    "receive_text after denial": deny,
    "receive_bytes of a text message": lambda ws: ws.receive_bytes(),  # takes the binary one
    "receive after the disconnect": receive_until_disconnect,
}
BEFORE_ACCEPT = {name for name in CASES if "before accept" in name or name in ("accept after close",)}
BEFORE_ACCEPT |= {"accept after denial", "receive_text after denial"}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_misuse_is_named_in_words(name: str) -> None:
    misuse, expected_type, words = CASES[name]

    async def handler(ws: WebSocket, raw: starlette_websockets.WebSocket) -> Any:
        if name not in BEFORE_ACCEPT:
            await ws.accept()
        setup = SETUP.get(name)
        if setup is not None:
            await setup(ws)
        error: Optional[BaseException] = None
        try:
            await misuse(ws, raw)
        except Exception as caught:
            error = caught
        if ws.application_state == WebSocketState.CONNECTING:
            await ws.close()  # reject the request the case left pending
        else:
            await ws.close(1000)
        return error, ws.closed

    endpoint = DropInEndpoint(handler)
    async with running("uvicorn", endpoint.app) as url:
        try:
            async with client(url + "/ws/x") as connection:
                await connection.send(b"binary")
                await connection.send("text")
                if name == "receive after the disconnect":
                    await connection.close()
                try:
                    while True:
                        await connection.recv()
                except Exception:  # closed by the server
                    pass
        except InvalidStatus:  # the handler never accepted
            assert name in BEFORE_ACCEPT
        error, closed = await endpoint.outcome()
    assert type(error) is expected_type, repr(error)
    assert words in str(error)
    if expected_type is WebSocketStateError:
        assert isinstance(error, RuntimeError) and isinstance(error, wscore.InvalidState)
    if name.startswith("close with"):
        assert closed is not None and closed.code == 1000  # the bad close sent nothing
