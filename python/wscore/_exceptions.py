"""The one exception hierarchy of wscore. Every error wscore raises is a
:class:`WebSocketError`; the native module raises these same classes."""

from __future__ import annotations

__all__ = [
    "WebSocketError",
    "ConnectionClosed",
    "ProtocolError",
    "PayloadTooBig",
    "HandshakeError",
    "InvalidCloseArguments",
    "InvalidState",
    "InternalError",
    "InvalidHandshakeAnswer",
    "ControlFrameTooLong",
]


class WebSocketError(Exception):
    """Base class of every wscore error."""


class ConnectionClosed(WebSocketError):
    """The connection is closing or closed, so nothing more can be sent (or received).

    ``initiator`` says who closed: ``"local"`` (this side called close),
    ``"remote"`` (the peer sent a close frame), ``"protocol_error"`` (the peer
    broke the protocol and we failed the connection) or ``"transport"`` (the
    connection dropped without a closing handshake, code 1006).
    """

    def __init__(self, code: int = 1006, reason: str = "", initiator: str = "transport") -> None:
        self.code = code
        self.reason = reason
        self.initiator = initiator
        super().__init__(code, reason, initiator)

    @property
    def closed_by_us(self) -> bool:
        """Whether this side started the close."""
        return self.initiator in ("local", "protocol_error")

    def __str__(self) -> str:
        why = f" {self.reason!r}" if self.reason else ""
        return f"connection closed by {self.initiator} with code {self.code}{why}"


class ProtocolError(WebSocketError):
    """The peer broke RFC 6455 or a limit; ``code`` is the close code sent for it."""

    def __init__(self, message: str, code: int = 1002) -> None:
        self.code = code
        super().__init__(message)


class PayloadTooBig(ProtocolError):
    """A frame or message was larger than the configured limit (close code 1009)."""

    def __init__(self, message: str, code: int = 1009) -> None:
        super().__init__(message, code)


class HandshakeError(WebSocketError):
    """The opening handshake failed; ``status`` is the HTTP status involved, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class InvalidCloseArguments(WebSocketError, ValueError):
    """``close()`` was given a code or reason the RFC forbids; nothing was sent."""


class InvalidState(WebSocketError):
    """The call does not fit the connection's state (e.g. sending before the handshake)."""


class InternalError(WebSocketError):
    """A bug inside wscore (a Rust panic) was caught; this connection is failed."""


class InvalidHandshakeAnswer(WebSocketError, ValueError):
    """``accept()`` or ``reject()`` was given arguments the handshake cannot carry
    (a subprotocol the client did not offer, a header with CR/LF, status 101); nothing was sent."""


class ControlFrameTooLong(WebSocketError, ValueError):
    """A ping or pong payload was over 125 bytes; nothing was sent."""
