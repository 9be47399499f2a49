"""The Broadcaster across processes and hosts: rooms shared through Redis pub/sub."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator, Deque, Dict, Hashable, List, Optional, Set, Tuple, Union, cast

from .._extras import require
from ._broadcast import DEFAULT_MAX_LAG_BYTES, DEFAULT_MAX_LAG_SECONDS, EVICT_CODE, EVICT_REASON, Broadcaster
from ._guard import Data, GuardedWebSocket
from ._stats import logger

if TYPE_CHECKING:  # redis is the optional extra wscore-rs[redis]: imported only when used
    from redis.asyncio import Redis

__all__ = ["RedisBroadcaster", "DEFAULT_MAX_PENDING_BYTES", "DEFAULT_PRESENCE_TTL"]

#: Bytes of messages this process may hold for Redis while it is unreachable or
#: slower than the publishers; past it the oldest are dropped (and counted).
DEFAULT_MAX_PENDING_BYTES = 16 << 20
#: Seconds a process's presence entries outlive it (it rewrites them every third of this):
#: the members of a crashed process leave :meth:`RedisBroadcaster.online` within it.
DEFAULT_PRESENCE_TTL = 15.0
# Wire format of one message: version, sender id (16 bytes), kind, payload.
_VERSION = b"\x01"
_TEXT, _BINARY = b"t", b"b"
_HEADER = 1 + 16 + 1
# PUBLISHes sent in one pipeline (one round trip).
_BATCH = 256
# Reconnection backoff after Redis went away: from the first to the last, doubling.
_RETRY_FIRST, _RETRY_LAST = 0.1, 2.0
# A subscription that hears nothing for PING_AFTER seconds sends a PING; one that
# hears nothing (not even the PONG) for DEAD_AFTER is taken for dead and remade.
_PING_AFTER, _DEAD_AFTER = 5.0, 15.0

# (channel, wire bytes, payload size counted against max_pending_bytes)
_Outgoing = Tuple[bytes, bytes, int]


class RedisBroadcaster(Broadcaster):
    """A :class:`Broadcaster` whose rooms span every process on the same Redis.

    :meth:`publish` delivers to this process's members at once, exactly as
    :class:`Broadcaster` does, and queues the message for Redis; a sender task
    PUBLISHes the queue in pipelined batches, and one pattern subscription per
    process hands the other processes' messages to its own members (its own come
    back too and are skipped by sender id). Eviction is :class:`Broadcaster`'s,
    per member, with the same ``max_lag_bytes``/``max_lag_seconds``, in the
    member's own process. Rooms are ``str``; :meth:`members`, :meth:`rooms`,
    :meth:`evict` and :meth:`close_room` see this process's members only.

    Redis going away (a restart, a network cut) loses no member: local members
    stay in their rooms and keep getting this process's messages; up to
    ``max_pending_bytes`` of outgoing messages wait for Redis (the oldest are
    dropped past it and counted as ``redis_dropped``); subscription and sender
    reconnect by themselves (0.1 s, doubling to 2 s). Pub/sub stores nothing, so
    what *other* processes published while this one was cut off is not seen here;
    a batch whose PUBLISH failed is sent again, so a message in flight at the
    moment of the cut may arrive twice.

    Presence is shared too: :meth:`online` lists the members that joined with a
    ``presence`` in every process. Each process keeps its own entries in Redis
    (a hash per room, expiring after ``presence_ttl`` unless rewritten, which it
    does every third of that and at once after a reconnect), so a crashed
    process's members drop out within ``presence_ttl`` and a restarted Redis is
    filled again within seconds. While Redis is unreachable, :meth:`online` lists
    this process's members only.

    Start it before serving and stop it after: ``FastAPI(lifespan=rooms.lifespan)``,
    ``async with rooms:``, or :meth:`start` / :meth:`aclose`.
    """

    def __init__(
        self,
        redis: Union[str, "Redis"],
        *,
        prefix: str = "wscore:",
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
        presence_ttl: float = DEFAULT_PRESENCE_TTL,
        evict_code: int = EVICT_CODE,
        evict_reason: str = EVICT_REASON,
        max_lag_bytes: int = DEFAULT_MAX_LAG_BYTES,
        max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
    ) -> None:
        """``redis``: a ``redis://`` URL, or a ``redis.asyncio.Redis`` client (then it stays yours to close).

        :attr:`redis` is the client, for the application's own keys too.

        Every process sharing rooms must use the same ``prefix`` (channels are
        ``prefix + room``).
        """
        super().__init__(
            evict_code=evict_code,
            evict_reason=evict_reason,
            max_lag_bytes=max_lag_bytes,
            max_lag_seconds=max_lag_seconds,
        )
        if max_pending_bytes <= 0 or not presence_ttl > 0:
            raise ValueError("max_pending_bytes and presence_ttl must be positive")
        if isinstance(redis, str):
            require("redis", "RedisBroadcaster", "redis")
            import redis.asyncio as redis_asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import EqualJitterBackoff

            self._own_client = True
            # A URL's client retries nothing by default: the first command on a pooled
            # connection that a Redis restart broke would fail without trying a new one.
            retry = Retry(EqualJitterBackoff(cap=1.0, base=0.01), 3)
            self.redis: "Redis" = redis_asyncio.Redis.from_url(
                redis, socket_connect_timeout=2, socket_keepalive=True, retry=retry
            )
        else:
            self._own_client = False
            self.redis = redis
            if redis.get_connection_kwargs().get("decode_responses"):  # type: ignore[no-untyped-call]
                raise ValueError("RedisBroadcaster needs a client made with decode_responses=False")
        self.prefix = prefix
        self.max_pending_bytes = max_pending_bytes
        self.presence_ttl = presence_ttl
        self._channel_prefix = prefix.encode("utf-8")
        self._id = uuid.uuid4().bytes
        self._outbox: Deque[_Outgoing] = deque()
        self._pending_bytes = 0
        self._wake = asyncio.Event()
        self._subscribed = asyncio.Event()
        self._tasks: List["asyncio.Task[None]"] = []
        self._sending = False  # a batch is in flight
        # Rooms whose presence entries Redis must be told again, and who tells it.
        self._presence_dirty: Set[str] = set()
        self._presence_wake = asyncio.Event()
        self._presence_lock: Optional[asyncio.Lock] = None
        self._presence_failing = False
        self._ever_subscribed = False
        self._redis_counts: Dict[str, int] = dict.fromkeys(
            ("redis_published", "redis_received", "redis_dropped", "redis_reconnects"), 0
        )

    # ---- lifecycle ------------------------------------------------------------

    async def start(self, timeout: float = 10.0) -> None:
        """Connect and subscribe; ``TimeoutError`` if Redis did not answer within ``timeout``."""
        if self._tasks:
            return
        self._ever_subscribed = False
        self._subscribed = asyncio.Event()
        self._wake = asyncio.Event()
        if self._outbox:
            self._wake.set()
        self._presence_wake = asyncio.Event()
        self._presence_lock = asyncio.Lock()
        self._tasks = [
            asyncio.ensure_future(self._receive_loop()),
            asyncio.ensure_future(self._send_loop()),
            asyncio.ensure_future(self._presence_loop()),
        ]
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout)
        except asyncio.TimeoutError:
            await self.aclose()
            raise TimeoutError(f"Redis did not answer within {timeout} s") from None

    async def aclose(self, flush_timeout: float = 2.0) -> None:
        """Send what is queued (for at most ``flush_timeout``), then stop; members are not closed.

        This process's presence entries are removed from Redis (they would expire anyway).
        """
        if self._tasks:
            await self.flush(flush_timeout)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._presence:
            try:
                await asyncio.wait_for(self._forget_presence(), flush_timeout)
            except Exception as error:  # noqa: BLE001 (best effort: the entries expire)
                logger.debug("could not remove presence entries from Redis: %r", error)
        if self._own_client:
            await self.redis.aclose()

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued message went to Redis; ``False`` if still pending at ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._outbox or self._sending:
            if time.monotonic() >= deadline or not self._tasks:
                return False
            await asyncio.sleep(0.01)
        return True

    async def __aenter__(self) -> "RedisBroadcaster":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """For ``FastAPI(lifespan=rooms.lifespan)`` / ``Starlette(lifespan=...)``."""
        async with self:
            yield

    # ---- publishing -------------------------------------------------------------

    def publish(self, room: Hashable, data: Data) -> int:
        """Deliver to this process's members of ``room`` and queue ``data`` for the others.

        Never waits. Returns how many local members took it (other processes'
        members are not counted: pub/sub does not tell).
        """
        if not isinstance(room, str):
            raise TypeError(f"RedisBroadcaster rooms are str, not {type(room).__name__}")
        delivered = super().publish(room, data)
        if isinstance(data, str):
            kind, payload = _TEXT, data.encode("utf-8", "surrogatepass")
        else:
            kind, payload = _BINARY, bytes(data)
        channel = self._channel_prefix + room.encode("utf-8", "surrogatepass")
        self._outbox.append((channel, b"".join((_VERSION, self._id, kind, payload)), len(payload)))
        self._pending_bytes += len(payload)
        self._trim()
        self._wake.set()
        return delivered

    def _trim(self) -> None:
        """Drop the oldest queued messages past ``max_pending_bytes`` (the newest always stays)."""
        while self._pending_bytes > self.max_pending_bytes and len(self._outbox) > 1:
            _, _, size = self._outbox.popleft()
            self._pending_bytes -= size
            if self._redis_counts["redis_dropped"] == 0:
                logger.warning("Redis is not taking messages fast enough: dropping the oldest queued ones")
            self._redis_counts["redis_dropped"] += 1

    async def _send_loop(self) -> None:
        """The one sender: PUBLISHes the queue in batches, in order, retrying after a failure."""
        import redis

        delay = _RETRY_FIRST
        failed_at: Optional[float] = None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                batch = [self._outbox.popleft() for _ in range(min(_BATCH, len(self._outbox)))]
                self._sending = True
                try:
                    async with self.redis.pipeline(transaction=False) as pipe:
                        for channel, wire, _ in batch:
                            pipe.publish(channel, wire)
                        await pipe.execute()
                except (redis.RedisError, OSError) as error:
                    self._outbox.extendleft(reversed(batch))  # in order, before what came meanwhile
                    self._trim()
                    if failed_at is None:
                        failed_at = time.monotonic()
                        logger.warning("Redis unreachable for publishing (%s); %d messages wait", error, len(batch))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _RETRY_LAST)
                    continue
                finally:
                    self._sending = False
                for _, _, size in batch:
                    self._pending_bytes -= size
                self._redis_counts["redis_published"] += len(batch)
                if failed_at is not None:
                    logger.info("Redis takes messages again after %.1f s", time.monotonic() - failed_at)
                    failed_at, delay = None, _RETRY_FIRST

    # ---- receiving --------------------------------------------------------------

    async def _receive_loop(self) -> None:
        """One pattern subscription for every room; remade whenever it breaks."""
        import redis

        delay = _RETRY_FIRST
        lost_at: Optional[float] = None
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(_glob_escape(self._channel_prefix) + b"*")
                    heard = pinged = time.monotonic()
                    while True:
                        message = await pubsub.get_message(timeout=1.0)
                        now = time.monotonic()
                        if message is None:
                            if now - heard > _DEAD_AFTER:
                                raise redis.ConnectionError(f"no reply from Redis for {_DEAD_AFTER:.0f} s")
                            if now - heard > _PING_AFTER and now - pinged > _PING_AFTER:
                                pinged = now
                                await pubsub.ping()
                            continue
                        heard = now
                        if message["type"] == "pmessage":
                            self._relay(message["channel"], message["data"])
                        elif message["type"] == "psubscribe":
                            # Also after redis-py reconnected by itself (it subscribes again).
                            if self._ever_subscribed:
                                self._redis_counts["redis_reconnects"] += 1
                                away = f" after {now - lost_at:.1f} s" if lost_at is not None else ""
                                logger.info("Redis subscription back%s", away)
                            self._ever_subscribed = True
                            self._presence_dirty.update(self._presence_rooms())  # a restarted Redis has none
                            self._presence_wake.set()
                            lost_at, delay = None, _RETRY_FIRST
                            self._subscribed.set()
            except (redis.RedisError, OSError) as error:
                self._subscribed.clear()
                if lost_at is None:
                    lost_at = time.monotonic()
                    logger.warning("Redis subscription lost (%s); local members stay, subscribing again", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_LAST)

    def _relay(self, channel: bytes, wire: bytes) -> None:
        """Hand another process's message to this process's members of its room."""
        if len(wire) < _HEADER or wire[:1] != _VERSION or wire[1:17] == self._id:
            return
        room = channel[len(self._channel_prefix) :].decode("utf-8", "surrogatepass")
        if room not in self._rooms:
            return
        self._redis_counts["redis_received"] += 1
        payload = wire[_HEADER:]
        data: Data = payload.decode("utf-8", "surrogatepass") if wire[17:18] == _TEXT else payload
        super().publish(room, data)

    # ---- presence -----------------------------------------------------------------

    def join(self, room: Hashable, member: GuardedWebSocket, presence: Optional[str] = None) -> bool:
        """:meth:`Broadcaster.join`; rooms are ``str``."""
        if not isinstance(room, str):
            raise TypeError(f"RedisBroadcaster rooms are str, not {type(room).__name__}")
        return super().join(room, member, presence)

    def _presence_changed(self, room: Hashable) -> None:
        assert isinstance(room, str)
        self._presence_dirty.add(room)
        self._presence_wake.set()

    def _presence_rooms(self) -> List[str]:
        return [room for room in self._presence if isinstance(room, str)]

    def _online_key(self, room: str) -> bytes:
        """A sorted set per room: {process id: when its entries expire}."""
        return self._channel_prefix + b"online:" + room.encode("utf-8", "surrogatepass")

    def _entries_key(self, room: str, process: bytes) -> bytes:
        """One process's entries in a room: a hash {member: presence}."""
        return self._channel_prefix + b"online-of:" + process.hex().encode() + b":" + room.encode("utf-8", "surrogatepass")

    async def _presence_loop(self) -> None:
        """Tell Redis of presence changes at once, and rewrite every entry every ``presence_ttl / 3``."""
        while True:
            try:
                await asyncio.wait_for(self._presence_wake.wait(), self.presence_ttl / 3)
            except asyncio.TimeoutError:
                self._presence_dirty.update(self._presence_rooms())
            self._presence_wake.clear()
            if not await self._sync_presence():
                await asyncio.sleep(_RETRY_LAST)
                self._presence_wake.set()

    async def _sync_presence(self) -> bool:
        """Write the changed rooms' entries of this process; ``False`` if Redis failed (they stay due)."""
        import redis

        if self._presence_lock is None:
            self._presence_lock = asyncio.Lock()
        async with self._presence_lock:
            rooms, self._presence_dirty = self._presence_dirty, set()
            if not rooms:
                return True
            expires = time.time() + self.presence_ttl
            ttl_ms = int(self.presence_ttl * 1000)
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    for room in rooms:
                        entries = {f"{id(member):x}": shown for member, shown in self._presence.get(room, {}).items()}
                        key, online = self._entries_key(room, self._id), self._online_key(room)
                        pipe.delete(key)
                        if entries:
                            pipe.hset(key, mapping=entries)  # type: ignore[arg-type]
                            pipe.pexpire(key, ttl_ms)
                            pipe.zadd(online, {self._id: expires})
                            pipe.pexpire(online, ttl_ms)
                        else:
                            pipe.zrem(online, self._id)
                        pipe.zremrangebyscore(online, "-inf", time.time())
                    await pipe.execute()
            except (redis.RedisError, OSError) as error:
                self._presence_dirty |= rooms
                if not self._presence_failing:
                    self._presence_failing = True
                    logger.warning("could not write presence to Redis (%s); trying again", error)
                return False
            self._presence_failing = False
            return True

    async def online(self, room: Hashable) -> List[str]:
        """The presence of every member of ``room`` that joined with one, in every process.

        Grouped by process, in no set order. While Redis is unreachable: this
        process's members only.
        """
        import redis

        if not isinstance(room, str):
            raise TypeError(f"RedisBroadcaster rooms are str, not {type(room).__name__}")
        try:
            if not await self._sync_presence():
                raise redis.ConnectionError("presence not written")
            processes = await self.redis.zrangebyscore(self._online_key(room), time.time(), "+inf")
            async with self.redis.pipeline(transaction=False) as pipe:
                for process in processes:
                    pipe.hvals(self._entries_key(room, cast(bytes, process)))
                found = await pipe.execute()
        except (redis.RedisError, OSError) as error:
            logger.debug("presence from Redis unavailable (%r): this process's only", error)
            return await super().online(room)
        return [value.decode("utf-8", "surrogatepass") for values in found for value in values]

    async def _forget_presence(self) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for room in self._presence_rooms():
                pipe.delete(self._entries_key(room, self._id))
                pipe.zrem(self._online_key(room), self._id)
            await pipe.execute()

    # ---- numbers ----------------------------------------------------------------

    @property
    def pending_bytes(self) -> int:
        """Payload bytes queued for Redis and not yet PUBLISHed."""
        return self._pending_bytes

    @property
    def connected(self) -> bool:
        """Whether the subscription is up now (set again after a reconnect)."""
        return bool(self._tasks) and self._subscribed.is_set()

    def stats(self) -> Dict[str, Any]:
        """:meth:`Broadcaster.stats` plus the Redis side: messages published,
        received for local members, dropped while Redis lagged, reconnects, and
        ``redis_pending_bytes`` now."""
        snapshot = super().stats()
        snapshot.update(self._redis_counts)
        snapshot["redis_pending_bytes"] = self._pending_bytes
        return snapshot


def _glob_escape(prefix: bytes) -> bytes:
    """``prefix`` as a literal in a PSUBSCRIBE pattern (``*``, ``?``, ``[``, ``]``, ``\\`` escaped)."""
    return re.sub(rb"([*?\[\]\\])", rb"\\\1", prefix)
