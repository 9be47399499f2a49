"""The ASGI echo app the soak test runs under ``uvicorn --ws wscore.uvicorn:WSProtocol``.

Like tests/python/autobahn_echo_app.py, plus accounting: every connection must
end with a close code the app is told about (``websocket.disconnect``, or the
code on the error a send after close raises). Once a second it prints
``stats: accepted=A open=O closed=C codes=1000:n,1006:m`` (the echo server's format)
and the number of live Python objects.
"""

import asyncio
import collections
import gc

import wscore

accepted = 0
closes = collections.Counter()
_printer = None


async def _print_stats():
    while True:
        await asyncio.sleep(1)
        codes = ",".join(f"{code}:{n}" for code, n in sorted(closes.items()))
        closed = sum(closes.values())
        # Live Python objects: back near their baseline when nothing leaks per connection.
        objects = len(gc.get_objects())
        print(
            f"stats: accepted={accepted} open={accepted - closed} closed={closed} codes={codes} objects={objects}",
            flush=True,
        )


async def app(scope, receive, send):
    global accepted, _printer
    if scope["type"] != "websocket":
        return
    if _printer is None:
        _printer = asyncio.get_running_loop().create_task(_print_stats())
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            accepted += 1
        elif message["type"] == "websocket.receive":
            try:
                await send({"type": "websocket.send", "bytes": message.get("bytes"), "text": message.get("text")})
            except wscore.ConnectionClosed as closed:  # the peer closed or vanished meanwhile
                closes[closed.code] += 1
                return
        else:  # websocket.disconnect
            closes[message.get("code", 1005)] += 1
            return
