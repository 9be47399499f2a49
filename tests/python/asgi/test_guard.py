"""guard(): close races, sends and receives after close, flush, timeouts, on real servers."""

from __future__ import annotations

import asyncio
import time
from typing import Any, List, Tuple

import pytest
from websockets.exceptions import ConnectionClosed as ClientClosed

import wscore
from wscore.asgi import GuardedWebSocket

from .endpoint import Endpoint
from .servers import SERVERS, abort, captured_problems, client, running

pytestmark = pytest.mark.asyncio

BIG = b"x" * 65536


def info(error: wscore.ConnectionClosed) -> Tuple[int, str, str]:
    return (error.code, error.reason, error.initiator)


async def read_all(connection: Any) -> List[Any]:
    """Every message until the server closes (the close itself is on ``connection``)."""
    received: List[Any] = []
    try:
        while True:
            received.append(await connection.recv())
    except ClientClosed:
        return received


@pytest.mark.parametrize("server", SERVERS)
async def test_close_from_two_tasks_at_once_closes_once(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        await asyncio.gather(ws.close(4001, "first"), ws.close(4002, "second"))
        with pytest.raises(wscore.ConnectionClosed) as late:
            await ws.send_text("late")
        return late.value, ws.stats()

    endpoint = Endpoint(handler)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        assert await read_all(connection) == []
        assert (connection.close_code, connection.close_reason) == (4001, "first")
        late, stats = await endpoint.outcome()
    assert info(late) == (4001, "first", "local")
    assert stats["close_races_resolved"] == 1
    assert stats["sends_after_close_avoided"] == 1
    assert stats["close_codes"] == {4001: 1}


# hypercorn 0.18 tells the app 1006 for every close the client starts (it keeps
# no code), so there the guard can only say "transport".
CLIENT_CLOSE_SEEN = {"uvicorn": (4005, "bye", "remote"), "hypercorn": (1006, "", "transport")}


@pytest.mark.parametrize("server", SERVERS)
async def test_send_after_client_close_raises_remote(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        received = [message async for message in ws]
        with pytest.raises(wscore.ConnectionClosed) as late:
            await ws.send_text("late")
        return received, late.value, await ws.try_send("again"), ws.stats()

    endpoint = Endpoint(handler)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        await connection.send("hello")
        await connection.close(4005, "bye")
        received, late, again, stats = await endpoint.outcome()
    assert received == ["hello"]
    assert info(late) == CLIENT_CLOSE_SEEN[server]
    assert again is False
    assert stats["sends_after_close_avoided"] == 2
    assert stats["close_codes"] == {CLIENT_CLOSE_SEEN[server][0]: 1}


@pytest.mark.parametrize("server", SERVERS)
async def test_send_after_tcp_abort_raises_transport(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        await ws.send_text("ready")
        async for _ in ws:
            pass
        with pytest.raises(wscore.ConnectionClosed) as late:
            await ws.send_bytes(b"late")
        return late.value, await ws.try_send_json({"x": 1})

    endpoint = Endpoint(handler)
    async with running(server, endpoint.app) as url:
        async with client(url + "/ws") as connection:
            assert await connection.recv() == "ready"
            abort(connection)
        late, again = await endpoint.outcome()
    assert info(late) == (1006, "", "transport")
    assert again is False


@pytest.mark.parametrize("server", SERVERS)
async def test_close_from_another_task_ends_receiving(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        received: List[Any] = []
        first = asyncio.Event()

        async def reader() -> None:
            async for message in ws:
                received.append(message)
                first.set()

        reading = asyncio.ensure_future(reader())
        await first.wait()
        await ws.close(4003, "enough")
        await asyncio.wait_for(reading, 2)  # the iteration ended by itself
        with pytest.raises(wscore.ConnectionClosed) as late:
            await ws.receive_text()
        return received, late.value

    endpoint = Endpoint(handler)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        try:
            for i in range(200):
                await connection.send(f"m{i}")
                await asyncio.sleep(0.002)
        except ClientClosed:
            pass
        await read_all(connection)
        assert connection.close_code == 4003
        received, late = await endpoint.outcome()
    assert received[0] == "m0" and 1 <= len(received) < 200
    assert info(late) == (4003, "enough", "local")


@pytest.mark.parametrize("server", SERVERS)
async def test_close_flushes_everything_queued_first(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        for i in range(300):
            assert ws.send_nowait(f"m{i}")
        senders = [asyncio.ensure_future(ws.send_text(f"s{i}")) for i in range(20)]
        await asyncio.sleep(0)  # let the senders queue theirs
        await ws.close(4000, "done")
        await asyncio.gather(*senders)  # all delivered, none raised
        return ws.stats()

    endpoint = Endpoint(handler, max_queue=1000)
    async with running(server, endpoint.app) as url, client(url + "/ws") as connection:
        received = await read_all(connection)
        assert (connection.close_code, connection.close_reason) == (4000, "done")
        stats = await endpoint.outcome()
    assert received == [f"m{i}" for i in range(300)] + [f"s{i}" for i in range(20)]
    assert stats["close_codes"] == {4000: 1}


@pytest.mark.parametrize("server", SERVERS)
async def test_send_timeout_bounds_a_send_to_a_client_that_stopped_reading(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        sent = 0
        started = time.monotonic()
        while True:
            started = time.monotonic()
            try:
                await ws.send_bytes(BIG)
            except wscore.ConnectionClosed as error:
                stuck_for = time.monotonic() - started
                closing = time.monotonic()
                await ws.close()  # already failed: returns at once
                return error, sent, stuck_for, time.monotonic() - closing, ws.stats()
            sent += 1

    endpoint = Endpoint(handler, send_timeout=0.5)
    async with running(server, endpoint.app) as url:
        async with client(url + "/ws", rcvbuf=4096) as connection:
            error, sent, stuck_for, close_took, stats = await endpoint.outcome()
            abort(connection)
    assert info(error) == (1006, "send timed out", "transport")
    assert sent >= 1
    assert 0.45 <= stuck_for < 1.5
    assert close_took < 0.1
    assert (stats["send_timeouts"], stats["close_races_resolved"]) == (1, 1)


@pytest.mark.parametrize("server", SERVERS)
async def test_close_timeout_bounds_a_flush_that_cannot_finish(server: str) -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        for _ in range(300):  # 19 MB: far more than the socket buffers hold
            ws.send_nowait(BIG)
        started = time.monotonic()
        await ws.close(4000)
        return time.monotonic() - started, ws.closed, ws.stats()

    endpoint = Endpoint(handler, send_timeout=30, close_timeout=0.5, max_queue=1000)
    async with running(server, endpoint.app) as url:
        async with client(url + "/ws", rcvbuf=4096) as connection:
            took, closed, stats = await endpoint.outcome()
            abort(connection)
    assert 0.45 <= took < 1.5
    assert info(closed) == (4000, "", "local")
    assert stats["close_timeouts"] == 1


async def test_unsendable_close_code_is_refused_and_nothing_sent() -> None:
    async def handler(ws: GuardedWebSocket) -> Any:
        refused = []
        for code, reason in ((1006, ""), (999, ""), (1000, "é" * 62)):
            with pytest.raises(wscore.InvalidCloseArguments):
                await ws.close(code, reason)
            refused.append(ws.closed)
        await ws.send_text("still open")
        await ws.close(1001, "bye")
        return refused

    endpoint = Endpoint(handler)
    async with running("uvicorn", endpoint.app) as url, client(url + "/ws") as connection:
        assert await read_all(connection) == ["still open"]
        assert (connection.close_code, connection.close_reason) == (1001, "bye")
        assert await endpoint.outcome() == [None, None, None]


async def send_after_hypercorn_deadlock(guarded: bool) -> Any:
    """Fill hypercorn's app queue, break the socket, then send once; the outcome."""

    async def handler(ws: GuardedWebSocket) -> Any:
        await aborted.wait()
        started = time.monotonic()
        try:
            if guarded:
                await ws.send_bytes(BIG)
            else:
                await asyncio.wait_for(ws.websocket.send_bytes(BIG), 1.0)
        except (wscore.ConnectionClosed, asyncio.TimeoutError) as error:
            return error, time.monotonic() - started
        return None, time.monotonic() - started

    aborted = asyncio.Event()
    endpoint = Endpoint(handler, send_timeout=0.5)
    async with running("hypercorn", endpoint.app) as url:
        async with client(url + "/ws") as connection:
            for _ in range(30):  # more than hypercorn's app queue (10) holds
                await connection.send("x" * 1000)
            await asyncio.sleep(0.1)
            abort(connection)
        aborted.set()
        return await endpoint.outcome()


async def test_hypercorn_full_app_queue_and_broken_socket_does_not_hang_a_send() -> None:
    # hypercorn 0.18: a send that hits the broken socket reports the close to the
    # app's queue, which is full because the handler is busy sending: deadlock.
    raw_error, _ = await send_after_hypercorn_deadlock(guarded=False)
    assert isinstance(raw_error, asyncio.TimeoutError)  # unguarded: hangs
    error, took = await send_after_hypercorn_deadlock(guarded=True)
    assert info(error) == (1006, "send timed out", "transport")
    assert took < 1.0


@pytest.mark.parametrize("server", SERVERS)
async def test_after_its_close_the_guard_reads_until_disconnect(server: str) -> None:
    # The app closes with 30 messages unread. hypercorn holds 10 in its app queue and
    # waits to put the rest, then websocket.disconnect, for as long as nobody reads:
    # without the guard's drain, that task hangs and is cancelled at shutdown.
    async def handler(ws: GuardedWebSocket) -> Any:
        await asyncio.sleep(0.3)  # the client's messages arrive meanwhile, unread
        await ws.close(4000, "done")
        return ws.closed

    endpoint = Endpoint(handler)
    async with captured_problems() as problems:
        async with running(server, endpoint.app) as url:
            async with client(url + "/ws") as connection:
                for _ in range(30):
                    await connection.send("x" * 1000)
                started = time.monotonic()
                assert await asyncio.wait_for(read_all(connection), 5) == []
                await asyncio.wait_for(connection.wait_closed(), 5)
                closing_took = time.monotonic() - started
            assert (connection.close_code, connection.close_reason) == (4000, "done")
            assert info(await endpoint.outcome()) == (4000, "done", "local")
            stopping = time.monotonic()
        stopping_took = time.monotonic() - stopping
        await asyncio.sleep(0.1)  # a task cancelled at shutdown reports itself here
    assert problems.summary() == []
    assert closing_took < 1.0  # the close handshake ended without the client's close_timeout (2 s)
    assert stopping_took < 1.0  # no task left for the graceful timeout (2 s)
