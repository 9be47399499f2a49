"""200 chat clients against a ChatServer on uvicorn, and what came of it."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from websockets.exceptions import ConnectionClosed as ClientClosed

from wscore.asgi import EVICT_CODE

from .chat_apps import APP_CLOSE_CODE, ROOMS, ChatServer
from .servers import LogProblems, abort, captured_problems, client, running

CLIENTS = 200
PUBLISH_EVERY = 0.1  # the server's own loop: 10 messages a second per room
SAY_EVERY = (1.0, 3.0)  # each client sends a chat message this often (seconds, uniform)
PADDING = "p" * 4000  # big enough that a client that stops reading fills its buffers in a second or two
SERVER_SNDBUF = 16384
CLOSE_EVERY = 0.05  # the app closes one connection from another task this often
SLOW_READ = 0.1  # a slow reader takes this long per message: half the publish rate
# Seeded mix: readers; clients that close, abort TCP, stop reading, or read too slowly.
BEHAVIOURS = ["reader"] * 45 + ["closer"] * 15 + ["aborter"] * 15 + ["stopper"] * 15 + ["slow_reader"] * 10


@dataclass
class ClientRecord:
    """One client's view: what it did and what it saw."""

    cid: int
    room: str
    behaviour: str
    seqs: List[int] = field(default_factory=list)
    joined_at: float = 0.0
    left_at: float = 0.0
    acted: bool = False  # it closed or aborted before the server closed it
    did: str = ""  # "closed" or "aborted": how it left, if it left first
    server_closed_first: bool = False
    max_gap: float = 0.0  # longest wait between two messages while the load ran
    close_code: Optional[int] = None
    close_reason: str = ""
    connected: bool = False


@dataclass
class LoadReport:
    """What the load measured on one server variant."""

    problems: List[str]
    problem_count: int
    left_behind: int
    close_failures: int
    app_closed_checked: int
    app_closed_lost_messages: int
    victims: int  # healthy clients the server dropped though nobody meant to close them
    steady_min_rate: float
    steady_median_rate: float
    steady_max_gap: float
    shutdown_seconds: float  # from asking the server to stop until it had stopped
    tasks_left: int  # tasks still pending once the server stopped (hung handlers, drains)
    clients: List[ClientRecord]

    @property
    def total_problems(self) -> int:
        """Every observed failure: logs, dead sockets, failed closes, lost messages, victims."""
        return (
            self.problem_count + self.left_behind + self.close_failures
            + self.app_closed_lost_messages + self.victims
        )

    def line(self) -> str:
        return (
            f"problems={self.total_problems} warnings/errors={self.problem_count} left_behind={self.left_behind} "
            f"close_failures={self.close_failures} app_closed_lost={self.app_closed_lost_messages}"
            f"/{self.app_closed_checked} victims={self.victims} steady_rate min={self.steady_min_rate:.1f}/s "
            f"median={self.steady_median_rate:.1f}/s max_gap={self.steady_max_gap:.2f}s "
            f"shutdown={self.shutdown_seconds:.2f}s tasks_left={self.tasks_left}"
        )


