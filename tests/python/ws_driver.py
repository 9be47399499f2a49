"""A small asyncio driver around wscore's sans-IO connections, for the tests and
the Autobahn client: it moves bytes between a socket and a connection, feeds it
the time, and hands events to the caller through a queue. No protocol logic."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional
from urllib.parse import urlsplit

import wscore


class Driver:
    """Runs one connection over an asyncio stream pair until ``Closed``."""

    def __init__(
        self,
        conn: wscore.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_event: Optional[Callable[["Driver", object], None]] = None,
    ) -> None:
        self.conn = conn
        # Called for each event before the next is polled (answers go out before a
        # deferred protocol error's close frame); otherwise events go to a queue.
        self.on_event = on_event
        self.reader = reader
        self.writer = writer
        self.loop = asyncio.get_running_loop()
        self.origin = self.loop.time()
        self.events: asyncio.Queue[object] = asyncio.Queue()
        self.closed: Optional[wscore.Closed] = None
        self.done = asyncio.Event()
        self.task = self.loop.create_task(self._run())

    def now(self) -> float:
        return self.loop.time() - self.origin

    def _pump(self) -> None:
        """Events out, bytes out, transport closed when core says so."""
        while (event := self.conn.next_event()) is not None:
            if isinstance(event, wscore.Closed):
                self.closed = event
            if self.on_event is not None:
                self.on_event(self, event)
            self.events.put_nowait(event)
        data = self.conn.data_to_send()
        if data and not self.writer.is_closing():
            self.writer.write(data)
        if self.conn.should_close_transport and not self.writer.is_closing():
            self.writer.close()

    async def _run(self) -> None:
        try:
            while self.closed is None:
                self.conn.handle_timeout(self.now())
                self._pump()
                if self.closed is not None:
                    break
                await self.writer.drain()
                deadline = self.conn.next_timeout()
                wait = None if deadline is None else max(0.0, deadline - self.now())
                try:
                    data = await asyncio.wait_for(self.reader.read(1 << 16), wait)
                except asyncio.TimeoutError:
                    continue
                except (ConnectionError, OSError):
                    data = b""
                self.conn.handle_timeout(self.now())
                if data:
                    self.conn.receive_data(data)
                else:
                    self.conn.receive_eof()
            self._pump()
        finally:
            if not self.writer.is_closing():
                self.writer.close()
            self.done.set()

    # Calls from the application, each followed by a pump.
    def _call(self, method: Callable[..., object], *args: object) -> object:
        self.conn.handle_timeout(self.now())
        try:
            return method(*args)
        finally:
            self._pump()

    def send_text(self, text: str) -> None:
        self._call(self.conn.send_text, text)

    def send_binary(self, data: bytes) -> None:
        self._call(self.conn.send_binary, data)

    def send_ping(self, payload: bytes = b"") -> None:
        self._call(self.conn.send_ping, payload)

    def close(self, code: int = 1000, reason: str = "") -> bool:
        return bool(self._call(self.conn.close, code, reason))

    def accept(self, subprotocol: Optional[str] = None) -> None:
        self._call(self.conn.accept, subprotocol)  # type: ignore[attr-defined]

    async def next_event(self, timeout: float = 5.0) -> object:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def wait_closed(self, timeout: float = 5.0) -> wscore.Closed:
        await asyncio.wait_for(self.done.wait(), timeout)
        assert self.closed is not None
        return self.closed


async def connect(
    url: str,
    subprotocols: tuple[str, ...] = (),
    timeout: float = 5.0,
    on_event: Optional[Callable[[Driver, object], None]] = None,
    **config: object,
) -> tuple[Driver, object]:
    """Opens a client connection; returns the driver and the Accepted/Rejected/Closed event."""
    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port or 80), timeout)
    conn = wscore.ClientConnection(url, subprotocols=list(subprotocols), **config)
    driver = Driver(conn, reader, writer, on_event)
    return driver, await driver.next_event(timeout)


async def serve(handler: Callable[[Driver, wscore.Request], Awaitable[None]], **config: object) -> asyncio.AbstractServer:
    """A server on 127.0.0.1 (port 0): each connection's Request goes to ``handler``."""

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        driver = Driver(wscore.ServerConnection(**config), reader, writer)
        event = await driver.next_event()
        if isinstance(event, wscore.Request):
            await handler(driver, event)
        await driver.wait_closed(15)

    return await asyncio.start_server(on_client, "127.0.0.1", 0)
