"""wsproto.events: what a connection reports and what the application sends, as
frozen dataclasses with wsproto's fields and defaults."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, List, Optional, Sequence, TypeVar, Union

if TYPE_CHECKING:
    from .extensions import Extension
    from .typing import Headers


class Event(ABC):
    """Base class of every event."""


@dataclass(frozen=True)
class Request(Event):
    """The upgrade request: received by a server, sent by a client. ``extra_headers``
    are the request headers other than Host, extensions and subprotocols."""

    host: str
    target: str
    extensions: Union[Sequence[Extension], Sequence[str]] = field(default_factory=list)
    extra_headers: Headers = field(default_factory=list)
    subprotocols: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class AcceptConnection(Event):
    """A server accepts the upgrade (sent), or a client learns it was accepted (received)."""

    subprotocol: Optional[str] = None
    extensions: List[Extension] = field(default_factory=list)
    extra_headers: Headers = field(default_factory=list)


@dataclass(frozen=True)
class RejectConnection(Event):
    """An HTTP response other than 101. Sent with ``has_body=True``, it is
    followed by :class:`RejectData` events; received, it always has a body."""

    status_code: int = 400
    headers: Headers = field(default_factory=list)
    has_body: bool = False


@dataclass(frozen=True)
class RejectData(Event):
    """A piece of a rejection's body; ``body_finished`` marks the last one."""

    data: bytes
    body_finished: bool = True


@dataclass(frozen=True)
class CloseConnection(Event):
    """A close frame. Received from the peer (state ``REMOTE_CLOSING``), send
    :meth:`response` back, or a ``CloseConnection`` of your own: its code and
    reason go on the wire, as in wsproto."""

    code: int
    reason: Optional[str] = None

    def response(self) -> CloseConnection:
        """The close event to send back to the peer."""
        return CloseConnection(code=self.code, reason=self.reason)


T = TypeVar("T", Union[bytes, bytearray], str)


@dataclass(frozen=True)
class Message(Event, Generic[T]):
    """A data message, or part of one when sent with ``message_finished=False``.
    Received messages are whole: both flags are ``True``."""

    data: T
    frame_finished: bool = True
    message_finished: bool = True


@dataclass(frozen=True)
class TextMessage(Message[str]):
    """A text message (``data`` is ``str``)."""


@dataclass(frozen=True)
class BytesMessage(Message[Union[bytearray, bytes]]):
    """A binary message (``data`` is ``bytes``)."""


@dataclass(frozen=True)
class Ping(Event):
    """A ping. Received, it is not answered automatically (as in wsproto): send
    :meth:`response`."""

    payload: bytes = b""

    def response(self) -> Pong:
        """The pong that answers this ping."""
        return Pong(payload=self.payload)


@dataclass(frozen=True)
class Pong(Event):
    """A pong."""

    payload: bytes = b""
