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
the ``Broadcaster`` behind the rooms never waits on one client (a client whose own
backlog passes 1 MiB, or stands still for 3 s, is closed with 1013 and reconnects).
What a client may send is checked by ``rules.py``: a bad nickname, room or message
is answered with a close (1003 for binary, 1008 otherwise) and one log line. Each
connection is rate limited (``WSCORE_CHAT_RATE`` messages a second, bursts of twice
that, 64 KiB/s; over it: 1008). ``/metrics`` shows the counters.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, WebSocket
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from wscore.asgi import GuardedWebSocket, RateLimit, guard

from metrics import MESSAGES, OPEN_CONNECTIONS, RECONNECTS, count_refused, metrics_text
from rooms import make_rooms
from rules import Event, Hello, Message, Ping, Refused, check_nick, check_room, parse_event

HERE = Path(__file__).resolve().parent
# The built npm package (`make npm-package`), served to the page as /wscore/.
NPM_DIR = Path(os.environ.get("WSCORE_NPM_DIR", HERE.parents[1] / "target/npm/wscore"))

PONG = '{"type":"pong"}'

# Per connection: WSCORE_CHAT_RATE messages a second (bursts of twice that) and 64 KiB/s
# (bursts of 128 KiB, two of the largest messages `--ws-max-size 65536` lets in);
# over it the connection is closed with 1008. WSCORE_CHAT_RATE=0 turns the limit off.
RATE = float(os.environ.get("WSCORE_CHAT_RATE", "20"))
RATE_LIMIT: Optional[RateLimit] = (
    RateLimit(
        messages_per_second=RATE,
        message_burst=2 * RATE,
        bytes_per_second=64 * 1024,
        byte_burst=128 * 1024,
        on_exceed="close",
        close_reason="too many messages: rate limit exceeded",
    )
    if RATE > 0
    else None
)
# One line per refused client or closed offender, next to uvicorn's own lines.
log = logging.getLogger("chat")
if not log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    for _name in ("chat", "wscore"):
        logging.getLogger(_name).addHandler(_handler)
        logging.getLogger(_name).setLevel(logging.INFO)

# In memory, or shared through Redis when WSCORE_CHAT_REDIS=redis://host:port is set.
rooms = make_rooms(os.environ.get("WSCORE_CHAT_REDIS"))
app = FastAPI(title="wscore chat", lifespan=rooms.lifespan)




@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, nick: str = "") -> None:
    await websocket.accept()
    async with guard(websocket, rate_limit=RATE_LIMIT) as ws:  # closes (after a flush) however the block ends
        try:
            room, nick = check_room(room), check_nick(nick)
            with OPEN_CONNECTIONS.track_inprogress():
                async with rooms.nickname(room, nick):  # ours in this room, or Refused
                    await ws.try_send_json({"type": "welcome", "room": room, "nick": nick, "worker": os.getpid()})
                    async with rooms.member(room, nick, ws):  # joined, presence announced
                        async for data in ws:  # ends quietly when the connection closes, whoever closed it
                            await on_event(ws, room, nick, parse_event(data))
        except Refused as refused:
            # 1008: the page does not retry and shows the reason; 1013: it retries later.
            count_refused(refused.kind)
            log.info("closing a client (room %.40r, nick %.40r): %d %s", room, nick, refused.code, refused.reason)
            await ws.close(refused.code, refused.reason)


async def on_event(ws: GuardedWebSocket, room: str, nick: str, event: Event) -> None:
    if isinstance(event, Ping):
        await ws.try_send_text(PONG)
    elif isinstance(event, Hello):
        if event.opens > 1:
            RECONNECTS.inc()
    elif isinstance(event, Message):
        MESSAGES.inc()
        message = {"type": "message", "id": event.id, "nick": nick, "text": event.text, "at": time.time()}
        await rooms.post(room, message)


@app.get("/metrics")
def metrics() -> Response:
    body, content_type = metrics_text()
    return Response(body, media_type=content_type)


app.mount("/wscore", StaticFiles(directory=NPM_DIR), name="wscore")
app.mount("/", StaticFiles(directory=HERE / "static", html=True), name="static")
