"""Attacks on the opening handshake (issue 14, items 3 and 5, and the handshake rows
of the "Bad input" table in docs/bad-input.md), against uvicorn + WSProtocol and the Rust
echo_server. Under uvicorn its own HTTP parser (h11) reads the head first and
hands it to WSProtocol, so a head too large for h11 is refused by h11 (400).
"""

from __future__ import annotations

import attacks
from attacks import Outcome
from conftest import ServerFactory
from servers import ORIGIN_ENV, Server
from wire import upgrade_request


def assert_served(outcome: Outcome) -> None:
    assert outcome.served is not None, outcome.served_error


def test_cross_origin_and_forged_host_are_refused(fresh: ServerFactory, kind: str) -> None:
    """Item 3, with the policy "same origin; Host 127.0.0.1 or localhost": another
    site's page, `Origin: null` and a forged Host (DNS rebinding) get 403 with a body
    that names what was refused; a page of this host and a client without Origin pass."""
    server = fresh(env=ORIGIN_ENV[kind])
    outcome = attacks.origin_policy(server)
    print(outcome)
    assert outcome["cross_origin"] == 403, outcome
    assert "evil.example" in outcome["cross_origin_body"], outcome
    assert outcome["null_origin"] == 403, outcome
    assert outcome["forged_host"] == 403, outcome
    assert "evil.example" in outcome["forged_host_body"], outcome
    assert outcome["same_origin"] == 101, outcome
    assert outcome["no_origin"] == 101, outcome
    assert_served(outcome)


def test_head_fed_byte_by_byte_costs_linear_cpu(server: Server) -> None:
    """Item 5: a 15 KiB head, one byte per read. Looking for the end of the head in
    the new bytes only keeps this to a few hundred ms of CPU for the server (the
    per-read system calls); re-parsing the whole buffer on every read is quadratic."""
    outcome = attacks.head_byte_by_byte(server)
    print(outcome)
    assert outcome["status"] == 101, outcome
    assert outcome["cpu_s"] <= 1.0, outcome
    assert_served(outcome)


def test_upgrade_with_a_body_is_400(server: Server) -> None:
    """Item 5: a GET upgrade with a body (Content-Length other than 0,
    Transfer-Encoding, conflicting lengths) is refused, never read as frames;
    Content-Length: 0 is no body and is upgraded."""
    results = {variant: attacks.upgrade_with_body(server, variant) for variant in attacks.BODY_VARIANTS}
    print({k: str(v) for k, v in results.items()})
    for variant in ("content_length", "chunked", "conflicting_lengths"):
        assert results[variant]["status"] == 400, (variant, results[variant])
    assert results["content_length_0"]["status"] == 101, results["content_length_0"]
    for outcome in results.values():
        assert_served(outcome)


def test_200_small_headers_431_says_what_was_exceeded(server: Server) -> None:
    """Item 5: 200 headers of a few bytes (2.6 KB) pass the size limit but not the
    header count: 431, and the body names the header count, not 16384 bytes."""
    outcome = attacks.many_headers(server)
    print(outcome)
    assert outcome["status"] == 431, outcome
    body = outcome["body"].lower()
    assert "header" in body and "16384" not in body, outcome
    assert_served(outcome)


# ---- the handshake rows of the "Bad input" table (docs/bad-input.md) ----

def test_handshake_header_of_1_mib(server: Server) -> None:
    """A 1 MiB header in 64 KiB writes: refused once past the 16 KiB limit, so the
    server holds at most a read more than the limit."""
    request = upgrade_request(f"127.0.0.1:{server.port}", extra=[("X-Big", "a" * (1 << 20))])
    outcome = attacks.bad_request(server, request, pieces=64 * 1024)
    print(outcome)
    assert outcome["status"] == server.head_too_large_status, outcome
    assert outcome["tcp_closed"], outcome
    assert outcome["rss_growth_mib"] <= 8, outcome
    assert_served(outcome)


def test_missing_sec_websocket_key(server: Server) -> None:
    outcome = attacks.bad_request(server, upgrade_request(f"127.0.0.1:{server.port}", omit=["sec-websocket-key"]))
    print(outcome)
    assert outcome["status"] == 400 and "Sec-WebSocket-Key" in outcome["body"], outcome
    assert outcome["tcp_closed"], outcome
    assert_served(outcome)


def test_duplicated_sec_websocket_key(server: Server) -> None:
    request = upgrade_request(f"127.0.0.1:{server.port}", extra=[("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])
    outcome = attacks.bad_request(server, request)
    print(outcome)
    assert outcome["status"] == 400 and "Sec-WebSocket-Key" in outcome["body"], outcome
    assert outcome["tcp_closed"], outcome
    assert_served(outcome)


def test_wrong_version(server: Server) -> None:
    outcome = attacks.bad_request(server, upgrade_request(f"127.0.0.1:{server.port}", version="8"))
    print(outcome)
    assert outcome["status"] == 426 and outcome["version_header"] == "13", outcome
    assert outcome["tcp_closed"], outcome
    assert_served(outcome)


def test_handshake_trickling_in_byte_by_byte(server: Server) -> None:
    """Slowloris: 20 clients each trickle a valid head, a byte every 100 ms. Core
    drops them at its handshake timeout (10 s, not configurable in the Rust example:
    the test waits for it). uvicorn's own HTTP layer reads the head before our
    protocol is involved and has no such timeout, so there the test's time is
    bounded (3 s) and only memory and service are checked."""
    seconds = 12.0 if server.kind == "rust" else 3.0
    outcome = attacks.slowloris(server, seconds=seconds)
    print(outcome)
    if server.kind == "rust":
        assert outcome["dropped"] == 20, outcome
        assert 9.0 <= outcome["first_drop_s"] and outcome["last_drop_s"] <= 11.5, outcome
    assert outcome["rss_growth_mib"] <= 8, outcome
    assert_served(outcome)
