"""Small ASGI and FastAPI apps the uvicorn tests serve. Each records what the app
saw in ``Recorder`` (thread-safe: uvicorn runs in another thread)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect


class Recorder:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.event = threading.Event()

    def add(self, item: Any) -> None:
        self.items.append(item)
        self.event.set()

    def wait(self, timeout: float = 10.0) -> list[Any]:
        assert self.event.wait(timeout), "the app recorded nothing in time"
        return self.items


def fastapi_app(recorder: Recorder) -> FastAPI:
    app = FastAPI()

    @app.websocket("/echo")
    async def echo(ws: WebSocket) -> None:
        await ws.accept(subprotocol="superchat" if "superchat" in ws.scope["subprotocols"] else None)
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    recorder.add(("disconnect", message["code"]))
                    return
                if message.get("text") is not None:
                    await ws.send_text(message["text"])
                else:
                    await ws.send_bytes(message["bytes"])
        except WebSocketDisconnect as e:
            recorder.add(("WebSocketDisconnect", e.code))

    @app.websocket("/deny")
    async def deny(ws: WebSocket) -> None:
        await ws.close()

    @app.websocket("/teapot")
    async def teapot(ws: WebSocket) -> None:
        from starlette.responses import PlainTextResponse

        await ws.send_denial_response(PlainTextResponse("short and stout", status_code=418, headers={"x-pot": "1"}))

    @app.websocket("/goodbye")
    async def goodbye(ws: WebSocket) -> None:
        await ws.accept()
        for i in range(200):
            await ws.send_text(f"message {i}")
        await ws.send_bytes(b"x" * 300_000)
        await ws.close(code=4001, reason="see you")
        recorder.add("closed")

    @app.websocket("/flood")
    async def flood(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_bytes(b"y" * 1024)
                await asyncio.sleep(0.001)
        except WebSocketDisconnect as e:
            recorder.add(("WebSocketDisconnect", e.code))

    return app


FIREHOSE_COUNT = 400
FIREHOSE_SIZE = 64 * 1024


def raw_app(recorder: Recorder):
    """Plain ASGI, so the exceptions our protocol raises reach the app unchanged."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        path = scope["path"][len(scope["root_path"]):]
        assert (await receive())["type"] == "websocket.connect"
        if path == "/scope":
            recorder.add(dict(scope))
            await send({"type": "websocket.close"})
            return
        await send({"type": "websocket.accept"})
        if path == "/flood":
            try:
                while True:
                    await send({"type": "websocket.send", "bytes": b"z" * 1024})
                    await asyncio.sleep(0.001)
            except OSError as e:
                recorder.add(e)
                raise  # uvicorn must treat it as a disconnect, without a traceback
        elif path == "/send-after-close":
            await send({"type": "websocket.send", "text": "before close"})
            await send({"type": "websocket.close", "code": 4003, "reason": "app done"})
            await send({"type": "websocket.close", "code": 1000})  # idempotent
            try:
                await send({"type": "websocket.send", "text": "after close"})
            except OSError as e:
                recorder.add(e)
            await send({"type": "websocket.send", "text": "unhandled"})  # propagates to uvicorn
        elif path == "/after-peer-close":
            message = await receive()
            recorder.add(message)
            try:
                await send({"type": "websocket.send", "text": "too late"})
            except OSError as e:
                recorder.add(e)
        elif path == "/linger":
            message = await receive()
            recorder.add(message)
        elif path == "/firehose":
            for i in range(FIREHOSE_COUNT):
                await send({"type": "websocket.send", "bytes": b"f" * FIREHOSE_SIZE})
                recorder.add(i + 1)
        elif path == "/deaf":
            # Never calls receive() until the test says so (it adds an item).
            while not recorder.items:
                await asyncio.sleep(0.02)
        elif path == "/text-bytes":
            try:  # not ASGI: refused, though the sans-IO send_text takes UTF-8 bytes
                await send({"type": "websocket.send", "text": b"raw utf-8"})
            except TypeError as e:
                recorder.add(e)
            await send({"type": "websocket.send", "text": "ok"})
            await send({"type": "websocket.send", "bytes": b"raw utf-8"})
        elif path == "/return":
            await send({"type": "websocket.send", "text": "last words"})

    return app
