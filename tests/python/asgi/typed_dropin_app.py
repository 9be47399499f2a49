"""An app typed against the drop-in; ``mypy --strict`` checks it (test_typing.py), nothing runs it.

Every public attribute of Starlette's WebSocket is used with the type Starlette
declares, and the drop-in is passed where Starlette's WebSocket is expected.
"""

from __future__ import annotations

from typing import Annotated, Any, AsyncIterator, Dict, List, Optional

from fastapi import Depends, FastAPI
from fastapi import WebSocket as FastAPIWebSocket
from starlette.applications import Starlette
from starlette.datastructures import URL, Address, Headers, QueryParams, State
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.types import Message, Scope
from starlette.websockets import WebSocketDisconnect, WebSocketState

import wscore
import wscore.asgi
from wscore.asgi import GuardedWebSocket
from wscore.fastapi import WebSocket, guarded

app = FastAPI()
SlowSocket = Annotated[wscore.asgi.WebSocket, Depends(guarded(send_timeout=1.0, close_timeout=1.0))]


async def starlette_code(websocket: FastAPIWebSocket) -> str:
    """Existing code, typed for Starlette's WebSocket."""
    await websocket.send_text("hello")
    return await websocket.receive_text()


@app.websocket("/ws/{room}")
async def endpoint(websocket: WebSocket, room: str) -> None:
    headers: Headers = websocket.headers
    query: QueryParams = websocket.query_params
    params: Dict[str, Any] = websocket.path_params
    url: URL = websocket.url
    base: URL = websocket.base_url
    peer: Optional[Address] = websocket.client
    cookies: Dict[str, str] = websocket.cookies
    state: State = websocket.state
    scope: Scope = websocket.scope
    owner: Any = websocket.app
    states: List[WebSocketState] = [websocket.client_state, websocket.application_state]
    print(headers, query, params, url, base, peer, cookies, state, scope, owner, states)
    if "banned" in cookies:
        await websocket.send_denial_response(PlainTextResponse("banned", status_code=403))
        return
    await websocket.accept(subprotocol=None, headers=[(b"x-room", room.encode())])
    message: Message = await websocket.receive()
    text: str = await websocket.receive_text()
    data: bytes = await websocket.receive_bytes()
    value: Any = await websocket.receive_json(mode="text")
    print(message, text, data, value, await starlette_code(websocket))
    await websocket.send(message={"type": "websocket.send", "text": text})
    await websocket.send_text(text)
    await websocket.send_bytes(data)
    await websocket.send_json(value, mode="binary")
    texts: AsyncIterator[str] = websocket.iter_text()
    blobs: AsyncIterator[bytes] = websocket.iter_bytes()
    values: AsyncIterator[Any] = websocket.iter_json()
    print(texts, blobs, values)
    try:
        async for line in websocket.iter_text():
            print(line)
    except WebSocketDisconnect as disconnect:
        code: int = disconnect.code
        print(code)
    closed: Optional[wscore.ConnectionClosed] = websocket.closed
    guard: GuardedWebSocket = websocket.guard
    print(closed, guard.stats())
    await websocket.close(code=1000, reason=None)


@app.websocket("/slow")
async def slow(websocket: SlowSocket) -> None:
    await websocket.accept()
    await websocket.close(reason="bye")


async def starlette_endpoint(raw: FastAPIWebSocket) -> None:
    websocket = wscore.asgi.WebSocket.of(raw, send_timeout=2.0)
    await websocket.accept()
    try:
        print(await websocket.receive_text())
    except wscore.asgi.WebSocketDisconnect as closed:
        initiator: str = closed.initiator
        print(initiator)


starlette_app = Starlette(routes=[WebSocketRoute("/ws", starlette_endpoint)])
