"""wsproto 1.3's public API on wscore's Rust core.

Switch with one import (``from wscore.compat import wsproto``) or, for libraries
that import ``wsproto`` themselves (hypercorn, trio-websocket, simple-websocket),
by aliasing the modules before they are imported::

    import wscore.compat.wsproto
    wscore.compat.wsproto.install()

What differs from wsproto is listed in :mod:`.connection` and :mod:`.handshake`:
whole received messages, core's size limits (1009, also while inflating), core's
close reply, and typed send-after-close errors.
"""

from __future__ import annotations

import sys
from typing import Any, Generator, Mapping, Optional

from .connection import Connection, ConnectionState, ConnectionType
from .events import Event
from .handshake import H11Handshake
from .typing import Headers

#: The wsproto release whose API this module reproduces.
__version__ = "1.3.2"

#: Lets code (and tests) tell this module from the real wsproto.
__wscore__ = True

_SUBMODULES = ("connection", "events", "extensions", "frame_protocol", "handshake", "typing", "utilities")


class WSConnection:
    """The local end of a WebSocket connection: a handshake, then a
    :class:`Connection`. ``config`` (keyword-only, wscore's) adds core settings."""

    def __init__(self, connection_type: ConnectionType, *, config: Optional[Mapping[str, Any]] = None) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self.handshake = H11Handshake(connection_type, config=config)
        self.connection: Optional[Connection] = None

    @property
    def state(self) -> ConnectionState:
        if self.connection is None:
            return self.handshake.state
        return self.connection.state

    def initiate_upgrade_connection(self, headers: Headers, path: Any) -> None:
        self.handshake.initiate_upgrade_connection(headers, path)

    def send(self, event: Event) -> bytes:
        """The bytes to write for ``event``."""
        if self.connection is None:
            data = self.handshake.send(event)
            self.connection = self.handshake.connection
            return data
        return self.connection.send(event)

    def receive_data(self, data: Optional[bytes]) -> None:
        """Feeds bytes read from the transport (``None``: it closed)."""
        if self.connection is None:
            self.handshake.receive_data(data)
            self.connection = self.handshake.connection
        else:
            self.connection.receive_data(data)

    def events(self) -> Generator[Event, None, None]:
        """The pending events, in order."""
        yield from self.handshake.events()
        if self.connection is not None:
            yield from self.connection.events()


def install() -> None:
    """Makes ``import wsproto`` (and its submodules) load this module, for
    libraries that import wsproto themselves. Call it before importing them."""
    this = sys.modules[__name__]
    sys.modules["wsproto"] = this
    for name in _SUBMODULES:
        sys.modules[f"wsproto.{name}"] = sys.modules[f"{__name__}.{name}"]


# Every submodule is loaded, so install() can alias them all.
from . import extensions, frame_protocol, utilities  # noqa: E402,F401

__all__ = ("ConnectionType", "WSConnection")
