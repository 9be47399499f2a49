"""Rooms over Redis: ``/ws/{room}?name=`` echoes every message to the whole room, ``/stats`` tells the numbers.

``make_app(rooms)`` for a server in the test's own loop; ``app`` (module level) for a
uvicorn worker process, on the Redis at ``WSCORE_TEST_REDIS``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from wscore.asgi import RedisBroadcaster, guard


def make_app(rooms: RedisBroadcaster, lifespan: Any = None, **guard_options: Any) -> Starlette:
    async def room(websocket: WebSocket) -> None:
        await websocket.accept()
        name = websocket.path_params["room"]
        async with guard(websocket, **guard_options) as ws:
            with rooms.joined(name, ws, presence=websocket.query_params.get("name")):
                async for data in ws:
                    rooms.publish(name, data)

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"pid": os.getpid(), **rooms.stats()})

    return Starlette(routes=[WebSocketRoute("/ws/{room}", room), Route("/stats", stats)], lifespan=lifespan)


def worker_app() -> Starlette:
    # The wscore logger's lines (Redis lost, back) in the worker's output, as an app would show them.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logging.getLogger("wscore").addHandler(handler)
    logging.getLogger("wscore").setLevel(logging.INFO)
    rooms = RedisBroadcaster(os.environ["WSCORE_TEST_REDIS"])
    return make_app(rooms, lifespan=rooms.lifespan)


app = worker_app() if "WSCORE_TEST_REDIS" in os.environ else None
