"""wscore's uvicorn protocol against uvicorn's own (issue 15, section 5).

The same ASGI apps (differential/cases.py) run under uvicorn with ``--ws wsproto``,
``--ws websockets-sansio`` and ``--ws wscore.uvicorn:WSProtocol``; a raw-socket
client (differential/wire.py) writes down what it sees on the wire and each app
what it received. Every field where ours differs from one of theirs must be in
ALLOWED with the two values and the reason (python/README.md has the same table):
a new difference, a changed value or a difference that went away fails the test.
uvicorn, wsproto and websockets are pinned (python/requirements-dev.txt): an upgrade
that changes what their protocols do shows up here too.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Iterator

from conftest import UvicornThread
from wscore.uvicorn import WSProtocol

from .cases import CASES, SHUTDOWN_CASES, Case, LogTap, Recorder, routing_app
from .wire import observe

PROTOCOLS: dict[str, Any] = {"wscore": WSProtocol, "wsproto": "wsproto", "websockets-sansio": "websockets-sansio"}
THEIRS = ("wsproto", "websockets-sansio")

# Why ours differs; python/README.md ("Where it differs from uvicorn's own protocols") says the same.
WHY: dict[str, str] = {
    "close-reply-reason": "The reply to a client's close carries its code but not its reason: core echoes the code "
    "(RFC 6455 5.5.1); uvicorn echoes both.",
    "app-error-1011": "An app that fails after accepting (including a duplicate websocket.accept or a "
    "response start after accept) gets close code 1011, as on hypercorn; uvicorn drops TCP (the client sees 1006, "
    "as for a network failure).",
    "app-return-1000": "An app that returns without websocket.close closes normally with 1000; uvicorn drops TCP "
    "(the client sees 1006 and clients such as websockets raise ConnectionClosedError).",
    "lost-1006": "A client gone without a close frame gives websocket.disconnect code 1006 (RFC 6455 7.1.5); "
    "uvicorn reports 1005, the code of a close frame without a code.",
    "send-after-close": "websocket.send after the app's close or denial raises ClientDisconnected (an OSError, as "
    "ASGI 2.4 asks of a send on a closed connection, and not logged); uvicorn raises RuntimeError.",
    "unfinished-response-logged": "An app that returns after websocket.http.response.start without its body is "
    "logged as an error, as on websockets-sansio; wsproto logs nothing.",
    "denial-at-shutdown": "A denial response started but unfinished when the server stops goes out as when the "
    "app fails; the app gets 1006 as after any denial. uvicorn's wsproto protocol reports 1012, then its shutdown "
    "raises LocalProtocolError (it sends a close frame on a connection that is not open).",
    "403-content-type": "The 403 of websocket.close before accept has no body and no Content-Type, as on "
    "wsproto; websockets-sansio adds text/plain.",
    "started-response-sent": "An app that fails after websocket.http.response.start: the status and headers it "
    "started go out with the body so far, as on wsproto; websockets-sansio sends no response at all.",
    "started-response-framed": "An app that fails after websocket.http.response.start: core frames the body so far "
    "with Content-Length, so it reads as complete; wsproto streamed it chunked and the client sees it cut short.",
}

# (case, their protocol, field) -> (their value, our value, key in WHY)
ALLOWED: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ('deny_close', 'websockets-sansio', 'headers'): ('content-type=text/plain; charset=utf-8', '', '403-content-type'),
    ('duplicate_accept', 'websockets-sansio', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('duplicate_accept', 'wsproto', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('echo', 'websockets-sansio', 'close'): ("4002 'client bye'", "4002 ''", 'close-reply-reason'),
    ('echo', 'wsproto', 'close'): ("4002 'client bye'", "4002 ''", 'close-reply-reason'),
    ('echo_client_drop', 'websockets-sansio', 'app'): (
        "connect | receive text='hi' | disconnect code=1005 | end: returned",
        "connect | receive text='hi' | disconnect code=1006 | end: returned",
        'lost-1006',
    ),
    ('echo_client_drop', 'wsproto', 'app'): (
        "connect | receive text='hi' | disconnect code=1005 | end: returned",
        "connect | receive text='hi' | disconnect code=1006 | end: returned",
        'lost-1006',
    ),
    ('part_then_raise', 'websockets-sansio', 'body'): ('-', "b'par' complete", 'started-response-sent'),
    ('part_then_raise', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('part_then_raise', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('part_then_raise', 'wsproto', 'body'): ("b'par' cut", "b'par' complete", 'started-response-framed'),
    ('raise_after_accept', 'websockets-sansio', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('raise_after_accept', 'wsproto', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('return_after_accept', 'websockets-sansio', 'close'): ('none', "1000 ''", 'app-return-1000'),
    ('return_after_accept', 'wsproto', 'close'): ('none', "1000 ''", 'app-return-1000'),
    ('second_start', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('second_start', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('second_start', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('second_start', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('send_after_close', 'websockets-sansio', 'app'): (
        'connect | send send raised RuntimeError | end: raised RuntimeError',
        'connect | send send raised ClientDisconnected | end: raised ClientDisconnected',
        'send-after-close',
    ),
    ('send_after_close', 'websockets-sansio', 'log'): ('ERROR Exception in ASGI application', '', 'send-after-close'),
    ('send_after_close', 'wsproto', 'app'): (
        'connect | send send raised RuntimeError | end: raised RuntimeError',
        'connect | send send raised ClientDisconnected | end: raised ClientDisconnected',
        'send-after-close',
    ),
    ('send_after_close', 'wsproto', 'log'): ('ERROR Exception in ASGI application', '', 'send-after-close'),
    ('send_after_denial', 'websockets-sansio', 'app'): (
        'connect | send send raised RuntimeError | end: raised RuntimeError',
        'connect | send send raised ClientDisconnected | end: raised ClientDisconnected',
        'send-after-close',
    ),
    ('send_after_denial', 'websockets-sansio', 'log'): ('ERROR Exception in ASGI application', '', 'send-after-close'),
    ('send_after_denial', 'wsproto', 'app'): (
        'connect | send send raised RuntimeError | end: raised RuntimeError',
        'connect | send send raised ClientDisconnected | end: raised ClientDisconnected',
        'send-after-close',
    ),
    ('send_after_denial', 'wsproto', 'log'): ('ERROR Exception in ASGI application', '', 'send-after-close'),
    ('send_after_disconnect', 'websockets-sansio', 'close'): ("4002 'client bye'", "4002 ''", 'close-reply-reason'),
    ('send_after_disconnect', 'wsproto', 'close'): ("4002 'client bye'", "4002 ''", 'close-reply-reason'),
    ('start_after_accept', 'websockets-sansio', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('start_after_accept', 'wsproto', 'close'): ('none', "1011 ''", 'app-error-1011'),
    ('start_then_accept', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('start_then_accept', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('start_then_accept', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('start_then_accept', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('start_then_raise', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('start_then_raise', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('start_then_raise', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('start_then_raise', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('start_then_return', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('start_then_return', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('start_then_return', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('start_then_return', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('start_then_return', 'wsproto', 'log'): (
        '',
        'ERROR ASGI callable returned without completing handshake.',
        'unfinished-response-logged',
    ),
    ('start_then_str_body', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('start_then_str_body', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('start_then_str_body', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('start_then_str_body', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('started_at_shutdown', 'websockets-sansio', 'body'): ('-', "b'' complete", 'started-response-sent'),
    ('started_at_shutdown', 'websockets-sansio', 'headers'): ('-', 'content-type=text/plain', 'started-response-sent'),
    ('started_at_shutdown', 'websockets-sansio', 'status'): ('no response', '401', 'started-response-sent'),
    ('started_at_shutdown', 'wsproto', 'app'): (
        'connect | disconnect code=1012 | end: returned',
        'connect | disconnect code=1006 | end: returned',
        'denial-at-shutdown',
    ),
    ('started_at_shutdown', 'wsproto', 'body'): ("b'' cut", "b'' complete", 'started-response-framed'),
    ('started_at_shutdown', 'wsproto', 'server'): (
        'shutdown raised LocalProtocolError',
        'stopped',
        'denial-at-shutdown',
    ),
}

Results = dict[str, dict[str, str]]


@contextmanager
def tapped(recorder: Recorder) -> Iterator[None]:
    """uvicorn's log records go to ``recorder`` too, while the server runs."""
    tap = LogTap(recorder)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(tap)
    try:
        yield
    finally:
        logger.removeHandler(tap)


