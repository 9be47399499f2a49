"""A chat server on wscore: FastAPI, served by uvicorn with ``--ws wscore.uvicorn:WSProtocol``.

    make demo              # one process, rooms in memory: http://127.0.0.1:8000
    make demo WORKERS=2    # two uvicorn workers sharing rooms through Redis pub/sub

The page (static/) talks to ``/ws/{room}?nick=NAME`` with the npm package's
``SafeWebSocket``. Messages are JSON text:

    page -> server   {"type": "message", "id": "...", "text": "..."}   a chat line (id: the page's own)
                     {"type": "hello", "opens": 2}                     after every open (2+ = a reconnect)
                     {"type": "ping"}                                  heartbeat, answered with {"type": "pong"}
    server -> page   {"type": "welcome", "room", "nick", "worker"}     once per connection
                     {"type": "message", "id", "nick", "text", "at"}   to everyone in the room, sender included
                     {"type": "presence", "online": ["ann", "bob"]}    whenever someone joins or leaves
                     {"type": "history", "messages": [...]}           on joining: the room's last 50 messages

Everything that makes this safe is in ``wscore.asgi.guard``: sends never raise for
a closed socket (``try_send_*``), ``close()`` is idempotent and flushes first, and
the ``Broadcaster`` behind the rooms never waits on one client (a client that falls
64 messages behind is closed with 1013 and reconnects). ``/metrics`` shows the counters.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from wscore.asgi import GuardedWebSocket, guard

from metrics import MESSAGES, OPEN_CONNECTIONS, RECONNECTS, metrics_text
from rooms import make_rooms

HERE = Path(__file__).resolve().parent
# The built npm package (`make npm-package`), served to the page as /wscore/.
NPM_DIR = Path(os.environ.get("WSCORE_NPM_DIR", HERE.parents[1] / "target/npm/wscore"))

ROOM = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
MAX_NICK = 24
MAX_TEXT = 2000
PONG = '{"type":"pong"}'

# In memory, or shared through Redis when WSCORE_CHAT_REDIS=redis://host:port is set.
rooms = make_rooms(os.environ.get("WSCORE_CHAT_REDIS"))
app = FastAPI(title="wscore chat", lifespan=rooms.lifespan)


@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, nick: str = "") -> None:
    await websocket.accept()
    async with guard(websocket) as ws:  # closes (after a flush) however the block ends
        nick = nick.strip()
        if not ROOM.fullmatch(room) or not 0 < len(nick) <= MAX_NICK:
            # 1008: the page does not retry this one and shows the reason instead.
            await ws.close(1008, "room: a-z 0-9 _ - (max 32); nickname: 1-24 characters")
            return
        with OPEN_CONNECTIONS.track_inprogress():
            await ws.try_send_json({"type": "welcome", "room": room, "nick": nick, "worker": os.getpid()})
            async with rooms.member(room, nick, ws):  # joined, and presence announced, until the end
                async for data in ws:  # ends quietly when the connection closes, whoever closed it
                    await on_message(ws, room, nick, data)


async def on_message(ws: GuardedWebSocket, room: str, nick: str, data: Any) -> None:
    try:
        event = json.loads(data)
        kind = event["type"]
    except (TypeError, ValueError, KeyError):
        await ws.close(1008, "expected JSON with a type")
        return
    if kind == "ping":
        await ws.try_send_text(PONG)
    elif kind == "hello":
        if int(event.get("opens", 1)) > 1:
            RECONNECTS.inc()
    elif kind == "message":
        text, msg_id = event.get("text"), event.get("id")
        if not (isinstance(text, str) and 0 < len(text) <= MAX_TEXT and isinstance(msg_id, str) and len(msg_id) <= 64):
            await ws.close(1008, f"a message needs an id and 1-{MAX_TEXT} characters of text")
            return
        MESSAGES.inc()
        await rooms.post(room, {"type": "message", "id": msg_id, "nick": nick, "text": text, "at": time.time()})


@app.get("/metrics")
def metrics() -> Response:
    body, content_type = metrics_text()
    return Response(body, media_type=content_type)


app.mount("/wscore", StaticFiles(directory=NPM_DIR), name="wscore")
app.mount("/", StaticFiles(directory=HERE / "static", html=True), name="static")
