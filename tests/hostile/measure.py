"""Runs each attack of the hostile-client suite against uvicorn + wscore's
WSProtocol, the Rust echo_server example and uvicorn's default protocol
(websockets-sansio), and prints the figures side by side: a Markdown table for
docs/hostile-clients.md, then every figure measured.

    .venv/bin/python tests/hostile/measure.py            # all attacks (about 2 min)
    .venv/bin/python tests/hostile/measure.py ping_flood # only these

Needs `make python-develop` and `cargo build --release -p wscore --example echo_server`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attacks  # noqa: E402
from attacks import Outcome  # noqa: E402
from servers import LABELS, ORIGIN_ENV, PEER, Server  # noqa: E402
from wire import BINARY, PING, TEXT, close_payload, frame  # noqa: E402

KINDS = ["wscore", "rust", PEER]


def mib(outcome: Outcome, key: str = "rss_growth_mib") -> str:
    return f"{outcome[key]:g} MiB"


def status(code: int) -> str:
    return str(code) if code else "no answer"


def close(code: Optional[int]) -> str:
    return f"close {code}" if code is not None else "no close frame"


def slowloris(server: Server) -> Outcome:
    return attacks.slowloris(server, seconds=12.0)


def every_frame_row(server: Server) -> Outcome:
    """The frame rows of the "Bad input" table, one connection each: how many got the table's close code."""
    rows = {
        "top bit": (bytes([0x82, 0xFF]) + (1 << 63 | 5).to_bytes(8, "big") + b"\0\0\0\0", 1002),
        "2^62": (frame(BINARY, b"", length=1 << 62), 1009),
        "unmasked": (frame(TEXT, b"x", mask=None), 1002),
        "fragmented ping": (frame(PING, b"x", fin=False), 1002),
        "126-byte ping": (frame(PING, b"p" * 126), 1002),
        "continuation first": (frame(0, b"x"), 1002),
        "new message inside": (frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002),
        "bad UTF-8 text": (frame(TEXT, b"\xff"), 1007),
        "bad UTF-8 reason": (frame(8, close_payload(1000, b"\xff")), 1007),
        "close code 1005": (frame(8, close_payload(1005)), 1002),
        "1-byte close": (frame(8, b"\x03"), 1002),
        "RSV2": (frame(TEXT, b"x", rsv=0b010), 1002),
        "opcode 0x3": (frame(3, b"x"), 1002),
    }
    outcome = Outcome()
    wrong = []
    for name, (data, code) in rows.items():
        got = attacks.bad_frames(server, data, wait_close=3.0)
        if got["code"] != code:
            wrong.append(f"{name}: {close(got['code'])}")
    outcome.figures.update(rows=len(rows), as_in_table=len(rows) - len(wrong), different=wrong)
    outcome.probe(server)
    return outcome


def body_statuses(server: Server) -> Outcome:
    outcome = Outcome()
    for variant in ("content_length", "chunked", "conflicting_lengths"):
        got = attacks.upgrade_with_body(server, variant)
        outcome.figures[variant] = got["status"]
        outcome.served, outcome.served_error = got.served, got.served_error
    return outcome


# name: (attack, server options, headline figure)
ATTACKS: dict[str, tuple[Callable[[Server], Outcome], dict, Callable[[Outcome], str]]] = {
    "slow_app_flood": (
        attacks.slow_app_flood, {"app": "slow"},
        lambda o: f"{o['backlog_mib']:g} MiB held unanswered, RSS +{mib(o)}",
    ),
    "ping_flood": (
        attacks.ping_flood, {},
        lambda o: f"RSS +{mib(o)} ({o['sent_mib']:g} MiB of pings taken in 4 s)",
    ),
    "non_reading_client": (
        attacks.non_reading_client, {},
        lambda o: f"sends block after {o['sent_mib']:g} MiB, RSS +{mib(o)}",
    ),
    "origin_policy": (
        attacks.origin_policy, {"env": "origin"},
        lambda o: f"other site {status(o['cross_origin'])}, forged Host {status(o['forged_host'])}, "
        f"same origin {status(o['same_origin'])}",
    ),
    "held_inflating_fragments": (
        attacks.held_inflating_fragments, {},
        lambda o: f"RSS +{mib(o)}, {o['refused_1013']} of 30 closed 1013",
    ),
    "compression_bomb": (
        attacks.compression_bomb, {},
        lambda o: f"{close(o['code'])}, RSS +{mib(o)} ({o['wire_kib']} KB on the wire)",
    ),
    "head_byte_by_byte": (
        attacks.head_byte_by_byte, {},
        lambda o: f"{o['cpu_s']:g} s CPU for {o['head_bytes'] / 1024:.0f} KiB ({status(o['status'])})",
    ),
    "upgrade_with_body": (
        body_statuses, {},
        lambda o: f"Content-Length {status(o['content_length'])}, chunked {status(o['chunked'])}, "
        f"two lengths {status(o['conflicting_lengths'])}",
    ),
    "many_headers": (
        attacks.many_headers, {},
        lambda o: f"{status(o['status'])} \"{o['body'][:60]}\"" if o["body"] else status(o["status"]),
    ),
    "connection_burst": (
        attacks.connection_burst, {},
        lambda o: f"{o['upgraded']}/{o['connections']} upgraded in {o['seconds']:g} s, RSS +{mib(o)}",
    ),
    "descriptor_exhaustion": (
        attacks.descriptor_exhaustion, {"nofile": 64},
        lambda o: f"{o['cpu_per_s']:g} CPU s/s, {o['log_kib_per_s']:g} KiB/s of log",
    ),
    "slowloris": (
        slowloris, {},
        lambda o: f"{o['dropped']}/20 dropped"
        + (f" at {o['first_drop_s']:g}-{o['last_drop_s']:g} s" if o["dropped"] else " in 12 s")
        + f", RSS +{mib(o)}",
    ),
    "every_frame_row": (
        every_frame_row, {},
        lambda o: f"{o['as_in_table']}/{o['rows']} close codes as in the table"
        + (f" ({', '.join(o['different'][:3])}{', ...' if len(o['different']) > 3 else ''})" if o["different"] else ""),
    ),
}


def run(name: str, kind: str) -> tuple[str, Optional[Outcome]]:
    attack, options, headline = ATTACKS[name]
    opts = dict(options)
    if opts.get("env") == "origin":
        opts["env"] = ORIGIN_ENV[kind]
    if kind == "rust":
        opts.pop("app", None)
    try:
        with Server(kind, **opts) as server:
            outcome = attack(server)
    except Exception as e:  # noqa: BLE001 - a figure of its own
        return f"error: {e!r}"[:100], None
    cell = headline(outcome)
    if outcome.served is None:
        cell += "; **other clients not served**"
    return cell, outcome


def main(names: list[str]) -> None:
    names = names or list(ATTACKS)
    table = ["| attack | " + " | ".join(LABELS[k] for k in KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    details = []
    for name in names:
        cells = []
        for kind in KINDS:
            cell, outcome = run(name, kind)
            cells.append(cell)
            details.append(f"{name} [{kind}]: {outcome if outcome is not None else cell}")
            print(details[-1], file=sys.stderr, flush=True)
        table.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(table))
    print()
    print("\n".join(details))


if __name__ == "__main__":
    main(sys.argv[1:])
