"""Race-free WebSockets for Starlette and FastAPI apps on any ASGI server.

``guard(websocket)`` wraps a Starlette ``WebSocket``: an idempotent, concurrency-safe
``close()`` that flushes first, serialized sends bounded by timeouts, and one
:class:`wscore.ConnectionClosed` for every "already closed or gone" flavour of every
server. :class:`Broadcaster` fans messages out to rooms without ever waiting on
one client; :class:`RedisBroadcaster` shares the rooms between processes and hosts
(``wscore-rs[redis]``). Counters (per connection, per broadcaster, and :data:`TOTALS`) are
plain dicts, exported by :func:`register_prometheus` (``wscore-rs[prometheus]``) and
:func:`instrument_otel` (``wscore-rs[otel]``); events are logged through the ``wscore`` logger.

    from wscore.asgi import Broadcaster, guard

    rooms = Broadcaster()

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        async with guard(websocket) as ws:
            with rooms.joined(room, ws):
                async for message in ws:
                    rooms.publish(room, message)
"""

from typing import Any, Dict

from .._extras import require

require("starlette", "wscore.asgi", "starlette")

from ._broadcast import EVICT_CODE, Broadcaster
from ._guard import Data, GuardedWebSocket, WebSocketStateError, guard
from ._otel import instrument_otel
from ._prometheus import PrometheusCollector, register_prometheus
from ._ratelimit import RATE_LIMIT_CLOSE_CODE, RateLimit
from ._redis import RedisBroadcaster
from ._stats import TOTALS, Counters
from ._websocket import WebSocket, WebSocketDisconnect

__all__ = [
    "guard",
    "GuardedWebSocket",
    "Broadcaster",
    "EVICT_CODE",
    "RedisBroadcaster",
    "register_prometheus",
    "PrometheusCollector",
    "instrument_otel",
    "RateLimit",
    "RATE_LIMIT_CLOSE_CODE",
    "Counters",
    "TOTALS",
    "Data",
    "stats",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketStateError",
]


def stats() -> Dict[str, Any]:
    """The process-wide counters (every guarded connection) as a dict."""
    return TOTALS.as_dict()
