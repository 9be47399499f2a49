"""The ASGI apps the uvicorn servers under attack run (``uvicorn --app-dir tests/hostile apps:echo``).

``echo`` sends every message back; ``slow`` does the same but takes a millisecond per
message, like an app that writes each message to a database: a client can send far
faster than it handles.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _echo(scope: dict[str, Any], receive: Receive, send: Send, delay: float) -> None:
    if scope["type"] != "websocket":
        return await _not_found(send)
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if delay:
            await asyncio.sleep(delay)
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


async def echo(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    await _echo(scope, receive, send, 0.0)


async def slow(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    await _echo(scope, receive, send, 0.001)
