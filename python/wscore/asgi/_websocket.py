"""``WebSocket``: Starlette's ``WebSocket`` API, every send and close through the guard."""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional, Sequence, Tuple

from starlette import websockets as _starlette
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketState

from .._exceptions import ConnectionClosed, Initiator
from ._guard import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_MAX_QUEUE,
    DEFAULT_SEND_TIMEOUT,
    GuardedWebSocket,
    WebSocketStateError,
    guard,
)
from ._ratelimit import RateLimit
from ._server_quirks import CLOSED_ERRORS

__all__ = ["WebSocket", "WebSocketDisconnect"]

_SCOPE_KEY = "wscore.websocket"
_MODE_ERROR = 'The "mode" argument should be "text" or "binary".'  # Starlette's words


class WebSocketDisconnect(ConnectionClosed, _starlette.WebSocketDisconnect):
    """The connection is closed: Starlette's ``WebSocketDisconnect`` and a :class:`wscore.ConnectionClosed`.

    ``except WebSocketDisconnect`` (Starlette's or FastAPI's) catches it; ``code``
    and ``reason`` are the close's, ``initiator`` says who closed (``"local"`` when
    this app did, possibly from another task).
    """

    def __init__(self, code: int = 1000, reason: Optional[str] = None, initiator: Initiator = "remote") -> None:
        # Both bases set code and reason; neither __init__ fits the other's (MRO) chain.
        self.code = code
        self.reason = reason or ""
        self.initiator = initiator
        Exception.__init__(self, code, self.reason, initiator)


