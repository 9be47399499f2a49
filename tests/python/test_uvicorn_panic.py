"""A Rust panic inside core while uvicorn serves: that connection fails (the app
gets ``websocket.disconnect`` 1006, the client's TCP is closed, the error is
logged as ``wscore.InternalError``), and the server keeps serving the others."""

from __future__ import annotations

import asyncio
import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

import wscore
from asgi_apps import Recorder
from conftest import UvicornThread
from wscore.uvicorn import WSProtocol

pytestmark = pytest.mark.asyncio


class PanickingProtocol(WSProtocol):
    """Makes core panic on the first bytes a client of ``/panic`` sends after the handshake."""

    def data_received(self, data: bytes) -> None:
        if self.scope.get("path") == "/panic" and self.answered:
            self._drive(self.conn._debug_panic)
            return
        super().data_received(data)


def echo_app(recorder: Recorder):
    async def app(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                recorder.add((scope["path"], message["code"]))
                return
            await send({"type": "websocket.send", "text": message.get("text")})

    return app


async def test_a_panic_fails_only_its_connection(logs):
    assert hasattr(wscore.ServerConnection, "_debug_panic"), "build with `make python-develop` (feature test-hooks)"
    recorder = Recorder()
    server = UvicornThread(echo_app(recorder))
    server.config.ws = PanickingProtocol
    with server:
        async with asyncio.timeout(10):
            async with connect(server.url + "/echo") as bystander:
                await bystander.send("before")
                assert await bystander.recv() == "before"
                async with connect(server.url + "/panic") as victim:
                    await victim.send("boom")
                    # The server drops the connection without a close frame.
                    with pytest.raises(ConnectionClosedError) as info:
                        await victim.recv()
                    assert info.value.rcvd is None
                assert recorder.wait() == [("/panic", 1006)]
                # The connection opened before the panic, and a new one, still work.
                await bystander.send("after")
                assert await bystander.recv() == "after"
                async with connect(server.url + "/echo") as newcomer:
                    await newcomer.send("new")
                    assert await newcomer.recv() == "new"
    internal = [r for r in logs.records if r.exc_info and isinstance(r.exc_info[1], wscore.InternalError)]
    # (a record reaches the recorder once per logger it is attached to: count records)
    errors = list({id(r): r for r in internal if r.levelno >= logging.ERROR}.values())
    # One traceback for the one panic; later calls on the failed connection raise the
    # same error again, and those are logged at DEBUG only.
    assert len(errors) == 1 and "internal error in wscore: debug panic" in str(errors[0].exc_info[1])
    assert all("debug panic" in str(r.exc_info[1]) for r in internal)
