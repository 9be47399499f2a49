"""wsproto.connection: the post-handshake ``Connection``, on wscore's core.

Differences from wsproto, all on purpose:

- Received messages are whole (``frame_finished`` and ``message_finished`` are
  ``True``); a message larger than core's limit (16 MiB unless ``CORE_CONFIG``
  says otherwise) fails the connection with 1009, also while inflating.
- A close frame from the peer is answered by the application's ``CloseConnection``
  (state ``REMOTE_CLOSING``) with its code and reason, within core's rules: 1005,
  1006 and 1015 become 1000 (core always sends a code), reasons over 123 bytes are cut.
- A protocol error yields ``CloseConnection(code, reason)`` with the state
  ``REMOTE_CLOSING``, so the usual response sends core's close frame (1002, 1007,
  1009) instead of nothing.
- Sending after a close raises :class:`~.utilities.ConnectionClosedError`, a
  ``LocalProtocolError`` that is also :class:`wscore.ConnectionClosed`.
"""

from __future__ import annotations

from collections import deque
from enum import Enum
from typing import Any, Deque, Dict, Generator, List, Mapping, Optional

from ... import _wscore
from ..._exceptions import ConnectionClosed, InvalidCloseArguments, InvalidState
from .events import BytesMessage, CloseConnection, Event, Message, Ping, Pong, TextMessage
from .extensions import Extension, PerMessageDeflate
from .frame_protocol import LOCAL_ONLY_CLOSE_REASONS, MAX_PAYLOAD_NORMAL, CloseReason, FrameProtocol, Opcode, ParseFailed  # noqa: F401 (wsproto names)
from .utilities import ConnectionClosedError, InvalidCloseCode, LocalProtocolError, UnsupportedExtension

#: Settings for the core connection behind every compat connection, e.g.
#: ``{"max_message_size": 1 << 20}`` (keyword arguments of ``wscore.ServerConnection``).
#: wsproto has no limits; wscore keeps core's (16 MiB per frame and message).
CORE_CONFIG: Dict[str, Any] = {}