class WebSocket(_starlette.WebSocket):
    """A drop-in for ``starlette.websockets.WebSocket`` (and FastAPI's) with the guard's close rules.

    Same attributes and methods, same types; what changes is what a close race does:

    * ``close()`` is idempotent and safe from any task: it flushes what is queued,
      then closes once; later calls wait for that close. Bounded by ``close_timeout``.
    * A send on a closed connection returns without sending, whoever closed it
      (counted as ``sends_after_close_avoided``): the close is reported once, by
      the receiving side, the one place Starlette code already handles it. Sends
      go out one at a time, each bounded by ``send_timeout`` (then the client is
      dropped, 1006). ``closed`` says whether and how the connection ended.
    * ``receive_text()`` / ``receive_bytes()`` / ``receive_json()`` raise
      :class:`WebSocketDisconnect` (Starlette's, with ``initiator``) as soon as the
      connection is closed by either side, also after this app closed it;
      ``iter_*`` then just stop.
    * Misuse (sending or receiving before ``accept()``, accepting twice) raises
      :class:`WebSocketStateError` (a ``RuntimeError``) that says what to do.

    Make one with ``WebSocket(scope, receive, send)`` or ``WebSocket.of(websocket)``;
    in FastAPI, annotate with :data:`wscore.fastapi.WebSocket` instead.
    """

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        max_queue: int = DEFAULT_MAX_QUEUE,
        rate_limit: Optional[RateLimit] = None,
        origins: Optional[Sequence[str]] = None,
        require_origin: bool = False,
        allowed_hosts: Optional[Sequence[str]] = None,
    ) -> None:
        """Wrap an ASGI WebSocket connection; the options are :func:`wscore.asgi.guard`'s."""
        raw = _starlette.WebSocket(scope, receive, send)
        self._bind(
            guard(
                raw,
                send_timeout=send_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
                rate_limit=rate_limit,
                origins=origins,
                require_origin=require_origin,
                allowed_hosts=allowed_hosts,
            )
        )

    @classmethod
    def of(cls, websocket: _starlette.WebSocket, **options: Any) -> "WebSocket":
        """The drop-in for Starlette's ``websocket``: one per connection, made on the first call.

        ``options`` are :func:`wscore.asgi.guard`'s; those of the first call stay.
        """
        if isinstance(websocket, WebSocket):
            return websocket
        existing = websocket.scope.get(_SCOPE_KEY)
        if isinstance(existing, WebSocket):
            return existing
        dropin = cls.__new__(cls)
        dropin._bind(guard(websocket, **options))
        return dropin

    def _bind(self, guarded: GuardedWebSocket) -> None:
        # Starlette's __init__ would set its own states; ours are the wrapped socket's.
        HTTPConnection.__init__(self, guarded.websocket.scope)
        self._guard = guarded
        self._raw = guarded.websocket
        self._denied = False  # send_denial_response() answered the request
        self._rejected = False  # close() answered the request
        self._disconnect_returned = False  # receive() gave the websocket.disconnect
        self.scope[_SCOPE_KEY] = self

    # ---- the guard's view ----------------------------------------------------

    @property
    def guard(self) -> GuardedWebSocket:
        """This connection's :class:`GuardedWebSocket` (what a ``Broadcaster`` takes)."""
        return self._guard

    @property
    def closed(self) -> Optional[ConnectionClosed]:
        """``None`` while open; once closing or closed, how (code, reason, initiator)."""
        return self._guard.closed

    # ---- state ------------------------------------------------------------------

    @property
    def client_state(self) -> WebSocketState:
        """Starlette's client state; ``DISCONNECTED`` once the client closed or vanished."""
        closed = self._guard.closed
        if closed is not None and closed.initiator != "local":
            return WebSocketState.DISCONNECTED
        return self._raw.client_state

    @client_state.setter
    def client_state(self, state: WebSocketState) -> None:
        self._raw.client_state = state

    @property
    def application_state(self) -> WebSocketState:
        """Starlette's application state; ``DISCONNECTED`` once closed by either side."""
        if self._guard.closed is not None and self._raw.application_state == WebSocketState.CONNECTED:
            return WebSocketState.DISCONNECTED
        return self._raw.application_state

    @application_state.setter
    def application_state(self, state: WebSocketState) -> None:
        self._raw.application_state = state

    def _accepted(self, call: str) -> bool:
        """Whether the connection was accepted; misuse raises, a refusal returns False."""
        state = self._raw.application_state
        if state == WebSocketState.CONNECTING:
            raise WebSocketStateError(f"{call} before the connection is accepted: call accept() first")
        if self._denied:
            raise WebSocketStateError(f"{call} after send_denial_response(): the request was refused")
        return self._guard.closed is None

    def _disconnect(self) -> WebSocketDisconnect:
        closed = self._guard.closed
        assert closed is not None
        return WebSocketDisconnect(closed.code, closed.reason, closed.initiator)

    # ---- handshake ----------------------------------------------------------------

    async def accept(
        self, subprotocol: Optional[str] = None, headers: Optional[Iterable[Tuple[bytes, bytes]]] = None
    ) -> None:
        """Accept the connection (Starlette's ``accept``).

        With the guard's Origin/Host policy refusing the request, answer it with 403
        (or close 1008) instead; the socket is then closed: sends do nothing and
        receives raise :class:`WebSocketDisconnect` (1008).
        """
        if self._denied:
            raise WebSocketStateError("accept() after send_denial_response(): the request was refused")
        if self._rejected:
            raise WebSocketStateError("accept() after close(): the request was already rejected")
        if self._raw.application_state != WebSocketState.CONNECTING:
            raise WebSocketStateError("accept() was already called")
        try:
            await self._guard.accept(subprotocol, list(headers) if headers is not None else None)
        except CLOSED_ERRORS as error:  # the client left during the handshake
            self._guard._absorb(error)

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the request with an HTTP ``response`` (before ``accept()`` only)."""
        if self._raw.application_state != WebSocketState.CONNECTING or self._denied:
            raise WebSocketStateError("send_denial_response() must come before accept() and close()")
        self._guard._refusal = None  # the app refuses it itself
        await self._raw.send_denial_response(response)
        self._denied = True

    # ---- receiving ---------------------------------------------------------------

    async def receive(self) -> Message:
        """The next ASGI message, as Starlette's ``receive()``.

        ``websocket.connect`` first (``accept()`` reads it for you), then
        ``websocket.receive`` messages; once the connection is closed by either
        side, one ``websocket.disconnect`` with the close's code and reason.
        """
        if self._raw.application_state == WebSocketState.CONNECTING or self._denied:
            return await self._raw.receive()  # the handshake: no close race yet
        if self._disconnect_returned:
            raise _starlette.WebSocketDisconnected(
                'Cannot call "receive" once a disconnect message has been received.'
            )
        try:
            return await self._guard._next_message()
        except ConnectionClosed as closed:
            self._disconnect_returned = True
            return {"type": "websocket.disconnect", "code": closed.code, "reason": closed.reason}

    async def _receive_data(self, call: str) -> Message:
        if not self._accepted(call):
            raise self._disconnect()
        try:
            return await self._guard._next_message()
        except ConnectionClosed:
            raise self._disconnect() from None

    async def receive_text(self) -> str:
        """The next text message; :class:`WebSocketDisconnect` once closed."""
        message = await self._receive_data("receive_text()")
        text = message.get("text")
        if not isinstance(text, str):
            raise TypeError("receive_text() got a binary message: use receive_bytes(), or receive() for either")
        return text

    async def receive_bytes(self) -> bytes:
        """The next binary message; :class:`WebSocketDisconnect` once closed."""
        message = await self._receive_data("receive_bytes()")
        data = message.get("bytes")
        if data is None:
            raise TypeError("receive_bytes() got a text message: use receive_text(), or receive() for either")
        return bytes(data)

    async def receive_json(self, mode: str = "text") -> Any:
        """The next message decoded as JSON (a text one, or a binary one with ``mode="binary"``)."""
        if mode not in {"text", "binary"}:
            raise RuntimeError(_MODE_ERROR)
        if mode == "text":
            return json.loads(await self.receive_text())
        return json.loads((await self.receive_bytes()).decode("utf-8"))

    # ---- sending ------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        """Send an ASGI message, as Starlette's ``send()``, with the guard's rules for
        ``websocket.send`` and ``websocket.close``."""
        kind = message.get("type")
        if kind == "websocket.send":
            text, data = message.get("text"), message.get("bytes")
            if text is not None and not isinstance(text, str):
                raise TypeError(f'"text" must be a str, not {type(text).__name__}')
            if data is not None and not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f'"bytes" must be bytes, not {type(data).__name__}')
            if text is None and data is None:
                raise TypeError('a "websocket.send" message needs "text" or "bytes"')
            await self._send_data({"type": kind, "text": text} if text is not None else {"type": kind, "bytes": data})
        elif kind == "websocket.close":
            await self.close(int(message.get("code", 1000)), message.get("reason"))
        elif kind == "websocket.accept":
            await self.accept(message.get("subprotocol"), message.get("headers"))
        else:  # the denial response's messages, or a mistake Starlette words well
            await self._raw.send(message)
            self._denied = self._denied or str(kind).startswith("websocket.http.response")

    async def _send_data(self, message: Message) -> None:
        if not self._accepted("send"):
            self._guard._refuse()  # counted; the receiving side reports the close
            return
        try:
            await self._guard._send(message)
        except ConnectionClosed:
            pass  # closed meanwhile: the same as above, already counted by the guard

    async def send_text(self, data: str) -> None:
        """Send a text message (nothing happens once the connection is closed)."""
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes a str, not {type(data).__name__}: use send_bytes() for bytes")
        await self._send_data({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message (nothing happens once the connection is closed)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"send_bytes() takes bytes, not {type(data).__name__}: use send_text() for a str")
        await self._send_data({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send ``data`` as JSON in a text message (or a binary one with ``mode="binary"``)."""
        if mode not in {"text", "binary"}:
            raise RuntimeError(_MODE_ERROR)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self._send_data({"type": "websocket.send", "text": text})
        else:
            await self._send_data({"type": "websocket.send", "bytes": text.encode("utf-8")})

    # ---- closing --------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: Optional[str] = None, *, flush: bool = True) -> None:
        """Close once, after what is queued (unless ``flush=False``); see the class docs.

        Before ``accept()`` this rejects the request (servers answer 403). Raises
        :class:`wscore.InvalidCloseArguments` (nothing sent) for a code that may not
        be sent or a reason over 123 UTF-8 bytes.
        """
        if self._denied:
            return  # the HTTP response ended the request
        if self._raw.application_state == WebSocketState.CONNECTING:
            await self._guard._reject(code, reason or "")
            self._rejected = True
            return
        await self._guard.close(code, reason or "", flush=flush)

    def __repr__(self) -> str:
        return f"<wscore.asgi.WebSocket {self.url.path!r} closed={self._guard.closed}>"

