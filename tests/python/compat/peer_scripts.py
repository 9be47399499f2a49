"""Real wsproto users (hypercorn, trio-websocket, simple-websocket) running on
wscore.compat.wsproto, one scenario per process: `install()` aliases `wsproto`
before they are imported, so the real wsproto never loads here and never leaks
into other tests. Servers print "PORT <n>"; clients print one JSON line.

Usage: python peer_scripts.py <scenario> [url]
"""

from __future__ import annotations

import json
import socket
import sys

import wscore.compat.wsproto

wscore.compat.wsproto.install()

import wsproto  # noqa: E402  (now wscore.compat.wsproto)

assert getattr(wsproto, "__wscore__", False), "wsproto is not aliased"


def listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def announce(port: int) -> None:
    print(f"PORT {port}", flush=True)


def wsproto_module_of(obj: object) -> str:
    return type(obj).__module__


# ----- hypercorn: an ASGI echo app -----

async def asgi_echo(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    import hypercorn.protocol.ws_stream as ws_stream

    # Which Connection class hypercorn runs: ours, if the alias worked.
    await send({"type": "websocket.send", "text": f"module={ws_stream.Connection.__module__}"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text == "close-4001":
            await send({"type": "websocket.close", "code": 4001, "reason": "asked to"})
            return
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


def hypercorn_server() -> None:
    import asyncio

    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    sock = listening_socket()
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.accesslog = None
    config.errorlog = "-"
    config.websocket_ping_interval = None
    announce(sock.getsockname()[1])
    asyncio.run(serve(asgi_echo, config))  # type: ignore[arg-type]


# ----- trio-websocket -----

def trio_server() -> None:
    import trio
    from trio_websocket import ConnectionClosed, serve_websocket

    async def handler(request):  # type: ignore[no-untyped-def]
        ws = await request.accept()
        await ws.send_message(f"module={wsproto_module_of(ws._wsproto)}")
        try:
            while True:
                message = await ws.get_message()
                if message == "close-4001":
                    await ws.aclose(4001, "asked to")
                    return
                await ws.send_message(message)
        except ConnectionClosed:
            pass

    async def main() -> None:
        sock = listening_socket()
        port = sock.getsockname()[1]
        sock.close()
        async with trio.open_nursery() as nursery:
            await nursery.start(serve_websocket, handler, "127.0.0.1", port, None)
            announce(port)

    trio.run(main)


def trio_client(url: str) -> None:
    import trio
    from trio_websocket import open_websocket_url

    async def main() -> dict:
        async with open_websocket_url(url) as ws:
            module = wsproto_module_of(ws._wsproto)
            echoes = []
            for message in ["hello", b"\x00\x01binary", "x" * 100_000]:
                await ws.send_message(message)
                echoes.append(await ws.get_message() == message)
            await ws.send_message("close-4001")
            try:
                await ws.get_message()
            except Exception as exc:  # trio_websocket.ConnectionClosed
                reason = getattr(exc, "reason", None)
                return {"module": module, "echoes": echoes, "close_code": getattr(reason, "code", None), "close_reason": getattr(reason, "reason", None)}
        return {"module": module, "echoes": echoes, "close_code": None}

    print(json.dumps(trio.run(main)), flush=True)


# ----- simple-websocket -----

def simple_server() -> None:
    """simple-websocket's Server needs a WSGI environ with the raw socket in it
    (werkzeug.socket): this reads the request head like a WSGI server would and
    hands the socket over, one connection at a time."""
    import simple_websocket

    sock = listening_socket()
    announce(sock.getsockname()[1])
    while True:
        conn, _ = sock.accept()
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        environ = {"werkzeug.socket": conn, "REQUEST_METHOD": "GET", "PATH_INFO": "/"}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                key = "HTTP_" + name.decode().strip().upper().replace("-", "_")
                environ[key] = value.decode().strip()
        ws = simple_websocket.Server.accept(environ)
        ws.send(f"module={wsproto_module_of(ws.ws)}")
        try:
            while True:
                message = ws.receive()
                if message == "close-4001":
                    ws.close(4001, "asked to")
                    break
                ws.send(message)
        except simple_websocket.ConnectionClosed:
            pass


def simple_client(url: str) -> None:
    import simple_websocket

    ws = simple_websocket.Client.connect(url)
    module = wsproto_module_of(ws.ws)
    echoes = []
    for message in ["hello", b"\x00\x01binary", "y" * 100_000]:
        ws.send(message)
        echoes.append(ws.receive(timeout=10) == message)
    ws.send("close-4001")
    close_code = None
    try:
        while ws.receive(timeout=10) is not None:
            pass
    except simple_websocket.ConnectionClosed as exc:
        close_code = exc.reason
    print(json.dumps({"module": module, "echoes": echoes, "close_code": close_code}), flush=True)


SCENARIOS = {
    "hypercorn-server": hypercorn_server,
    "trio-server": trio_server,
    "trio-client": trio_client,
    "simple-server": simple_server,
    "simple-client": simple_client,
}

if __name__ == "__main__":
    scenario = SCENARIOS[sys.argv[1]]
    scenario(*sys.argv[2:])  # type: ignore[operator]