def run_cases(ws: Any) -> Results:
    """Every case in CASES against one server, several clients at a time."""
    recorder = Recorder()
    with tapped(recorder), UvicornThread(routing_app(CASES, recorder), ws=ws, timeout_graceful_shutdown=5) as server:
        with ThreadPoolExecutor(8) as pool:
            futures = {
                name: pool.submit(observe, server.port, "/" + name, script) for name, (_, script) in CASES.items()
            }
            results = {name: future.result(timeout=20) for name, future in futures.items()}
        for name in CASES:
            results[name]["app"] = recorder.wait_end(name, 5)
    for name in CASES:
        results[name]["log"] = recorder.log_of(name)
    return results


def run_shutdown(ws: Any, cases: dict[str, tuple[Case, str]]) -> Results:
    """Connections in the state ``cases`` leave them in when the server stops."""
    recorder = Recorder()
    results: Results = {}
    stopped = ["stopped"]
    server = UvicornThread(routing_app(cases, recorder), ws=ws, timeout_graceful_shutdown=5)

    def serve() -> None:
        """server.run, noting how it ended (uvicorn's own shutdown can raise)."""
        try:
            server.server.run()
        except Exception as e:
            stopped[0] = f"shutdown raised {type(e).__name__}"

    server.thread = threading.Thread(target=serve, daemon=True)
    with tapped(recorder), server:

        def client(name: str, script: str) -> None:
            results[name] = observe(server.port, "/" + name, script, timeout=8)

        threads = [threading.Thread(target=client, args=(n, s)) for n, (_, s) in cases.items()]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while len(recorder.seen) < len(cases) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # the accepted client has read its 101
        server.server.should_exit = True
        for thread in threads:
            thread.join(15)
        for name in cases:
            results[name]["app"] = recorder.wait_end(name, 5)
    for name in cases:
        results[name]["log"] = recorder.log_of(name)
        results[name]["server"] = stopped[0]
    return results


