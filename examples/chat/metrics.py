"""``/metrics`` in Prometheus text format: the chat's own numbers and wscore's guard counters.

With several workers each process counts its own connections; a scrape reaches
whichever worker accepts it, so the ``worker`` label says which one answered.
"""

from __future__ import annotations

import os
from typing import Tuple

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, disable_created_metrics, generate_latest
from wscore.asgi import register_prometheus

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


# wscore.asgi's process-wide counters (every guarded connection): open connections,
# closes by code and initiator, sends after close avoided, close races, timeouts,
# evictions, rate limiting; the package's collector, labelled with this worker.
register_prometheus(const_labels={"worker": WORKER})


def metrics_text() -> Tuple[bytes, str]:
    """The body and content type of a scrape."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
