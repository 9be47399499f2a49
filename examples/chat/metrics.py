"""``/metrics`` in Prometheus text format: the chat's own numbers and wscore's guard counters.

With several workers each process counts its own connections; a scrape reaches
whichever worker accepts it, so the ``worker`` label says which one answered.
"""

from __future__ import annotations

import os
from typing import Iterator, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from wscore.asgi import stats

disable_created_metrics()  # no *_created series: they only add noise here
WORKER = str(os.getpid())
OPEN_CONNECTIONS = Gauge("wscore_chat_open_connections", "Chat WebSocket connections open now.", ["worker"]).labels(WORKER)
MESSAGES = Counter("wscore_chat_messages", "Chat messages published to a room.", ["worker"]).labels(WORKER)
RECONNECTS = Counter(
    "wscore_chat_reconnects_seen", "Connections that were a page reconnecting (its hello said opens > 1).", ["worker"]
).labels(WORKER)
# kind: room, nick, nick_taken, binary, json, fields (see rules.py).
REFUSED = Counter(
    "wscore_chat_refused", "Clients closed for what they sent or asked for (bad name, message or JSON).",
    ["worker", "kind"],
)


def count_refused(kind: str) -> None:
    REFUSED.labels(WORKER, kind).inc()

# wscore.asgi's process-wide counters (every guarded connection) and what they mean.
GUARD_COUNTERS = {
    "sends_after_close_avoided": "Sends the guard kept away from an already closed socket.",
    "close_races_resolved": "Closes and sends that met a connection already closed by the other side.",
    "send_timeouts": "Sends that took longer than the send timeout (the connection was dropped).",
    "close_timeouts": "Closes whose reply did not come within the close timeout.",
    "evictions": "Slow clients closed with 1013 by a Broadcaster for falling behind.",
    "evictions_lag_bytes": "Evictions because the client's own undrained bytes passed the Broadcaster's bound.",
    "evictions_lag_time": "Evictions because the client's own backlog stood still too long.",
    "rate_limited_drops": "Received messages dropped for being over a connection's rate limit.",
    "rate_limited_closes": "Connections closed with 1008 for being over their rate limit.",
}


class GuardCollector:
    """Reads ``wscore.asgi.stats()`` at scrape time."""

    def collect(self) -> Iterator[Metric]:
        totals = stats()
        closes = CounterMetricFamily(
            "wscore_connections_closed", "Guarded connections by close code.", labels=["worker", "code"]
        )
        for code, count in totals["close_codes"].items():
            closes.add_metric([WORKER, str(code)], count)
        yield closes
        for name, help_text in GUARD_COUNTERS.items():
            family = CounterMetricFamily(f"wscore_{name}", help_text, labels=["worker"])
            family.add_metric([WORKER], totals[name])
            yield family


REGISTRY.register(GuardCollector())


def metrics_text() -> Tuple[bytes, str]:
    """The body and content type of a scrape."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
