"""The guard: a Starlette ``WebSocket`` with race-free close semantics."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Deque,
    Dict,
    List,
    MutableMapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    Union,
)

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .._exceptions import ConnectionClosed, InvalidState
from .._wscore import truncate_close_reason, validate_close
from . import _origin
from ._ratelimit import RATE_LIMIT_CLOSE_CODE, RateBucket, RateLimit
from ._server_quirks import CLOSED_ERRORS, copy_closed, from_disconnect
from ._stats import TOTALS, Counters, logger

__all__ = ["GuardedWebSocket", "guard", "Data", "WebSocketStateError"]

#: A message payload: text or binary.
Data = Union[str, bytes]
Message = MutableMapping[str, Any]

DEFAULT_SEND_TIMEOUT = 5.0
DEFAULT_CLOSE_TIMEOUT = 5.0
DEFAULT_MAX_QUEUE = 64
# How long a failed send waits for a pending receive to report the client's close
# (the close frame is normally already queued: a starved CPU needs more than 0.5 s).
RECEIVER_GRACE = 2.0
# After a close the guard reads and drops what the server still delivers, until its
# websocket.disconnect: at most this many messages, for at most 2 * close_timeout.
DRAIN_MAX_MESSAGES = 1024
_SCOPE_KEY = "wscore.guard"
# Drains outlive their handler; a strong reference each until they end.
_DRAINS: Set["asyncio.Task[None]"] = set()


class WebSocketStateError(InvalidState, RuntimeError):
    """A call that does not fit the socket's state, such as sending before ``accept()``.

    A programming error, not a close race: a ``RuntimeError`` like Starlette's own
    state errors, and a :class:`wscore.InvalidState`.
    """


class _Close:
    """The close request, queued behind the messages it must not overtake."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


# (message, its sender's future, payload bytes counted in the backlog)
_Item = Tuple[Union[Message, _Close], Optional["asyncio.Future[None]"], int]


