"""The tutorial's chat (tutorial_chat.py) shaped for the race load in chat_load.py.

The load needs rooms at ``/ws/{room}?id=N`` and room sequence numbers in every
message, so, as ``chat_apps.TutorialServer`` does for the unguarded tutorial, this
runs the tutorial's ``ConnectionManager`` once per room with the tutorial's
endpoint body, and formats messages as ``room:seq:text``. ``WebSocket`` is the
tutorial module's, i.e. ``wscore.fastapi.WebSocket``: the documented change.
"""

from __future__ import annotations

import logging
import random

from fastapi import WebSocketDisconnect

from .chat_apps import APP_CLOSE_CODE, ROOMS, ChatServer
from .tutorial_chat import ConnectionManager, WebSocket

log = logging.getLogger("chat")


class TutorialDropInServer(ChatServer):
    """The tutorial's manager per room, receiving ``wscore.fastapi.WebSocket``."""

    def __init__(self) -> None:
        super().__init__()
        self.managers = {room: ConnectionManager() for room in ROOMS}

        @self.app.websocket("/ws/{room}")
        async def chat(websocket: WebSocket, room: str, id: int) -> None:
            manager = self.managers[room]
            await manager.connect(websocket)
            try:
                while True:
                    data = await websocket.receive_text()
                    await manager.broadcast(self.message(room, data))
            except WebSocketDisconnect:
                manager.disconnect(websocket)
                await manager.broadcast(self.message(room, f"Client #{id} left the chat"))
            closed = websocket.closed
            assert closed is not None
            self.outcomes[id] = closed

    async def publish_all(self, padding: str) -> None:
        for room, manager in self.managers.items():
            try:
                await manager.broadcast(self.message(room, padding))
            except Exception:  # a real app's loop would log and go on
                log.exception("broadcast to %s failed", room)

    async def close_random(self, rng: random.Random) -> None:
        connections = [c for m in self.managers.values() for c in m.active_connections]
        if connections:
            websocket = rng.choice(connections)
            room = websocket.path_params["room"]
            try:
                await websocket.close(APP_CLOSE_CODE, f"last={self.seq[room]}")
            except Exception:
                self.close_failures += 1
                log.exception("close failed")

    def left_behind(self) -> int:
        return sum(len(m.active_connections) for m in self.managers.values())