async def run_client(url: str, record: ClientRecord, rng: random.Random, load_over: asyncio.Event, duration: float) -> None:
    """Connect, read, and misbehave as ``record.behaviour`` says, at a seeded moment."""
    await asyncio.sleep(rng.uniform(0, 1.0))  # staggered arrivals
    act_at = rng.uniform(1.0, duration - 1.0)
    if record.behaviour == "stopper":  # early, so its buffers fill during the load
        act_at = rng.uniform(0.5, 2.0)
    small = record.behaviour in ("stopper", "slow_reader")
    try:
        connection = await client(f"{url}/ws/{record.room}?id={record.cid}", rcvbuf=4096 if small else None, max_queue=16)
    except (OSError, asyncio.TimeoutError, ClientClosed):
        return
    record.connected, record.joined_at = True, time.monotonic()

    async def read() -> None:
        last = time.monotonic()
        try:
            while True:
                message = await connection.recv()
                now = time.monotonic()
                if not load_over.is_set():
                    record.max_gap = max(record.max_gap, now - last)
                last = now
                record.seqs.append(int(str(message).split(":")[1]))
                if record.behaviour == "slow_reader":
                    await asyncio.sleep(SLOW_READ)
        except ClientClosed:
            if not record.acted:
                record.server_closed_first = True

    async def say() -> None:
        try:
            while True:
                await asyncio.sleep(rng.uniform(*SAY_EVERY))
                await connection.send(PADDING)
        except ClientClosed:
            pass

    reading = asyncio.ensure_future(read())
    saying = asyncio.ensure_future(say())
    until = asyncio.ensure_future(load_over.wait())
    stopped = False
    await asyncio.wait((reading, until), timeout=act_at, return_when=asyncio.FIRST_COMPLETED)
    if not reading.done() and not load_over.is_set():
        if record.behaviour in ("closer", "aborter"):
            saying.cancel()
        if record.behaviour == "closer":
            record.acted, record.did = True, "closed"
            await connection.close(1000)
        elif record.behaviour == "aborter":
            record.acted, record.did = True, "aborted"
            abort(connection)
        elif record.behaviour == "stopper":
            reading.cancel()
            stopped = True
    await asyncio.wait((until,) if stopped else (reading, until), return_when=asyncio.FIRST_COMPLETED)
    saying.cancel()
    if connection.close_code is not None and not record.acted:
        record.server_closed_first = True  # closed while it was not reading
    if not record.server_closed_first and not record.acted:
        record.acted = True
        if record.behaviour in ("stopper", "slow_reader"):
            record.did = "aborted"
            abort(connection)
        else:
            record.did = "closed"
            await connection.close(1000)
    await asyncio.wait((reading,), timeout=3)
    reading.cancel()
    until.cancel()
    record.left_at = time.monotonic()
    record.close_code, record.close_reason = connection.close_code, connection.close_reason or ""


def is_victim(record: ClientRecord) -> bool:
    """A healthy client dropped by the server with neither the app's close nor an eviction."""
    healthy = record.behaviour in ("reader", "closer", "aborter")
    return healthy and record.server_closed_first and record.close_code not in (APP_CLOSE_CODE, EVICT_CODE)


def lost_before_app_close(record: ClientRecord) -> Optional[bool]:
    """For a client the app closed with 4000: did it miss anything queued before?"""
    if not (record.server_closed_first and record.close_code == APP_CLOSE_CODE):
        return None
    if record.behaviour == "stopper":  # it stopped reading: what it got is not in seqs
        return None
    if not record.close_reason.startswith("last="):
        return True
    last = int(record.close_reason[5:])
    if not record.seqs:
        return False  # closed before its first message
    return record.seqs != list(range(record.seqs[0], last + 1))


async def run_load(
    server: ChatServer, duration: float, seed: int, ws: str = "auto", on: str = "uvicorn"
) -> LoadReport:
    """Run the whole load for ``duration`` seconds; return the measurements."""
    rng = random.Random(seed)
    records = [ClientRecord(i, ROOMS[i % len(ROOMS)], rng.choice(BEHAVIOURS)) for i in range(CLIENTS)]
    load_over = asyncio.Event()
    async with captured_problems() as problems:
        async with running(on, server.app, ws, SERVER_SNDBUF) as url:

            async def broadcast_loop() -> None:
                while not load_over.is_set():
                    await server.publish_all(PADDING)
                    await asyncio.sleep(PUBLISH_EVERY)

            async def closer_loop() -> None:
                closer_rng = random.Random(seed + 1)
                while not load_over.is_set():
                    await asyncio.sleep(CLOSE_EVERY)
                    try:  # a baseline's close can hang on a stuck client
                        await asyncio.wait_for(server.close_random(closer_rng), 2.5)
                    except asyncio.TimeoutError:
                        server.close_failures += 1

            background = [asyncio.ensure_future(broadcast_loop()), asyncio.ensure_future(closer_loop())]
            clients = [
                asyncio.ensure_future(run_client(url, r, random.Random(seed * 1000 + r.cid), load_over, duration))
                for r in records
            ]
            await asyncio.sleep(duration)
            load_over.set()
            # A baseline's broadcast can be stuck on a client; aborts at the end free it.
            await asyncio.wait(clients + background, timeout=10)
            for task in background:
                task.cancel()
            left = await settle(server)
            stopping = time.monotonic()
        shutdown_seconds = time.monotonic() - stopping
        hung = await tasks_left()
    return report(server, records, problems, left, shutdown_seconds, hung)


