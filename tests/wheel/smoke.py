"""Run by a fresh venv's Python that has only the built wheel installed: no Rust,
no Starlette, no uvicorn. Exits non-zero on the first failure."""

import sys

import wscore

print("python", sys.version.split()[0], "wscore", wscore.__version__, "from", wscore.__file__)
assert wscore.__version__ and wscore.__version__[0].isdigit(), wscore.__version__

# A sans-IO handshake, a message each way and a clean close, in memory.
client = wscore.ClientConnection("ws://localhost/chat", subprotocols=["chat"])
server = wscore.ServerConnection()
server.receive_data(client.data_to_send())
[request] = server.events()
assert isinstance(request, wscore.Request), request
server.accept("chat")
client.receive_data(server.data_to_send())
[accepted] = client.events()
assert isinstance(accepted, wscore.Accepted), accepted
client.send_text("héllo")
server.receive_data(client.data_to_send())
[message] = server.events()
assert isinstance(message, wscore.TextMessage) and message.data == "héllo", message
server.send_binary(b"\x00" * 5000)
client.receive_data(server.data_to_send())
[reply] = client.events()
assert isinstance(reply, wscore.BinaryMessage) and reply.data == b"\x00" * 5000, reply
client.close(1000, "bye")
server.receive_data(client.data_to_send())
assert any(isinstance(e, wscore.Closed) for e in server.events())
assert server.should_close_transport
client.receive_data(server.data_to_send())
client.receive_eof()  # the server closed TCP after its reply
closed = [e for e in client.events() if isinstance(e, wscore.Closed)]
assert closed and closed[0].code == 1000 and closed[0].clean, closed
try:
    client.send_text("late")
except wscore.ConnectionClosed as exc:
    assert exc.initiator == "local", exc.initiator
else:
    raise AssertionError("a send after close did not raise ConnectionClosed")

# The optional parts say what to install instead of a bare "No module named".
for module, install in [("wscore.asgi", "'wscore-rs[starlette]'"), ("wscore.uvicorn", "'wscore-rs[uvicorn]'")]:
    try:
        __import__(module)
    except ModuleNotFoundError as exc:
        assert f"pip install {install}" in str(exc), str(exc)
        print(module, "without its extra:", exc)
    else:
        raise AssertionError(f"{module} imported without its dependency")
print("smoke: ok")
