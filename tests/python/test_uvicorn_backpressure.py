"""Hostile clients against uvicorn + WSProtocol (issue 14, items 1 and 2): what a
flooding client gets the server to accept and hold stays bounded, and another
client is served meanwhile.

The flood tests run uvicorn in a subprocess and read its VmRSS/VmHWM from /proc.
Run this file as a script to print the same numbers for any ``--ws`` protocol:
``.venv/bin/python tests/python/test_uvicorn_backpressure.py websockets-sansio``.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

import pytest

import wscore
from asgi_apps import Recorder
from conftest import UvicornThread, free_port
from wscore.uvicorn import WebSocketClosed, WSProtocol

HERE = os.path.dirname(os.path.abspath(__file__))
MiB = 1 << 20

FLOOD_SECONDS = 4.0  # each flood stops by itself after this long...
FLOOD_CAP = 512 * MiB  # ...or after this many bytes
# What the server may accept from one flooding client in FLOOD_SECONDS: the kernel's
# socket buffers on both sides (a few MiB on loopback) plus one read and one message.
# Without backpressure it takes hundreds of MiB.
ACCEPTED_BOUND = 16 * MiB
# Pings: their pongs also fill the server's socket send buffer (up to 4 MiB) and
# core's output mark before reading stops.
PING_ACCEPTED_BOUND = 32 * MiB
RSS_BOUND = 32 * MiB  # growth of the server's peak RSS over its idle RSS


class UvicornProcess:
    """``python -m uvicorn backpressure_app:app --ws PROTOCOL`` on a free 127.0.0.1 port."""

    def __init__(self, ws: str = "wscore.uvicorn:WSProtocol") -> None:
        self.port = free_port()
        self.cmd = [
            sys.executable, "-m", "uvicorn", "--loop", "asyncio", "--app-dir", HERE, "backpressure_app:app",
            "--ws", ws, "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log", "--lifespan", "off",
        ]  # fmt: skip
        self.proc: Optional[subprocess.Popen[bytes]] = None

    def __enter__(self) -> "UvicornProcess":
        self.proc = subprocess.Popen(self.cmd)
        deadline = time.monotonic() + 15
        while True:
            assert self.proc.poll() is None, "uvicorn exited"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # still busy (an unbounded backlog): no graceful exit
            self.proc.kill()
            self.proc.wait(5)

    def memory(self, field: str = "VmRSS") -> int:
        """``VmRSS`` (now) or ``VmHWM`` (peak) of the server, in bytes."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} in /proc/{self.proc.pid}/status")


