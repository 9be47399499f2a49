"""A uvicorn WebSocket protocol built on wscore.

Use it with ``uvicorn app:app --ws wscore.uvicorn:WSProtocol`` or
``uvicorn.Config(app, ws=WSProtocol)``. It follows uvicorn 0.54's protocol contract
(as ``websockets_sansio_impl`` and ``wsproto_impl`` do), and adds wscore's close
semantics:

* ``ws_per_message_deflate`` negotiates permessage-deflate in core.
* ``websocket.close`` sends a close frame after everything sent before it and
  waits for the peer's reply (bounded by the close timeout) before closing TCP.
* ``websocket.send`` on a closed connection raises :class:`WebSocketClosed`: an
  ``OSError`` (uvicorn's ``ClientDisconnected``) that is also a
  :class:`wscore.ConnectionClosed` carrying the close code, reason and initiator.
  uvicorn treats it as a normal disconnect: no traceback is logged.
* Backpressure both ways, whatever the pace of the app or the peer: the transport
  is read only while core holds no message the app has not taken and its output is
  below ``output_high_water`` (``ServerConnection.should_pause_reading``), and
  not while the transport's write buffer is full. So a connection holds about one
  read plus one message of input; output waits in core (at most one unsent pong)
  while the transport is write-paused, ``websocket.send`` waits while core's
  output is above the mark, and core fails a peer that does not drain it within
  ``output_stall_timeout`` with 1008.
* Partly received messages draw on one process-wide ``memory_budget``.
* Otherwise it answers apps as uvicorn's protocols do; the few deliberate
  differences (1000 when the app returns without closing, 1011 when it fails
  after accepting, 1006 for a client gone without a close frame) are listed in
  the package README ("Where it differs from uvicorn's own protocols").

Protocol rules (framing, limits, timers, close codes) all come from
:class:`wscore.ServerConnection`; this module only translates ASGI messages and
drives asyncio.
"""

from __future__ import annotations

import asyncio
import logging
import os
from asyncio import TimerHandle
from collections import deque
from typing import Any, ClassVar, Literal, Mapping, Optional, Sequence, cast
from urllib.parse import unquote

from ._extras import require

require("uvicorn", "wscore.uvicorn", "uvicorn")

from uvicorn.config import Config
from uvicorn.logging import TRACE_LOG_LEVEL
from uvicorn.protocols.utils import (
    ClientDisconnected,
    get_client_addr,
    get_local_addr,
    get_path_with_query_string,
    get_remote_addr,
    is_ssl,
)
from uvicorn.server import ServerState

from ._exceptions import ConnectionClosed, Initiator, InternalError
from ._wscore import (
    BinaryMessage,
    Closed,
    CloseReceived,
    MemoryBudget,
    Request,
    ServerConnection,
    TextMessage,
)

__all__ = ["WSProtocol", "WebSocketClosed"]

class WebSocketClosed(ConnectionClosed, ClientDisconnected):
    """``websocket.send`` on a connection that is closing or closed: the peer
    vanished, the peer closed, or the application already sent ``websocket.close``.

    Both a :class:`wscore.ConnectionClosed` (``code``, ``reason``, ``initiator``)
    and uvicorn's ``ClientDisconnected`` (an ``OSError``), so uvicorn and Starlette
    handle it as a disconnect.
    """

    def __init__(self, code: int = 1006, reason: str = "", initiator: Initiator = "transport") -> None:
        ConnectionClosed.__init__(self, code, reason, initiator)


