"""The ASGI apps the differential test runs on every protocol, one per path, and
the client script each is met with (see wire.SCRIPTS).

Each app's view is written down: every message it receives, every ``send`` that
raises, and how it ended. Exceptions are named the way the app can catch them:
uvicorn's ``ClientDisconnected`` (wscore's ``WebSocketClosed`` is one) or the
exception's own class.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Optional

from uvicorn.protocols.utils import ClientDisconnected

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Case = Callable[[Receive, Send], Awaitable[None]]
# The case a connection serves, set in its ASGI task: uvicorn logs an app's failure
# from that task, so the log record can be told apart by case.
CASE: ContextVar[Optional[str]] = ContextVar("differential_case", default=None)

START_401 = {"type": "websocket.http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]}
NOPE = {"type": "websocket.http.response.body", "body": b"nope"}


def _name(exc: BaseException) -> str:
    return "ClientDisconnected" if isinstance(exc, ClientDisconnected) else type(exc).__name__


async def _drain(receive: Receive) -> None:
    """Reads until websocket.disconnect (bounded: the test waits 3 s at most)."""
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def echo(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept", "subprotocol": "chat", "headers": [(b"x-test", b"tuple")]})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message.get("text")})


async def accept_list_headers(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept", "headers": [[b"x-test", b"list"]]})
    await send({"type": "websocket.close"})
    await _drain(receive)


async def server_close(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "before close"})
    await send({"type": "websocket.close", "code": 4001, "reason": "server bye"})
    await _drain(receive)


async def deny_close(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.close"})
    await _drain(receive)


def _denial(headers: Any, parts: list[bytes]) -> Case:
    async def app(receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
        for i, part in enumerate(parts):
            more = i < len(parts) - 1
            await send({"type": "websocket.http.response.body", "body": part, "more_body": more})
        await _drain(receive)

    return app


async def raise_before_accept(receive: Receive, send: Send) -> None:
    await receive()
    raise ValueError("app failed")


async def return_before_accept(receive: Receive, send: Send) -> None:
    await receive()


async def raise_after_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    raise ValueError("app failed")


async def return_after_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


async def duplicate_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.accept"})


async def send_before_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.send", "text": "too early"})


async def start_after_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send(START_401)


async def invalid_status(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.http.response.start", "status": 99, "headers": []})


async def second_start(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await send({"type": "websocket.http.response.start", "status": 402, "headers": []})


async def start_then_return(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)


async def start_then_raise(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    raise ValueError("app failed")


async def start_then_str_body(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await send({"type": "websocket.http.response.body", "body": "not bytes"})


async def start_then_accept(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await send({"type": "websocket.accept"})


async def part_then_raise(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await send({"type": "websocket.http.response.body", "body": b"par", "more_body": True})
    raise ValueError("app failed")


async def send_after_close(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close"})
    await send({"type": "websocket.send", "text": "after close"})


async def send_after_disconnect(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.send", "text": message.get("text")})
    await _drain(receive)
    await send({"type": "websocket.send", "text": "after disconnect"})


async def send_after_denial(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await send(NOPE)
    await send({"type": "websocket.send", "text": "after denial"})


async def accepted_at_shutdown(receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await _drain(receive)


async def pending_at_shutdown(receive: Receive, send: Send) -> None:
    await _drain(receive)  # never answers the handshake


async def started_at_shutdown(receive: Receive, send: Send) -> None:
    await receive()
    await send(START_401)
    await _drain(receive)  # never sends the body


# name -> (app, client script). The shutdown cases run on servers of their own.
CASES: dict[str, tuple[Case, str]] = {
    "echo": (echo, "client_close"),
    "echo_close_no_code": (echo, "client_close_no_code"),
    "echo_client_drop": (echo, "client_drop"),
    "accept_list_headers": (accept_list_headers, "wait_close"),
    "server_close": (server_close, "wait_close"),
    "deny_close": (deny_close, "wait_close"),
    "deny_tuple_headers": (_denial([(b"content-type", b"text/plain")], [b"nope"]), "wait_close"),
    "deny_list_headers": (_denial([[b"content-type", b"text/plain"]], [b"nope"]), "wait_close"),
    "deny_two_parts": (_denial([(b"content-type", b"text/plain")], [b"no", b"pe"]), "wait_close"),
    "raise_before_accept": (raise_before_accept, "wait_close"),
    "return_before_accept": (return_before_accept, "wait_close"),
    "raise_after_accept": (raise_after_accept, "wait_close"),
    "return_after_accept": (return_after_accept, "wait_close"),
    "duplicate_accept": (duplicate_accept, "wait_close"),
    "send_before_accept": (send_before_accept, "wait_close"),
    "start_after_accept": (start_after_accept, "wait_close"),
    "invalid_status": (invalid_status, "wait_close"),
    "second_start": (second_start, "wait_close"),
    "start_then_return": (start_then_return, "wait_close"),
    "start_then_raise": (start_then_raise, "wait_close"),
    "start_then_str_body": (start_then_str_body, "wait_close"),
    "start_then_accept": (start_then_accept, "wait_close"),
    "part_then_raise": (part_then_raise, "wait_close"),
    "send_after_close": (send_after_close, "wait_close"),
    "send_after_disconnect": (send_after_disconnect, "client_close"),
    "send_after_denial": (send_after_denial, "wait_close"),
}
# Each group stops a server of its own: uvicorn's wsproto protocol fails in shutdown()
# on a started denial response, and then never shuts the other connections down.
SHUTDOWN_CASES: list[dict[str, tuple[Case, str]]] = [
    {
        "accepted_at_shutdown": (accepted_at_shutdown, "wait_close"),
        "pending_at_shutdown": (pending_at_shutdown, "wait_close"),
    },
    {"started_at_shutdown": (started_at_shutdown, "wait_close")},
]


class Recorder:
    """What each app saw, by case name; shared between the server thread and the test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, list[str]] = {}
        self.logged: dict[str, list[str]] = {}
        self.ended = threading.Condition(self.lock)

    def note(self, case: str, entry: str) -> None:
        with self.lock:
            self.seen.setdefault(case, []).append(entry)
            if entry.startswith("end:"):
                self.ended.notify_all()

    def log(self, case: str, line: str) -> None:
        with self.lock:
            self.logged.setdefault(case, []).append(line)

    def log_of(self, case: str) -> str:
        with self.lock:
            return " | ".join(self.logged.get(case, []))

    def wait_end(self, case: str, timeout: float) -> str:
        """The app's record once it ended; 'stuck' is added if it did not within ``timeout``."""
        with self.lock:
            self.ended.wait_for(lambda: any(e.startswith("end:") for e in self.seen.get(case, [])), timeout)
            seen = list(self.seen.get(case, []))
        if not any(e.startswith("end:") for e in seen):
            seen.append("end: stuck")
        return " | ".join(seen)


