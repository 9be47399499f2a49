"""FastAPI: receive the guarded drop-in instead of Starlette's ``WebSocket``.

The one change to an existing app is the import::

    from fastapi import FastAPI, WebSocketDisconnect
    from wscore.fastapi import WebSocket      # was: from fastapi import ..., WebSocket

    @app.websocket("/ws/{client_id}")
    async def websocket_endpoint(websocket: WebSocket, client_id: int) -> None:
        ...

``WebSocket`` here is ``Annotated[wscore.asgi.WebSocket, Depends(...)]``: to type
checkers the class :class:`wscore.asgi.WebSocket` (a subclass of Starlette's), to
FastAPI a dependency that hands each endpoint the connection's drop-in. For other
guard options, annotate with ``Annotated[wscore.asgi.WebSocket, Depends(guarded(...))]``.
Annotating an endpoint with the class :class:`wscore.asgi.WebSocket` itself does not
work: FastAPI then passes its own, unguarded ``WebSocket``.
"""

from __future__ import annotations

from typing import Annotated, Any, Awaitable, Callable, Dict, Optional, Sequence

from ._extras import require

require("fastapi", "wscore.fastapi", None)

from fastapi import Depends
from starlette.websockets import WebSocket as StarletteWebSocket

from .asgi import RateLimit
from .asgi import WebSocket as GuardedStarletteWebSocket
from .asgi._guard import DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_QUEUE, DEFAULT_SEND_TIMEOUT

__all__ = ["WebSocket", "guarded"]


def guarded(
    *,
    send_timeout: float = DEFAULT_SEND_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    max_queue: int = DEFAULT_MAX_QUEUE,
    rate_limit: Optional[RateLimit] = None,
    origins: Optional[Sequence[str]] = None,
    require_origin: bool = False,
    allowed_hosts: Optional[Sequence[str]] = None,
) -> Callable[[StarletteWebSocket], Awaitable[GuardedStarletteWebSocket]]:
    """A FastAPI dependency giving the connection's :class:`wscore.asgi.WebSocket`,
    made with these :func:`wscore.asgi.guard` options (the first use per connection wins)."""
    options: Dict[str, Any] = {
        "send_timeout": send_timeout,
        "close_timeout": close_timeout,
        "max_queue": max_queue,
        "rate_limit": rate_limit,
        "origins": origins,
        "require_origin": require_origin,
        "allowed_hosts": allowed_hosts,
    }

    async def guarded_websocket(websocket: StarletteWebSocket) -> GuardedStarletteWebSocket:
        return GuardedStarletteWebSocket.of(websocket, **options)

    return guarded_websocket


#: Annotate a FastAPI WebSocket endpoint's parameter with this to receive the guarded drop-in.
WebSocket = Annotated[GuardedStarletteWebSocket, Depends(guarded())]
