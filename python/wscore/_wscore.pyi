"""Type stubs for the native module ``wscore._wscore`` (Rust, pyo3)."""

from typing import ClassVar, Iterable, Literal, Optional, Sequence, Tuple, TypedDict, Union

from typing_extensions import Buffer

__version__: str

_Bytes = Union[bytes, bytearray, memoryview, Buffer]
_HeaderPart = Union[str, bytes]
_Headers = Iterable[Tuple[_HeaderPart, _HeaderPart]]
Initiator = Literal["local", "remote", "protocol_error", "transport"]
State = Literal["connecting", "open", "closing", "closed"]
SideState = Literal["connecting", "open", "closed"]

class DeflateConfigDict(TypedDict, total=False):
    server_max_window_bits: int
    client_max_window_bits: int
    server_no_context_takeover: bool
    client_no_context_takeover: bool
    level: int
    mem_level: int
    min_size: int

class DeflateParamsDict(TypedDict):
    server_no_context_takeover: bool
    client_no_context_takeover: bool
    server_max_window_bits: int
    client_max_window_bits: int

class ConfigDict(TypedDict):
    max_frame_size: int
    max_message_size: int
    max_handshake_size: int
    handshake_timeout: Optional[float]
    close_timeout: Optional[float]
    ping_interval: Optional[float]
    pong_timeout: Optional[float]
    auto_pong: bool
    auto_close_reply: bool
    text_as_bytes: bool
    deflate: Optional[DeflateConfigDict]
    output_high_water: int
    output_stall_timeout: Optional[float]
    memory_budget: Optional["MemoryBudget"]
    origins: Optional[list[str]]
    require_origin: bool
    allowed_hosts: Optional[list[str]]

class MemoryBudget:
    """A limit on bytes of partly received messages, shared by every connection
    given it as ``memory_budget=``; one that cannot draw from it fails with 1013."""

    def __init__(self, limit: int, *, allowance: int = 65536) -> None: ...
    @property
    def limit(self) -> int:
        """The limit in bytes."""
    @property
    def allowance(self) -> int:
        """Bytes of a message each connection holds without drawing (64 KiB by default)."""
    @property
    def used(self) -> int:
        """Bytes currently held by connections."""

def is_sendable_close_code(code: int) -> bool:
    """Whether ``code`` may be sent in a close frame (RFC 6455 §7.4)."""

def validate_close(code: int, reason: str) -> None:
    """Raise :class:`wscore.InvalidCloseArguments` unless ``code`` may be sent and
    ``reason`` fits in a close frame (at most 123 UTF-8 bytes)."""

def truncate_close_reason(reason: str) -> str:
    """``reason`` cut to fit a close frame: at most 123 UTF-8 bytes, whole characters."""

def default_config() -> ConfigDict:
    """The default settings, as the keyword arguments the connections accept."""

def check_origin(
    origin: Optional[str],
    host: Optional[str],
    *,
    origins: Optional[Sequence[str]] = None,
    require_origin: bool = False,
    allowed_hosts: Optional[Sequence[str]] = None,
) -> None:
    """Check a request's ``Origin`` and ``Host`` values (``None`` when absent) as a
    server's handshake does; raise :class:`wscore.HandshakeError` (``status`` 403)
    when refused, ``ValueError`` for a policy entry that could never match.

    ``origins``: ``None`` (no check) or the allowed origins: exact
    ``scheme://host[:port]`` (case-insensitive, default ports normalised),
    ``"same-origin"`` (the Origin's host and port equal ``Host``'s) and ``"null"``
    (``Origin: null``, refused unless listed). A request without ``Origin`` passes
    unless ``require_origin``. ``allowed_hosts``: ``None`` (any) or entries
    ``host`` (any port), ``host:port``, ``[v6]:port``, ``*.example.com``, ``*``.
    """

def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value for a client's ``Sec-WebSocket-Key``."""

