"""hypercorn, trio-websocket and simple-websocket on wscore.compat.wsproto (aliased
as `wsproto` in a subprocess, see peer_scripts.py), against the `websockets`
library over 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import AsyncIterator, Tuple

import pytest
import websockets
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

SCRIPT = str(Path(__file__).with_name("peer_scripts.py"))
# The module that defines the wsproto class each library runs on.
COMPAT_MODULES = ("wscore.compat.wsproto", "wscore.compat.wsproto.connection")


async def start_server(scenario: str) -> Tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, SCRIPT, scenario, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert line.startswith(b"PORT "), f"{scenario} did not start: {line!r}"
    return proc, int(line.split()[1])


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
    await asyncio.wait_for(proc.wait(), 10)


async def check_echo_server(port: int, expect_deflate: bool) -> None:
    # Messages echo, compressed when negotiated; the server's close code arrives.
    async with connect(f"ws://127.0.0.1:{port}/", max_size=2**22) as ws:
        first = await ws.recv()
        assert isinstance(first, str) and first.startswith("module=")
        assert first[len("module="):] in COMPAT_MODULES, first
        negotiated = [e.name for e in ws.protocol.extensions]
        assert negotiated == (["permessage-deflate"] if expect_deflate else [])
        for message in ["hello", b"\x00\x01binary", "z" * 200_000, "é" * 1000]:
            await ws.send(message)
            assert await asyncio.wait_for(ws.recv(), 10) == message
        await ws.send("close-4001")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        assert closed.value.rcvd.reason == "asked to"
    # A client-initiated close completes cleanly.
    async with connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.recv()
        await ws.send("ping?")
        assert await ws.recv() == "ping?"
        await ws.close(1000, "done")
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1000


@pytest.mark.parametrize(
    "scenario, expect_deflate",
    [("hypercorn-server", True), ("trio-server", False), ("simple-server", True)],
)
async def test_servers_on_compat_echo_to_websockets_client(scenario: str, expect_deflate: bool) -> None:
    proc, port = await start_server(scenario)
    try:
        await check_echo_server(port, expect_deflate)
    finally:
        await stop(proc)


async def echo_until_asked_to_close(ws) -> None:  # type: ignore[no-untyped-def]
    async for message in ws:
        if message == "close-4001":
            await ws.close(4001, "asked to")
            return
        await ws.send(message)


@pytest.mark.parametrize("scenario", ["trio-client", "simple-client"])
async def test_clients_on_compat_talk_to_websockets_server(scenario: str) -> None:
    async with serve(echo_until_asked_to_close, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, SCRIPT, scenario, f"ws://127.0.0.1:{port}/", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, out
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result["module"] in COMPAT_MODULES
    assert result["echoes"] == [True, True, True]
    assert result["close_code"] == 4001