def differences(results: dict[str, Results]) -> dict[tuple[str, str, str], tuple[str, str]]:
    diffs = {}
    ours = results["wscore"]
    for impl in THEIRS:
        for case, theirs in results[impl].items():
            for field in sorted(set(theirs) | set(ours[case])):
                a, b = theirs.get(field, "-"), ours[case].get(field, "-")
                if a != b:
                    diffs[(case, impl, field)] = (a, b)
    return diffs


def test_wscore_differs_from_uvicorn_only_where_allowed() -> None:
    results: dict[str, Results] = {}
    for name, ws in PROTOCOLS.items():
        results[name] = run_cases(ws)
        for group in SHUTDOWN_CASES:
            results[name].update(run_shutdown(ws, group))
    diffs = differences(results)
    expected = {key: (theirs, ours) for key, (theirs, ours, _) in ALLOWED.items()}
    unexpected = {k: v for k, v in diffs.items() if expected.get(k) != v}
    gone = sorted(k for k in expected if k not in diffs)
    report = "\n".join(f"  {k}: theirs {v[0]!r}, ours {v[1]!r}" for k, v in sorted(unexpected.items()))
    assert not unexpected and not gone, f"new or changed differences:\n{report}\nno longer different: {gone}"
    assert all(why in WHY for *_, why in ALLOWED.values())
