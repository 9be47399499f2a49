"""The ASGI echo app Autobahn's fuzzing client talks to, served by
``uvicorn --ws wscore.uvicorn:WSProtocol`` (see mk/python.mk)."""


async def app(scope, receive, send):
    if scope["type"] != "websocket":
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            try:
                await send({"type": "websocket.send", "bytes": message.get("bytes"), "text": message.get("text")})
            except OSError:  # the peer closed or failed the connection meanwhile
                return
        else:  # websocket.disconnect
            return
