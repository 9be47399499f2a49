"""The ASGI app test_uvicorn_backpressure.py serves from a uvicorn subprocess
(so the test can read the server's own RSS).

* ``/slow``: takes one message per millisecond, the pace of an app that does some
  work per message.
* ``/echo``: answers each message with itself, for the well-behaved client.
"""


async def app(scope, receive, send):
    if scope["type"] != "websocket":
        return
    import asyncio

    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if scope["path"] == "/slow":
            await asyncio.sleep(0.001)
            continue
        try:
            await send({"type": "websocket.send", "bytes": message.get("bytes"), "text": message.get("text")})
        except OSError:  # the peer closed or failed the connection meanwhile
            return
