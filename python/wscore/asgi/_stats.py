"""Counters kept per guarded connection and in total for the process."""

from __future__ import annotations

import logging
from typing import Dict, Optional, Union

__all__ = ["Counters", "TOTALS", "logger"]

#: The logger every wscore ASGI event goes through.
logger = logging.getLogger("wscore")

#: Names of the plain counters, in the order :meth:`Counters.as_dict` lists them.
COUNTER_NAMES = (
    "sends_after_close_avoided",
    "close_races_resolved",
    "send_timeouts",
    "close_timeouts",
    "evictions",
    "evictions_lag_bytes",
    "evictions_lag_time",
    "rate_limited_drops",
    "rate_limited_closes",
    "origins_refused",
)


class Counters:
    """Event counters; a connection's counters also add into a parent (the totals).

    ``close_codes`` counts each close code seen once per connection (keys are the
    codes as ints).
    """

    def __init__(self, parent: Optional["Counters"] = None) -> None:
        self._parent = parent
        self._counts: Dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)
        self._close_codes: Dict[int, int] = {}

    def add(self, name: str, by: int = 1) -> None:
        """Add ``by`` to the counter ``name`` here and in the parent."""
        self._counts[name] += by
        if self._parent is not None:
            self._parent.add(name, by)

    def add_close_code(self, code: int) -> None:
        """Count one connection that ended with ``code``."""
        self._close_codes[code] = self._close_codes.get(code, 0) + 1
        if self._parent is not None:
            self._parent.add_close_code(code)

    def __getitem__(self, name: str) -> int:
        """The current value of counter ``name``."""
        return self._counts[name]

    def as_dict(self) -> Dict[str, Union[int, Dict[int, int]]]:
        """A snapshot: every counter plus ``close_codes`` ({code: connections})."""
        snapshot: Dict[str, Union[int, Dict[int, int]]] = dict(self._counts)
        snapshot["close_codes"] = dict(sorted(self._close_codes.items()))
        return snapshot

    def reset(self) -> None:
        """Zero every counter (not the parent's)."""
        self._counts = dict.fromkeys(COUNTER_NAMES, 0)
        self._close_codes = {}

    def log(self, level: int = logging.INFO) -> None:
        """Log a snapshot through the ``wscore`` logger."""
        logger.log(level, "wscore.asgi counters: %s", self.as_dict())


#: Totals over every guarded connection of the process.
TOTALS = Counters()