def deflate_client_offer(settings: Union[bool, DeflateConfigDict]) -> str:
    """Client: the ``Sec-WebSocket-Extensions`` item offering permessage-deflate."""

def deflate_server_accept(
    offers: Sequence[str], settings: Union[bool, DeflateConfigDict]
) -> Optional[Tuple[str, DeflateParamsDict]]:
    """Server: the first acceptable offer as (response item, agreed parameters), or ``None``."""

def deflate_client_accept(
    selected: Sequence[str], settings: Union[bool, DeflateConfigDict]
) -> Optional[DeflateParamsDict]:
    """Client: the agreed parameters, ``None`` if declined; ``HandshakeError`` for a bad answer."""

class Request:
    """Server: a client asked to open a WebSocket; answer with ``accept()`` or ``reject()``."""

    __match_args__: ClassVar[Tuple[str, str, str, str]]
    target: str
    headers: list[tuple[bytes, bytes]]
    subprotocols: list[str]
    extensions: list[str]
    def __init__(
        self, target: str, headers: list[tuple[bytes, bytes]], subprotocols: list[str], extensions: list[str]
    ) -> None: ...

class Accepted:
    """Client: the server accepted; the connection is open."""

    __match_args__: ClassVar[Tuple[str, str, str]]
    subprotocol: Optional[str]
    extensions: list[str]
    headers: list[tuple[bytes, bytes]]
    def __init__(self, subprotocol: Optional[str], extensions: list[str], headers: list[tuple[bytes, bytes]]) -> None: ...

class Rejected:
    """Client: the server answered the upgrade with an HTTP response other than 101."""

    __match_args__: ClassVar[Tuple[str, str, str]]
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None: ...

class TextMessage:
    """A complete text message."""

    __match_args__: ClassVar[Tuple[str]]
    data: str
    def __init__(self, data: str) -> None: ...

class TextBytesMessage:
    """A complete text message as its UTF-8 ``bytes`` (validated like any text
    received), reported instead of :class:`TextMessage` by a connection made
    with ``text_as_bytes=True``: text relayed with ``send_text(data)`` is then
    never decoded to ``str`` and encoded back."""

    __match_args__: ClassVar[Tuple[str]]
    data: bytes
    def __init__(self, data: bytes) -> None: ...

class BinaryMessage:
    """A complete binary message."""

    __match_args__: ClassVar[Tuple[str]]
    data: bytes
    def __init__(self, data: bytes) -> None: ...

class Ping:
    """A ping (already answered unless ``auto_pong=False``)."""

    __match_args__: ClassVar[Tuple[str]]
    payload: bytes
    def __init__(self, payload: bytes) -> None: ...

class Pong:
    """A pong."""

    __match_args__: ClassVar[Tuple[str]]
    payload: bytes
    def __init__(self, payload: bytes) -> None: ...

class CloseReceived:
    """The peer sent a close frame; our reply is already queued (with
    ``auto_close_reply=False``: ``close()`` sends it, with your code and reason).
    ``Closed`` follows."""

    __match_args__: ClassVar[Tuple[str, str]]
    code: int
    reason: str
    def __init__(self, code: int, reason: str) -> None: ...

class Closed:
    """The connection is over: always the last event, exactly once."""

    __match_args__: ClassVar[Tuple[str, str, str, str, str]]
    code: int
    reason: str
    clean: bool
    initiator: Initiator
    error: Optional[str]
    def __init__(self, code: int, reason: str, clean: bool, initiator: Initiator, error: Optional[str]) -> None: ...

class CloseInfo:
    """Who closed and why."""

    __match_args__: ClassVar[Tuple[str, str, str]]
    code: int
    reason: str
    initiator: Initiator
    def __init__(self, code: int, reason: str, initiator: Initiator) -> None: ...

Event = Union[
    Request, Accepted, Rejected, TextMessage, TextBytesMessage, BinaryMessage, Ping, Pong, CloseReceived, Closed
]

