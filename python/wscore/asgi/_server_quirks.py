"""What each ASGI server says when a WebSocket is closed, mapped to ConnectionClosed."""

from __future__ import annotations

from typing import Any, List, MutableMapping, Tuple, Type

from starlette.websockets import WebSocketDisconnect

from .._exceptions import ConnectionClosed

__all__ = ["CLOSED_ERRORS", "copy_closed", "from_disconnect"]


def _closed_errors() -> Tuple[Type[BaseException], ...]:
    """What servers raise for "this socket is already closed or gone".

    Starlette raises ``WebSocketDisconnect`` and ``RuntimeError`` (its
    ``WebSocketDisconnected`` included); uvicorn raises ``ClientDisconnected``
    (an ``OSError``) or ``RuntimeError``; hypercorn raises its
    ``UnexpectedMessageError``. The guard only ever sends well-formed messages,
    so any of these means the connection cannot carry them any more.
    """
    errors: List[Type[BaseException]] = [WebSocketDisconnect, OSError, RuntimeError]
    try:
        from hypercorn.utils import UnexpectedMessageError
    except ImportError:  # hypercorn is optional
        pass
    else:
        errors.append(UnexpectedMessageError)
    return tuple(errors)


CLOSED_ERRORS = _closed_errors()


def copy_closed(info: ConnectionClosed) -> ConnectionClosed:
    """A fresh exception per raise, so tracebacks do not pile up on one object."""
    return ConnectionClosed(info.code, info.reason, info.initiator)


def from_disconnect(message: MutableMapping[str, Any]) -> ConnectionClosed:
    """Map an ASGI ``websocket.disconnect`` to who closed and with which code."""
    code = int(message.get("code", 1005))
    # uvicorn reports a lost TCP connection as 1005 with no "reason" key (a close
    # frame without a status code carries reason ""); both mean "vanished" here.
    if code == 1006 or (code == 1005 and "reason" not in message):
        return ConnectionClosed(1006, "", "transport")
    return ConnectionClosed(code, message.get("reason") or "", "remote")
