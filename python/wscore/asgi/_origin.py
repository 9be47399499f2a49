"""The guard's Origin/Host check, for apps whose handshake another server does.

The rules are core's (:func:`wscore.check_origin`); this only reads the ASGI scope
and refuses the way the server allows: a 403 through the ``websocket.http.response``
extension, or else a close with 1008 (policy violation) before accepting, which
servers answer with a 403 of their own.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

from .._exceptions import HandshakeError
from .._wscore import check_origin, truncate_close_reason

__all__ = ["refusal", "refuse"]

#: The close code of a refusal where no HTTP response can be sent.
REFUSED_CODE = 1008


def _header(scope: Mapping[str, Any], name: bytes) -> Optional[str]:
    """All values of header ``name`` joined with ", " (several ``Origin`` headers
    are then refused as not being one origin); ``None`` when absent."""
    values = [value.decode("latin-1").strip() for key, value in scope.get("headers", []) if key.lower() == name]
    return ", ".join(values) if values else None


def refusal(
    scope: Mapping[str, Any],
    origins: Optional[Sequence[str]],
    require_origin: bool,
    allowed_hosts: Optional[Sequence[str]],
) -> Optional[str]:
    """Why the request in ``scope`` is refused (core's message), ``None`` if it is allowed.

    Raises ``ValueError`` for a policy entry that could never match.
    """
    if origins is None and not require_origin and allowed_hosts is None:
        return None
    try:
        check_origin(
            _header(scope, b"origin"),
            _header(scope, b"host"),
            origins=None if origins is None else list(origins),
            require_origin=require_origin,
            allowed_hosts=None if allowed_hosts is None else list(allowed_hosts),
        )
    except HandshakeError as error:
        return str(error)
    return None


async def refuse(websocket: WebSocket, message: str) -> None:
    """Refuse a connection the app has not accepted: 403 with ``message`` if the
    server can send it, else close 1008 (the reason cut to fit a close frame)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(message + "\n", status_code=403))
    else:
        await websocket.close(REFUSED_CODE, truncate_close_reason(message))
