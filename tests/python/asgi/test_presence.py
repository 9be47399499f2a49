"""Presence: who is in a room, in this process (Broadcaster) and in every process (RedisBroadcaster)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, List

import pytest

from wscore.asgi import Broadcaster, GuardedWebSocket

from .endpoint import Endpoint
from .redis_server import RedisServer, redis_server  # noqa: F401 (the fixture)
from .servers import client, running
from .test_redis_broadcast import workers

pytestmark = pytest.mark.asyncio


async def until_online(read: Callable[[], Awaitable[List[str]]], expected: List[str], timeout: float = 5.0) -> float:
    """Poll ``read()`` until it lists ``expected`` (in any order); how long that took."""
    started = time.monotonic()
    while sorted(await read()) != sorted(expected):
        assert time.monotonic() - started < timeout, f"online is {await read()}, not {expected}"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_local_presence_lists_members_until_they_leave_or_close() -> None:
    rooms = Broadcaster()
    entered = asyncio.Event()

    async def handler(ws: GuardedWebSocket) -> Any:
        rooms.join("lobby", ws, presence="ann")
        rooms.join("lobby", ws)  # joining again without a presence keeps it
        rooms.join("attic", ws, presence="ann (away)")
        entered.set()
        async for _ in ws:  # until the client closes
            pass
        return ws.closed

    endpoint = Endpoint(handler)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws") as connection:
        await entered.wait()
        assert await rooms.online("lobby") == ["ann"] and await rooms.online("attic") == ["ann (away)"]
        rooms.leave("attic", rooms.members("attic")[0])
        assert await rooms.online("attic") == []
        await connection.close()
        await endpoint.outcome()
    assert await rooms.online("lobby") == [] and rooms.rooms() == {}


async def test_presence_spans_workers_and_survives_a_redis_restart(redis_server: RedisServer) -> None:
    async with workers(redis_server) as [(rooms_a, url_a), (rooms_b, url_b)]:
        async with client(url_a + "/ws/lobby?name=ann") as _, client(url_b + "/ws/lobby?name=bob") as bob:
            for rooms in (rooms_a, rooms_b):
                await until_online(lambda: rooms.online("lobby"), ["ann", "bob"])
            await bob.close()
            await until_online(lambda: rooms_a.online("lobby"), ["ann"])
            async with client(url_b + "/ws/lobby?name=cy"):
                await until_online(lambda: rooms_a.online("lobby"), ["ann", "cy"])
                redis_server.restart()  # an empty Redis: the workers write their entries again
                refilled = await until_online(lambda: rooms_a.online("lobby"), ["ann", "cy"], timeout=10)
                print(f"presence back {refilled:.2f} s after the Redis restart")
                assert rooms_b.stats()["members"] == 1


async def test_a_crashed_workers_members_drop_out_within_the_presence_ttl(redis_server: RedisServer) -> None:
    async with workers(redis_server, presence_ttl=1.0) as [(rooms_a, url_a), (rooms_b, url_b)]:
        async with client(url_a + "/ws/lobby?name=ann"), client(url_b + "/ws/lobby?name=bob"):
            await until_online(lambda: rooms_a.online("lobby"), ["ann", "bob"])
            for task in rooms_b._tasks:  # b stops talking to Redis as a killed process would
                task.cancel()
            crashed = time.monotonic()
            await until_online(lambda: rooms_a.online("lobby"), ["ann"], timeout=3)
            assert time.monotonic() - crashed < 1.0 + 0.5
            rooms_b._tasks = []  # nothing left to stop