class GuardedWebSocket:
    """A Starlette/FastAPI ``WebSocket`` whose sends and closes always end, and end typed.

    * Sends go out one at a time through a per-connection queue and writer task,
      each bounded by ``send_timeout``; a send that cannot be delivered raises
      :class:`wscore.ConnectionClosed` whatever the server raised (or did not).
    * :meth:`close` may be called any number of times from any number of tasks;
      the first call queues the close behind what was already queued (flush),
      the others wait for it. The whole close is bounded by ``close_timeout``.
    * Receives end with :class:`wscore.ConnectionClosed` (``async for`` just
      stops) as soon as the connection is closed by either side or fails.

    ``ConnectionClosed.initiator`` is ``"local"`` when this app closed first,
    ``"remote"`` when the client closed with a code, ``"transport"`` (code 1006)
    when the connection vanished or a send timed out. A server that drops sends
    silently after a disconnect (hypercorn) is noticed through the receive side,
    so keep one task receiving (``async for`` is enough).
    """

    def __init__(
        self,
        websocket: WebSocket,
        *,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        max_queue: int = DEFAULT_MAX_QUEUE,
        totals: Optional[Counters] = TOTALS,
        rate_limit: Optional[RateLimit] = None,
    ) -> None:
        """Wrap ``websocket``; prefer :func:`guard`, which wraps each socket once."""
        self.websocket = websocket
        self.send_timeout = send_timeout
        self.close_timeout = close_timeout
        self.max_queue = max_queue
        #: This connection's counters (they also add into ``totals``).
        self.counters = Counters(parent=totals)
        self._outbox: Deque[_Item] = deque()
        self._writer: Optional["asyncio.Task[None]"] = None
        self._close_task: Optional["asyncio.Task[None]"] = None
        self._closed: Optional[ConnectionClosed] = None
        self._closed_future: Optional["asyncio.Future[None]"] = None
        self._on_close: List[Callable[["GuardedWebSocket"], None]] = []
        # The server receive in flight; after a close the drain takes it over.
        self._raw_receive: Optional["asyncio.Future[Message]"] = None
        self._drain: Optional["asyncio.Task[None]"] = None
        # Origin/Host refused (see guard()): the message, until accept() sends it ("" after).
        self._refusal: Optional[str] = None
        # The backlog: messages queued or being written, and when it last moved.
        self._backlog_messages = 0
        # Received messages over ``rate_limit`` are dropped or close the connection.
        self._rate: Optional[RateBucket] = rate_limit.bucket() if rate_limit is not None else None
        self._backlog_bytes = 0
        self._progress_at = 0.0

    # ---- state --------------------------------------------------------------

    @property
    def closed(self) -> Optional[ConnectionClosed]:
        """``None`` while open; once closing or closed, the exception that says how."""
        return self._closed

    @property
    def backlog_bytes(self) -> int:
        """Payload bytes queued or being written, not yet taken by the server."""
        return self._backlog_bytes

    @property
    def lag_seconds(self) -> float:
        """How long the backlog has gone without a message written; 0.0 when empty.

        The clock restarts at every message the server takes, so a client that
        reads keeps this near zero however long its queue is.
        """
        if self._backlog_messages == 0:
            return 0.0
        return time.monotonic() - self._progress_at

    def stats(self) -> Dict[str, Any]:
        """This connection's counters as a dict."""
        return self.counters.as_dict()

    def add_close_callback(self, callback: Callable[["GuardedWebSocket"], None]) -> None:
        """Call ``callback(self)`` once, as soon as the connection is known closed."""
        if self._closed is not None:
            callback(self)
        else:
            self._on_close.append(callback)

    async def wait_closed(self) -> ConnectionClosed:
        """Wait until the connection is closed (our close flushed and sent); return how."""
        await self._closed_waiter()
        return await self._settled()

    async def _settled(self) -> ConnectionClosed:
        """The close state, once our own close (if any) has finished.

        Receivers wait for it so that a handler leaving its ``async for`` does not
        return to the server (which then drops the socket) before the flush.
        """
        if self._close_task is not None and not self._close_task.done():
            await asyncio.shield(self._close_task)
        assert self._closed is not None
        return copy_closed(self._closed)

    def _closed_waiter(self) -> "asyncio.Future[None]":
        if self._closed_future is None:
            self._closed_future = asyncio.get_running_loop().create_future()
            if self._closed is not None:
                self._closed_future.set_result(None)
        return self._closed_future

    def _set_closed(self, info: ConnectionClosed) -> bool:
        """Record how the connection closed; the first record wins."""
        if self._closed is not None:
            return False
        self._closed = info
        self.counters.add_close_code(info.code, info.initiator)
        logger.debug("websocket %s", info)
        if self._closed_future is not None and not self._closed_future.done():
            self._closed_future.set_result(None)
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback(self)
        self._start_drain()
        return True

    def _start_drain(self) -> None:
        """Once closed, keep reading until the server's ``websocket.disconnect``.

        ASGI servers deliver messages until then, and expect the app to take them:
        hypercorn blocks putting ``websocket.disconnect`` into a full app queue
        forever (a hung task and a ``CancelledError`` at shutdown per connection).
        """
        websocket = self.websocket
        if self._drain is not None or websocket.client_state != WebSocketState.CONNECTED:
            return  # draining already, or the server said disconnect (or never connect)
        if websocket.application_state in (WebSocketState.CONNECTING, WebSocketState.RESPONSE):
            return  # refused before accepting: the server ends the request itself
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # closed from outside an event loop: nothing is pending
            return
        self._drain = asyncio.ensure_future(self._drain_receive())
        _DRAINS.add(self._drain)
        self._drain.add_done_callback(_DRAINS.discard)

    async def _drain_receive(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2 * self.close_timeout  # a flush, then the client's reply
        pending, self._raw_receive = self._raw_receive, None  # a receive left in flight
        dropped = 0
        try:
            while dropped < DRAIN_MAX_MESSAGES:
                if pending is None:
                    if self.websocket.client_state != WebSocketState.CONNECTED:
                        return
                    pending = asyncio.ensure_future(self.websocket.receive())
                done, _ = await asyncio.wait((pending,), timeout=max(0.0, deadline - loop.time()))
                if not done:
                    break
                received, pending = pending, None
                if received.cancelled() or received.exception() is not None:
                    return  # the server says the socket is gone: nothing more will come
                if received.result()["type"] == "websocket.disconnect":
                    return
                dropped += 1
            logger.debug("stopped draining after %d messages without a disconnect", dropped)
        finally:
            if pending is not None:
                pending.cancel()

    def _refuse(self) -> ConnectionClosed:
        """Count a send the guard kept away from a closed socket."""
        assert self._closed is not None
        self.counters.add("sends_after_close_avoided")
        logger.debug("send after close avoided (%s)", self._closed)
        return copy_closed(self._closed)

    def _absorb(self, error: BaseException) -> ConnectionClosed:
        """Turn a server's "already closed" error into the connection's close state."""
        self.counters.add("close_races_resolved")
        logger.debug("server reported a closed socket: %r", error)
        if self._closed is None:
            exact = _exact_close(error)
            if exact is not None:  # a wscore-based server says exactly
                self._set_closed(copy_closed(exact))
            elif isinstance(error, WebSocketDisconnect):
                self._set_closed(from_disconnect({"code": error.code, "reason": error.reason}))
            else:
                self._set_closed(ConnectionClosed(1006, "", "transport"))
        assert self._closed is not None
        return self._closed

    # ---- sending ------------------------------------------------------------

    def _enqueue(self, message: Message, wait: bool, bounded: bool = True) -> Optional["asyncio.Future[None]"]:
        if self._closed is not None:
            raise self._refuse()
        if self.websocket.application_state == WebSocketState.CONNECTING:
            raise WebSocketStateError("cannot send before the connection is accepted: call accept() first")
        if bounded and not wait and len(self._outbox) >= self.max_queue:
            raise asyncio.QueueFull()
        future = asyncio.get_running_loop().create_future() if wait else None
        size = _payload_size(message)
        if self._backlog_messages == 0:
            self._progress_at = time.monotonic()
        self._backlog_messages += 1
        self._backlog_bytes += size
        self._outbox.append((message, future, size))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write_loop())
        return future

    async def _send(self, message: Message) -> None:
        future = self._enqueue(message, wait=True)
        assert future is not None
        await future

    async def send(self, data: Data) -> None:
        """Send text (``str``) or binary (``bytes``); raise ``ConnectionClosed`` if it cannot go out."""
        await self._send(_message(data))

    async def send_text(self, data: str) -> None:
        """Send a text message; raise ``ConnectionClosed`` if it cannot go out."""
        await self._send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message; raise ``ConnectionClosed`` if it cannot go out."""
        await self._send({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send ``data`` as JSON in a text (or ``mode="binary"``) message."""
        await self._send(_json_message(data, mode))

    async def try_send(self, data: Data) -> bool:
        """Like :meth:`send`, but return ``False`` instead of raising ``ConnectionClosed``."""
        try:
            await self.send(data)
        except ConnectionClosed:
            return False
        return True

    async def try_send_text(self, data: str) -> bool:
        """Like :meth:`send_text`, but return ``False`` instead of raising."""
        return await self.try_send(data)

    async def try_send_bytes(self, data: bytes) -> bool:
        """Like :meth:`send_bytes`, but return ``False`` instead of raising."""
        return await self.try_send(bytes(data))

    async def try_send_json(self, data: Any, mode: str = "text") -> bool:
        """Like :meth:`send_json`, but return ``False`` instead of raising."""
        try:
            await self._send(_json_message(data, mode))
        except ConnectionClosed:
            return False
        return True

    def send_nowait(self, data: Data) -> bool:
        """Queue a message without waiting; ``False`` if the connection is closed.

        Raises ``asyncio.QueueFull`` when ``max_queue`` messages are already waiting
        (the client is not keeping up). Delivery failures are not reported here.
        """
        try:
            self._enqueue(_message(data), wait=False)
        except ConnectionClosed:
            return False
        return True

    def _queue_unbounded(self, data: Data) -> bool:
        """:meth:`send_nowait` without the ``max_queue`` count: the Broadcaster bounds lag itself."""
        try:
            self._enqueue(_message(data), wait=False, bounded=False)
        except ConnectionClosed:
            return False
        return True

    def _written(self, size: int) -> None:
        """A queued message left the backlog (sent, failed or dropped)."""
        self._backlog_messages -= 1
        self._backlog_bytes -= size
        self._progress_at = time.monotonic()

    async def _write_loop(self) -> None:
        """The one writer of this connection: drains the queue, then exits."""
        try:
            while self._outbox:
                message, future, size = self._outbox.popleft()
                if isinstance(message, _Close):
                    if future is None or not future.done():
                        await self._write_close(message, future)
                    continue
                try:
                    if future is None or not future.done():  # else its sender was cancelled
                        await self._write_message(message, future)
                finally:
                    self._written(size)
        except asyncio.CancelledError:
            self._drop_queue()
            raise
        except Exception:  # a bug: never leave senders waiting on it
            logger.exception("wscore.asgi writer failed")
            self._set_closed(ConnectionClosed(1006, "", "transport"))
            self._drop_queue()
        finally:
            self._writer = None

    async def _write_message(self, message: Message, future: Optional["asyncio.Future[None]"]) -> None:
        try:
            await asyncio.wait_for(self.websocket.send(message), self.send_timeout)
        except asyncio.TimeoutError:
            self.counters.add("send_timeouts")
            logger.info("send timed out after %.1fs; dropping the connection", self.send_timeout)
            self._set_closed(ConnectionClosed(1006, "send timed out", "transport"))
            self._fail(future)
            self._drop_queue()
        except CLOSED_ERRORS as error:
            await self._learn_close(error)
            self._fail(future)
            self._drop_queue()
        else:
            if future is not None and not future.done():
                future.set_result(None)

    async def _write_close(self, close: _Close, future: Optional["asyncio.Future[None]"]) -> None:
        try:
            await self.websocket.close(close.code, close.reason)
        except CLOSED_ERRORS as error:  # the client closed or vanished meanwhile
            await self._learn_close(error)
        if future is not None and not future.done():
            future.set_result(None)
        self._drop_queue()

    async def _learn_close(self, error: BaseException) -> None:
        """A send failed: say who closed as precisely as the server lets us.

        uvicorn fails a send with a bare ``ClientDisconnected`` when the client's
        close frame is already queued for the receiver; read up to it for a moment
        (with the app's receiver, if one is waiting) to learn its code and reason.
        """
        if self._closed is None and _exact_close(error) is None:
            await self._read_until_disconnect(RECEIVER_GRACE)
        self._absorb(error)

    async def _read_until_disconnect(self, timeout: float) -> None:
        """Read what the server delivers until its ``websocket.disconnect`` (or ``timeout``).

        Shares the receive in flight with :meth:`_receive_message`, so a message
        reaches the app's receiver if one is waiting; the others would be dropped
        anyway, the connection being about to close.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._closed is None and self.websocket.client_state == WebSocketState.CONNECTED:
            left = deadline - loop.time()
            if left <= 0:
                return
            receiving = self._raw_receive
            if receiving is None:
                receiving = self._raw_receive = asyncio.ensure_future(self.websocket.receive())
            await asyncio.wait((receiving, self._closed_waiter()), timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                return  # closed or out of time: the receive stays in flight for the next reader
            if self._raw_receive is receiving:
                self._raw_receive = None
            if receiving.cancelled() or receiving.exception() is not None:
                return
            message = receiving.result()
            if message["type"] == "websocket.disconnect":
                self._set_closed(from_disconnect(message))

    def _fail(self, future: Optional["asyncio.Future[None]"]) -> None:
        if future is not None and not future.done():
            assert self._closed is not None
            future.set_exception(copy_closed(self._closed))

    def _drop_queue(self) -> None:
        """Nothing more can go out: fail every queued send, complete queued closes."""
        while self._outbox:
            message, future, size = self._outbox.popleft()
            if not isinstance(message, _Close):
                self._written(size)
            if future is None or future.done():
                continue
            if isinstance(message, _Close):
                future.set_result(None)
            else:
                self._fail(future)

    # ---- closing ------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "", *, flush: bool = True) -> None:
        """Close once, after what is already queued (unless ``flush=False``).

        Idempotent and safe from any number of tasks: later or concurrent calls
        wait for the first close to finish and return; after the client closed,
        this returns at once. Never raises for a closed connection; raises
        :class:`wscore.InvalidCloseArguments` (nothing sent) for a code that may
        not be sent or a reason over 123 UTF-8 bytes. Bounded by ``close_timeout``.
        """
        validate_close(code, reason)  # core's rule: raises InvalidCloseArguments
        if self._closed is not None:
            self.counters.add("close_races_resolved")
            logger.debug("close(%d) after %s: nothing to do", code, self._closed)
        else:
            self._set_closed(ConnectionClosed(code, reason, "local"))
            if not flush:
                self._drop_queue()
            self._close_task = asyncio.ensure_future(self._run_close(_Close(code, reason)))
        if self._close_task is not None:
            await asyncio.shield(self._close_task)

    async def _run_close(self, close: _Close) -> None:
        done = asyncio.get_running_loop().create_future()
        self._outbox.append((close, done, 0))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write_loop())
        try:
            await asyncio.wait_for(done, self.close_timeout)
        except asyncio.TimeoutError:
            self.counters.add("close_timeouts")
            logger.info("close timed out after %.1fs; giving the connection up", self.close_timeout)
            if self._writer is not None:
                self._writer.cancel()
            self._drop_queue()

    async def _reject(self, code: int, reason: str) -> None:
        """Close before accepting: the server refuses the request (403)."""
        validate_close(code, reason)
        self._refusal = ""  # the app refuses it itself
        self._set_closed(ConnectionClosed(code, reason, "local"))
        try:
            await self.websocket.close(code, reason)
        except CLOSED_ERRORS as error:  # the client left meanwhile
            logger.debug("rejecting a request the client left: %r", error)

    async def __aenter__(self) -> "GuardedWebSocket":
        """``async with guard(ws) as ws:`` closes (after a flush) on the way out."""
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Any) -> None:
        """Close with 1000, or 1011 when the block raised something other than a close."""
        if self._closed is None:  # already closed: nothing to do, and no race to count
            failed = exc is not None and not isinstance(exc, (ConnectionClosed, asyncio.CancelledError))
            await self.close(1011 if failed else 1000)
        elif self._close_task is not None:
            await asyncio.shield(self._close_task)

    # ---- receiving ----------------------------------------------------------

    async def accept(self, subprotocol: Optional[str] = None, headers: Optional[List[Tuple[bytes, bytes]]] = None) -> bool:
        """Accept the connection (as Starlette's ``accept``) and return ``True``.

        When the guard's origin policy refused the request, answer it with 403 (or
        close 1008 where the server cannot send a response) instead and return
        ``False``; the guard is then closed (1008), so nothing is ever sent to it.
        """
        if self._refusal is not None:
            message, self._refusal = self._refusal, ""
            if message:
                try:
                    await _origin.refuse(self.websocket, message)
                except CLOSED_ERRORS:  # the client left meanwhile
                    pass
            return False
        await self.websocket.accept(subprotocol, headers)
        return True

    def _apply_origin_policy(self, refusal: Optional[str]) -> None:
        """A refused Origin/Host closes the guard at once: not accepted yet, the
        refusal goes out from :meth:`accept`; already accepted, we close with 1008."""
        if refusal is None:
            return
        self.counters.add("origins_refused")
        logger.info("websocket refused: %s", refusal)
        reason = truncate_close_reason(refusal)
        self._set_closed(ConnectionClosed(_origin.REFUSED_CODE, reason, "local"))
        if self.websocket.application_state == WebSocketState.CONNECTING:
            self._refusal = refusal
        else:
            self._close_task = asyncio.ensure_future(self._run_close(_Close(_origin.REFUSED_CODE, reason)))

    async def _receive_message(self) -> Message:
        if self._closed is not None:
            raise await self._settled()
        if self.websocket.application_state == WebSocketState.CONNECTING:
            raise WebSocketStateError("cannot receive before the connection is accepted: call accept() first")
        receiving = self._raw_receive
        if receiving is None:
            receiving = self._raw_receive = asyncio.ensure_future(self.websocket.receive())
        try:
            await asyncio.wait((receiving, self._closed_waiter()), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not receiving.done() and self._closed is None:  # our caller was cancelled
                receiving.cancel()
                self._raw_receive = None
        if not receiving.done():  # closed meanwhile: the drain takes this receive over
            raise await self._settled()
        if self._raw_receive is receiving:
            self._raw_receive = None
        if receiving.cancelled():  # only the drain cancels, and only once closed
            raise await self._settled()
        try:
            message: Message = receiving.result()
        except CLOSED_ERRORS as error:
            raise copy_closed(self._absorb(error)) from None
        if message["type"] == "websocket.disconnect":
            self._set_closed(from_disconnect(message))
            self._drop_queue()
        if self._closed is not None:  # closed while the message arrived: drop it
            raise await self._settled()
        return message

    async def receive(self) -> Data:
        """The next message's payload (``str`` or ``bytes``); ``ConnectionClosed`` once closed.

        With a ``rate_limit``, messages over it are skipped here (``"drop"``) or
        close the connection with 1008 (``"close"``), which raises ``ConnectionClosed``.
        """
        message = await self._next_message()
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def _next_message(self) -> Message:
        """The next ``websocket.receive`` message within the rate limit."""
        while True:
            message = await self._receive_message()
            if message["type"] != "websocket.receive":
                raise InvalidState(f"got {message['type']!r} where a message was expected")
            if self._rate is None or self._rate.allow(_payload_size(message)):
                return message
            await self._over_rate_limit()

    async def _over_rate_limit(self) -> None:
        """A received message was over the rate limit: count it, then drop it or close."""
        assert self._rate is not None
        limit = self._rate.limit
        if limit.on_exceed == "drop":
            if self.counters["rate_limited_drops"] == 0:  # one line per connection, not per message
                logger.info("dropping messages over the rate limit from this client")
            self.counters.add("rate_limited_drops")
            return
        self.counters.add("rate_limited_closes")
        logger.info("closing a client over its rate limit (code %d)", RATE_LIMIT_CLOSE_CODE)
        await self.close(RATE_LIMIT_CLOSE_CODE, limit.close_reason)
        raise await self._settled()

    async def receive_text(self) -> str:
        """The next text message; ``TypeError`` for a binary one."""
        data = await self.receive()
        if not isinstance(data, str):
            raise TypeError("expected a text message, got a binary one")
        return data

    async def receive_bytes(self) -> bytes:
        """The next binary message; ``TypeError`` for a text one."""
        data = await self.receive()
        if not isinstance(data, bytes):
            raise TypeError("expected a binary message, got a text one")
        return data

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message decoded as JSON (text, or ``mode="binary"``)."""
        data = await (self.receive_text() if mode == "text" else self.receive_bytes())
        return json.loads(data)

    def __aiter__(self) -> AsyncIterator[Data]:
        """Iterate over message payloads until the connection closes (no exception)."""
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Data]:
        while True:
            try:
                yield await self.receive()
            except ConnectionClosed:
                return


