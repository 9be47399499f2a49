"""Denial responses (websocket.http.response.*) on WSProtocol: list headers, an
app that fails after starting one, and what core refuses (issue 15, section 5)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import LogRecorder, UvicornThread
from differential.wire import observe

START = {"type": "websocket.http.response.start", "status": 401}
BODY = {"type": "websocket.http.response.body", "body": b"nope"}
CRLF_HEADER = (b"x-bad", b"a\r\nInjected: yes")

# path -> the messages the app sends after websocket.connect, then it fails
# (raises) if the last item is an exception class.
SCRIPTS: dict[str, list[Any]] = {
    "/list-headers": [{**START, "headers": [[b"content-type", b"text/plain"], [b"x-test", b"list"]]}, BODY],
    "/list-accept-headers": [
        {"type": "websocket.accept", "headers": [[b"x-test", b"list"]]},
        {"type": "websocket.close"},
    ],
    "/two-parts": [{**START, "headers": []}, {**BODY, "body": b"no", "more_body": True}, {**BODY, "body": b"pe"}],
    "/second-start": [{**START, "headers": [(b"x-test", b"first")]}, {**START, "status": 402, "headers": []}],
    "/start-then-raise": [{**START, "headers": [(b"x-test", b"started")]}, ValueError],
    "/start-then-return": [{**START, "headers": []}],
    "/str-body": [{**START, "headers": []}, {**BODY, "body": "text"}],
    "/accept-after-start": [{**START, "headers": []}, {"type": "websocket.accept"}],
    "/part-then-raise": [{**START, "headers": []}, {**BODY, "body": b"par", "more_body": True}, ValueError],
    "/bad-header-start": [{**START, "headers": [CRLF_HEADER]}, BODY],
    "/bad-header-raise": [{**START, "headers": [CRLF_HEADER]}, ValueError],
    "/bad-header-accept": [{"type": "websocket.accept", "headers": [CRLF_HEADER]}],
    "/status-101": [{**START, "status": 101, "headers": []}, BODY],
}


def app_for(errors: dict[str, str]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        try:
            for step in SCRIPTS[scope["path"]]:
                if isinstance(step, type):
                    raise step("app failed")
                await send(step)
        except Exception as e:
            errors[scope["path"]] = type(e).__name__
            raise

    return app


@pytest.fixture(scope="module")
def served() -> Any:
    errors: dict[str, str] = {}
    with UvicornThread(app_for(errors)) as server:
        yield server, errors


@pytest.mark.parametrize(
    "path, status, headers, body",
    [
        ("/list-headers", "401", "content-type=text/plain x-test=list", "b'nope' complete"),
        ("/two-parts", "401", "", "b'nope' complete"),
        # An app that fails after starting a response: its status goes out (with the
        # body so far), as on uvicorn's wsproto protocol, not a 500.
        ("/second-start", "401", "x-test=first", "b'' complete"),
        ("/start-then-raise", "401", "x-test=started", "b'' complete"),
        ("/start-then-return", "401", "", "b'' complete"),
        ("/str-body", "401", "", "b'' complete"),
        ("/accept-after-start", "401", "", "b'' complete"),
        ("/part-then-raise", "401", "", "b'par' complete"),
        # What core refuses to send (a header with CR/LF, status 101) becomes a 500.
        ("/bad-header-start", "500", "content-type=text/plain; charset=utf-8", "b'Internal Server Error' complete"),
        ("/bad-header-raise", "500", "content-type=text/plain; charset=utf-8", "b'Internal Server Error' complete"),
        ("/bad-header-accept", "500", "content-type=text/plain; charset=utf-8", "b'Internal Server Error' complete"),
        ("/status-101", "500", "content-type=text/plain; charset=utf-8", "b'Internal Server Error' complete"),
    ],
)
def test_denial_response_on_the_wire(served: Any, path: str, status: str, headers: str, body: str) -> None:
    server, _ = served
    seen = observe(server.port, path, "wait_close")
    assert (seen["status"], seen["headers"], seen["body"], seen["end"]) == (status, headers, body, "eof")


def test_accept_headers_may_be_lists(served: Any) -> None:
    server, _ = served
    seen = observe(server.port, "/list-accept-headers", "wait_close")
    assert (seen["status"], seen["headers"], seen["close"], seen["end"]) == ("101", "x-test=list", "1000 ''", "eof")


def test_failed_denials_raise_in_the_app_and_are_logged(logs: LogRecorder) -> None:
    errors: dict[str, str] = {}
    with UvicornThread(app_for(errors)) as server:
        for path in ("/second-start", "/str-body", "/accept-after-start", "/bad-header-start"):
            observe(server.port, path, "wait_close")
    assert errors == {
        "/second-start": "RuntimeError",
        "/str-body": "TypeError",
        "/accept-after-start": "RuntimeError",
        "/bad-header-start": "InvalidHandshakeAnswer",
    }
    # Each record once (the recorder hears it through several loggers).
    logged = {id(r) for r in logs.records if r.getMessage().startswith("Exception in ASGI application")}
    assert len(logged) == 4
