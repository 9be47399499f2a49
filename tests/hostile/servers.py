"""The servers under attack, each a subprocess on a free 127.0.0.1 port, and what
the suite reads about them: RSS and CPU seconds from /proc, and whether a
well-behaved client (handshake + echo of one message) is served.

Kinds:
  wscore           uvicorn --ws wscore.uvicorn:WSProtocol (ours)
  rust             target/release/examples/echo_server (ours)
  uvicorn-default  uvicorn --ws auto, i.e. websockets-sansio (not ours: measured, not asserted)
Apps (uvicorn only): ``echo``, or ``slow`` (one message per millisecond).

HOSTILE_PYTHON and HOSTILE_ECHO_SERVER point the suite at another build (e.g. an
older checkout's .venv/bin/python and echo_server, to show a test fails there).
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OURS = ["wscore", "rust"]
PEER = "uvicorn-default"
LABELS = {
    "wscore": "uvicorn + wscore WSProtocol",
    "rust": "Rust echo_server example",
    PEER: "uvicorn default (websockets-sansio)",
}
# The one Origin/Host policy the origin tests configure, in each server's own
# settings: pages of this very host (same origin), Host 127.0.0.1 or localhost.
ORIGIN_ENV = {
    "wscore": {"WSCORE_ALLOWED_ORIGINS": "same-origin", "WSCORE_ALLOWED_HOSTS": "127.0.0.1,localhost"},
    "rust": {"ECHO_ALLOWED_ORIGINS": "same-origin", "ECHO_ALLOWED_HOSTS": "127.0.0.1,localhost"},
    PEER: {},  # uvicorn's protocols have no origin policy
}
# uvicorn's --ws-max-size default, and the Rust example's raised limits (Autobahn's 16 MiB messages).
MAX_MESSAGE = {"wscore": 16 << 20, PEER: 16 << 20, "rust": 64 << 20}
# The shared memory budget (bytes of partly received messages) each of ours
# states: WSProtocol.memory_budget and the example's MEMORY_BUDGET.
MEMORY_BUDGET = {"wscore": 128 << 20, "rust": 128 << 20}


def python() -> str:
    return os.environ.get("HOSTILE_PYTHON", sys.executable)


def echo_server_binary() -> str:
    return os.environ.get("HOSTILE_ECHO_SERVER", str(ROOT / "target/release/examples/echo_server"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    kind: str
    app: str = "echo"
    env: dict[str, str] = field(default_factory=dict)
    nofile: Optional[int] = None  # RLIMIT_NOFILE for the server process
    port: int = 0
    proc: Optional[subprocess.Popen] = None  # type: ignore[type-arg]
    log: Optional[Path] = None

    @property
    def ours(self) -> bool:
        return self.kind in OURS

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def max_message_size(self) -> int:
        return MAX_MESSAGE[self.kind]

    @property
    def memory_budget(self) -> int:
        return MEMORY_BUDGET[self.kind]

    @property
    def head_too_large_status(self) -> int:
        """uvicorn's own HTTP parser (h11, 16 KiB limit) reads the head before any
        WebSocket protocol sees it, and answers an oversized head with 400; core
        answers 431 where it reads the head itself (the Rust server)."""
        return 431 if self.kind == "rust" else 400

    def command(self) -> list[str]:
        if self.kind == "rust":
            return [echo_server_binary(), f"127.0.0.1:{self.port}"]
        ws = "wscore.uvicorn:WSProtocol" if self.kind == "wscore" else "auto"
        return [
            python(), "-m", "uvicorn", "--app-dir", str(HERE), f"apps:{self.app}", "--ws", ws,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log", "--lifespan", "off",
            # As deployed (uvicorn[standard]): CPython 3.11's own accept loop retries
            # a failed accept up to the listen backlog (2048) and logs a traceback
            # each time once descriptors run out (0.6 CPU s/s, 2.6 MB/s of log);
            # libuv's backs off.
            "--loop", "uvloop",
        ]  # fmt: skip

    def start(self) -> "Server":
        for _ in range(3):  # the free port may be taken between the check and the bind
            self.port = free_port()
            fd, name = tempfile.mkstemp(prefix=f"hostile-{self.kind}-", suffix=".log")
            self.log = Path(name)
            limit = self.nofile
            self.proc = subprocess.Popen(
                self.command(),
                cwd=HERE,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))) if limit else None,
            )
            os.close(fd)
            if self._wait_listening(20.0):
                return self
            self.stop()
        raise RuntimeError(f"{self.kind} did not start: {self.log_tail()}")

    def _wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log is not None and self.log.exists() else 0

    def log_tail(self, n: int = 2000) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-n:]

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.log is not None:
            self.log.unlink(missing_ok=True)


# ---- /proc: memory and CPU of the server process ----

def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mib(pid: int) -> float:
    return _status_kib(pid, "VmRSS") / 1024


def cpu_seconds(pid: int) -> float:
    """User + system time of every thread of the process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Usage:
    """The server's peak RSS growth and CPU seconds between start() and stop().

    The peak is VmHWM after resetting it through /proc/PID/clear_refs (5), so a
    spike between two samples is not missed; where that is not allowed, the peak
    of samples taken at each read() call and at stop().
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.reset_peak = True
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            self.reset_peak = False
        self.rss0 = rss_mib(pid)
        self.cpu0 = cpu_seconds(pid)
        self.t0 = time.monotonic()
        self.peak = self.rss0
        self.rss_growth = 0.0
        self.cpu = 0.0
        self.wall = 0.0

    def read(self) -> None:
        """Takes a sample (and keeps the process's figures) while it is alive."""
        try:
            now = _status_kib(self.pid, "VmHWM" if self.reset_peak else "VmRSS") / 1024
            self.peak = max(self.peak, now)
            self.cpu = cpu_seconds(self.pid) - self.cpu0
        except (OSError, KeyError):
            pass  # the process is gone: keep the last figures
        self.rss_growth = self.peak - self.rss0
        self.wall = time.monotonic() - self.t0

    stop = read


# ---- the well-behaved client ----

def served(server: Server, timeout: float = 5.0, **headers: str) -> float:
    """Seconds a well-behaved client took for its handshake and the echo of one
    message; AssertionError (with why) if it was not served within ``timeout``."""
    from websockets.sync.client import connect

    start = time.monotonic()
    try:
        with connect(
            server.url, open_timeout=timeout, close_timeout=1, additional_headers=headers or None, max_size=1 << 20
        ) as ws:
            ws.send("are you there?")
            reply = ws.recv(timeout=max(0.1, timeout - (time.monotonic() - start)))
    except Exception as e:  # noqa: BLE001 - any failure means "not served"
        raise AssertionError(f"a well-behaved client was not served by {server.kind}: {e!r}") from None
    assert reply == "are you there?", f"{server.kind} echoed {reply!r}"
    return time.monotonic() - start
