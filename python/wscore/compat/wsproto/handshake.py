"""wsproto.handshake: the HTTP/1.1 opening handshake, done by wscore's core (the
class keeps wsproto's name ``H11Handshake``; h11 is not used).

Differences from wsproto: a server's rejection body is sent when its last
``RejectData`` arrives (core frames the whole response, Content-Length included);
when the request is invalid, core has already queued the error response, and the
``event_hint`` of the ``RemoteProtocolError`` sends exactly that.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Generator, Iterable, List, Mapping, Optional, Sequence, Tuple

from ... import _wscore
from ..._exceptions import HandshakeError, InvalidHandshakeAnswer, InvalidState
from .connection import Connection, ConnectionState, ConnectionType, core_settings
from .events import AcceptConnection, Event, RejectConnection, RejectData, Request
from .extensions import Extension, PerMessageDeflate
from .utilities import (  # noqa: F401 (wsproto names)
    LocalProtocolError,
    RemoteProtocolError,
    UnsupportedExtension,
    generate_accept_token,
    generate_nonce,
    normed_header_dict,
    split_comma_header,
)

# RFC 6455 §4.2.1: the version we speak, and the Upgrade token.
WEBSOCKET_VERSION = b"13"
WEBSOCKET_UPGRADE = b"websocket"

# Headers a received Request / AcceptConnection reports in its own fields.
_REQUEST_FIELDS = {b"host", b"sec-websocket-extensions", b"sec-websocket-protocol"}
_RESPONSE_FIELDS = {b"connection", b"sec-websocket-extensions", b"sec-websocket-accept", b"sec-websocket-protocol", b"upgrade"}


def _header_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("latin-1")


class H11Handshake:
    """The opening handshake of one connection (client or server). ``config``
    (keyword-only, wscore's) adds core settings over ``connection.CORE_CONFIG``."""

    def __init__(self, connection_type: ConnectionType, *, config: Optional[Mapping[str, Any]] = None) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self._state = ConnectionState.CONNECTING
        self._settings = core_settings(config)
        self._core: Optional[_wscore.Connection] = None if self.client else _wscore.ServerConnection(**self._settings)
        self._connection: Optional[Connection] = None
        self._events: Deque[Event] = deque()
        self._initiating_request: Optional[Request] = None
        self._deflate: Optional[PerMessageDeflate] = None
        self._rejection: Optional[Tuple[int, List[Tuple[bytes, bytes]], bytearray]] = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def connection(self) -> Optional[Connection]:
        """The open connection, once the handshake succeeded."""
        return self._connection

    def initiate_upgrade_connection(self, headers: Iterable[Tuple[Any, Any]], path: Any) -> None:
        """Server: feeds a request that was already read and parsed elsewhere."""
        if self.client:
            raise LocalProtocolError("Cannot initiate an upgrade connection when acting as the client")
        head = b"GET " + _header_bytes(path) + b" HTTP/1.1\r\n"
        for name, value in headers:
            head += _header_bytes(name) + b": " + _header_bytes(value) + b"\r\n"
        self.receive_data(head + b"\r\n")

    def send(self, event: Event) -> bytes:
        """The bytes to write for a handshake event."""
        if isinstance(event, Request):
            return self._initiate_connection(event)
        if isinstance(event, AcceptConnection):
            return self._accept(event)
        if isinstance(event, RejectConnection):
            return self._reject(event)
        if isinstance(event, RejectData):
            return self._send_reject_data(event)
        raise LocalProtocolError(f"Event {event} cannot be sent during the handshake")

    def receive_data(self, data: Optional[bytes]) -> None:
        """Feeds bytes read from the transport (``None`` or ``b""``: it closed)."""
        if self._core is None:
            raise LocalProtocolError("no upgrade request was sent yet")
        if self._state is not ConnectionState.CONNECTING:
            return
        if data:
            self._core.receive_data(data)
        else:
            self._core.receive_eof()
        while self._state is ConnectionState.CONNECTING:
            ev = self._core.next_event()
            if ev is None:
                return
            self._on_core_event(ev, eof=not data)

    def events(self) -> Generator[Event, None, None]:
        while self._events:
            yield self._events.popleft()

    def _on_core_event(self, ev: Any, eof: bool) -> None:
        if isinstance(ev, _wscore.Request):
            self._initiating_request = self._request_event(ev)
            self._events.append(self._initiating_request)
        elif isinstance(ev, _wscore.Accepted):
            self._events.append(self._establish_client_connection(ev))
        elif isinstance(ev, _wscore.Rejected):
            headers = [(name.lower(), value) for name, value in ev.headers]
            # A 1xx other than 101 has no body: wsproto reports it without RejectData.
            informational = 100 <= ev.status < 200
            self._events.append(RejectConnection(status_code=ev.status, headers=headers, has_body=not informational))
            if not informational:
                self._events.append(RejectData(data=ev.body, body_finished=True))
            self._state = ConnectionState.CLOSED
        elif isinstance(ev, _wscore.Closed) and ev.error is not None and not eof:
            failure = self._core.failure if self._core is not None else None
            status = getattr(failure, "status", None) if not self.client else None
            hint = RejectConnection(status_code=status) if status else RejectConnection()
            raise RemoteProtocolError(ev.error, event_hint=hint)

    def _request_event(self, ev: Any) -> Request:
        host = ""
        headers = []
        for name, value in ev.headers:
            name = name.lower()
            if name == b"host":
                try:
                    host = value.decode("idna")
                except UnicodeError:
                    host = value.decode("latin-1")
            if name not in _REQUEST_FIELDS:
                headers.append((name, value))
        return Request(host=host, target=ev.target, extensions=list(ev.extensions), extra_headers=headers, subprotocols=list(ev.subprotocols))

    # ----- server -----

    def _accept(self, event: AcceptConnection) -> bytes:
        if self.client or self._initiating_request is None or self._core is None:
            raise LocalProtocolError("No request to accept")
        deflate = None
        for ext in event.extensions:
            if isinstance(ext, PerMessageDeflate):
                deflate = deflate or ext
            elif _accepts_any(ext, self._initiating_request.extensions):
                raise UnsupportedExtension(f"extension {ext.name!r} cannot run on wscore (only permessage-deflate)")
        try:
            self._core.set_deflate(deflate.core_settings() if deflate else None)
            self._core.accept(event.subprotocol, headers=list(event.extra_headers))
        except (InvalidHandshakeAnswer, InvalidState) as exc:
            raise LocalProtocolError(str(exc)) from exc
        agreed = self._core.deflate
        if deflate is not None and agreed is not None:
            deflate.agreed(agreed)
        self._open()
        return self._core.data_to_send()

    def _reject(self, event: RejectConnection) -> bytes:
        if self._state is not ConnectionState.CONNECTING:
            raise LocalProtocolError(f"Connection cannot be rejected in state {self._state}")
        if self.client or self._core is None:
            raise LocalProtocolError("A client cannot send a rejection")
        self._rejection = (event.status_code, list(event.headers), bytearray())
        if event.has_body:
            self._state = ConnectionState.REJECTING
            return b""
        return self._finish_rejection()

    def _send_reject_data(self, event: RejectData) -> bytes:
        if self._state is not ConnectionState.REJECTING or self._rejection is None:
            raise LocalProtocolError(f"Cannot send rejection data in state {self._state}")
        self._rejection[2].extend(event.data)
        return self._finish_rejection() if event.body_finished else b""

    def _finish_rejection(self) -> bytes:
        assert self._core is not None and self._rejection is not None
        status, headers, body = self._rejection
        self._state = ConnectionState.CLOSED
        if self._core.should_close_transport:
            # Core already refused an invalid request with its own error response.
            return self._core.data_to_send()
        try:
            self._core.reject(status, headers, bytes(body))
        except (InvalidHandshakeAnswer, InvalidState) as exc:
            raise LocalProtocolError(str(exc)) from exc
        return self._core.data_to_send()

    # ----- client -----

    def _initiate_connection(self, request: Request) -> bytes:
        if not self.client or self._core is not None:
            raise LocalProtocolError(f"Event {request} cannot be sent now")
        settings = dict(self._settings)
        for ext in request.extensions:
            if isinstance(ext, PerMessageDeflate):
                self._deflate = self._deflate or ext
            else:
                raise UnsupportedExtension(f"extension {getattr(ext, 'name', ext)!r} cannot run on wscore (only permessage-deflate)")
        if self._deflate is not None:
            settings["deflate"] = self._deflate.core_settings()
        target = request.target if request.target.startswith("/") else "/" + request.target
        try:
            host = request.host.encode("idna").decode("ascii")  # as wsproto writes Host
        except UnicodeError as exc:
            raise LocalProtocolError(f"invalid host {request.host!r}") from exc
        try:
            self._core = _wscore.ClientConnection(
                f"ws://{host}{target}", subprotocols=list(request.subprotocols), headers=list(request.extra_headers), **settings
            )
        except HandshakeError as exc:
            raise LocalProtocolError(str(exc)) from exc
        self._initiating_request = request
        return self._core.data_to_send()

    def _establish_client_connection(self, ev: Any) -> AcceptConnection:
        assert self._core is not None
        extensions: List[Extension] = []
        agreed = self._core.deflate
        if self._deflate is not None and agreed is not None:
            self._deflate.agreed(agreed)
            extensions.append(self._deflate)
        headers = [(name.lower(), value) for name, value in ev.headers if name.lower() not in _RESPONSE_FIELDS]
        self._open()
        return AcceptConnection(subprotocol=ev.subprotocol, extensions=extensions, extra_headers=headers)

    def _open(self) -> None:
        assert self._core is not None
        self._connection = Connection._from_core(self._core, self.client)
        self._state = ConnectionState.OPEN

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(client={self.client}, state={self.state})"


def _accepts_any(ext: Extension, offers: Sequence[Any]) -> bool:
    """Whether a custom extension accepts one of the client's offers of its name."""
    name = getattr(ext, "name", None)
    return any(isinstance(o, str) and o.split(";", 1)[0].strip() == name and ext.accept(o) for o in offers)


def server_extensions_handshake(requested: Iterable[str], supported: List[Extension]) -> Optional[bytes]:
    """Server: asks each supported extension to accept the offers of its name and
    returns the Sec-WebSocket-Extensions value (``None`` when nothing was agreed).
    For permessage-deflate the decision is core's."""
    accepted: dict = {}
    for offer in requested:
        name = offer.split(";", 1)[0].strip()
        for ext in supported:
            if ext.name != name:
                continue
            answer = ext.accept(offer)
            if answer is True or (isinstance(answer, str) and answer == ""):
                accepted[ext.name] = b""
            elif isinstance(answer, str):
                accepted[ext.name] = answer.encode("ascii")
    if not accepted:
        return None
    items = [name.encode("ascii") + (b"; " + params if params else b"") for name, params in accepted.items()]
    return b", ".join(items)


def client_extensions_handshake(accepted: Iterable[str], supported: Sequence[Extension]) -> List[Extension]:
    """Client: finalizes the extensions the server selected; one that was not
    offered raises :class:`RemoteProtocolError`."""
    agreed = []
    for item in accepted:
        name = item.split(";", 1)[0].strip()
        ext = next((e for e in supported if e.name == name), None)
        if ext is None:
            raise RemoteProtocolError(f"unrecognized extension {name}", event_hint=RejectConnection())
        ext.finalize(item)
        agreed.append(ext)
    return agreed
