"""What the metrics exporters publish: names, help texts, and bounded label values."""

from __future__ import annotations

from typing import Dict, Tuple

from ._stats import COUNTER_NAMES, Counters

__all__ = ["COUNTER_HELP", "KNOWN_CLOSE_CODES", "INITIATORS", "closes_by_label"]

#: Close codes exported as themselves; any other code (3000-4999 of applications,
#: or one nobody should send) is exported as ``"other"``, so the label set stays bounded.
KNOWN_CLOSE_CODES = frozenset((1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015))
#: Who closed (``ConnectionClosed.initiator``); anything else is exported as ``"other"``.
INITIATORS = ("local", "remote", "transport")

#: Each plain counter of :class:`Counters` and what it counts.
COUNTER_HELP: Dict[str, str] = {
    "sends_after_close_avoided": "Sends the guard kept away from an already closed socket.",
    "close_races_resolved": "Closes and sends that met a connection already closed by the other side.",
    "send_timeouts": "Sends that took longer than the send timeout (the connection was dropped).",
    "close_timeouts": "Closes whose reply did not come within the close timeout.",
    "evictions": "Slow clients closed (1013) by a Broadcaster for falling behind.",
    "evictions_lag_bytes": "Evictions because the client's own undrained bytes passed the Broadcaster's bound.",
    "evictions_lag_time": "Evictions because the client's own backlog stood still too long.",
    "rate_limited_drops": "Received messages dropped for being over a connection's rate limit.",
    "rate_limited_closes": "Connections closed for being over their rate limit.",
    "origins_refused": "Connections refused for their Origin or Host.",
}
assert tuple(COUNTER_HELP) == COUNTER_NAMES, "every counter needs its help text"

OPEN_HELP = "Guarded WebSocket connections open now."
CLOSED_HELP = "Guarded WebSocket connections closed, by close code and by who closed."


def closes_by_label(counters: Counters) -> Dict[Tuple[str, str], int]:
    """Closed connections by bounded ``(code, initiator)`` labels."""
    labelled: Dict[Tuple[str, str], int] = {}
    for (code, initiator), count in counters.closes().items():
        key = (str(code) if code in KNOWN_CLOSE_CODES else "other", initiator if initiator in INITIATORS else "other")
        labelled[key] = labelled.get(key, 0) + count
    return labelled
