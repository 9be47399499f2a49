"""wsproto.utilities: the error classes and header helpers, plus wscore's typed errors.

:class:`ConnectionClosedError` (sending after a close) and :class:`UnsupportedExtension`
are :class:`LocalProtocolError` subclasses, so wsproto users' ``except`` clauses keep
working while the error also says who closed, with which code and reason.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

from ... import _wscore
from ..._exceptions import ConnectionClosed, Initiator, InvalidCloseArguments

if TYPE_CHECKING:
    from .events import Event

# RFC 6455 §1.3: the GUID appended to the key for Sec-WebSocket-Accept.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProtocolError(Exception):
    """Base of wsproto's two error kinds."""


class LocalProtocolError(ProtocolError):
    """This side asked for something the connection's state or the RFC does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol; ``event_hint`` is an event to send back, if any."""

    def __init__(self, message: str, event_hint: Optional[Event] = None) -> None:
        self.event_hint = event_hint
        super().__init__(message)


class ConnectionClosedError(LocalProtocolError, ConnectionClosed):
    """An event was sent after the connection closed: a :class:`LocalProtocolError`
    (as in wsproto) that is also wscore's :class:`wscore.ConnectionClosed`, with
    ``code``, ``reason`` and ``initiator`` (``"local"``, ``"remote"``,
    ``"protocol_error"`` or ``"transport"``)."""

    def __init__(self, message: str, code: int = 1006, reason: str = "", initiator: Initiator = "transport") -> None:
        ConnectionClosed.__init__(self, code, reason, initiator)
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({ConnectionClosed.__str__(self)})"


class InvalidCloseCode(LocalProtocolError, InvalidCloseArguments):
    """``CloseConnection`` carried a code the RFC forbids sending (wsproto would send
    it; wscore refuses, and nothing is sent)."""


class UnsupportedExtension(LocalProtocolError, NotImplementedError):
    """An :class:`~wscore.compat.wsproto.extensions.Extension` other than
    permessage-deflate would take effect: it may take part in negotiation, but
    frames are processed by wscore's core, which runs permessage-deflate only."""


def normed_header_dict(h11_headers: Iterable[Tuple[bytes, bytes]]) -> Dict[bytes, bytes]:
    """Headers as a dict; repeated headers are joined with ", "."""
    joined: Dict[bytes, List[bytes]] = {}
    for name, value in h11_headers:
        joined.setdefault(name, []).append(value)
    return {name: b", ".join(values) for name, values in joined.items()}


def split_comma_header(value: bytes) -> List[str]:
    """A comma-separated header value as stripped strings (naive, like wsproto's)."""
    return [item.decode("ascii").strip() for item in value.split(b",")]


def generate_nonce() -> bytes:
    """A fresh Sec-WebSocket-Key: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16))


def generate_accept_token(token: bytes) -> bytes:
    """The Sec-WebSocket-Accept value for a key (computed by wscore's core)."""
    return _wscore.accept_key(token.decode("latin-1")).encode("ascii")
