"""Attacks on memory and CPU (issue 14, items 1, 2, 4 and 7): floods, held
fragments, connection bursts. Each runs against uvicorn + WSProtocol and the Rust
echo_server, asserts a bound, and that a well-behaved client is served meanwhile.

The bounds leave room for what the kernel holds (socket buffers on both sides:
a few MiB on loopback) and for one read plus one message in the server, and are
far below what an unbounded server takes in the same time (hundreds of MiB).
"""

from __future__ import annotations

import attacks
from attacks import Outcome
from conftest import ServerFactory
from servers import Server

MiB = 1 << 20


def assert_served(outcome: Outcome) -> None:
    assert outcome.served is not None, outcome.served_error


def test_slow_app_flood(fresh: ServerFactory, kind: str) -> None:
    """Item 1: an app that handles one message per millisecond (the Rust example's
    app is its echo), flooded with 64-byte messages by a client that reads the echoes.
    What the server accepted and has not answered yet must stay about one read plus
    one message above the kernel's buffers; before the fix it was everything sent."""
    server = fresh(app="slow")
    outcome = attacks.slow_app_flood(server)
    print(outcome)
    assert outcome["backlog_mib"] <= 16, outcome
    assert outcome["rss_growth_mib"] <= 64, outcome
    assert_served(outcome)


def test_ping_flood_from_a_client_that_never_reads(fresh: ServerFactory) -> None:
    """Item 2: pings as fast as possible, pongs never read. At most one pong may wait
    (RFC 6455 5.5.3), so the server's memory stays flat whether it pauses reading
    or goes on reading and answering only the latest ping."""
    server = fresh()
    outcome = attacks.ping_flood(server)
    print(outcome)
    assert outcome["rss_growth_mib"] <= 16, outcome
    assert_served(outcome)


def test_non_reading_client_while_the_server_sends(fresh: ServerFactory) -> None:
    """Item 2: the echo's replies pile up unread; the server must stop reading once
    its unsent output is over the high-water mark, so the client's sends block."""
    server = fresh()
    outcome = attacks.non_reading_client(server)
    print(outcome)
    assert outcome["client_blocked"], outcome
    assert outcome["sent_mib"] <= 32, outcome
    assert outcome["rss_growth_mib"] <= 32, outcome
    assert_served(outcome)


def test_held_inflating_fragments_hit_the_memory_budget(fresh: ServerFactory) -> None:
    """Item 4: 30 connections each hold a 15 KB compressed first fragment that
    inflates to 15 MiB (450 MiB together, each under the message limit). The shared
    budget (128 MiB in WSProtocol and in the example) refuses those that do not
    fit with 1013. Peak RSS stays within twice the budget (a buffer growing by
    doubling briefly holds its old and new storage) plus 32 MiB; without a budget
    it is the whole 450 MiB."""
    server = fresh()
    outcome = attacks.held_inflating_fragments(server)
    print(outcome)
    assert outcome["refused_1013"] >= 1, outcome
    assert outcome["other_codes"] == [] and outcome["dropped_without_close"] == 0, outcome
    assert outcome["rss_growth_mib"] <= 2 * server.memory_budget / MiB + 32, outcome
    assert_served(outcome)


def test_connection_burst(server: Server) -> None:
    """400 clients connect at once and upgrade; all are answered, the
    well-behaved client among them too, and memory grows by a bounded amount each."""
    outcome = attacks.connection_burst(server)
    print(outcome)
    assert outcome["upgraded"] == outcome["connections"], outcome
    assert outcome["rss_growth_mib"] <= 64, outcome
    assert_served(outcome)


def test_descriptor_exhaustion_does_not_spin(fresh: ServerFactory) -> None:
    """Item 7: with RLIMIT_NOFILE 64 and 150 clients, accept() fails with EMFILE
    while connections wait in the backlog; the accept loop must back off (not
    retry at once, spinning a core), not log every failed attempt (megabytes a
    second of disk), and serve again once descriptors are free."""
    server = fresh(nofile=64)
    outcome = attacks.descriptor_exhaustion(server)
    print(outcome)
    assert outcome["cpu_per_s"] <= 0.1, outcome
    assert outcome["log_kib_per_s"] <= 10, outcome
    assert_served(outcome)