class LogTap(logging.Handler):
    """uvicorn's warnings and errors (first line), by the case whose task logged them."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(logging.WARNING)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        case = CASE.get()
        if case is not None:
            self.recorder.log(case, f"{record.levelname} {record.getMessage().splitlines()[0]}")


def routing_app(cases: dict[str, tuple[Case, str]], recorder: Recorder) -> Any:
    """One ASGI app serving every case at /<name>, recording what it sees."""

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        case = scope["path"].lstrip("/")
        CASE.set(case)
        run, _ = cases[case]

        async def recv() -> dict[str, Any]:
            message = await receive()
            # Close codes as plain ints: uvicorn's protocols pass their libraries' enums.
            plain = {k: int(v) if type(v) not in (int, bool) and isinstance(v, int) else v for k, v in message.items()}
            keys = " ".join(f"{k}={v!r}" for k, v in plain.items() if k != "type")
            recorder.note(case, f"{message['type'].removeprefix('websocket.')} {keys}".rstrip())
            return message

        async def snd(message: dict[str, Any]) -> None:
            try:
                await send(message)
            except BaseException as e:
                recorder.note(case, f"send {message['type'].removeprefix('websocket.')} raised {_name(e)}")
                raise

        try:
            await asyncio.wait_for(run(recv, snd), 3.0)
        except BaseException as e:
            recorder.note(case, f"end: raised {_name(e)}")
            raise
        recorder.note(case, "end: returned")

    return app
