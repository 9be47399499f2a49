"""A one-route Starlette app whose handler result the test can await."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from wscore.asgi import GuardedWebSocket, guard

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

    async def endpoint(self, websocket: WebSocket) -> None:
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
