"""One-route Starlette apps whose handler result the test can await."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from wscore.asgi import GuardedWebSocket, WebSocket, guard

Handler = Callable[[GuardedWebSocket], Awaitable[Any]]


class Endpoint:
    """Serves ``/ws``: accept, guard (with ``options``), run ``handler``.

    The handler's return value (or exception) lands in :attr:`result`, so a
    server-side assertion failure fails the test instead of vanishing in a log.
    """

    def __init__(self, handler: Handler, **options: Any) -> None:
        self.handler = handler
        self.options: Dict[str, Any] = options
        self.result: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self.app = Starlette(routes=[WebSocketRoute("/ws", self.endpoint)])

    async def endpoint(self, websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        ws = guard(websocket, **self.options)
        try:
            value = await self.handler(ws)
        except BaseException as error:
            if not self.result.done():
                self.result.set_exception(error)
            raise
        if not self.result.done():
            self.result.set_result(value)

    async def outcome(self, timeout: float = 10.0) -> Any:
        """The handler's return value (its exception is re-raised here)."""
        return await asyncio.wait_for(asyncio.shield(self.result), timeout)


DropInHandler = Callable[[WebSocket, StarletteWebSocket], Awaitable[Any]]


class DropInEndpoint:
    """Serves ``/ws/{name}`` with the drop-in: ``handler(WebSocket.of(raw, **options), raw)``.

    Nothing is accepted for the handler, so it can test the handshake too; the
    handler's return value (or exception) lands in :attr:`result`, as in :class:`Endpoint`.
    """

    def __init__(self, handler: DropInHandler, **options: Any) -> None:
        self.handler = handler
        self.options: Dict[str, Any] = options
        self.result: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self.app = Starlette(routes=[WebSocketRoute("/ws/{name}", self.endpoint)])

    async def endpoint(self, websocket: StarletteWebSocket) -> None:
        try:
            value = await self.handler(WebSocket.of(websocket, **self.options), websocket)
        except BaseException as error:
            if not self.result.done():
                self.result.set_exception(error)
            raise
        if not self.result.done():
            self.result.set_result(value)

    async def outcome(self, timeout: float = 10.0) -> Any:
        """The handler's return value (its exception is re-raised here)."""
        return await asyncio.wait_for(asyncio.shield(self.result), timeout)
