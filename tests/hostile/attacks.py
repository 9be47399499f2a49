"""Each attack of issue 14 as a function: it runs against a started server, probes a
well-behaved client while the attack holds, and returns what it measured. The
tests assert bounds on these figures; measure.py prints them side by side.

Every loop here is bounded by a count and a deadline.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from servers import Server, Usage, served
from wire import (
    BINARY,
    PING,
    TEXT,
    FrameReader,
    HttpAnswer,
    abort,
    closed_by_peer,
    connect,
    frame,
    open_websocket,
    read_http_answer,
    upgrade_request,
)

MiB = 1 << 20
DEFLATE = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")


@dataclass
class Outcome:
    """What one attack measured. ``served`` is the well-behaved client's handshake +
    echo time (None if it was not served: ``served_error`` says why)."""

    figures: dict[str, Any] = field(default_factory=dict)
    served: Optional[float] = None
    served_error: str = ""

    def probe(self, server: Server, timeout: float = 5.0, retry: bool = False) -> None:
        """Records whether a well-behaved client was served within ``timeout``;
        with ``retry`` it tries again (every 0.2 s) as a client would."""
        deadline = time.monotonic() + timeout
        while True:
            start = time.monotonic()
            try:
                self.served = served(server, max(0.5, deadline - start)) + (start - (deadline - timeout))
                return
            except AssertionError as e:
                self.served, self.served_error = None, str(e)
            if not retry or time.monotonic() + 0.2 >= deadline:
                return
            time.sleep(0.2)

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.figures.items())
        client = f"served in {self.served:.2f} s" if self.served is not None else "NOT served"
        return f"{shown}; {client}"


def _usage(server: Server, outcome: Outcome, usage: Usage) -> None:
    usage.read()
    outcome.figures["rss_growth_mib"] = round(usage.rss_growth, 1)
    outcome.figures["cpu_s"] = round(usage.cpu, 2)


# ---- sending: counted precisely, stopping by itself ----

@dataclass
class Pump:
    """Sends ``chunk`` over and over on a thread until ``seconds`` pass or ``limit``
    bytes went out; with ``stop_on_stall`` it also ends when no byte could be sent for
    ``stall`` seconds (the server stopped reading and the kernel buffers are full)."""

    sock: socket.socket
    chunk: bytes
    seconds: float
    limit: int
    stop_on_stall: bool = False
    stall: float = 1.0
    sent: int = 0
    stalled: bool = False
    error: str = ""

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Pump":
        self.thread.start()
        return self

    def join(self) -> "Pump":
        self.thread.join(self.seconds + self.stall + 5)
        return self

    def _run(self) -> None:
        view, offset = memoryview(self.chunk), 0
        deadline = time.monotonic() + self.seconds
        self.sock.settimeout(self.stall)
        while self.sent < self.limit and time.monotonic() < deadline:
            try:
                n = self.sock.send(view[offset:])
            except socket.timeout:
                self.stalled = True
                if self.stop_on_stall:
                    return
                continue
            except OSError as e:  # the server closed or reset the connection
                self.error = repr(e)
                return
            self.sent += n
            offset = (offset + n) % len(self.chunk)


@dataclass
class Drain:
    """Reads and counts on a thread (a dup of the socket, with its own timeout)."""

    sock: socket.socket
    received: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.done.is_set():
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            self.received += len(data)

    def stop(self) -> None:
        self.done.set()
        self.thread.join(2)
        self.sock.close()


def repeated(one: bytes, size: int = MiB) -> bytes:
    return one * max(1, size // len(one))


# ---- 1. an app that reads slowly, flooded ----

def slow_app_flood(server: Server, seconds: float = 4.0, limit: int = 256 * MiB) -> Outcome:
    """64-byte messages as fast as the client can send them, while it reads the echoes.
    ``backlog_mib``: bytes the server accepted but did not answer yet (sent minus
    echoed), i.e. what it holds for an app that handles one message per millisecond."""
    outcome = Outcome()
    one = frame(BINARY, b"m" * 64)
    echoed_size = 2 + 64
    sock, _, _ = open_websocket(server.port, sndbuf=64 * 1024)
    usage = Usage(server.pid)
    drain = Drain(sock.dup())
    pump = Pump(sock, repeated(one), seconds, limit).start()
    time.sleep(seconds / 2)
    outcome.probe(server)
    pump.join()
    backlog = pump.sent - drain.received * len(one) / echoed_size
    _usage(server, outcome, usage)
    drain.stop()
    abort(sock)
    time.sleep(1.0)  # what the server does with the backlog after the client left counts too
    _usage(server, outcome, usage)
    outcome.figures.update(sent_mib=round(pump.sent / MiB, 1), backlog_mib=round(backlog / MiB, 2))
    return outcome


# ---- 2. pings from a client that never reads ----

def ping_flood(server: Server, seconds: float = 4.0, limit: int = 256 * MiB) -> Outcome:
    """125-byte pings for ``seconds`` from a client with a 4 KiB receive buffer that
    never reads: every pong the server queues stays in the server."""
    outcome = Outcome()
    sock, _, _ = open_websocket(server.port, rcvbuf=4096)
    usage = Usage(server.pid)
    pump = Pump(sock, repeated(frame(PING, b"p" * 125)), seconds, limit).start()
    time.sleep(seconds / 2)
    outcome.probe(server)
    pump.join()
    _usage(server, outcome, usage)
    abort(sock)
    outcome.figures.update(sent_mib=round(pump.sent / MiB, 1), client_blocked=pump.stalled)
    return outcome


# ---- 3. a client that sends and never reads what the server sends back ----

def non_reading_client(server: Server, seconds: float = 8.0, limit: int = 256 * MiB) -> Outcome:
    """16 KiB messages to the echo server until the client's sends block for 1 s
    (the server stopped reading because its own sends do not drain)."""
    outcome = Outcome()
    sock, _, _ = open_websocket(server.port, rcvbuf=4096)
    usage = Usage(server.pid)
    pump = Pump(sock, repeated(frame(BINARY, b"n" * 16384)), seconds, limit, stop_on_stall=True).start()
    pump.join()
    outcome.probe(server)  # while the stalled connection is still open
    _usage(server, outcome, usage)
    abort(sock)
    outcome.figures.update(sent_mib=round(pump.sent / MiB, 1), client_blocked=pump.stalled)
    return outcome


# ---- 4. cross-site WebSocket hijacking, DNS rebinding ----

def handshake(port: int, request: bytes, *, pieces: int = 0, timeout: float = 5.0) -> tuple[Optional[HttpAnswer], socket.socket]:
    """Sends ``request`` (in ``pieces``-byte writes if given, stopping when the server
    has closed) and reads the answer; returns it with the still open socket."""
    sock = connect(port, timeout=timeout)
    try:
        if pieces:
            for i in range(0, len(request), pieces):
                sock.sendall(request[i : i + pieces])
        else:
            sock.sendall(request)
    except OSError:
        pass  # answered and closed before the whole request went out
    return read_http_answer(sock, timeout), sock


def status_of(port: int, request: bytes) -> tuple[int, bytes]:
    answer, sock = handshake(port, request)
    sock.close()
    return (answer.status, answer.body) if answer else (0, b"")


def origin_policy(server: Server) -> Outcome:
    """The server is started with the policy "same origin, Host 127.0.0.1 or localhost"."""
    outcome = Outcome()
    port = server.port
    host = f"127.0.0.1:{port}"
    cases = {
        "cross_origin": upgrade_request(host, extra=[("Origin", "https://evil.example")]),
        "null_origin": upgrade_request(host, extra=[("Origin", "null")]),
        # DNS rebinding: the page really is on evil.example (re-pointed at us), so
        # its Origin equals the forged Host; only the Host check can refuse it.
        "forged_host": upgrade_request(f"evil.example:{port}", extra=[("Origin", f"http://evil.example:{port}")]),
        "same_origin": upgrade_request(host, extra=[("Origin", f"http://{host}")]),
        "no_origin": upgrade_request(host),
    }
    for name, request in cases.items():
        status, body = status_of(port, request)
        outcome.figures[name] = status
        outcome.figures[name + "_body"] = body.decode("utf-8", "replace").strip()[:120]
    outcome.probe(server)
    return outcome


# ---- 5. many connections, each holding a compressed fragment that inflates large ----

def deflate_raw(data: bytes) -> bytes:
    """permessage-deflate's payload for ``data`` (window 2^9, within any negotiated one)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -9)
    return comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)