def _exact_close(error: BaseException) -> Optional[ConnectionClosed]:
    """The ``ConnectionClosed`` a wscore-based server raised, if that is what ``error`` is.

    Starlette turns a send's ``OSError`` (``wscore.uvicorn.WebSocketClosed`` is one)
    into ``WebSocketDisconnect(1006)``; the server's exception is then its context.
    """
    if isinstance(error, ConnectionClosed):
        return error
    context = error.__context__
    if isinstance(error, WebSocketDisconnect) and isinstance(context, ConnectionClosed):
        return context
    return None


def _message(data: Data) -> Message:
    if isinstance(data, str):
        return {"type": "websocket.send", "text": data}
    if isinstance(data, (bytes, bytearray, memoryview)):
        return {"type": "websocket.send", "bytes": bytes(data)}
    raise TypeError(f"expected str or bytes, got {type(data).__name__}")


def _payload_size(message: Message) -> int:
    """Bytes of a queued message's payload (UTF-8 for text; isascii() is O(1))."""
    text = message.get("text")
    if text is not None:
        return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return len(message.get("bytes") or b"")


def _json_message(data: Any, mode: str) -> Message:
    if mode not in ("text", "binary"):
        raise ValueError('mode must be "text" or "binary"')
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return _message(text if mode == "text" else text.encode("utf-8"))


