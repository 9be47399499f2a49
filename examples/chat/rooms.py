"""Chat rooms: who is in them, and how an event reaches every member.

``LocalRooms`` keeps everything in this process: the guard's ``Broadcaster`` holds
the members and fans events out to them. ``RedisRooms`` lets several processes
(``uvicorn --workers N``, or several hosts) share rooms with the package's
``RedisBroadcaster``: an event reaches this process's members at once and the
other processes' through Redis pub/sub (it reconnects by itself after a Redis
restart, members staying). Presence (who is online) is the broadcaster's: every
process sees the same list, and a crashed process's members drop out of it within
15 seconds.

Each room also keeps its last ``HISTORY`` messages, sent to whoever joins: a page
that reconnects gets what was said while it was away (it skips ids it already shows).

A nickname is held by one member of a room at a time (``rules.nick_key``: "Ann" and
"ann" are one): a second member asking for it is refused (1008). With Redis the claim
is a key that its process renews while the member is connected, so a crashed process
frees its members' nicknames within ``NICK_TTL`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from contextlib import asynccontextmanager
from collections import deque
from typing import Any, AsyncIterator, Deque, Dict, List, Optional

from wscore.asgi import Broadcaster, GuardedWebSocket, RedisBroadcaster

from rules import Refused, nick_key

logger = logging.getLogger("chat")

Event = Dict[str, Any]

HISTORY = 50  # messages kept per room
NICK_TAKEN = Refused(1008, "nickname taken in this room", "nick_taken")


def encode(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class LocalRooms:
    """Rooms of this process only."""

    def __init__(self) -> None:
        self.broadcaster = Broadcaster()  # evicts (1013) a member that falls behind
        self._history: Dict[str, Deque[Event]] = {}  # dropped when the room empties
        self._nicks: Dict[str, Dict[str, str]] = {}  # room -> {nick_key: member id}

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def nickname(self, room: str, nick: str) -> AsyncIterator[str]:
        """Hold ``nick`` in ``room`` for the block's duration; yields the new member's id.

        Raises ``Refused`` (1008) when another member of the room holds it.
        """
        member_id = uuid.uuid4().hex
        if not await self._claim(room, nick_key(nick), member_id):
            raise NICK_TAKEN
        try:
            yield member_id
        finally:
            await self._release(room, nick_key(nick), member_id)

    @asynccontextmanager
    async def member(self, room: str, nick: str, ws: GuardedWebSocket) -> AsyncIterator[None]:
        """In ``room`` for the block's duration; everyone there hears of the arrival and the departure.

        The broadcaster's presence lists the member's nickname meanwhile (in every process with Redis).
        """
        with self.broadcaster.joined(room, ws, presence=nick):
            # Joined first, history second: a message posted in between comes twice, never zero times.
            await ws.try_send_json({"type": "history", "messages": await self.recent(room)})
            await self.publish(room, {"type": "presence", "online": await self.online(room)})
            try:
                yield
            finally:
                self.broadcaster.leave(room, ws)
                if not self.broadcaster.members(room):
                    self._history.pop(room, None)  # in memory: kept while someone is there
                await self.publish(room, {"type": "presence", "online": await self.online(room)})

    async def post(self, room: str, message: Event) -> None:
        """A chat message: kept in the room's history, and published."""
        self._history.setdefault(room, deque(maxlen=HISTORY)).append(message)
        await self.publish(room, message)

    async def recent(self, room: str) -> List[Event]:
        return list(self._history.get(room, ()))

    async def publish(self, room: str, event: Event) -> None:
        """Queue ``event`` for every member of ``room``; never waits on a client."""
        self.broadcaster.publish(room, encode(event))

    async def online(self, room: str) -> List[str]:
        return sorted(set(await self.broadcaster.online(room)))

    async def _claim(self, room: str, key: str, member_id: str) -> bool:
        holders = self._nicks.setdefault(room, {})
        return holders.setdefault(key, member_id) == member_id

    async def _release(self, room: str, key: str, member_id: str) -> None:
        holders = self._nicks.get(room, {})
        if holders.get(key) == member_id:
            del holders[key]
            if not holders:
                del self._nicks[room]


class RedisRooms(LocalRooms):
    """Rooms shared by every process connected to the same Redis."""

    CHANNEL = "wscore-chat:room:"  # + room name: the RedisBroadcaster's channels (and presence keys)
    HISTORY = "wscore-chat:history:"  # + room name; a list of the last messages (JSON)
    HISTORY_TTL = 3600  # seconds a quiet room's history is kept
    NICK = "wscore-chat:nick:"  # + room + ":" + nick key; the member id holding it
    NICK_TTL = 60  # seconds a claim outlives its process; renewed every NICK_TTL / 3
    # Renew or free a claim only if this member still holds it.
    RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
    FREE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio  # only needed in this mode (examples/chat/requirements.txt)
        from redis.asyncio.retry import Retry
        from redis.backoff import EqualJitterBackoff

        # Fan-out: the package's (it evicts a member that falls behind, as the local one does).
        self.broadcaster = self._shared = RedisBroadcaster(url, prefix=self.CHANNEL)
        # The chat's own keys (history, nicknames), read as text.
        # A URL's client retries nothing by default: after a Redis restart the first command
        # on each pooled connection would fail instead of reconnecting.
        retry = Retry(EqualJitterBackoff(cap=1.0, base=0.01), 3)
        self.redis = redis.asyncio.Redis.from_url(url, decode_responses=True, retry=retry)
        self._renew = self.redis.register_script(self.RENEW)
        self._free = self.redis.register_script(self.FREE)
        self._claims: Dict[str, str] = {}  # this process's nickname keys -> member id

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """Subscribe before serving, so no event published after start-up is missed."""
        async with self._shared:
            renewer = asyncio.create_task(self._renew_claims())
            try:
                yield
            finally:
                renewer.cancel()
                await self.redis.aclose()

    async def _renew_claims(self) -> None:
        """Keep this process's nickname claims alive; a crash lets them expire."""
        import redis

        while True:
            await asyncio.sleep(self.NICK_TTL / 3)
            try:
                for key, member_id in list(self._claims.items()):
                    await self._renew(keys=[key], args=[member_id, self.NICK_TTL])
            except redis.RedisError as error:
                logger.warning("could not renew nickname claims (%s); trying again", error)

    async def post(self, room: str, message: Event) -> None:
        text = encode(message)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.HISTORY + room, text).ltrim(self.HISTORY + room, -HISTORY, -1)
            pipe.expire(self.HISTORY + room, self.HISTORY_TTL)
            await pipe.execute()
        self.broadcaster.publish(room, text)

    async def recent(self, room: str) -> List[Event]:
        return [json.loads(text) for text in await self.redis.lrange(self.HISTORY + room, 0, -1)]

    async def _claim(self, room: str, key: str, member_id: str) -> bool:
        name = f"{self.NICK}{room}:{key}"
        if not await self.redis.set(name, member_id, nx=True, ex=self.NICK_TTL):
            return False
        self._claims[name] = member_id
        return True

    async def _release(self, room: str, key: str, member_id: str) -> None:
        name = f"{self.NICK}{room}:{key}"
        self._claims.pop(name, None)
        await self._free(keys=[name], args=[member_id])


def make_rooms(redis_url: Optional[str]) -> LocalRooms:
    """Redis-backed rooms when a URL is given, else in-memory ones."""
    return RedisRooms(redis_url) if redis_url else LocalRooms()
