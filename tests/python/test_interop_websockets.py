"""Interop over real sockets on 127.0.0.1 with the websockets library (17.4), both
roles, against the asyncio driver built on the sans-IO API (ws_driver.py)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed as WsConnectionClosed

import wscore
from ws_driver import Driver, connect, serve

pytestmark = pytest.mark.asyncio


async def echo_until_closed(driver: Driver, request: wscore.Request) -> None:
    driver.accept("chat" if "chat" in request.subprotocols else None)
    while True:
        event = await driver.next_event(10)
        if isinstance(event, wscore.TextMessage):
            driver.send_text(event.data)
        elif isinstance(event, wscore.BinaryMessage):
            driver.send_binary(event.data)
        elif isinstance(event, wscore.Closed):
            return


async def test_websockets_client_against_our_server():
    server = await serve(echo_until_closed)
    port = server.sockets[0].getsockname()[1]
    try:
        async with asyncio.timeout(10):
            async with ws_connect(f"ws://127.0.0.1:{port}/x", subprotocols=["chat"], max_size=None) as ws:
                assert ws.subprotocol == "chat"
                await ws.send("héllo")
                assert await ws.recv() == "héllo"
                payload = bytes(range(256)) * 8192  # 2 MiB
                await ws.send(payload)
                assert await ws.recv() == payload
                await ws.send(["frag", "mented"])  # a fragmented text message
                assert await ws.recv() == "fragmented"
                pong = await ws.ping(b"abc")
                assert await asyncio.wait_for(pong, 5) is not None
            assert ws.close_code == 1000
    finally:
        server.close()
        await server.wait_closed()


async def test_our_server_closes_first_and_websockets_sees_code_and_reason():
    async def greet_and_close(driver: Driver, request: wscore.Request) -> None:
        driver.accept()
        for i in range(50):
            driver.send_text(f"m{i}")
        assert driver.close(4000, "done") is True
        with pytest.raises(wscore.ConnectionClosed) as info:
            driver.send_text("late")
        assert info.value.initiator == "local"
        closed = await driver.wait_closed()
        assert (closed.code, closed.clean, closed.initiator) == (4000, True, "local")

    server = await serve(greet_and_close)
    port = server.sockets[0].getsockname()[1]
    try:
        async with asyncio.timeout(10):
            async with ws_connect(f"ws://127.0.0.1:{port}/") as ws:
                got = []
                with pytest.raises(WsConnectionClosed) as info:
                    while True:
                        got.append(await ws.recv())
        assert got == [f"m{i}" for i in range(50)]
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4000, "done")
    finally:
        server.close()
        await server.wait_closed()


async def test_our_client_against_websockets_server():
    async def handler(ws):
        async for message in ws:
            if message == "close please":
                await ws.close(4321, "as requested")
                return
            await ws.send(message)

    async with ws_serve(handler, "127.0.0.1", 0, subprotocols=["chat"], max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        driver, accepted = await connect(f"ws://127.0.0.1:{port}/", subprotocols=("chat",))
        assert isinstance(accepted, wscore.Accepted) and accepted.subprotocol == "chat"
        driver.send_text("one")
        driver.send_binary(bytearray(b"two"))
        driver.send_binary(memoryview(b"xthreex")[1:-1])
        driver.send_ping(b"p")
        got = []
        while len(got) < 4:
            event = await driver.next_event()
            got.append(event)
        # the pong may overtake the echoes (the server answers pings at once)
        assert [e for e in got if not isinstance(e, wscore.Pong)] == [
            wscore.TextMessage("one"),
            wscore.BinaryMessage(b"two"),
            wscore.BinaryMessage(b"three"),
        ]
        assert wscore.Pong(b"p") in got
        driver.send_text("close please")
        events = []
        while not isinstance(events[-1:] and events[-1], wscore.Closed):
            events.append(await driver.next_event())
        assert events[0] == wscore.CloseReceived(4321, "as requested")
        closed = events[-1]
        assert (closed.code, closed.reason, closed.clean, closed.initiator) == (4321, "as requested", True, "remote")
        with pytest.raises(wscore.ConnectionClosed) as info:
            driver.send_text("after")
        assert (info.value.code, info.value.initiator) == (4321, "remote")


async def test_our_client_sees_websockets_server_vanish():
    async def handler(ws):
        await ws.recv()
        ws.transport.abort()  # TCP reset, no close frame

    async with ws_serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        driver, _ = await connect(f"ws://127.0.0.1:{port}/")
        driver.send_text("bye")
        closed = await driver.wait_closed()
        assert (closed.code, closed.clean, closed.initiator) == (1006, False, "transport")
        with pytest.raises(wscore.ConnectionClosed) as info:
            driver.send_text("x")
        assert (info.value.code, info.value.initiator) == (1006, "transport")