def open_deflate(port: int, **sockopts: int) -> tuple[socket.socket, FrameReader]:
    sock, reader, answer = open_websocket(port, extra=[DEFLATE], **sockopts)
    assert "permessage-deflate" in (answer.header("sec-websocket-extensions") or ""), "deflate not negotiated"
    return sock, reader


def held_inflating_fragments(server: Server, connections: int = 30, inflated: int = 15 * MiB) -> Outcome:
    """``connections`` clients each send the first fragment of a compressed message
    (15 KB on the wire, 15 MiB inflated, under the 16 MiB message limit) and hold it."""
    outcome = Outcome()
    fragment = frame(BINARY, deflate_raw(bytes(inflated)), fin=False, rsv=0b100)
    usage = Usage(server.pid)
    held: list[tuple[socket.socket, FrameReader]] = []
    codes: list[Optional[int]] = []
    try:
        for _ in range(connections):
            sock, reader = open_deflate(server.port)
            held.append((sock, reader))
            try:
                sock.sendall(fragment)
            except OSError:
                pass  # refused already
        time.sleep(1.0)  # let the server inflate what it accepted
        _usage(server, outcome, usage)
        outcome.probe(server)
        for sock, reader in held:
            got = reader.close_code(timeout=0.2)
            codes.append(got[0] if got else (-1 if reader.eof and not reader.timed_out else None))
    finally:
        for sock, _ in held:
            abort(sock)
    outcome.figures.update(
        wire_kib=round(len(fragment) / 1024, 1),
        refused_1013=codes.count(1013),
        still_open=codes.count(None),
        dropped_without_close=codes.count(-1),
        other_codes=sorted(c for c in codes if c not in (None, -1, 1013)),
    )
    return outcome


