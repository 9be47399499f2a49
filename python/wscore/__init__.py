"""wscore: a sans-IO WebSocket protocol core (RFC 6455) written in Rust, with
race-free close semantics: a send after close raises :class:`ConnectionClosed`
saying who closed and why, never a crash."""

from ._exceptions import (
    ConnectionClosed,
    HandshakeError,
    InternalError,
    InvalidCloseArguments,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
    WebSocketError,
)
from ._wscore import __version__, is_sendable_close_code

__all__ = [
    "__version__",
    "is_sendable_close_code",
    "WebSocketError",
    "ConnectionClosed",
    "ProtocolError",
    "PayloadTooBig",
    "HandshakeError",
    "InvalidCloseArguments",
    "InvalidState",
    "InternalError",
]
