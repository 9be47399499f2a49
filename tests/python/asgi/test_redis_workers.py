"""Two uvicorn worker processes share rooms through a real redis-server, which restarts mid-run.

The members stay connected through the outage, each worker keeps delivering its own
messages meanwhile, and messages flow between the workers again once Redis is back
(within a bounded wait), with no error in either worker's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from .redis_server import RedisServer, free_port, redis_server  # noqa: F401 (the fixture)
from .servers import client

pytestmark = pytest.mark.asyncio

HERE = Path(__file__).resolve().parent


class Worker:
    """``uvicorn redis_room_app:app`` in its own process, as ``--workers`` would run it."""

    def __init__(self, redis_url: str) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, "WSCORE_TEST_REDIS": redis_url}
        command = [
            sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "redis_room_app:app",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "wscore.uvicorn:WSProtocol",
            "--loop", "asyncio", "--lifespan", "on", "--ws-ping-interval", "0", "--log-level", "info",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stats(self) -> Dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as response:
            return dict(json.load(response))

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            assert self.process.poll() is None, f"worker exited:\n{self.output()}"
            try:
                self.stats()
                return
            except OSError:
                assert time.monotonic() < deadline, f"worker not serving within 20 s:\n{self.output()}"
                time.sleep(0.05)

    def stop(self) -> str:
        """SIGTERM (uvicorn's graceful shutdown), bounded; the worker's whole log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                raise AssertionError(f"worker did not stop within 15 s:\n{self.output()}") from None
        return self.output()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def two_workers(redis_url: str) -> Iterator[List[Worker]]:
    started = [Worker(redis_url), Worker(redis_url)]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()


async def until_received(sender: Any, receiver: Any, prefix: str, timeout: float) -> str:
    """Send ``prefix-N`` every 0.2 s until ``receiver`` gets one of them; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        await sender.send(f"{prefix}-{count}")
        count += 1
        try:
            while True:
                message = await asyncio.wait_for(receiver.recv(), 0.2)
                if message.startswith(prefix):
                    return str(message)
        except asyncio.TimeoutError:
            pass
    raise AssertionError(f"no {prefix}-* message through within {timeout} s")


async def test_two_worker_processes_share_rooms_across_a_redis_restart(redis_server: RedisServer) -> None:
    with two_workers(redis_server.url) as (one, two):
        async with client(one.url + "/ws/lobby") as ann, client(two.url + "/ws/lobby") as bob:
            await until_received(ann, bob, "before", timeout=5)  # also waits for both joins
            await until_received(bob, ann, "back", timeout=5)

            redis_server.stop()
            outage = time.monotonic()
            await ann.send("during")  # ann's worker still delivers to its own members
            assert await until_text(ann, "during", timeout=5)
            await asyncio.sleep(0.5)  # the workers notice Redis is gone
            redis_server.start()  # a fresh, empty Redis on the same port

            await until_received(ann, bob, "after", timeout=15)
            await until_received(bob, ann, "after-b", timeout=15)
            recovered = time.monotonic() - outage
            assert ann.close_code is None and bob.close_code is None  # the members stayed
            stats = [await asyncio.to_thread(worker.stats) for worker in (one, two)]
            print(f"messages flow both ways again {recovered:.1f} s after Redis went down; stats {stats}")
            assert [s["members"] for s in stats] == [1, 1]
            assert all(s["redis_reconnects"] >= 1 for s in stats)
    for worker in (one, two):
        log = worker.output()
        problems = [line for line in log.splitlines() if "Traceback" in line or "ERROR" in line]
        assert problems == [], log
        assert "Redis subscription back" in log, log
        print("\n".join(line for line in log.splitlines() if "wscore:" in line))


async def until_text(connection: Any, text: str, timeout: float) -> bool:
    """Read until ``text`` arrives; False after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if await asyncio.wait_for(connection.recv(), deadline - time.monotonic()) == text:
                return True
        except asyncio.TimeoutError:
            break
    return False
