"""The one exception hierarchy of wscore. Every error wscore raises is a
:class:`WebSocketError`; the native module raises these same classes."""

from __future__ import annotations

from typing import Any, Literal, Type

__all__ = [
    "Initiator",
    "WebSocketError",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
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


#: Who closed a connection (``ConnectionClosed.initiator``, ``Closed.initiator``).
Initiator = Literal["local", "remote", "protocol_error", "transport"]

#: Codes of a normal close (1005: the peer's close frame carried no code).
_OK_CODES = (1000, 1001, 1005)


class ConnectionClosed(WebSocketError):
    """The connection is closing or closed, so nothing more can be sent (or received).

    ``initiator`` says who closed: ``"local"`` (this side called close),
    ``"remote"`` (the peer sent a close frame), ``"protocol_error"`` (the peer
    broke the protocol and we failed the connection) or ``"transport"`` (the
    connection dropped without a closing handshake, code 1006).

    As in the ``websockets`` library, what is raised is one of two subclasses:
    :class:`ConnectionClosedOK` for a normal close (1000, 1001, or 1005 from a
    close frame without a code) and :class:`ConnectionClosedError` otherwise.
    ``ConnectionClosed(...)`` itself builds the right one, so
    ``except ConnectionClosed`` catches both.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> ConnectionClosed:
        # Subclasses elsewhere (compat, uvicorn) take other arguments: only a
        # direct ConnectionClosed(code, reason, initiator) picks OK or Error.
        if cls is ConnectionClosed:
            cls = _ok_or_error(*args, **kwargs)
        return super().__new__(cls, *args)

    def __init__(self, code: int = 1006, reason: str = "", initiator: Initiator = "transport") -> None:
        self.code = code
        self.reason = reason
        self.initiator: Initiator = initiator
        super().__init__(code, reason, initiator)

    @property
    def closed_by_us(self) -> bool:
        """Whether this side started the close."""
        return self.initiator in ("local", "protocol_error")

    def __str__(self) -> str:
        why = f" {self.reason!r}" if self.reason else ""
        return f"connection closed by {self.initiator} with code {self.code}{why}"


def _ok_or_error(code: int = 1006, reason: str = "", initiator: Initiator = "transport") -> Type[ConnectionClosed]:
    ok = code in _OK_CODES and initiator != "transport"
    return ConnectionClosedOK if ok else ConnectionClosedError


class ConnectionClosedOK(ConnectionClosed):
    """The connection closed normally: code 1000 or 1001 (or a close frame without a code)."""


class ConnectionClosedError(ConnectionClosed):
    """The connection closed with an error code, or dropped without a closing handshake (1006)."""


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