# ---- 6. the handshake head fed one byte at a time ----

def padded_head(port: int, size: int) -> bytes:
    """A valid upgrade request of about ``size`` bytes (60 padding headers: far below any header count limit)."""
    base = upgrade_request(f"127.0.0.1:{port}")
    pad = max(0, size - len(base))
    per = max(1, pad // 60 - len("X-Pad-00: \r\n"))
    extra = [(f"X-Pad-{i:02}", "a" * per) for i in range(60)] if pad else []
    return upgrade_request(f"127.0.0.1:{port}", extra=extra)


def head_byte_by_byte(server: Server, size: int = 15 * 1024) -> Outcome:
    """A 15 KiB head (under the 16 KiB limit of core and of uvicorn's h11), one byte
    per send with Nagle off, 30 µs apart: about one read per byte, so a parser that
    re-scans the buffered head on every read does ~size²/2 work."""
    outcome = Outcome()
    head = padded_head(server.port, size)
    sock = connect(server.port, timeout=10)
    usage = Usage(server.pid)
    start = time.monotonic()
    try:
        for i in range(len(head)):
            sock.send(head[i : i + 1])
            pause = time.perf_counter() + 30e-6  # the server's read takes each byte alone
            while time.perf_counter() < pause:
                pass
            if i == len(head) // 2:
                outcome.probe(server)
        answer = read_http_answer(sock, 10)
    except OSError as e:
        answer = None
        outcome.figures["error"] = repr(e)
    elapsed = time.monotonic() - start
    _usage(server, outcome, usage)
    sock.close()
    outcome.figures.update(head_bytes=len(head), status=answer.status if answer else 0, seconds=round(elapsed, 2))
    return outcome


# ---- 7. an upgrade request with a body ----

BODY_FRAME = frame(TEXT, b"smuggled")  # what a server that reads the body as frames would echo

BODY_VARIANTS: dict[str, tuple[list[tuple[str, str]], bytes]] = {
    "content_length": ([("Content-Length", str(len(BODY_FRAME)))], BODY_FRAME),
    "chunked": ([("Transfer-Encoding", "chunked")], b"%x\r\n" % len(BODY_FRAME) + BODY_FRAME + b"\r\n0\r\n\r\n"),
    "conflicting_lengths": ([("Content-Length", "0"), ("Content-Length", str(len(BODY_FRAME)))], BODY_FRAME),
    "content_length_0": ([("Content-Length", "0")], b""),  # allowed: no body
}


def upgrade_with_body(server: Server, variant: str) -> Outcome:
    outcome = Outcome()
    headers, body = BODY_VARIANTS[variant]
    answer, sock = handshake(server.port, upgrade_request(f"127.0.0.1:{server.port}", extra=headers) + body)
    outcome.figures["status"] = answer.status if answer else 0
    outcome.figures["body"] = answer.body.decode("utf-8", "replace").strip()[:120] if answer else ""
    if answer is not None and answer.status == 101:
        # Was the body taken as a frame (echoed)?
        reader = FrameReader(sock, answer.rest)
        echoed = reader.next(timeout=0.5)
        outcome.figures["body_echoed_as_frame"] = echoed is not None and echoed.payload == b"smuggled"
    sock.close()
    outcome.probe(server)
    return outcome


# ---- 8. many small headers ----

def many_headers(server: Server, count: int = 200) -> Outcome:
    outcome = Outcome()
    extra = [(f"X-H{i}", "v") for i in range(count)]
    request = upgrade_request(f"127.0.0.1:{server.port}", extra=extra)
    status, body = status_of(server.port, request)
    outcome.figures.update(head_bytes=len(request), status=status, body=body.decode("utf-8", "replace").strip()[:120])
    outcome.probe(server)
    return outcome


# ---- 9. the accept loop: a burst of connections, and running out of descriptors ----

def _connect_nowait(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.connect_ex(("127.0.0.1", port))
    return sock


def connection_burst(server: Server, connections: int = 400) -> Outcome:
    """``connections`` clients connect at once and each sends its upgrade request; the
    well-behaved client comes in the middle of the burst."""
    outcome = Outcome()
    usage = Usage(server.pid)
    socks = [_connect_nowait(server.port) for _ in range(connections)]
    answered = 0
    try:
        time.sleep(0.2)
        request = upgrade_request(f"127.0.0.1:{server.port}")
        for sock in socks:
            sock.settimeout(5)
            try:
                sock.sendall(request)
            except OSError:
                pass
        outcome.probe(server, timeout=10)
        deadline = time.monotonic() + 15
        for sock in socks:
            answer = read_http_answer(sock, max(0.01, deadline - time.monotonic()))
            answered += answer is not None and answer.status == 101
        _usage(server, outcome, usage)
    finally:
        for sock in socks:
            abort(sock)
    outcome.figures.update(connections=connections, upgraded=answered, seconds=round(usage.wall, 2))
    return outcome


def descriptor_exhaustion(server: Server, connections: int = 150, hold: float = 2.0) -> Outcome:
    """The server runs with RLIMIT_NOFILE 64; ``connections`` idle clients take every
    descriptor and more wait in the listen backlog. An accept loop that retries
    EMFILE at once spins a core for as long as they stay."""
    outcome = Outcome()
    socks = [_connect_nowait(server.port) for _ in range(connections)]
    try:
        time.sleep(0.5)
        usage = Usage(server.pid)
        log0 = server.log_size()
        time.sleep(hold)
        _usage(server, outcome, usage)
        # A failed accept logged at every retry is a second cost: disk.
        outcome.figures["log_kib_per_s"] = round((server.log_size() - log0) / 1024 / hold, 1)
    finally:
        for sock in socks:
            abort(sock)
    outcome.figures["cpu_per_s"] = round(outcome["cpu_s"] / hold, 2)
    # Served once the crowd is gone (while it holds every descriptor, nobody can be).
    # The server frees the crowd's descriptors as it notices them go; until then
    # libuv still sheds new connections (accepts and closes them), so the client
    # tries again, as a real one would.
    outcome.probe(server, timeout=8, retry=True)
    return outcome


# ---- bad input: one frame, one close code ----

def bad_frames(server: Server, data: bytes, *, wait_close: float = 5.0, extra: Iterable[tuple[str, str]] = ()) -> Outcome:
    """Sends ``data`` after a good handshake; records the server's close code and
    reason and whether it then closed the TCP connection."""
    outcome = Outcome()
    sock, reader, _ = open_websocket(server.port, extra=extra)
    usage = Usage(server.pid)
    try:
        sock.sendall(data)
    except OSError:
        pass  # closed on an early byte of a long input
    got = reader.close_code(timeout=wait_close)
    outcome.figures["code"], outcome.figures["reason"] = got if got else (None, "")
    outcome.figures["tcp_closed"] = closed_by_peer(sock, 5.0) if got else reader.eof and not reader.timed_out
    _usage(server, outcome, usage)
    outcome.probe(server)
    sock.close()
    return outcome


def bad_request(server: Server, request: bytes, *, pieces: int = 0) -> Outcome:
    """Sends a bad upgrade request; records the HTTP answer and whether TCP was closed."""
    outcome = Outcome()
    usage = Usage(server.pid)
    answer, sock = handshake(server.port, request, pieces=pieces)
    outcome.figures["status"] = answer.status if answer else 0
    outcome.figures["body"] = answer.body.decode("utf-8", "replace").strip()[:160] if answer else ""
    outcome.figures["version_header"] = answer.header("sec-websocket-version") if answer else None
    outcome.figures["tcp_closed"] = closed_by_peer(sock, 5.0)
    sock.close()
    _usage(server, outcome, usage)
    outcome.probe(server)
    return outcome


def slowloris(server: Server, connections: int = 20, seconds: float = 12.0, interval: float = 0.1) -> Outcome:
    """``connections`` clients each trickle a valid head, one byte every ``interval``;
    records when the server dropped each (``dropped_at``: seconds, min and max)."""
    outcome = Outcome()
    head = padded_head(server.port, 400)
    socks = [connect(server.port) for _ in range(connections)]
    dropped: dict[int, float] = {}
    usage = Usage(server.pid)
    start = time.monotonic()
    i = 0
    probed = False
    while time.monotonic() - start < seconds and len(dropped) < connections and i < len(head):
        for n, sock in enumerate(socks):
            if n in dropped:
                continue
            try:
                sock.send(head[i : i + 1])
                sock.settimeout(0)
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    dropped[n] = time.monotonic() - start
            except (BlockingIOError, socket.timeout):
                pass
            except OSError:
                dropped[n] = time.monotonic() - start
        i += 1
        if not probed and time.monotonic() - start > min(2.0, seconds / 2):
            probed = True
            outcome.probe(server)
        time.sleep(interval)
    _usage(server, outcome, usage)
    for sock in socks:
        sock.close()
    times = sorted(dropped.values())
    outcome.figures.update(
        trickled_bytes=i,
        dropped=len(dropped),
        first_drop_s=round(times[0], 1) if times else None,
        last_drop_s=round(times[-1], 1) if times else None,
    )
    return outcome


def compression_bomb(server: Server) -> Outcome:
    """One compressed frame that inflates to twice the server's message limit."""
    data = deflate_raw(bytes(2 * server.max_message_size))
    outcome = Outcome()
    sock, reader = open_deflate(server.port)
    usage = Usage(server.pid)
    try:
        sock.sendall(frame(BINARY, data, rsv=0b100))
    except OSError:
        pass
    got = reader.close_code(timeout=10)
    outcome.figures["code"], outcome.figures["reason"] = got if got else (None, "")
    _usage(server, outcome, usage)
    outcome.figures["wire_kib"] = round(len(data) / 1024)
    outcome.probe(server)
    abort(sock)
    return outcome

