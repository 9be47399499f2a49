"""Real ASGI servers on 127.0.0.1 in the test's event loop, and what they log."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional

import uvicorn
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig
from websockets.asyncio.client import ClientConnection, connect

SERVERS = ["uvicorn", "hypercorn"]


def listening_socket(sndbuf: Optional[int] = None) -> socket.socket:
    """A socket listening on a free 127.0.0.1 port (no bind race).

    ``sndbuf`` fixes the accepted connections' kernel send buffer (no autotuning
    to megabytes), so a client that stops reading pushes back within seconds.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sndbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@asynccontextmanager
async def uvicorn_server(app: Any, ws: Any = "auto", sndbuf: Optional[int] = None) -> AsyncIterator[str]:
    """Run ``app`` on uvicorn (``ws`` protocol) and yield its ``ws://`` base URL."""
    sock = listening_socket(sndbuf)
    port = sock.getsockname()[1]
    # log_config=None: leave logging alone so the tests' handlers see every record.
    config = uvicorn.Config(
        app, ws=ws, log_config=None, lifespan="off", timeout_graceful_shutdown=2, ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def hypercorn_server(app: Any, sndbuf: Optional[int] = None) -> AsyncIterator[str]:
    """Run ``app`` on hypercorn and yield its ``ws://`` base URL."""
    sock = listening_socket(sndbuf)
    port = sock.getsockname()[1]
    config = HypercornConfig()
    # hypercorn adopts the descriptor it is given, so give it its own copy.
    config.bind = [f"fd://{os.dup(sock.fileno())}"]
    config.errorlog = logging.getLogger("hypercorn.error")
    config.accesslog = None
    config.graceful_timeout = 2
    stop = asyncio.Event()
    task = asyncio.ensure_future(hypercorn_serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    await wait_listening(port)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop.set()
        try:  # a connection task hung at shutdown must fail the test, not hang it
            await asyncio.wait_for(task, config.graceful_timeout + 3)
        finally:
            sock.close()


async def wait_listening(port: int) -> None:
    """Wait until a TCP connect to ``port`` succeeds (the server is accepting)."""
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        return
    raise TimeoutError(f"nothing listening on {port}")


@asynccontextmanager
async def running(server: str, app: Any, ws: str = "auto", sndbuf: Optional[int] = None) -> AsyncIterator[str]:
    """Run ``app`` on the server named ``server``; yield the base URL."""
    manager = hypercorn_server(app, sndbuf) if server == "hypercorn" else uvicorn_server(app, ws, sndbuf)
    async with manager as url:
        yield url


def client(url: str, *, rcvbuf: Optional[int] = None, **options: Any) -> Any:
    """A ``websockets`` client (no compression or proxy, short timeouts).

    ``rcvbuf`` shrinks the client's socket receive buffer so that a client that
    stops reading pushes back on the server after kilobytes, not megabytes.
    """
    options.setdefault("compression", None)
    options.setdefault("proxy", None)
    options.setdefault("open_timeout", 10)
    options.setdefault("close_timeout", 2)
    options.setdefault("ping_interval", None)
    if rcvbuf is not None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.connect(("127.0.0.1", int(url.split(":")[2].split("/")[0])))
        sock.setblocking(False)
        options["sock"] = sock
        options.setdefault("max_queue", 1)
    return connect(url, **options)


def abort(connection: ClientConnection) -> None:
    """Drop the TCP connection without a close frame (an RST)."""
    sock = connection.transport.get_extra_info("socket")
    if sock is not None:  # linger 0: close sends RST, like a crashed client
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    connection.transport.abort()


class LogProblems(logging.Handler):
    """Collects WARNING+ records from every logger and asyncio's exception handler."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: List[logging.LogRecord] = []
        self.loop_errors: List[Dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
        self.loop_errors.append(context)

    def summary(self) -> List[str]:
        """One line per problem, for assertion messages."""
        lines = [f"{r.name} {r.levelname}: {r.getMessage()[:160]}" for r in self.records]
        return lines + [f"asyncio handler: {c.get('message')} {c.get('exception')!r}" for c in self.loop_errors]

    @property
    def count(self) -> int:
        """Every warning, error and asyncio-handler call seen."""
        return len(self.records) + len(self.loop_errors)


@asynccontextmanager
async def captured_problems() -> AsyncIterator[LogProblems]:
    """Capture warnings/errors of every logger and of the event loop meanwhile."""
    problems = LogProblems()
    root = logging.getLogger()
    root.addHandler(problems)
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(problems.loop_handler)
    try:
        yield problems
    finally:
        loop.set_exception_handler(previous)
        root.removeHandler(problems)