async def tasks_left() -> int:
    """Tasks of the stopped server still pending after up to 1 s (0: none hung)."""
    for _ in range(20):
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
        if not pending:
            return 0
        await asyncio.sleep(0.05)
    return len(pending)


async def settle(server: ChatServer) -> int:
    """Give the server up to 3 s to notice departed clients; what is left then."""
    for _ in range(30):
        if server.left_behind() == 0:
            return 0
        await asyncio.sleep(0.1)
    return server.left_behind()


def report(
    server: ChatServer,
    records: List[ClientRecord],
    problems: LogProblems,
    left: int,
    shutdown_seconds: float,
    hung: int,
) -> LoadReport:
    checks = [lost_before_app_close(r) for r in records]
    readers = [r for r in records if r.behaviour == "reader" and r.connected and not r.server_closed_first]
    steady = sorted(len(r.seqs) / max(r.left_at - r.joined_at, 0.5) for r in readers)
    return LoadReport(
        problems=problems.summary(),
        problem_count=problems.count,
        left_behind=left,
        close_failures=server.close_failures,
        app_closed_checked=sum(c is not None for c in checks),
        app_closed_lost_messages=sum(c is True for c in checks),
        victims=sum(is_victim(r) for r in records),
        steady_min_rate=steady[0] if steady else 0.0,
        steady_median_rate=steady[len(steady) // 2] if steady else 0.0,
        steady_max_gap=max((r.max_gap for r in readers), default=0.0),
        shutdown_seconds=shutdown_seconds,
        tasks_left=hung,
        clients=records,
    )


def is_attribution_gap(r: ClientRecord, got: Any) -> bool:
    """A close frame went one way or the other, but the handler ended saying "transport".

    Seen in about one run of three on uvicorn's default protocol, for one reader
    whose close at the end of the load crossed a broadcast to it (issue 15, not
    yet explained): the client is closed cleanly, nothing is lost or logged, only
    the handler's "who closed" is wrong. Bounded by the tests, so that it cannot
    grow unnoticed.
    """
    framed = r.server_closed_first or r.did == "closed"
    return bool(framed and r.close_code != 1006 and (got.code, got.initiator) == (1006, "transport"))


def attribution_gaps(server_outcomes: Dict[int, Any], records: List[ClientRecord]) -> List[str]:
    """Clients for which :func:`is_attribution_gap` holds."""
    return [
        f"{r.cid} {r.behaviour}: client saw {r.close_code}, server says transport"
        for r in records
        if r.connected and r.cid in server_outcomes and is_attribution_gap(r, server_outcomes[r.cid])
    ]


def outcome_mismatches(server_outcomes: Dict[int, Any], records: List[ClientRecord]) -> List[str]:
    """Clients whose server-side ConnectionClosed does not match what the client did."""
    bad = []
    for r in records:
        if not r.connected:
            continue
        got = server_outcomes.get(r.cid)
        if got is None:
            bad.append(f"{r.cid} {r.behaviour}: handler never finished")
            continue
        seen = (got.code, got.initiator)
        if seen == (1006, "transport") and got.reason == "send timed out":
            # The guard gave up on a client it could not write to within
            # send_timeout (a starved CPU does that to any client): it says so.
            continue
        if is_attribution_gap(r, got):
            continue  # counted by attribution_gaps(), bounded by the tests
        if r.server_closed_first:  # the server's close code, or 1006 if it dropped TCP
            ok = seen == (r.close_code, "local") or (r.close_code == 1006 and got.initiator != "remote")
        elif r.did == "closed":  # ours, or the app's close crossed it
            ok = seen == (1000, "remote") or got.initiator == "local"
        elif r.did == "aborted":
            ok = seen == (1006, "transport") or got.initiator == "local"
        else:
            ok = False
        if not ok:
            bad.append(f"{r.cid} {r.behaviour}: client saw {r.close_code}, server says {seen} {got.reason!r}")
    return bad
