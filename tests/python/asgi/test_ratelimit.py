"""guard(rate_limit=...): token buckets per connection; over the limit, drop (counted) or close 1008."""

from __future__ import annotations

import asyncio
import math
from typing import Any, List

import pytest
from websockets.exceptions import ConnectionClosed as ClientClosed

import wscore
import wscore.asgi
from wscore.asgi import RATE_LIMIT_CLOSE_CODE, GuardedWebSocket, RateLimit

from .endpoint import Endpoint
from .servers import SERVERS, client, running


def test_message_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = RateLimit(messages_per_second=2, message_burst=3).bucket()
    start = 1000.0
    bucket._last = start
    assert [bucket.allow(10, start) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow(10, start + 0.25) is False  # half a token back
    assert bucket.allow(10, start + 0.5) is True  # one token back
    assert bucket.allow(10, start + 0.5) is False
    assert [bucket.allow(10, start + 100) for _ in range(4)] == [True, True, True, False]  # never above the burst


def test_byte_bucket_counts_payload_bytes_and_a_refused_message_costs_nothing() -> None:
    bucket = RateLimit(messages_per_second=100, bytes_per_second=100).bucket()
    bucket._last = 0.0
    assert bucket.allow(60, 0.0) is True
    assert bucket.allow(60, 0.0) is False  # 40 bytes left
    assert bucket.allow(40, 0.0) is True  # the refusal above took no token of either kind
    assert bucket.allow(101, 1000.0) is False  # larger than the burst: never fits
    assert bucket.allow(100, 1000.0) is True


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"messages_per_second": 0},
        {"messages_per_second": -1},
        {"bytes_per_second": math.inf},
        {"bytes_per_second": math.nan},
        {"messages_per_second": 1, "message_burst": 0},
        {"messages_per_second": 1, "on_exceed": "kick"},
        {"messages_per_second": 1, "close_reason": "x" * 124},
    ],
)
def test_bad_rate_limits_are_refused(options: Any) -> None:
    with pytest.raises(ValueError):
        RateLimit(**options)


async def collect(ws: GuardedWebSocket) -> Any:
    """Every message the handler gets, and how the connection ended."""
    got: List[Any] = []
    try:
        while True:
            got.append(await ws.receive())
            if got[-1] == "later":
                return got, ws.closed, ws.stats()  # closed: None, still open
    except wscore.ConnectionClosed as closed:
        return got, closed, ws.stats()


@pytest.mark.asyncio
@pytest.mark.parametrize("server", SERVERS)
async def test_over_the_limit_messages_are_dropped_and_counted(server: str) -> None:
    before = wscore.asgi.stats()["rate_limited_drops"]
    limit = RateLimit(messages_per_second=2, message_burst=5, on_exceed="drop")
    endpoint = Endpoint(collect, rate_limit=limit)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        for i in range(20):  # at once: 5 fit the burst
            await connection.send(f"m{i}")
        await asyncio.sleep(0.6)  # a token comes back
        await connection.send("later")
        got, closed, stats = await endpoint.outcome()
    assert got == ["m0", "m1", "m2", "m3", "m4", "later"]
    assert closed is None
    assert (stats["rate_limited_drops"], stats["rate_limited_closes"]) == (15, 0)
    assert wscore.asgi.stats()["rate_limited_drops"] - before == 15


@pytest.mark.asyncio
@pytest.mark.parametrize("server", SERVERS)
async def test_over_the_limit_closes_with_1008(server: str) -> None:
    before = wscore.asgi.stats()["rate_limited_closes"]
    limit = RateLimit(bytes_per_second=1000, byte_burst=3000, on_exceed="close", close_reason="slow down")
    endpoint = Endpoint(collect, rate_limit=limit)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        for i in range(10):
            try:
                await connection.send(f"{i}" * 1000)  # 1000 bytes each: the fourth is over
            except ClientClosed:
                break
        with pytest.raises(ClientClosed):
            while True:
                await connection.recv()
        assert (connection.close_code, connection.close_reason) == (RATE_LIMIT_CLOSE_CODE, "slow down")
        got, closed, stats = await endpoint.outcome()
    assert got == ["0" * 1000, "1" * 1000, "2" * 1000]
    assert (closed.code, closed.reason, closed.initiator) == (1008, "slow down", "local")
    assert (stats["rate_limited_drops"], stats["rate_limited_closes"]) == (0, 1)
    assert wscore.asgi.stats()["rate_limited_closes"] - before == 1