class WSProtocol(asyncio.Protocol):
    """uvicorn's WebSocket protocol interface, implemented on :class:`wscore.ServerConnection`.

    ``deflate`` is what permessage-deflate uses when uvicorn's
    ``ws_per_message_deflate`` is on (the ``deflate=`` settings of
    :class:`wscore.ServerConnection`). The default picks uvicorn's own windows and
    memLevel; a subclass can lower memory per connection, e.g.
    ``deflate = {"server_max_window_bits": 9, "client_max_window_bits": 9}``,
    and is then served with ``--ws mymodule:MyProtocol``.

    Backpressure settings, also set by a subclass:

    * ``output_high_water`` (bytes, default 64 KiB): above it, core reports that
      the peer is not keeping up, reading pauses and ``websocket.send`` waits until
      the output drains below it again. Output the kernel does not take waits in
      core, not in the transport, so sends wait where they wait on uvicorn's own
      protocols (asyncio's 64 KiB mark). Core's own default (1 MiB) would let
      each slow peer hold 16 times more.
    * ``output_stall_timeout`` (seconds, default 30; ``None``: never): output above
      the mark that long fails the connection with 1008 and drops the transport;
      a waiting ``websocket.send`` then raises :class:`WebSocketClosed`.
    * ``memory_budget`` (default: one 128 MiB :class:`wscore.MemoryBudget` shared by
      every connection of the process; ``None``: no budget): bytes of partly
      received or inflating messages. A connection that cannot get budget is
      closed with 1013 (try again later) instead of the server running out of
      memory.
    """

    deflate: ClassVar[Mapping[str, Any]] = {"server_max_window_bits": 12, "client_max_window_bits": 12, "mem_level": 5}
    output_high_water: ClassVar[int] = 64 << 10
    output_stall_timeout: ClassVar[Optional[float]] = 30.0
    memory_budget: ClassVar[Optional[MemoryBudget]] = MemoryBudget(128 << 20)
    # Origin/Host policy (cross-site WebSocket hijacking, DNS rebinding), decided in
    # core's handshake: a refused request gets 403 and never reaches the app. None
    # takes the environment (for the uvicorn CLI): WSCORE_ALLOWED_ORIGINS
    # ("same-origin,https://a.example"), WSCORE_ALLOWED_HOSTS ("127.0.0.1,localhost")
    # and WSCORE_REQUIRE_ORIGIN=1; unset, nothing is checked. Entries as in
    # wscore.check_origin.
    origins: ClassVar[Optional[Sequence[str]]] = None
    allowed_hosts: ClassVar[Optional[Sequence[str]]] = None
    require_origin: ClassVar[Optional[bool]] = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.config = config
        self.app = config.loaded_app
        self.loop = _loop or asyncio.get_event_loop()
        self.logger = logging.getLogger("uvicorn.error")
        self.root_path = config.root_path
        self.asgi_version = config.asgi_version
        self.app_state = app_state

        # Shared server state
        self.connections = server_state.connections
        self.tasks = server_state.tasks
        self.default_headers = server_state.default_headers

        # Transport state
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.server: Optional[tuple[str, Optional[int]]] = None
        self.client: Optional[tuple[str, int]] = None
        self.scheme: Literal["wss", "ws"] = "ws"
        self.transport_lost = False
        self.read_paused = False  # by us, see _update_flow
        self.write_paused = False  # by the transport: its buffer is full
        # Set while core's output is at most output_high_water: sends go on.
        self.send_ready = asyncio.Event()
        self.send_ready.set()

        # ASGI state
        self.scope: dict[str, Any] = {}
        # The ASGI messages for the app, oldest first, and the receive() calls
        # waiting for one: asyncio.Queue's get/put_nowait without its task
        # accounting, which cost ~1 µs per message (see _deliver and receive).
        self.inbox: deque[dict[str, Any]] = deque()
        self.receivers: deque[asyncio.Future[None]] = deque()
        # Messages go to the app one at a time (like uvicorn's sans-IO protocols, so
        # at most 1 <= ws_max_queue is queued): the next is pulled from core only when
        # the app asks for it, after it answered the previous one. A protocol error
        # behind a message then takes effect after the app's answer is on the wire.
        self.pull_paused = False
        self.answered = False  # accept, close or an HTTP response was sent
        # A denial response the app started (status, headers) and its body so far.
        self.response_start: Optional[tuple[int, list[tuple[bytes, bytes]]]] = None
        self.response_body: list[bytes] = []
        self.rejected = False  # the handshake was answered with an HTTP response
        self.close_sent = False  # the app sent websocket.close
        self.disconnect_queued = False
        self.internal_error_logged = False

        # Core: limits, keepalive and permessage-deflate from uvicorn's settings
        ping_interval = config.ws_ping_interval or None
        deflate = dict(self.deflate) if config.ws_per_message_deflate else None
        self.conn = ServerConnection(
            max_frame_size=config.ws_max_size,
            max_message_size=config.ws_max_size,
            ping_interval=ping_interval,
            pong_timeout=config.ws_ping_timeout if ping_interval else None,
            deflate=deflate,
            output_high_water=self.output_high_water,
            output_stall_timeout=self.output_stall_timeout,
            memory_budget=self.memory_budget,
            **_origin_policy(self),
        )
        # Core's clock: seconds since this protocol was built.
        self.clock_origin = self.loop.time()
        self.timer: Optional[TimerHandle] = None
        self.timer_deadline: Optional[float] = None

    # ---- asyncio.Protocol ----

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Registers the connection with the server (uvicorn hands over the upgraded transport)."""
        self.connections.add(self)
        self.transport = cast(asyncio.Transport, transport)
        # No backlog in the transport: what the peer has not taken waits in core,
        # where it is bounded, collapses pongs and counts for the stall timeout.
        self.transport.set_write_buffer_limits(high=0)
        self.server = get_local_addr(self.transport)
        self.client = get_remote_addr(self.transport)
        self.scheme = "wss" if is_ssl(self.transport) else "ws"
        self._trace("WebSocket connection made")

    def data_received(self, data: bytes) -> None:
        """Feeds bytes from the client to core (reading pauses if that leaves
        messages the app has not taken, see _update_flow). _drive, inlined: this
        runs once per message."""
        if self.transport_lost:
            return
        conn = self.conn
        try:
            conn.handle_timeout(self._now())
            conn.receive_data(data)
        except InternalError:
            self._log_internal_error()
        finally:
            self._after_core_call()

    def eof_received(self) -> Optional[bool]:
        """The client shut down its side: core reports the end (1006 without a close frame)."""
        self._drive(self.conn.receive_eof)
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        """The transport is gone: the app gets what is left, then ``websocket.disconnect``."""
        self.transport_lost = True
        try:
            self.conn.receive_eof()
        except InternalError:
            self._log_internal_error()
        self._after_core_call()
        self._cancel_timer()
        self.connections.discard(self)
        # asyncio never calls resume_writing() on a transport lost while paused.
        self.send_ready.set()
        self._queue_disconnect(1006)
        self._trace("WebSocket connection lost")
        if exc is None:
            self.transport.close()

    def pause_writing(self) -> None:
        """The kernel did not take all of a write (the transport's high-water mark
        is 0): output stays in core, which bounds it, and reading pauses until the
        transport drains."""
        self.write_paused = True
        if not self.transport_lost:
            self._update_flow(True)

    def resume_writing(self) -> None:
        """The transport's write buffer drained: hand it core's output, read again."""
        self.write_paused = False
        self.send_ready.set()
        self._drive(_nothing)

    def shutdown(self) -> None:
        """Server shutdown: close open connections with 1012 (service restart)."""
        if self.transport_lost:
            return
        if not self.answered:
            self._answer_failed()
        elif self.conn.state == "open" and not self.close_sent:
            self._queue_disconnect(1012)
            self._drive(self.conn.close, 1012, "")
        elif self.conn.state == "closed":
            self.transport.close()

    # ---- driving core ----

    def _now(self) -> float:
        now = self.loop.time() - self.clock_origin
        return now if now > 0.0 else 0.0

    def _drive(self, call: Any, *args: Any) -> Any:
        """Calls into core at the current time, then handles what it produced."""
        if self.transport_lost:
            return None
        try:
            self.conn.handle_timeout(self._now())
            return call(*args)
        except InternalError:
            self._log_internal_error()
            return None
        finally:
            self._after_core_call()

    def _log_internal_error(self) -> None:
        """A panic in core failed this connection: its traceback once, not on every
        later call that finds the connection failed."""
        if self.internal_error_logged:
            self.logger.debug("wscore connection already failed", exc_info=True)
        else:
            self.internal_error_logged = True
            self.logger.exception("Internal error in wscore")

    def _after_core_call(self) -> None:
        # Runs twice per message: conn and transport as locals (they never change);
        # the flags are read where they are, as writes and events may flip them.
        conn = self.conn
        transport = self.transport
        # Once the transport is gone, everything left goes to the app at once.
        while not self.pull_paused or self.transport_lost:
            event = conn.next_event()
            if event is None:
                break
            self._handle_event(event)
        if not self.write_paused or self.transport_lost:  # else it waits in core
            data = conn.data_to_send()
            if data and not self.transport_lost and not transport.is_closing():
                transport.write(data)
        if conn.should_close_transport:
            self._cancel_timer()
            if transport.is_closing():
                pass
            elif self.write_paused and self._failed():
                # A failed peer that does not read (e.g. its output stalled): close()
                # would wait for a flush that may never come.
                transport.abort()
            else:
                transport.write(conn.data_to_send())  # what is left, then FIN
                transport.close()
        elif conn.next_timeout() != self.timer_deadline:  # as _schedule_timer, without the call
            self._schedule_timer()
        if not self.transport_lost:
            write_paused = self.write_paused
            pause = write_paused or conn.should_pause_reading
            if pause != self.read_paused or write_paused:
                self._update_flow(pause)

    def _failed(self) -> bool:
        """Core failed the connection, or ended it on a timeout or a lost transport."""
        info = self.conn.close_info
        return self.conn.failure is not None or info is None or info.initiator == "transport"

    def _update_flow(self, pause: bool) -> None:
        """Reads only while core has no events waiting and its output is below the
        mark, and the transport can take more (``pause`` is false); lets sends go
        on while core's output is at most the mark. An echo whose read holds one
        message gets here with nothing to change: core has no event left once the
        app has the message."""
        if pause != self.read_paused:
            self.read_paused = pause
            if pause:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()
        if self.write_paused:  # core holds output only then (resume_writing sets send_ready)
            if self.conn.buffered_amount > self.output_high_water and self.conn.state != "closed":
                self.send_ready.clear()
            else:
                self.send_ready.set()

    def _schedule_timer(self) -> None:
        deadline = self.conn.next_timeout()
        if deadline == self.timer_deadline:
            return
        self._cancel_timer()
        if deadline is not None:
            self.timer_deadline = deadline
            self.timer = self.loop.call_at(self.clock_origin + deadline, self._on_timer)

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = None
        self.timer_deadline = None

    def _on_timer(self) -> None:
        self.timer = None
        self.timer_deadline = None
        self._drive(_nothing)

    def _handle_event(self, event: object) -> None:
        kind = type(event)  # core's event classes are final
        if kind is TextMessage or kind is BinaryMessage:
            if self.close_sent:
                return  # the app is past websocket.close
            key = "text" if kind is TextMessage else "bytes"
            self.inbox.append({"type": "websocket.receive", key: event.data})  # type: ignore[attr-defined]
            if self.receivers:  # _deliver, inlined: once per message
                self._wake_receiver()
            self.pull_paused = True
        elif isinstance(event, Request):
            self._handle_request(event)
        elif isinstance(event, CloseReceived):
            self._queue_disconnect(event.code, event.reason)
        elif isinstance(event, Closed):
            self._cancel_timer()
            if event.error:
                self._trace(f"WebSocket failed: {event.error}")
            # 1006: no close frame (lost transport, denial), so no reason either.
            self._queue_disconnect(event.code, None if event.code == 1006 else event.reason)

    def _queue_disconnect(self, code: int, reason: Optional[str] = None) -> None:
        """Queues ``websocket.disconnect`` once. As uvicorn's protocols do, it has a
        ``reason`` only when a close frame was sent or received."""
        if not self.disconnect_queued and self.scope:
            self.disconnect_queued = True
            message: dict[str, Any] = {"type": "websocket.disconnect", "code": code}
            if reason is not None:
                message["reason"] = reason
            self._deliver(message)

    def _handle_request(self, event: Request) -> None:
        limit = self.config.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            # uvicorn checks --limit-concurrency on plain HTTP requests only, after
            # it has handed an upgrade to us: refuse here the way it does (503).
            self.logger.warning("Exceeded concurrency limit.")
            self.answered = True
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            self.conn.reject(503, headers, b"Service Unavailable")
            return
        raw_path, _, query_string = event.target.partition("?")
        self.scope = {
            "type": "websocket",
            "asgi": {"version": self.asgi_version, "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": self.scheme,
            "server": self.server,
            "client": self.client,
            "root_path": self.root_path,
            "path": self.root_path + unquote(raw_path),
            "raw_path": self.root_path.encode("ascii") + raw_path.encode("latin-1"),
            "query_string": query_string.encode("latin-1"),
            "headers": [(name.lower(), value) for name, value in event.headers],
            "subprotocols": list(event.subprotocols),
            "state": self.app_state.copy(),
            "extensions": {"websocket.http.response": {}},
        }
        self._deliver({"type": "websocket.connect"})
        task = self.loop.create_task(self.run_asgi())
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def _trace(self, message: str) -> None:
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = "%s:%d - " % self.client if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%s%s", prefix, message)

    def _closed_error(self) -> WebSocketClosed:
        info = self.conn.close_info
        if info is None:
            return WebSocketClosed()
        return WebSocketClosed(info.code, info.reason, info.initiator)

    # ---- ASGI ----

    async def run_asgi(self) -> None:
        """Runs the application, then ends the connection the way it left it."""
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            if not self.answered:
                self._answer_failed()
            else:
                self._drive(self.conn.close, 1011, "")
        else:
            if not self.answered:
                self.logger.error("ASGI callable returned without completing handshake.")
                self._answer_failed()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
            # An app that returns without websocket.close closes normally.
            self._drive(self.conn.close, 1000, "")

    def _answer_failed(self) -> None:
        """The app failed, or the server stops, before the handshake was answered:
        the denial response it started goes out with its status, headers and the
        body so far (as uvicorn's wsproto protocol has sent them by then); without
        one, or if core refuses it, 500."""
        if self.answered or self.conn.state != "connecting":
            return
        if self.response_start is not None:
            try:
                self._reject(*self.response_start, b"".join(self.response_body))
                return
            except Exception:
                self.logger.debug("Cannot send the started response", exc_info=True)
        self._reject(500, [(b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error")

    def _reject(self, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes) -> None:
        """Answers the handshake with an HTTP response. Core refuses a bad status or
        header (``InvalidHandshakeAnswer``) before anything is sent; then nothing changes."""
        self._drive(self.conn.reject, status, headers, body)
        self.answered = self.rejected = self.close_sent = True

    def _log_answer(self, what: object) -> None:
        self.logger.info(
            '%s - "WebSocket %s" %s',
            get_client_addr(self.scope),
            get_path_with_query_string(self.scope),  # type: ignore[arg-type]
            what,
        )

    async def send(self, message: Any) -> None:
        """The ASGI ``send`` callable (waits while core's output is over its mark)."""
        if not self.send_ready.is_set():
            await self.send_ready.wait()
        kind = message["type"]
        if not self.answered:
            if self.conn.state == "closed":
                raise self._closed_error()  # the client left before we answered
            if self.response_start is not None:
                self._send_response_body(kind, message)
            elif kind == "websocket.accept":
                headers = list(self.default_headers) + _header_pairs(message.get("headers"))
                self._drive(self.conn.accept, message.get("subprotocol"), headers)
                self.answered = True
                self._log_answer("[accepted]")
            elif kind == "websocket.close":
                self._log_answer(403)
                self._reject(403, (), b"")
            elif kind == "websocket.http.response.start":
                status = message["status"]
                if not (100 <= status < 600):
                    raise RuntimeError("Invalid HTTP status code '%d' in response." % status)
                headers = _header_pairs(message.get("headers"))
                self._log_answer(status)
                # Core frames the body itself and drops any Content-Length,
                # Transfer-Encoding or Connection header the app sets.
                self.response_start = (status, headers)
            else:
                raise RuntimeError(
                    "Expected ASGI message 'websocket.accept', 'websocket.close' "
                    f"or 'websocket.http.response.start' but got '{kind}'."
                )
        elif kind == "websocket.send":
            text = message.get("text")
            data = message.get("bytes")
            if data is None and text is not None and not isinstance(text, str):
                # ASGI: 'text' is a str; the connection's send_text would take UTF-8 bytes too.
                raise TypeError(f"'text' must be a str, not {type(text).__name__} (bytes go in 'bytes')")
            # No handle_timeout first: it would let a deferred protocol error
            # (behind the message being answered) overtake this answer.
            try:
                if data is not None:
                    self.conn.send_binary(data)
                elif text is not None:
                    self.conn.send_text(text)
            except ConnectionClosed as e:
                raise WebSocketClosed(e.code, e.reason, e.initiator) from None
            finally:
                self._after_core_call()
        elif kind == "websocket.close":
            code = message.get("code", 1000)
            reason = message.get("reason") or ""
            if self._drive(self.conn.close, code, reason):
                self.close_sent = True
                self._queue_disconnect(code, reason)
                self._resume()  # read on until the peer's close reply
        elif self.rejected:
            raise RuntimeError(f"Unexpected ASGI message '{kind}' after the HTTP response.")
        else:
            raise RuntimeError(f"Expected ASGI message 'websocket.send' or 'websocket.close', but got '{kind}'.")

    def _send_response_body(self, kind: str, message: Any) -> None:
        """A part of the started denial response; the last one sends it all."""
        if kind != "websocket.http.response.body":
            raise RuntimeError(f"Expected ASGI message 'websocket.http.response.body' but got '{kind}'.")
        body = message.get("body", b"")
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f"'body' must be bytes, not {type(body).__name__}")
        self.response_body.append(bytes(body))
        if not message.get("more_body", False):
            assert self.response_start is not None
            status, headers = self.response_start
            try:
                self._reject(status, headers, b"".join(self.response_body))
            except Exception:
                self.response_start = None  # refused by core: the app's failure is answered with 500
                raise

    async def receive(self) -> dict[str, Any]:
        """The ASGI ``receive`` callable."""
        inbox = self.inbox
        if not inbox and self.pull_paused:
            self._resume()
        while not inbox:
            # As asyncio.Queue.get waits (a cancelled receive() passes on its wake-up).
            waiter = self.loop.create_future()
            self.receivers.append(waiter)
            try:
                await waiter
            except BaseException:
                waiter.cancel()
                try:
                    self.receivers.remove(waiter)
                except ValueError:
                    pass
                if inbox and not waiter.cancelled():
                    self._wake_receiver()
                raise
        return inbox.popleft()

    def _deliver(self, message: dict[str, Any]) -> None:
        """Queues an ASGI message for the app (as asyncio.Queue.put_nowait)."""
        self.inbox.append(message)
        if self.receivers:
            self._wake_receiver()

    def _wake_receiver(self) -> None:
        receivers = self.receivers
        while receivers:
            waiter = receivers.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _resume(self) -> None:
        """The app took its message: hand it the next one core holds, if any
        (reading resumes once core holds none, see _update_flow)."""
        self.pull_paused = False
        if self.transport_lost:
            return
        try:
            # Also runs a protocol error deferred behind the messages taken.
            event = self.conn.next_event()
        except InternalError:
            self._log_internal_error()
        else:
            if event is None:
                # Core is as the last _after_core_call left it (that call polled
                # until the app had a message; output and flow are unchanged), so
                # there is nothing to hand on, write or unpause: an echo's path.
                return
            self._handle_event(event)
        self._after_core_call()


def _nothing() -> None:
    """A core call that does nothing: _drive then only handles what core holds."""


def _header_pairs(headers: Any) -> list[tuple[bytes, bytes]]:
    """ASGI headers as (name, value) tuples: ASGI allows ``[name, value]`` lists too."""
    return [(name, value) for name, value in headers or ()]


def _env_list(name: str) -> Optional[list[str]]:
    """A comma-separated environment variable as a list; ``None`` when unset or empty."""
    items = [item.strip() for item in os.environ.get(name, "").split(",")]
    return [item for item in items if item] or None


def _origin_policy(protocol: WSProtocol) -> dict[str, Any]:
    """The ``ServerConnection`` keyword arguments of the Origin/Host policy: the
    class attributes, or the environment where they are ``None``."""
    require = protocol.require_origin
    if require is None:
        require = os.environ.get("WSCORE_REQUIRE_ORIGIN", "").lower() in ("1", "true", "yes")
    origins = protocol.origins
    hosts = protocol.allowed_hosts
    return {
        "origins": list(origins) if origins is not None else _env_list("WSCORE_ALLOWED_ORIGINS"),
        "allowed_hosts": list(hosts) if hosts is not None else _env_list("WSCORE_ALLOWED_HOSTS"),
        "require_origin": require,
    }
