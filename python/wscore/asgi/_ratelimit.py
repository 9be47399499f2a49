"""Per-connection rate limits on received messages: token buckets for messages and bytes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Optional

__all__ = ["RateLimit", "RATE_LIMIT_CLOSE_CODE"]

#: Close code for a client over its rate limit with ``on_exceed="close"``: 1008
#: "policy violation" (it broke the server's policy, and should not simply retry).
RATE_LIMIT_CLOSE_CODE = 1008

_ACTIONS = ("drop", "close")


@dataclass(frozen=True)
class RateLimit:
    """How many messages and bytes a client may send per second, with bursts.

    Each is a token bucket: it holds up to its burst, refills at its rate, and a
    received message takes one message token and one token per payload byte
    (UTF-8 for text). A message that finds too few tokens in either bucket is
    over the limit and takes none: with ``on_exceed="drop"`` the guard skips it
    (counted in ``rate_limited_drops``), with ``"close"`` it closes the connection
    with 1008 and ``close_reason`` (counted in ``rate_limited_closes``).

    ``message_burst`` defaults to one second of messages (at least 1) and
    ``byte_burst`` to one second of bytes. A message larger than ``byte_burst``
    is always over the limit: keep ``byte_burst`` at least the server's maximum
    message size. ``None`` for a rate means that dimension is not limited.
    """

    messages_per_second: Optional[float] = None
    bytes_per_second: Optional[float] = None
    message_burst: Optional[float] = None
    byte_burst: Optional[float] = None
    on_exceed: str = "drop"
    close_reason: str = "rate limit exceeded"

    def __post_init__(self) -> None:
        if self.messages_per_second is None and self.bytes_per_second is None:
            raise ValueError("RateLimit needs messages_per_second, bytes_per_second or both")
        for name in ("messages_per_second", "bytes_per_second", "message_burst", "byte_burst"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"RateLimit.{name} must be a positive finite number, not {value!r}")
        if self.on_exceed not in _ACTIONS:
            raise ValueError(f'RateLimit.on_exceed must be "drop" or "close", not {self.on_exceed!r}')
        if len(self.close_reason.encode("utf-8")) > 123:
            raise ValueError("RateLimit.close_reason must fit in 123 UTF-8 bytes")

    def bucket(self) -> "RateBucket":
        """A fresh, full pair of buckets for one connection."""
        return RateBucket(self)


class _Bucket:
    __slots__ = ("rate", "capacity", "tokens")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity

    def refill(self, elapsed: float) -> None:
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)


class RateBucket:
    """One connection's buckets; :meth:`allow` spends tokens for a message that fits."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._messages: Optional[_Bucket] = None
        self._bytes: Optional[_Bucket] = None
        if limit.messages_per_second is not None:
            burst = limit.message_burst or max(1.0, limit.messages_per_second)
            self._messages = _Bucket(limit.messages_per_second, burst)
        if limit.bytes_per_second is not None:
            self._bytes = _Bucket(limit.bytes_per_second, limit.byte_burst or limit.bytes_per_second)
        self._last = time.monotonic()

    def allow(self, size: int, now: Optional[float] = None) -> bool:
        """Whether a message of ``size`` payload bytes is within the limit (its tokens are spent if so)."""
        now = time.monotonic() if now is None else now
        elapsed, self._last = max(0.0, now - self._last), now
        for bucket in (self._messages, self._bytes):
            if bucket is not None:
                bucket.refill(elapsed)
        if self._messages is not None and self._messages.tokens < 1:
            return False
        if self._bytes is not None and self._bytes.tokens < size:
            return False
        if self._messages is not None:
            self._messages.tokens -= 1
        if self._bytes is not None:
            self._bytes.tokens -= size
        return True
