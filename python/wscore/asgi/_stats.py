"""Counters kept per guarded connection and in total for the process."""

from __future__ import annotations

import logging
from typing import Dict, Optional, Tuple, Union

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
    codes as ints); :meth:`closes` splits them by who closed. Counters made with
    a parent are one connection's: the parent counts it open from then until its
    close code is added (:attr:`open_connections`).
    """

    def __init__(self, parent: Optional["Counters"] = None) -> None:
        self._parent = parent
        self._counts: Dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)
        self._close_codes: Dict[int, int] = {}
        self._closes: Dict[Tuple[int, str], int] = {}
        self._open = 0
        self._ended = False
        if parent is not None:
            parent._add_open(1)

    def add(self, name: str, by: int = 1) -> None:
        """Add ``by`` to the counter ``name`` here and in the parent."""
        self._counts[name] += by
        if self._parent is not None:
            self._parent.add(name, by)

    def _add_open(self, by: int) -> None:
        self._open += by
        if self._parent is not None:
            self._parent._add_open(by)

    def add_close_code(self, code: int, initiator: str = "unknown") -> None:
        """Count one connection that ended with ``code``, closed by ``initiator``.

        ``initiator`` is ``ConnectionClosed.initiator``: ``"local"``, ``"remote"``
        or ``"transport"``.
        """
        if self._parent is not None and not self._ended:  # a connection's first close ends it
            self._ended = True
            self._parent._add_open(-1)
        self._count_close(code, initiator)

    def _count_close(self, code: int, initiator: str) -> None:
        self._close_codes[code] = self._close_codes.get(code, 0) + 1
        self._closes[code, initiator] = self._closes.get((code, initiator), 0) + 1
        if self._parent is not None:
            self._parent._count_close(code, initiator)

    @property
    def open_connections(self) -> int:
        """Connections counted here (children made with this parent) and not closed yet."""
        return self._open

    def closes(self) -> Dict[Tuple[int, str], int]:
        """Closed connections by ``(code, initiator)``."""
        return dict(self._closes)

    def __getitem__(self, name: str) -> int:
        """The current value of counter ``name``."""
        return self._counts[name]

    def as_dict(self) -> Dict[str, Union[int, Dict[int, int]]]:
        """A snapshot: every counter plus ``close_codes`` ({code: connections})."""
        snapshot: Dict[str, Union[int, Dict[int, int]]] = dict(self._counts)
        snapshot["close_codes"] = dict(sorted(self._close_codes.items()))
        return snapshot

    def reset(self) -> None:
        """Zero every counter (not the parent's, nor :attr:`open_connections`: a state)."""
        self._counts = dict.fromkeys(COUNTER_NAMES, 0)
        self._close_codes = {}
        self._closes = {}

    def log(self, level: int = logging.INFO) -> None:
        """Log a snapshot through the ``wscore`` logger."""
        logger.log(level, "wscore.asgi counters: %s", self.as_dict())


#: Totals over every guarded connection of the process.
TOTALS = Counters()
