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
async def test_slow_client_is_evicted_and_the_room_keeps_going(server: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wscore")
    totals_before = wscore.asgi.stats()["evictions"]
    rooms = Broadcaster()

    async def handler(ws: GuardedWebSocket) -> Any:
        with rooms.joined("lobby", ws):
            async for _ in ws:
                pass
        return ws.closed

    endpoint = Endpoint(handler, max_queue=8, send_timeout=30)
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
            slowest_publish = 0.0
            for _ in range(300):  # ~5 MB each: far beyond the slow client's buffers
                started = time.monotonic()
                rooms.publish("lobby", MESSAGE)
                slowest_publish = max(slowest_publish, time.monotonic() - started)
                await asyncio.sleep(0.002)
            await wait_for(lambda: received == [300, 300])
            for reader in readers:
                reader.cancel()
            assert rooms.rooms() == {"lobby": 2}
            assert rooms.stats()["evictions"] == 1
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
