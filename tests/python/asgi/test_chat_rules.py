"""The chat demo (examples/chat) as `make demo` serves it: nicknames, bad messages, rate limit.

The app runs in uvicorn with ``--ws wscore.uvicorn:WSProtocol`` and ``--ws-max-size 65536``
on 127.0.0.1; the clients are the ``websockets`` library. Every refusal must be a close
code (1003 for binary, 1008 for the rest) plus exactly one log line, never a traceback.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import sys
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, List, Tuple, Union
from urllib.parse import quote

import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed as ClientClosed

from .servers import client, listening_socket

pytestmark = pytest.mark.asyncio

CHAT_DIR = Path(__file__).resolve().parents[3] / "examples" / "chat"
MAX_SIZE = 65536  # serve.sh's --ws-max-size


def chat_app() -> Any:
    """The demo's FastAPI app, imported once (its metrics live in prometheus' global registry)."""
    pytest.importorskip("prometheus_client", reason="the chat's requirements: make chat-deps")
    if "app" not in sys.modules or not hasattr(sys.modules["app"], "rooms"):
        # The built npm package is only needed by the page; any directory will do here.
        os.environ.setdefault("WSCORE_NPM_DIR", tempfile.mkdtemp(prefix="wscore-npm-"))
        sys.path.insert(0, str(CHAT_DIR))
        importlib.import_module("app")
    return sys.modules["app"]


@asynccontextmanager
async def demo() -> AsyncIterator[Tuple[str, Any]]:
    """The demo app on uvicorn as serve.sh runs it; yields (ws:// base URL, the app module)."""
    module = chat_app()
    sock = listening_socket()
    config = uvicorn.Config(
        module.app, ws="wscore.uvicorn:WSProtocol", ws_max_size=MAX_SIZE, limit_concurrency=200,
        log_config=None, lifespan="on", timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}", module
    finally:
        server.should_exit = True
        await task
        sock.close()


async def read_until_closed(connection: Any, timeout: float = 5.0) -> List[Any]:
    """Every message until the server closes; fails (never hangs) if it does not within ``timeout``."""
    received: List[Any] = []

    async def read() -> None:
        try:
            while True:
                received.append(await connection.recv())
        except ClientClosed:
            pass

    try:
        await asyncio.wait_for(read(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"the server did not close within {timeout}s; last: {received[-1:]!r}") from None
    return received


async def join(url: str, room: str, nick: str) -> Any:
    """A connected member, its welcome and history already read."""
    connection = await client(f"{url}/ws/{room}?nick={quote(nick)}")
    welcome = json.loads(await asyncio.wait_for(connection.recv(), 5))
    assert welcome["type"] == "welcome", welcome
    assert json.loads(await asyncio.wait_for(connection.recv(), 5))["type"] == "history"
    return connection


async def refused(url: str, room: str, nick: str) -> Tuple[int, str]:
    """Connect and read until the server closes; the close code and reason."""
    async with client(f"{url}/ws/{quote(room)}?nick={quote(nick)}") as connection:
        messages = [json.loads(m) for m in await read_until_closed(connection)]
        assert "welcome" not in [m["type"] for m in messages], f"{nick!r} was let in"
        return connection.close_code, connection.close_reason


def closing_lines(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == "chat" and "closing a client" in r.getMessage()]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert bad == [], [r.getMessage() for r in bad]


BAD_NICKS = [
    "",
    "   ",
    "x" * 25,
    "ann\u202e",  # right-to-left override
    "\u2066ann\u2069",  # left-to-right isolate
    "ann\u200f",  # right-to-left mark
    "\u200bann",  # zero-width space
    "a\u200db",  # zero-width joiner
    "an\u2060n",  # word joiner
    "\ufeffann",  # BOM
    "ann\x00",
    "ann\nroot: hi",
    "ann\x1b[31m",
    "\u3164",  # Hangul filler: a letter that shows nothing
    "a\u00a0b",  # no-break space
    "a  b",
    "\u0301a",  # starts with a combining mark
]


async def test_nicknames_without_control_bidi_or_invisible_characters(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with demo() as (url, _):
        for nick in BAD_NICKS:
            code, reason = await refused(url, "lobby", nick)
            assert (code, reason.split(":")[0]) == (1008, "nickname"), nick
        for good in ["Ann", "josé", "李雷", "O'Brien", "a b", "\U0001f600"]:
            connection = await join(url, "lobby", good)
            await connection.close()
        assert await refused(url, "Not-A-Room", "ann") == (
            1008, "room: a-z 0-9 _ - (1-32, starting with a letter or digit)"
        )
    assert len(closing_lines(caplog)) == len(BAD_NICKS) + 1
    no_tracebacks(caplog)


async def test_nicknames_are_unique_per_room(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with demo() as (url, _):
        ann = await join(url, "unique", "Ann")
        for same in ["Ann", "ann", "ANN", " ann ", "\uff21\uff4e\uff4e"]:  # the last: fullwidth
            assert await refused(url, "unique", same) == (1008, "nickname taken in this room"), same
        other_room = await join(url, "elsewhere", "ann")  # another room: free
        await ann.close()
        for _ in range(100):  # released once the server has seen ann leave
            try:
                again = await join(url, "unique", "ann")
                break
            except AssertionError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("ann's nickname was never released")
        await again.close()
        await other_room.close()
    no_tracebacks(caplog)


BAD_MESSAGES: List[Tuple[Union[str, bytes], int]] = [
    (b'{"type":"ping"}', 1003),  # binary
    ("not json", 1008),
    ("[1, 2]", 1008),
    ('"message"', 1008),
    ("{}", 1008),
    ('{"type":"shout","text":"hi"}', 1008),
    ('{"type":"hello","opens":"x"}', 1008),
    ('{"type":"hello","opens":1e400}', 1008),
    ('{"type":"message"}', 1008),
    ('{"type":"message","id":"m1","text":""}', 1008),
    ('{"type":"message","id":"m1","text":' + json.dumps("x" * 2001) + "}", 1008),
    ('{"type":"message","id":7,"text":"hi"}', 1008),
    ('{"type":"message","id":"m1","text":"\\ud800"}', 1008),  # a lone surrogate no member could be sent
    ("[" * 40000, 1008),  # nested deeper than the decoder goes
    ('{"type":"message","id":"m1","text":"' + "x" * MAX_SIZE + '"}', 1009),  # over --ws-max-size
]


async def test_bad_messages_get_a_close_code_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with demo() as (url, _):
        bob = await join(url, "room1", "bob")
        for index, (payload, code) in enumerate(BAD_MESSAGES):
            mallory = await join(url, "room1", f"mallory{index}")
            lines_before = len(closing_lines(caplog))
            try:
                for _ in range(20):  # the same bad message again and again: still one line
                    await mallory.send(payload)
            except ClientClosed:
                pass
            await read_until_closed(mallory)
            assert mallory.close_code == code, (payload[:60], mallory.close_reason)
            if code != 1009:  # 1009 is the protocol's own answer, before the app sees anything
                assert len(closing_lines(caplog)) - lines_before == 1, payload[:60]
        # bob saw people come and go, and the room still works for him.
        ann = await join(url, "room1", "ann")
        await ann.send(json.dumps({"type": "message", "id": "a1", "text": "still here?"}))
        while True:
            event = json.loads(await asyncio.wait_for(bob.recv(), 5))
            if event["type"] == "message":
                break
        assert (event["nick"], event["text"]) == ("ann", "still here?")
        await ann.close()
        await bob.close()
    no_tracebacks(caplog)


async def test_a_client_over_the_rate_limit_is_closed_with_1008(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with demo() as (url, module):
        from metrics import metrics_text

        flooder = await join(url, "room2", "flooder")
        try:
            for i in range(200):
                await flooder.send(json.dumps({"type": "message", "id": f"f{i}", "text": "spam"}))
        except ClientClosed:
            pass
        await read_until_closed(flooder)
        assert (flooder.close_code, flooder.close_reason) == (1008, "too many messages: rate limit exceeded")
        assert module.RATE_LIMIT is not None and module.RATE_LIMIT.messages_per_second == 20
        body = metrics_text()[0].decode()
    closes = [line for line in body.splitlines() if line.startswith("wscore_rate_limited_closes_total")]
    assert len(closes) == 1 and float(closes[0].split()[-1]) >= 1
    assert "wscore_evictions_lag_time_total" in body
    assert 'wscore_chat_refused_total{kind="nick"' in body or "wscore_chat_refused_total" in body
    no_tracebacks(caplog)
