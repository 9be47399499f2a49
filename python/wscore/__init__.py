"""wscore: a sans-IO WebSocket protocol core (RFC 6455) written in Rust, with
race-free close semantics: a send after close raises :class:`ConnectionClosed`
saying who closed and why, never a crash.

Drive a :class:`ServerConnection` or :class:`ClientConnection` yourself (bytes in
with ``receive_data``, events out with ``events()``, bytes out with
``data_to_send()``), or serve ASGI apps with ``uvicorn --ws wscore.uvicorn:WSProtocol``.
"""

from ._exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    ControlFrameTooLong,
    HandshakeError,
    InternalError,
    InvalidCloseArguments,
    InvalidHandshakeAnswer,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
    WebSocketError,
)
from ._wscore import (
    Accepted,
    BinaryMessage,
    ClientConnection,
    CloseInfo,
    CloseReceived,
    Closed,
    Connection,
    MemoryBudget,
    Ping,
    Pong,
    Rejected,
    Request,
    ServerConnection,
    TextBytesMessage,
    TextMessage,
    __version__,
    check_origin,
    default_config,
    is_sendable_close_code,
    truncate_close_reason,
    validate_close,
)

__all__ = [
    "__version__",
    "is_sendable_close_code",
    "truncate_close_reason",
    "validate_close",
    "default_config",
    "check_origin",
    "Connection",
    "MemoryBudget",
    "ServerConnection",
    "ClientConnection",
    "Request",
    "Accepted",
    "Rejected",
    "TextMessage",
    "TextBytesMessage",
    "BinaryMessage",
    "Ping",
    "Pong",
    "CloseReceived",
    "Closed",
    "CloseInfo",
    "WebSocketError",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
    "ProtocolError",
    "PayloadTooBig",
    "HandshakeError",
    "InvalidCloseArguments",
    "InvalidHandshakeAnswer",
    "InvalidState",
    "ControlFrameTooLong",
    "InternalError",
]