def core_settings(config: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Core settings for a wsproto-style connection: no timers and no automatic pong
    (wsproto has neither), then ``CORE_CONFIG``, then ``config``."""
    settings: Dict[str, Any] = {
        "handshake_timeout": None,
        "close_timeout": None,
        "ping_interval": None,
        "auto_pong": False,
        # The application's CloseConnection.response() answers the peer's close.
        "auto_close_reply": False,
    }
    settings.update(CORE_CONFIG)
    settings.update(config or {})
    return settings


class ConnectionState(Enum):
    """RFC 6455 §4 connection states, as wsproto names them."""

    CONNECTING = 0
    OPEN = 1
    REMOTE_CLOSING = 2
    LOCAL_CLOSING = 3
    CLOSED = 4
    REJECTING = 5


class ConnectionType(Enum):
    """Client or server."""

    CLIENT = 1
    SERVER = 2


CLIENT = ConnectionType.CLIENT
SERVER = ConnectionType.SERVER


def deflate_in(extensions: List[Extension]) -> Optional[PerMessageDeflate]:
    """The enabled permessage-deflate among ``extensions``; any other enabled
    extension raises :class:`UnsupportedExtension` (core cannot run it)."""
    found = None
    for ext in extensions:
        if not ext.enabled():
            continue
        if isinstance(ext, PerMessageDeflate) and found is None:
            found = ext
        else:
            raise UnsupportedExtension(f"extension {getattr(ext, 'name', ext)!r} cannot run on wscore (only permessage-deflate)")
    return found


def _close_code(code: int) -> Any:
    try:
        return CloseReason(code)
    except ValueError:
        return code


class Connection:
    """A WebSocket connection after its opening handshake: events in and out,
    bytes returned by :meth:`send`. ``config`` (keyword-only, wscore's) adds core
    settings over ``CORE_CONFIG``."""

    def __init__(
        self,
        connection_type: ConnectionType,
        extensions: Optional[List[Extension]] = None,
        trailing_data: bytes = b"",
        *,
        config: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        deflate = deflate_in(list(extensions or []))
        settings = core_settings(config)
        params = None
        if deflate is not None:
            settings["deflate"] = deflate.core_settings()
            params = deflate.agreed_params
        role = "client" if self.client else "server"
        self._setup(_wscore.Connection.upgraded(role, params, **settings))
        self.receive_data(trailing_data)

    @classmethod
    def _from_core(cls, core: _wscore.Connection, client: bool) -> Connection:
        """The connection a finished handshake continues on (same core object)."""
        self = cls.__new__(cls)
        self.client = client
        self._setup(core)
        return self

    def _setup(self, core: _wscore.Connection) -> None:
        self._core = core
        self._state = ConnectionState.OPEN
        self._events: Deque[Event] = deque()
        self._fragmenting = False

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def core(self) -> _wscore.Connection:
        """The wscore connection underneath (close info, deflate parameters, failure)."""
        return self._core

    def send(self, event: Event) -> bytes:
        """The bytes to write for ``event``."""
        state = self._state
        if isinstance(event, Message) and state is ConnectionState.OPEN:
            self._send_message(event)
        elif isinstance(event, Ping) and state is ConnectionState.OPEN:
            self._checked(event, self._core.send_ping, event.payload)
        elif isinstance(event, Pong) and state is ConnectionState.OPEN:
            self._checked(event, self._core.send_pong, event.payload)
        elif isinstance(event, CloseConnection) and state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self._close(event)
            self._state = ConnectionState.CLOSED if state is ConnectionState.REMOTE_CLOSING else ConnectionState.LOCAL_CLOSING
        else:
            raise self._refusal(f"Event {event} cannot be sent in state {state}.")
        return self._core.data_to_send()

    def _refusal(self, message: str) -> LocalProtocolError:
        info = self._core.close_info
        if info is None:
            return LocalProtocolError(message)
        return ConnectionClosedError(message, info.code, info.reason, info.initiator)

    def _checked(self, event: Event, send: Any, *args: Any) -> None:
        try:
            send(*args)
        except ConnectionClosed as exc:
            raise ConnectionClosedError(f"Event {event} cannot be sent: the connection is closed.", exc.code, exc.reason, exc.initiator) from exc

    def _send_message(self, event: Message[Any]) -> None:
        data = event.data
        if isinstance(data, (bytes, bytearray, memoryview)):
            whole, fragment = self._core.send_binary, self._core.send_binary_fragment
        elif isinstance(data, str):
            whole, fragment = self._core.send_text, self._core.send_text_fragment
        else:
            raise TypeError("Must provide bytes or text")
        fin = bool(event.message_finished)
        if fin and not self._fragmenting:
            self._checked(event, whole, data)
            return
        try:
            self._checked(event, fragment, data, fin)
        except InvalidState as exc:
            # Core refuses a text fragment inside a binary message and vice versa.
            raise TypeError("Data type mismatch inside message") from exc
        self._fragmenting = not fin

    def _close(self, event: CloseConnection) -> None:
        code = event.code
        if code is None or code == CloseReason.NO_STATUS_RCVD:
            # wsproto sends a close frame without a code; core always sends one.
            code = CloseReason.NORMAL_CLOSURE
        elif code in LOCAL_ONLY_CLOSE_REASONS:
            code = CloseReason.NORMAL_CLOSURE
        reason = _wscore.truncate_close_reason(event.reason or "")  # core's rule, as wsproto truncates
        try:
            self._core.close(int(code), reason)
        except InvalidCloseArguments as exc:
            raise InvalidCloseCode(str(exc)) from exc

    def receive_data(self, data: Optional[bytes]) -> None:
        """Feeds bytes read from the transport; ``None`` means the transport closed."""
        if data is None:
            self._events.append(CloseConnection(code=CloseReason.ABNORMAL_CLOSURE))
            self._state = ConnectionState.CLOSED
            self._core.receive_eof()
            return
        if self._state in (ConnectionState.OPEN, ConnectionState.LOCAL_CLOSING):
            self._core.receive_data(data)
        elif self._state is ConnectionState.CLOSED:
            raise self._refusal("Connection already closed.")

    def events(self) -> Generator[Event, None, None]:
        """The events so far, each translated from core's as it is reached."""
        while self._events:
            yield self._events.popleft()
        while True:
            core_event = self._core.next_event()
            if core_event is None:
                return
            event = self._translate(core_event)
            if event is not None:
                yield event

    def _translate(self, ev: Any) -> Optional[Event]:
        if isinstance(ev, _wscore.TextMessage):
            return TextMessage(data=ev.data)
        if isinstance(ev, _wscore.BinaryMessage):
            return BytesMessage(data=ev.data)
        if isinstance(ev, _wscore.Ping):
            return Ping(payload=ev.payload)
        if isinstance(ev, _wscore.Pong):
            return Pong(payload=ev.payload)
        if isinstance(ev, _wscore.CloseReceived):
            self._peer_closed()
            return CloseConnection(code=_close_code(ev.code), reason=ev.reason)
        if isinstance(ev, _wscore.Closed) and ev.error is not None and ev.initiator == "protocol_error":
            # Core failed the connection and queued its close frame: the response sends it.
            self._peer_closed()
            return CloseConnection(code=_close_code(ev.code), reason=ev.error)
        return None

    def _peer_closed(self) -> None:
        if self._state is ConnectionState.LOCAL_CLOSING:
            self._state = ConnectionState.CLOSED
        elif self._state is ConnectionState.OPEN:
            self._state = ConnectionState.REMOTE_CLOSING