class Connection:
    """A sans-IO WebSocket connection: bytes and time in, events and bytes out."""

    def receive_data(self, data: _Bytes) -> None:
        """Feeds bytes read from the transport; problems are reported as events."""
    def receive_eof(self) -> None:
        """Reports that the peer closed the transport."""
    def events(self) -> list[Event]:
        """The events produced since the last call, in order."""
    def next_event(self) -> Optional[Event]:
        """The next event, or ``None``; answer each message before asking for the next."""
    def send_text(self, data: Union[str, _Bytes], *, skip_utf8_check: bool = False) -> None:
        """Queues a text message; ``ConnectionClosed`` once closing or closed.

        ``data`` is a ``str`` or its UTF-8 already encoded (``bytes``,
        ``bytearray``, ``memoryview``: a backend relaying text need not make a
        ``str``). Bytes are checked first: bytes that are not UTF-8 raise
        ``UnicodeDecodeError`` (as ``data.decode()`` would) and nothing is sent.

        ``skip_utf8_check=True`` skips that check, for bytes validated already
        (the ``data`` of a :class:`TextBytesMessage`, or your own check). The
        risk is yours: bytes that are not UTF-8 go out as they are and the peer
        fails the connection (close code 1007, its receive raising or closing);
        nothing breaks on this side.

        A ``str`` of 4096 characters or more is encoded once into a ``bytes``
        that a server sending it uncompressed keeps by reference until the
        output is taken (``data_to_send_chunks()`` returns it as it is); the
        same ``str`` sent to many connections is encoded once. A ``bytes`` of
        4 KiB or more is kept the same way, as that very object. Anything else
        (short texts, a ``bytearray`` or ``memoryview``, a client's or a
        compressed message) is copied at the call.
        """
    def send_binary(self, data: _Bytes) -> None:
        """Queues a binary message; ``ConnectionClosed`` once closing or closed.

        A ``bytes`` of 4 KiB or more that a server sends uncompressed is kept by
        reference until the output is taken (``data_to_send_chunks()`` returns
        that very object); anything else is copied at the call.
        """
    def send_text_fragment(self, data: str, fin: bool) -> None:
        """Queues one fragment of a text message; ``fin`` marks the last one."""
    def send_binary_fragment(self, data: _Bytes, fin: bool) -> None:
        """Queues one fragment of a binary message; ``fin`` marks the last one."""
    def send_ping(self, payload: Optional[_Bytes] = None) -> None:
        """Queues a ping (at most 125 bytes)."""
    def send_pong(self, payload: Optional[_Bytes] = None) -> None:
        """Queues a pong (at most 125 bytes)."""
    def close(self, code: int = 1000, reason: str = "") -> bool:
        """Starts the closing handshake; ``True`` if a close frame was queued. Idempotent."""
    def data_to_send(self) -> bytes:
        """Takes every pending byte to write to the transport, as one ``bytes``."""
    def data_to_send_chunks(self) -> list[bytes]:
        """Takes every pending byte to write to the transport, as a list of ``bytes``.

        The same bytes as ``data_to_send()``, without copying the payloads kept
        by reference: the zero-copy form for ``transport.writelines()`` or
        ``socket.sendmsg()``. A kept ``bytes`` (see ``send_binary``) appears as
        the very object passed, a kept text (see ``send_text``) as its UTF-8;
        everything between kept payloads is joined into one ``bytes``. ``[]``
        when nothing is pending.
        """
    def next_timeout(self) -> Optional[float]:
        """When ``handle_timeout`` must next be called (seconds on your clock)."""
    def handle_timeout(self, now: float) -> None:
        """Tells the connection the time (seconds since an origin you pick); fires due timers."""
    @property
    def should_pause_reading(self) -> bool:
        """Whether to stop reading for now: events wait, or more than
        ``output_high_water`` bytes wait to be sent. Read again once it is false."""
    @property
    def should_close_transport(self) -> bool:
        """Whether to close the transport once ``data_to_send()`` is written."""
    @property
    def state(self) -> State:
        """The connection's state as a whole."""
    @property
    def our_state(self) -> SideState:
        """Whether we may still send."""
    @property
    def their_state(self) -> SideState:
        """Whether the peer may still send."""
    @property
    def role(self) -> Literal["client", "server"]:
        """Which end this is."""
    @property
    def buffered_amount(self) -> int:
        """Bytes queued for the transport and not yet taken."""
    @property
    def subprotocol(self) -> Optional[str]:
        """The subprotocol agreed in the opening handshake."""
    @property
    def close_info(self) -> Optional[CloseInfo]:
        """Who closed and why, once our side has stopped sending."""
    @property
    def failure(self) -> Optional[BaseException]:
        """The ``ProtocolError``/``PayloadTooBig``/``HandshakeError`` that failed the connection."""
    @property
    def deflate(self) -> Optional[DeflateParamsDict]:
        """The permessage-deflate parameters agreed in the handshake, or ``None``."""
    @property
    def config(self) -> ConfigDict:
        """The settings this connection runs with."""
    @staticmethod
    def upgraded(
        role: Literal["client", "server"], deflate_params: Optional[DeflateParamsDict] = None, **config: object
    ) -> "Connection":
        """A connection whose HTTP handshake was done elsewhere, open at once."""

