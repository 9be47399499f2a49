"""Broadcaster: a slow client is evicted with 1013, the others get everything on time."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, List

import pytest
from websockets.exceptions import ConnectionClosed as ClientClosed

import wscore
import wscore.asgi
from wscore.asgi import EVICT_CODE, Broadcaster, GuardedWebSocket

from .endpoint import Endpoint
from .servers import client, running

pytestmark = pytest.mark.asyncio

MESSAGE = "y" * 16384


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn"])
async def test_slow_client_is_evicted_by_its_bytes_and_the_room_keeps_going(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wscore")
    totals_before = wscore.asgi.stats()["evictions"]
    max_lag_bytes = 256 * 1024
    rooms = Broadcaster(max_lag_bytes=max_lag_bytes, max_lag_seconds=60)

    async def handler(ws: GuardedWebSocket) -> Any:
        with rooms.joined("lobby", ws):
            async for _ in ws:
                pass
        return ws.closed

    endpoint = Endpoint(handler, send_timeout=30)
    received: List[int] = [0, 0]

    async def read(index: int, connection: Any) -> None:
        while True:
            await connection.recv()
            received[index] += 1

    async with running(server, endpoint.app) as url:
        async with client(url + "/ws") as fast0, client(url + "/ws") as fast1, client(
            url + "/ws", rcvbuf=4096
        ) as slow:
            readers = [asyncio.ensure_future(read(i, c)) for i, c in enumerate((fast0, fast1))]
            await wait_for(lambda: rooms.rooms() == {"lobby": 3})
            slow_member = rooms.members("lobby")[2]
            slowest_publish = most_pending = 0.0
            for _ in range(300):  # ~5 MB each: far beyond the slow client's buffers
                started = time.monotonic()
                rooms.publish("lobby", MESSAGE)
                slowest_publish = max(slowest_publish, time.monotonic() - started)
                most_pending = max(most_pending, slow_member.backlog_bytes)
                await asyncio.sleep(0.002)
            await wait_for(lambda: received == [300, 300])
            for reader in readers:
                reader.cancel()
            assert rooms.rooms() == {"lobby": 2}
            assert rooms.stats() == {
                "evictions": 1, "evictions_lag_bytes": 1, "evictions_lag_time": 0, "rooms": 1, "members": 2
            }
            assert most_pending <= max_lag_bytes  # the bound, never more
            assert slowest_publish < 0.05
            drained = 0
            with pytest.raises(ClientClosed):  # reading again: the backlog, then the 1013 close
                while True:
                    await slow.recv()
                    drained += 1
            assert slow.close_code == EVICT_CODE
            assert 0 < drained < 300
            evicted = await endpoint.outcome()
            assert (evicted.code, evicted.initiator) == (EVICT_CODE, "local")
    assert wscore.asgi.stats()["evictions"] - totals_before == 1
    evictions_logged = [r for r in caplog.records if r.name == "wscore" and "evicting" in r.getMessage()]
    assert [r.levelno for r in evictions_logged] == [logging.INFO]


async def test_a_member_that_stops_reading_is_evicted_within_its_time_bound() -> None:
    """No byte bound in reach and no publish after the stall: the lag timer alone evicts."""
    max_lag_seconds = 1.0
    rooms = Broadcaster(max_lag_seconds=max_lag_seconds, max_lag_bytes=1 << 30)

    async def handler(ws: GuardedWebSocket) -> Any:
        with rooms.joined("lobby", ws):
            async for _ in ws:
                pass
        return ws.closed

    endpoint = Endpoint(handler, send_timeout=30)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws", rcvbuf=4096) as slow:
        await wait_for(lambda: rooms.rooms() == {"lobby": 1})
        member = rooms.members("lobby")[0]
        for _ in range(2000):  # until its buffers are full and the backlog stands still
            rooms.publish("lobby", MESSAGE)
            await asyncio.sleep(0.002)
            if member.lag_seconds > 0.2:
                break
        assert member.lag_seconds > 0.2, "the client's buffers never filled"
        last_progress = time.monotonic() - member.lag_seconds
        await wait_for(lambda: not rooms.rooms(), timeout=5)
        evicted_after = time.monotonic() - last_progress
        assert max_lag_seconds <= evicted_after < max_lag_seconds + 0.5
        assert rooms.stats()["evictions_lag_time"] == 1
        with pytest.raises(ClientClosed):  # the backlog was dropped: the close follows what the kernel held
            while True:
                await slow.recv()
        assert slow.close_code == EVICT_CODE


async def test_members_leave_their_rooms_when_the_connection_closes() -> None:
    rooms = Broadcaster()
    joined = asyncio.Event()

    async def handler(ws: GuardedWebSocket) -> Any:
        rooms.join("a", ws)
        rooms.join("b", ws)
        joined.set()
        await ws.wait_closed()  # no leave(): the close alone must clean up
        return rooms.rooms(), rooms.publish("a", "late"), rooms.join("c", ws)

    endpoint = Endpoint(handler)
    async with running("uvicorn", endpoint.app) as url:
        async with client(url + "/ws") as connection:
            await joined.wait()
            assert rooms.rooms() == {"a": 1, "b": 1}
            assert rooms.publish("b", "hi") == 1
            assert await connection.recv() == "hi"
            member = rooms.members("a")[0]
            await member.close(4000)
        assert await endpoint.outcome() == ({}, 0, False)
    with pytest.raises(wscore.InvalidCloseArguments):
        Broadcaster(evict_code=1005)


async def read_into(connection: Any, into: List[Any]) -> None:
    """Append every message to ``into`` until the connection closes."""
    try:
        while True:
            into.append(await connection.recv())
    except ClientClosed:
        pass


async def test_a_join_burst_does_not_evict_a_member_that_reads() -> None:
    """100 joins at once, then 50 connect/disconnect churns, then a busy room.

    Each join and leave announces the member list to the room (as the chat demo's
    presence does), so every member's backlog jumps by a few hundred messages
    within a few loop iterations. The fast reader drains all of it: it must
    stay, and get every message in order.
    """
    rooms = Broadcaster()
    published: List[str] = []

    def announce(kind: str) -> None:
        text = f"{kind} {len(published)} online={len(rooms.members('lobby'))} " + "n" * 200
        published.append(text)
        rooms.publish("lobby", text)

    async def handler(ws: GuardedWebSocket) -> Any:
        with rooms.joined("lobby", ws):
            announce("join")
            async for _ in ws:
                pass
        announce("leave")
        return ws.closed

    endpoint = Endpoint(handler, send_timeout=30)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws") as fast:
        got: List[Any] = []
        reader = asyncio.ensure_future(read_into(fast, got))
        await wait_for(lambda: rooms.rooms() == {"lobby": 1})
        joiners = await asyncio.gather(*(client(url + "/ws") for _ in range(100)))
        drains = [asyncio.ensure_future(read_into(c, [])) for c in joiners]
        for _ in range(50):  # churn: one arrives, one leaves
            newcomer = await client(url + "/ws")
            await newcomer.close()
        await wait_for(lambda: len(got) >= len(published) or reader.done(), timeout=20)
        assert (rooms.stats()["evictions"], fast.close_code) == (0, None), "evicted by the joins"
        for i in range(300):  # a busy room: 300 messages published in one go
            published.append(f"message {i} " + "m" * 1000)
            rooms.publish("lobby", published[-1])
        await wait_for(lambda: len(got) >= len(published) or reader.done(), timeout=20)
        assert (rooms.stats()["evictions"], fast.close_code) == (0, None), "evicted by a busy room"
        assert got == published
        reader.cancel()
        for joiner in joiners:
            await joiner.close()
        for drain in drains:
            drain.cancel()
