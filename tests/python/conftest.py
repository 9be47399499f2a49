"""Shared fixtures: a uvicorn server in a thread, log capture, in-memory pairs."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Callable, Iterator

import pytest
import uvicorn

import wscore
from wscore.uvicorn import WSProtocol


def pair(**config: Any) -> tuple[wscore.ClientConnection, wscore.ServerConnection]:
    """A client and a server connected in memory, handshake done."""
    client = wscore.ClientConnection("ws://localhost/chat", subprotocols=["chat"], **config)
    server = wscore.ServerConnection(**config)
    server.receive_data(client.data_to_send())
    [request] = server.events()
    assert isinstance(request, wscore.Request)
    server.accept("chat")
    client.receive_data(server.data_to_send())
    [accepted] = client.events()
    assert isinstance(accepted, wscore.Accepted)
    return client, server


def relay(src: wscore.Connection, dst: wscore.Connection) -> list[object]:
    """Moves src's pending bytes into dst and returns dst's events."""
    dst.receive_data(src.data_to_send())
    return dst.events()


class LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        """ERROR records and anything with a traceback."""
        return [
            f"{r.name} {r.levelname}: {r.getMessage()}"
            for r in self.records
            if r.levelno >= logging.ERROR or r.exc_info
        ]


class UvicornThread:
    """uvicorn.Server with ws=WSProtocol in a thread, on a free 127.0.0.1 port."""

    def __init__(self, app: Callable[..., Any], **config: Any) -> None:
        self.port = free_port()
        config.setdefault("ws_ping_interval", None)
        config.setdefault("loop", "asyncio")  # uvloop is installed too (tests/hostile)
        config.setdefault("ws", WSProtocol)
        self.config = uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="off", log_config=None, **config)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> "UvicornThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        assert not self.thread.is_alive(), "uvicorn did not stop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def logs() -> Iterator[LogRecorder]:
    recorder = LogRecorder()
    names = ["uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", ""]
    saved = []
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(recorder)
        if name:
            logger.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        for logger, level in saved:
            logger.removeHandler(recorder)
            logger.setLevel(level)
