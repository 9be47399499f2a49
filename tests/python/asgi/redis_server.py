"""Debian's redis-server on a free 127.0.0.1 port, in memory only, started and stopped by a test."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from typing import Iterator, Optional

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """In the child: SIGKILL when the test process dies, even killed (no redis-server left behind)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class RedisServer:
    """One redis-server process; :meth:`restart` brings a fresh, empty one up on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: Optional["subprocess.Popen[bytes]"] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = f'port {self.port}\nbind 127.0.0.1\nsave ""\nappendonly no\nloglevel warning\n'
        self.process = subprocess.Popen(
            [REDIS_SERVER, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(config.encode())
        self.process.stdin.close()
        deadline = time.monotonic() + 10
        while not self.answers():
            assert self.process.poll() is None, f"redis-server exited ({self.process.returncode})"
            assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
            time.sleep(0.02)

    def answers(self) -> bool:
        """Whether a PING gets +PONG now."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash, as far as its clients can tell
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for one test (`make test` installs Debian's first: redis-deps)."""
    if shutil.which(REDIS_SERVER) is None:
        why = "no redis-server on this machine: `make redis-deps` installs Debian's (as root)"
        # `make check` installs no system package, so it may skip; `make test`
        # (and CI) installs redis-server first, so there a skip would hide a bug.
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
