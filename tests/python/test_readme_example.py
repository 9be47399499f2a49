"""The sans-IO example of python/README.md ("Driving a connection yourself"),
extracted and run against a real client over 127.0.0.1, so it cannot rot. The
client sends a message and its close in one write: the example must answer
without raising (it used to raise ConnectionClosed from send_text)."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Any, Dict, List

import wscore

README = Path(__file__).resolve().parents[2] / "python" / "README.md"


def example_code() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Driving a connection yourself", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the section lost its code block"
    return match.group(1)


def run_example_server(listener: socket.socket, errors: List[BaseException]) -> None:
    namespace: Dict[str, Any] = {}
    exec(compile(example_code(), str(README), "exec"), namespace)
    try:
        sock, _ = listener.accept()
        sock.settimeout(5)
        namespace["serve_one"](sock)
    except BaseException as exc:  # reported to the test thread
        errors.append(exc)


def read_until_eof(sock: socket.socket, client: wscore.ClientConnection) -> List[Any]:
    events: List[Any] = []
    for _ in range(1000):  # bounded: each turn is one read (or its 5 s timeout)
        data = sock.recv(65536)
        if not data:
            client.receive_eof()
        else:
            client.receive_data(data)
        events.extend(client.events())
        sock.sendall(client.data_to_send())
        if not data or any(isinstance(e, wscore.Closed) for e in events):
            return events
    raise AssertionError("no end")


def test_readme_example_handles_a_message_and_a_close_in_one_read(capsys: Any) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    errors: List[BaseException] = []
    thread = threading.Thread(target=run_example_server, args=(listener, errors))
    thread.start()
    try:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            client = wscore.ClientConnection(f"ws://127.0.0.1:{port}/")
            sock.sendall(client.data_to_send())
            while not any(isinstance(e, wscore.Accepted) for e in client.events()):
                client.receive_data(sock.recv(65536))
            client.send_text("hello")
            client.close(1000, "bye")
            sock.sendall(client.data_to_send())  # one write: the server reads both at once
            events = read_until_eof(sock, client)
    finally:
        thread.join(10)
        listener.close()
    assert not thread.is_alive()
    assert errors == [], errors
    closes = [e for e in events if isinstance(e, wscore.CloseReceived)]
    assert [(e.code, e.reason) for e in closes] == [(1000, "")], events
    assert "closed 1000 remote" in capsys.readouterr().out