def open_raw(port: int, path: str, rcvbuf: Optional[int] = None) -> tuple[socket.socket, wscore.ClientConnection]:
    """A handshaken client on a plain socket, so a test can flood or stop reading."""
    client = wscore.ClientConnection(f"ws://127.0.0.1:{port}{path}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # before connect: a small window the server fills quickly
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    sock.sendall(client.data_to_send())
    events: list[object] = []
    while not events:
        data = sock.recv(65536)
        assert data, "the server closed during the handshake"
        client.receive_data(data)
        events = client.events()
    assert isinstance(events[0], wscore.Accepted), events
    return sock, client


def abort(sock: socket.socket) -> None:
    """Close with RST instead of FIN, as a client that vanishes."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def frames(client: wscore.ClientConnection, make: Callable[[], None], target: int = MiB) -> bytes:
    """About ``target`` bytes of whole frames, sent again and again by ``flood``."""
    out = b""
    while len(out) < target:
        for _ in range(1024):
            make()
        out += client.data_to_send()
    return out


def flood(sock: socket.socket, chunk: bytes, seconds: float = FLOOD_SECONDS, cap: int = FLOOD_CAP) -> int:
    """Writes ``chunk`` over and over for ``seconds`` (or ``cap`` bytes) without ever
    reading; returns how many bytes the server's side accepted."""
    sock.setblocking(False)
    view, offset, sent = memoryview(chunk), 0, 0
    deadline = time.monotonic() + seconds
    while sent < cap and (left := deadline - time.monotonic()) > 0:
        _, writable, _ = select.select([], [sock], [], min(left, 0.1))
        if not writable:
            continue
        try:
            n = sock.send(view[offset:])
        except BlockingIOError:
            continue
        except OSError:  # the server closed the connection
            break
        sent += n
        offset = (offset + n) % len(chunk)  # the chunk is whole frames
    return sent


def echo_round_trip(port: int, timeout: float = 5.0) -> float:
    """Seconds a fresh client needs for a handshake and one echo (inf: not served in time)."""
    from websockets.sync.client import connect

    start = time.monotonic()
    try:
        with connect(f"ws://127.0.0.1:{port}/echo", open_timeout=timeout, close_timeout=1) as ws:
            ws.send("still there?")
            assert ws.recv(timeout=timeout) == "still there?"
    except TimeoutError:
        return float("inf")
    return time.monotonic() - start


def measure_flood(ws: str, path: str, make_chunk: Callable[[wscore.ClientConnection], bytes], rcvbuf: Optional[int]) -> dict[str, Any]:
    """Floods ``path`` from one client while another is served; the numbers the tests assert on."""
    with UvicornProcess(ws) as server:
        echo_round_trip(server.port)  # warm-up: imports and first-connection allocations
        idle = server.memory()
        sock, client = open_raw(server.port, path, rcvbuf)
        result: dict[str, Any] = {}
        flooder = threading.Thread(target=lambda: result.update(accepted=flood(sock, make_chunk(client))))
        flooder.start()
        time.sleep(FLOOD_SECONDS / 3)
        result["served_during"] = echo_round_trip(server.port)
        flooder.join()
        result["peak_growth"] = server.memory("VmHWM") - idle
        abort(sock)
        time.sleep(1.0)  # the app goes on with whatever the server had taken
        result["growth_after"] = server.memory() - idle
        result["served_after"] = echo_round_trip(server.port)
        result["peak_growth_after"] = server.memory("VmHWM") - idle
    return result


def slow_app_flood(ws: str = "wscore.uvicorn:WSProtocol") -> dict[str, Any]:
    """64-byte messages into an app that takes one per millisecond."""
    return measure_flood(ws, "/slow", lambda c: frames(c, lambda: c.send_binary(b"m" * 64)), None)


def ping_flood(ws: str = "wscore.uvicorn:WSProtocol") -> dict[str, Any]:
    """125-byte pings from a client that never reads the pongs (a 16 KiB receive window)."""
    return measure_flood(ws, "/echo", lambda c: frames(c, lambda: c.send_ping(b"p" * 125)), 16 * 1024)


def check_bounded(numbers: dict[str, Any], accepted_bound: Optional[int]) -> None:
    report = ", ".join(f"{k}={v / MiB:.1f} MiB" if isinstance(v, int) else f"{k}={v:.2f} s" for k, v in numbers.items())
    print(report)
    if accepted_bound is not None:
        assert numbers["accepted"] < accepted_bound, report
    assert numbers["peak_growth_after"] < RSS_BOUND, report
    assert numbers["served_during"] < 3.0, report
    assert numbers["served_after"] < 3.0, report


def test_a_slow_app_flooded_by_a_client_keeps_memory_bounded():
    """Item 1: reading resumes only once the app has taken what core parsed."""
    check_bounded(slow_app_flood(), ACCEPTED_BOUND)


def test_a_ping_flood_from_a_client_that_never_reads_keeps_memory_bounded():
    """Item 2: pongs the client does not read wait in core, not in the transport;
    past the output mark core merges them into one and reading pauses, so the
    flooder's own socket blocks."""
    check_bounded(ping_flood(), PING_ACCEPTED_BOUND)


def test_an_echo_round_trip_changes_no_read_interest(logs):
    """An echo whose read holds one message never pauses reading: core has no
    event left once the app has the message (pausing would cost two epoll
    changes per round trip)."""
    from asgi_apps import fastapi_app
    from websockets.sync.client import connect

    calls: list[str] = []

    class Counting(WSProtocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            for name in ("pause_reading", "resume_reading"):
                original = getattr(transport, name)
                setattr(transport, name, lambda name=name, original=original: (calls.append(name), original()))

    with UvicornThread(fastapi_app(Recorder()), ws=Counting) as server:
        with connect(f"{server.url}/echo", open_timeout=5) as ws:
            for i in range(200):
                ws.send(f"round trip {i}")
                assert ws.recv(timeout=5) == f"round trip {i}"
    assert calls == []
    assert logs.problems() == []


def test_partial_messages_draw_on_the_class_memory_budget(logs):
    """Item 4: one process-wide budget by default; a connection that cannot get
    budget for its partial message is closed with 1013."""
    from asgi_apps import fastapi_app

    assert isinstance(WSProtocol.memory_budget, wscore.MemoryBudget)
    assert WSProtocol.memory_budget.limit == 128 * MiB

    class Tight(WSProtocol):
        memory_budget = wscore.MemoryBudget(64 * 1024)

    recorder = Recorder()
    with UvicornThread(fastapi_app(recorder), ws=Tight) as server:
        sock, client = open_raw(server.port, "/echo")
        # 160 kB held: 64 KiB of it is the connection's allowance, the rest over the budget.
        for part in (b"a", b"b", b"c", b"d"):
            client.send_binary_fragment(part * 40_000, False)
        sock.sendall(client.data_to_send())
        closed: list[object] = []
        while not closed:
            data = sock.recv(65536)
            if not data:
                client.receive_eof()
            else:
                client.receive_data(data)
            closed = [e for e in client.events() if isinstance(e, (wscore.CloseReceived, wscore.Closed))]
        sock.close()
        assert recorder.wait() == [("disconnect", 1013)]
    assert closed[0].code == 1013, closed
    assert Tight.memory_budget.used == 0  # given back when the connection failed


PAYLOAD = b"s" * (64 * 1024)


def sender_app(recorder: Recorder) -> Callable[..., Any]:
    """Sends 64 KiB messages until a send fails; records each send's time and the error."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        try:
            while True:
                await send({"type": "websocket.send", "bytes": PAYLOAD})
                recorder.items.append(("sent", time.monotonic()))
        except OSError as e:
            recorder.add(("error", time.monotonic(), e))

    return app


def test_a_send_to_a_client_that_never_reads_waits_then_fails_1008(logs):
    """Item 2: the app's send waits while core's output is over the mark; core
    closes the connection after the stall timeout and the waiting send raises."""

    class Impatient(WSProtocol):
        output_high_water = 256 * 1024
        output_stall_timeout = 1.0

    recorder = Recorder()
    with UvicornThread(sender_app(recorder), ws=Impatient) as server:
        sock, _ = open_raw(server.port, "/", rcvbuf=16 * 1024)
        try:
            recorder.wait(timeout=10)
            # The server dropped the connection (close() would wait for a flush
            # that never comes) while the client still has it open.
            connections = server.server.server_state.connections
            deadline = time.monotonic() + 2
            while connections and time.monotonic() < deadline:
                time.sleep(0.02)
            left_open = len(connections)
        finally:
            sock.close()
    assert left_open == 0
    sends = [t for kind, t, *_ in recorder.items if kind == "sent"]
    [(_, failed_at, error)] = [item for item in recorder.items if item[0] == "error"]
    assert isinstance(error, WebSocketClosed)
    assert (error.code, error.initiator) == (1008, "protocol_error"), error
    # The last send went through at once; the next one waited out the stall timeout.
    waited = failed_at - sends[-1]
    assert 0.9 <= waited < 4.0, f"the send waited {waited:.2f} s"
    # Held: core's mark plus one message, the transport's buffer and the kernel's.
    assert len(sends) * len(PAYLOAD) < 16 * MiB, f"{len(sends)} sends went through"
    assert logs.problems() == []


if __name__ == "__main__":
    protocol = sys.argv[1] if len(sys.argv) > 1 else "wscore.uvicorn:WSProtocol"
    for name, run in [("slow app flood", slow_app_flood), ("ping flood", ping_flood)]:
        numbers = run(protocol)
        print(f"{protocol} {name}: " + ", ".join(
            f"{k}={v / MiB:.1f} MiB" if isinstance(v, int) else f"{k}={v:.2f} s" for k, v in numbers.items()
        ))  # fmt: skip