def guard(
    websocket: Union[WebSocket, GuardedWebSocket],
    *,
    send_timeout: float = DEFAULT_SEND_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    max_queue: int = DEFAULT_MAX_QUEUE,
    rate_limit: Optional[RateLimit] = None,
    origins: Optional[Sequence[str]] = None,
    require_origin: bool = False,
    allowed_hosts: Optional[Sequence[str]] = None,
) -> GuardedWebSocket:
    """The :class:`GuardedWebSocket` of ``websocket``; one per connection.

    Calling it again for the same connection returns the same guard (the options
    of the first call stay), so helpers can call ``guard(ws)`` freely.

    ``origins``, ``require_origin`` and ``allowed_hosts`` check the request's
    ``Origin`` and ``Host`` with core's rules (see :func:`wscore.check_origin`),
    for servers that do not run wscore's handshake. Guard before accepting and
    accept through the guard: ``if not await ws.accept(): return`` refuses with
    403 (or close 1008). Guarded after an accept, a refused connection is closed
    with 1008 at once. ``ValueError`` for an entry that could never match.
    """
    if isinstance(websocket, GuardedWebSocket):
        return websocket
    existing = websocket.scope.get(_SCOPE_KEY)
    if isinstance(existing, GuardedWebSocket):
        return existing
    guarded = GuardedWebSocket(
        websocket, send_timeout=send_timeout, close_timeout=close_timeout, max_queue=max_queue, rate_limit=rate_limit
    )
    websocket.scope[_SCOPE_KEY] = guarded
    guarded._apply_origin_policy(_origin.refusal(websocket.scope, origins, require_origin, allowed_hosts))
    return guarded


logging.getLogger("wscore").addHandler(logging.NullHandler())
