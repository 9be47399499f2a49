"""The same chat server three ways: FastAPI tutorial, client_state checks, wscore.asgi.

Each has rooms at ``/ws/{room}?id=N`` where every message a client sends is
broadcast to its room by its handler (as in the tutorial), a ``publish_all`` the
server's own broadcast loop calls,
a ``close_random`` the closer task calls (a close from another task, code 4000,
reason ``last=<seq>``: the last room sequence number queued before it), and
``left_behind()``: connections still registered in a room.
"""

from __future__ import annotations

import logging
import random
from typing import Dict, List, Optional

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

import wscore
from wscore.asgi import Broadcaster, guard

log = logging.getLogger("chat")
ROOMS = [f"room{i}" for i in range(10)]
APP_CLOSE_CODE = 4000


class ChatServer:
    """What the load needs from a chat server."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self.seq: Dict[str, int] = dict.fromkeys(ROOMS, 0)
        #: How each guarded connection ended, by client id (guarded server only).
        self.outcomes: Dict[int, wscore.ConnectionClosed] = {}
        self.close_failures = 0

    def message(self, room: str, padding: str) -> str:
        self.seq[room] += 1
        return f"{room}:{self.seq[room]}:{padding}"

    async def publish_all(self, padding: str) -> None:
        raise NotImplementedError

    async def close_random(self, rng: random.Random) -> None:
        raise NotImplementedError

    def left_behind(self) -> int:
        raise NotImplementedError


# ---- baseline 1: https://fastapi.tiangolo.com/advanced/websockets/ -----------


class ConnectionManager:
    def __init__(self) -> None:
        self.active_connections: List[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.active_connections.remove(websocket)

    async def broadcast(self, message: str) -> None:
        for connection in self.active_connections:
            await connection.send_text(message)


class TutorialServer(ChatServer):
    """The tutorial's manager, one per room; app errors are logged, as a real app's would be."""

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

    async def publish_all(self, padding: str) -> None:
        for room, manager in self.managers.items():
            try:
                await manager.broadcast(self.message(room, padding))
            except Exception:  # without this the loop would die at the first error
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


# ---- baseline 2: try/except plus client_state checks --------------------------


class CheckedManager(ConnectionManager):
    def disconnect(self, websocket: WebSocket) -> None:
        if websocket in self.active_connections:
            self.active_connections.remove(websocket)

    async def broadcast(self, message: str) -> None:
        for connection in list(self.active_connections):
            if connection.client_state != WebSocketState.CONNECTED:
                self.disconnect(connection)
                continue
            try:
                await connection.send_text(message)
            except (WebSocketDisconnect, RuntimeError) as error:
                log.warning("send failed: %r", error)
                self.disconnect(connection)


class ClientStateServer(TutorialServer):
    """The usual hardening: state checks before sending and closing, errors caught."""

    def __init__(self) -> None:
        ChatServer.__init__(self)
        self.managers = {room: CheckedManager() for room in ROOMS}

        @self.app.websocket("/ws/{room}")
        async def chat(websocket: WebSocket, room: str, id: int) -> None:
            manager = self.managers[room]
            await manager.connect(websocket)
            try:
                while True:
                    data = await websocket.receive_text()
                    await manager.broadcast(self.message(room, data))
            except WebSocketDisconnect:
                pass
            except RuntimeError as error:
                log.warning("receive failed: %r", error)
            finally:
                manager.disconnect(websocket)

    async def close_random(self, rng: random.Random) -> None:
        connections = [c for m in self.managers.values() for c in m.active_connections]
        if not connections:
            return
        websocket = rng.choice(connections)
        if websocket.application_state != WebSocketState.CONNECTED:
            return
        room = websocket.path_params["room"]
        try:
            await websocket.close(APP_CLOSE_CODE, f"last={self.seq[room]}")
        except (WebSocketDisconnect, RuntimeError) as error:
            self.close_failures += 1
            log.warning("close failed: %r", error)


# ---- wscore.asgi --------------------------------------------------------------


class GuardedServer(ChatServer):
    """guard() + Broadcaster; handlers record how their connection ended."""

    def __init__(self) -> None:
        super().__init__()
        self.rooms = Broadcaster()

        @self.app.websocket("/ws/{room}")
        async def chat(websocket: WebSocket, room: str, id: int) -> None:
            await websocket.accept()
            async with guard(websocket, max_queue=16, send_timeout=3.0, close_timeout=2.0) as ws:
                with self.rooms.joined(room, ws):
                    async for data in ws:
                        self.rooms.publish(room, self.message(room, str(data)))
            closed: Optional[wscore.ConnectionClosed] = ws.closed
            assert closed is not None
            self.outcomes[id] = closed

    async def publish_all(self, padding: str) -> None:
        for room in ROOMS:
            self.rooms.publish(room, self.message(room, padding))

    async def close_random(self, rng: random.Random) -> None:
        members = [m for room in ROOMS for m in self.rooms.members(room)]
        if members:
            member = rng.choice(members)
            room = member.websocket.path_params["room"]
            await member.close(APP_CLOSE_CODE, f"last={self.seq[room]}")

    def left_behind(self) -> int:
        return sum(self.rooms.rooms().values())


SERVERS = {"tutorial": TutorialServer, "client_state": ClientStateServer, "guarded": GuardedServer}