class ServerConnection(Connection):
    """The server side: reports a ``Request``; then ``accept()`` or ``reject()`` it."""

    def __init__(
        self,
        *,
        max_frame_size: int = ...,
        max_message_size: int = ...,
        max_handshake_size: int = ...,
        handshake_timeout: Optional[float] = ...,
        close_timeout: Optional[float] = ...,
        ping_interval: Optional[float] = ...,
        pong_timeout: Optional[float] = ...,
        auto_pong: bool = ...,
        auto_close_reply: bool = ...,
        text_as_bytes: bool = ...,
        deflate: Union[None, bool, DeflateConfigDict] = ...,
        output_high_water: int = ...,
        output_stall_timeout: Optional[float] = ...,
        memory_budget: Optional[MemoryBudget] = ...,
        origins: Optional[Sequence[str]] = ...,
        require_origin: bool = ...,
        allowed_hosts: Optional[Sequence[str]] = ...,
    ) -> None:
        """``origins``, ``require_origin`` and ``allowed_hosts`` are the server's
        Origin/Host policy (see :func:`check_origin`); refused requests are answered
        403 and never reported as a ``Request``. Default: no check.
        ``text_as_bytes=True``: text arrives as :class:`TextBytesMessage` (UTF-8
        ``bytes``, validated) instead of :class:`TextMessage`."""
    def accept(self, subprotocol: Optional[str] = None, headers: Optional[_Headers] = None) -> None:
        """Accepts the pending request."""
    def reject(self, status: int, headers: Optional[_Headers] = None, body: Optional[_Bytes] = None) -> None:
        """Refuses the pending request with an HTTP response."""
    def set_deflate(self, deflate: Union[None, bool, DeflateConfigDict]) -> None:
        """Replaces the ``deflate`` setting for answering the pending request."""

class ClientConnection(Connection):
    """The client side: its upgrade request for ``url`` is queued at once."""

    def __init__(
        self,
        url: str,
        subprotocols: Optional[Sequence[str]] = None,
        headers: Optional[_Headers] = None,
        *,
        max_frame_size: int = ...,
        max_message_size: int = ...,
        max_handshake_size: int = ...,
        handshake_timeout: Optional[float] = ...,
        close_timeout: Optional[float] = ...,
        ping_interval: Optional[float] = ...,
        pong_timeout: Optional[float] = ...,
        auto_pong: bool = ...,
        auto_close_reply: bool = ...,
        text_as_bytes: bool = ...,
        deflate: Union[None, bool, DeflateConfigDict] = ...,
        output_high_water: int = ...,
        output_stall_timeout: Optional[float] = ...,
        memory_budget: Optional[MemoryBudget] = ...,
    ) -> None: ...
