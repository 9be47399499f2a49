# The chat of FastAPI's tutorial, "Handling disconnections and multiple clients"
# (https://fastapi.tiangolo.com/advanced/websockets/, docs_src/websockets/
# tutorial003_py39.py, MIT), changed the documented way. The whole diff:
#
#   -from fastapi import FastAPI, WebSocket, WebSocketDisconnect
#   +from fastapi import FastAPI, WebSocketDisconnect
#   +from wscore.fastapi import WebSocket
#
# Left out: the tutorial's HTML page and its `@app.get("/")` route (the tests are
# the clients). Everything below the imports is the tutorial's, untyped as it is.
# mypy: ignore-errors
from fastapi import FastAPI, WebSocketDisconnect
from wscore.fastapi import WebSocket

app = FastAPI()


class ConnectionManager:
    def __init__(self):
        self.active_connections: list[WebSocket] = []

    async def connect(self, websocket: WebSocket):
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket):
        self.active_connections.remove(websocket)

    @staticmethod
    async def send_personal_message(message: str, websocket: WebSocket):
        await websocket.send_text(message)

    async def broadcast(self, message: str):
        for connection in self.active_connections:
            await connection.send_text(message)


manager = ConnectionManager()


@app.websocket("/ws/{client_id}")
async def websocket_endpoint(websocket: WebSocket, client_id: int):
    await manager.connect(websocket)
    try:
        while True:
            data = await websocket.receive_text()
            await manager.send_personal_message(f"You wrote: {data}", websocket)
            await manager.broadcast(f"Client #{client_id} says: {data}")
    except WebSocketDisconnect:
        manager.disconnect(websocket)
        await manager.broadcast(f"Client #{client_id} left the chat")
