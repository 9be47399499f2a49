"""The race test: 200 misbehaving chat clients, the guarded server vs two baselines.

Same seeded load each time (see chat_load.py): 10 rooms; every client's messages
are broadcast to its room by its handler, plus a server broadcast loop; clients
close, abort TCP, stop reading or read too slowly; the app closes connections
from another task. The baselines must show the problems the guard removes.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from typing import List

import pytest

import wscore.asgi

from .chat_apps import ClientStateServer, GuardedServer, TutorialServer
from .chat_load import attribution_gaps, outcome_mismatches, run_load
from .tutorial_load import TutorialDropInServer

pytestmark = pytest.mark.asyncio

LOAD_SECONDS = 8.0
SEED = 11

# uvicorn's default protocol always; wscore's own uvicorn protocol (being written
# alongside) too when it imports: the guard must behave the same on both.
WS_PROTOCOLS: List[str] = ["auto"]
if importlib.util.find_spec("wscore.uvicorn") is not None:
    WS_PROTOCOLS.append("wscore.uvicorn:WSProtocol")


@pytest.mark.parametrize("ws", WS_PROTOCOLS)
async def test_guarded_chat_survives_the_race_load(ws: str) -> None:
    server = GuardedServer()
    before = wscore.asgi.stats()
    report = await run_load(server, LOAD_SECONDS, SEED, ws)
    print(f"guarded [{ws}]: {report.line()} evictions={server.rooms.stats()['evictions']}")
    assert report.problems == []  # no warning, error or asyncio-handler call anywhere
    assert report.left_behind == 0
    assert (report.close_failures, report.victims) == (0, 0)
    assert report.app_closed_checked >= 10  # enough clean app closes were verified...
    assert report.app_closed_lost_messages == 0  # ...and none lost a queued message
    assert outcome_mismatches(server.outcomes, report.clients) == []
    assert len(attribution_gaps(server.outcomes, report.clients)) <= 2  # see is_attribution_gap
    initiators = Counter(closed.initiator for closed in server.outcomes.values())
    assert min(initiators["local"], initiators["remote"], initiators["transport"]) >= 10
    assert server.rooms.stats()["evictions"] >= 1  # slow clients were evicted...
    assert report.steady_max_gap < 1.0  # ...and never stalled the others
    assert report.steady_min_rate >= 0.6 * report.steady_median_rate
    after = wscore.asgi.stats()
    assert after["evictions"] - before["evictions"] == server.rooms.stats()["evictions"]
    assert report.tasks_left == 0


@pytest.mark.parametrize("ws", WS_PROTOCOLS)
async def test_fastapi_tutorial_with_the_dropin_survives_the_same_load(ws: str) -> None:
    # The tutorial's ConnectionManager with `from wscore.fastapi import WebSocket`.
    server = TutorialDropInServer()
    report = await run_load(server, LOAD_SECONDS, SEED, ws)
    print(f"tutorial + drop-in [{ws}]: {report.line()}")
    assert report.problems == []  # no warning, error or asyncio-handler call anywhere
    assert report.left_behind == 0  # no dead socket left in active_connections
    assert report.tasks_left == 0  # no handler or drain left running
    assert report.victims == 0
    assert outcome_mismatches(server.outcomes, report.clients) == []  # every handler ended, knowing who closed
    assert len(attribution_gaps(server.outcomes, report.clients)) <= 2  # see is_attribution_gap
    # Not asserted: app_closed_lost_messages. The tutorial numbers a message, then
    # awaits each member in turn over a list that changes meanwhile, so a close can
    # come before a numbered message reached that member: its design, not a race.


async def test_guarded_chat_on_hypercorn_stops_with_nothing_hung() -> None:
    # hypercorn waits on a full app queue for an app that stopped reading after its
    # close; the guard reads until websocket.disconnect (test_guard.py has the
    # focused case), so shutdown finds nothing to cancel.
    server = GuardedServer()
    report = await run_load(server, LOAD_SECONDS, SEED, on="hypercorn")
    print(f"guarded [hypercorn]: {report.line()}")
    assert report.problems == []  # a cancelled connection task logs a CancelledError
    assert report.left_behind == 0
    assert report.tasks_left == 0
    assert report.shutdown_seconds < 1.0  # hypercorn's graceful timeout here is 2 s
    assert (report.close_failures, report.victims) == (0, 0)


async def test_fastapi_tutorial_manager_fails_the_same_load() -> None:
    server = TutorialServer()
    report = await run_load(server, LOAD_SECONDS, SEED)
    print(f"tutorial: {report.line()}")
    assert report.problem_count >= 3  # logged exceptions (6 to 62 per run seen here)
    # Broken delivery shows up as dead sockets left in active_connections, failed
    # closes, lost messages or dropped healthy clients; which of them depends on
    # timing, so the test asks for at least one of any kind.
    broken = report.left_behind + report.close_failures + report.app_closed_lost_messages + report.victims
    assert broken >= 1


async def test_client_state_checks_still_fail_the_same_load() -> None:
    server = ClientStateServer()
    report = await run_load(server, LOAD_SECONDS, SEED)
    print(f"client_state: {report.line()}")
    assert report.problem_count >= 50  # warnings for sends and closes that raced
    assert report.close_failures + report.app_closed_lost_messages >= 1  # closes from another task
