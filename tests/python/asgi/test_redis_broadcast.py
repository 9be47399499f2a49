"""RedisBroadcaster: two instances ("workers") on one real redis-server fan out to each other's members.

Each instance serves its own uvicorn on 127.0.0.1 in the test's loop, with its own
Redis connections; the clients are the ``websockets`` library.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, AsyncIterator, List, Tuple

import pytest

from wscore.asgi import EVICT_CODE, RedisBroadcaster

from .redis_room_app import make_app
from .redis_server import RedisServer, redis_server  # noqa: F401 (the fixture)
from .servers import client, running
from .test_broadcast import read_into, wait_for

pytestmark = pytest.mark.asyncio

MESSAGE = "y" * 16384


@asynccontextmanager
async def workers(redis: RedisServer, count: int = 2, **options: Any) -> AsyncIterator[List[Tuple[RedisBroadcaster, str]]]:
    """``count`` RedisBroadcasters, each serving the room app on its own uvicorn: [(rooms, ws:// URL)]."""
    guard_options = {"send_timeout": 30}
    async with AsyncExitStack() as stack:
        started = []
        for _ in range(count):
            rooms = await stack.enter_async_context(RedisBroadcaster(redis.url, **options))
            url = await stack.enter_async_context(running("uvicorn", make_app(rooms, **guard_options)))
            started.append((rooms, url))
        yield started


async def test_two_workers_fan_out_to_each_others_members(redis_server: RedisServer) -> None:
    async with workers(redis_server) as [(rooms_a, url_a), (rooms_b, url_b)]:
        async with client(url_a + "/ws/lobby") as ann, client(url_b + "/ws/lobby") as bob, client(
            url_b + "/ws/kitchen"
        ) as cy:
            await wait_for(lambda: rooms_a.rooms() == {"lobby": 1} and rooms_b.rooms() == {"lobby": 1, "kitchen": 1})
            await ann.send("hi from a")
            assert await asyncio.wait_for(bob.recv(), 5) == "hi from a"
            assert await asyncio.wait_for(ann.recv(), 5) == "hi from a"  # once: its own copy from Redis is skipped
            await bob.send(b"\x00binary from b")
            assert await asyncio.wait_for(ann.recv(), 5) == b"\x00binary from b"
            assert await asyncio.wait_for(bob.recv(), 5) == b"\x00binary from b"
            await cy.send("kitchen only")
            assert await asyncio.wait_for(cy.recv(), 5) == "kitchen only"
            await ann.send("last")
            assert await asyncio.wait_for(ann.recv(), 5) == "last"  # not "kitchen only": another room
            assert await asyncio.wait_for(bob.recv(), 5) == "last"
            assert rooms_a.stats()["redis_received"] == 1  # bob's; ann's own and the kitchen's skipped
    with pytest.raises(TypeError):
        RedisBroadcaster(redis_server.url).publish(1, "rooms are str")


async def test_a_slow_member_is_evicted_by_its_lag_and_the_others_get_everything(redis_server: RedisServer) -> None:
    max_lag_bytes = 256 * 1024
    async with workers(redis_server, max_lag_bytes=max_lag_bytes, max_lag_seconds=60) as [(rooms_a, url_a), (rooms_b, url_b)]:
        async with client(url_a + "/ws/lobby") as fast_a, client(url_b + "/ws/lobby") as fast_b, client(
            url_a + "/ws/lobby?name=slow", rcvbuf=4096
        ):
            got: Tuple[List[Any], List[Any]] = ([], [])
            readers = [asyncio.ensure_future(read_into(c, into)) for c, into in zip((fast_a, fast_b), got)]
            await wait_for(lambda: rooms_a.rooms() == {"lobby": 2} and rooms_b.rooms() == {"lobby": 1})
            slow_member = next(m for m, shown in rooms_a._presence["lobby"].items() if shown == "slow")
            most_pending = 0
            for i in range(300):  # ~5 MB, published on b: far beyond the slow client's buffers on a
                rooms_b.publish("lobby", f"{i:04d}" + MESSAGE)
                most_pending = max(most_pending, slow_member.backlog_bytes)
                await asyncio.sleep(0.002)
            await wait_for(lambda: len(got[0]) >= 300 and len(got[1]) >= 300, timeout=20)
            expected = [f"{i:04d}" + MESSAGE for i in range(300)]
            assert got[0] == expected and got[1] == expected  # everything, in order, on both workers
            assert rooms_a.stats()["evictions_lag_bytes"] == 1 and rooms_b.stats()["evictions"] == 0
            assert rooms_a.rooms() == {"lobby": 1}
            assert most_pending <= max_lag_bytes
            await wait_for(lambda: slow_member.closed is not None)
            closed = slow_member.closed
            assert closed is not None and (closed.code, closed.initiator) == (EVICT_CODE, "local")
            for reader in readers:
                reader.cancel()


async def test_a_flood_stays_bounded_in_memory(redis_server: RedisServer) -> None:
    """A publisher far faster than Redis and than a member: every queue keeps to its bound, publish never waits."""
    max_lag_bytes, max_pending = 512 * 1024, 1 << 20
    async with workers(redis_server, max_lag_bytes=max_lag_bytes, max_pending_bytes=max_pending) as [
        (rooms_a, url_a),
        (rooms_b, _),
    ]:
        async with client(url_a + "/ws/lobby", rcvbuf=4096) as slow:
            await wait_for(lambda: rooms_a.rooms() == {"lobby": 1})
            member = rooms_a.members("lobby")[0]
            chunk = "f" * 8192
            rss_before = rss_bytes()
            most_backlog = most_pending = 0
            slowest = 0.0
            published = 0
            deadline = time.monotonic() + 5
            while published < 8000 and time.monotonic() < deadline:  # up to 64 MB
                started = time.monotonic()
                for _ in range(100):  # 800 KB in one go, faster than any network
                    rooms_b.publish("lobby", chunk)
                slowest = max(slowest, time.monotonic() - started)
                published += 100
                most_backlog = max(most_backlog, member.backlog_bytes)
                most_pending = max(most_pending, rooms_b.pending_bytes)
                await asyncio.sleep(0)
            await wait_for(lambda: member.closed is not None, timeout=10)
            growth = rss_bytes() - rss_before
            stats_a, stats_b = rooms_a.stats(), rooms_b.stats()
            print(
                f"flood: {published * len(chunk) >> 20} MiB published, sent to Redis {stats_b['redis_published']}, "
                f"dropped {stats_b['redis_dropped']}, relayed on a {stats_a['redis_received']}; "
                f"most backlog {most_backlog >> 10} KiB, most pending {most_pending >> 10} KiB, "
                f"slowest 100 publishes {slowest * 1000:.1f} ms, RSS growth {growth >> 20} MiB"
            )
            assert published * len(chunk) >= 32 << 20
            assert member.closed is not None and member.closed.code == EVICT_CODE
            assert stats_a["evictions_lag_bytes"] == 1
            assert most_backlog <= max_lag_bytes
            assert most_pending <= max_pending + len(chunk)
            assert slowest < 0.1
            assert growth < 48 << 20


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096



async def test_a_prefix_is_literal_even_with_glob_characters(redis_server: RedisServer) -> None:
    """Prefix "r[1]:" must not hear "r1:" (the pattern subscription escapes its glob characters)."""
    async with AsyncExitStack() as stack:
        urls, all_rooms = [], []
        for prefix in ("r[1]:", "r1:", "r[1]:"):
            rooms = await stack.enter_async_context(RedisBroadcaster(redis_server.url, prefix=prefix))
            urls.append(await stack.enter_async_context(running("uvicorn", make_app(rooms))))
            all_rooms.append(rooms)
        async with client(urls[0] + "/ws/x") as ann, client(urls[1] + "/ws/x") as bob, client(urls[2] + "/ws/x") as cy:
            await wait_for(lambda: all(rooms.rooms() == {"x": 1} for rooms in all_rooms))
            await bob.send("r1 only")
            assert await asyncio.wait_for(bob.recv(), 5) == "r1 only"
            await cy.send("r[1] only")
            assert await asyncio.wait_for(ann.recv(), 5) == "r[1] only"  # not "r1 only" first
            assert await asyncio.wait_for(cy.recv(), 5) == "r[1] only"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(bob.recv(), 0.3)
