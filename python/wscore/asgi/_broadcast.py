"""Rooms of guarded connections, fanned out to without waiting on anyone."""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
from typing import Any, Dict, Hashable, Iterator, List, Optional, Set, Tuple

from .._exceptions import InvalidCloseArguments
from .._wscore import is_sendable_close_code
from ._guard import Data, GuardedWebSocket
from ._stats import Counters, logger

__all__ = ["Broadcaster", "EVICT_CODE", "DEFAULT_MAX_LAG_BYTES", "DEFAULT_MAX_LAG_SECONDS"]

#: Close code for a client evicted for falling behind: 1013 "Try Again Later".
#: The condition is temporary and the client may reconnect and resync; 1008
#: ("policy violation") would tell well-behaved clients on slow links that they
#: did something wrong, and many clients do not retry after it.
EVICT_CODE = 1013
EVICT_REASON = "too slow: fell behind"

#: A member may hold this many payload bytes not yet taken by the server (plus the
#: message that crosses it). A member with nothing pending always takes a message.
DEFAULT_MAX_LAG_BYTES = 1 << 20
#: A member whose backlog has not moved for this long is evicted. Below the guard's
#: default ``send_timeout`` (5 s), so that the 1013 eviction comes before the timeout.
DEFAULT_MAX_LAG_SECONDS = 3.0
# A lag timer that fires later than this says the event loop itself was busy (then
# nobody's writer could run): look again shortly instead of evicting.
LATE_TIMER = 0.25


class Broadcaster:
    """Chat rooms: :meth:`publish` queues a message for every member and returns.

    Each member's :class:`GuardedWebSocket` has its own queue and writer task, so
    a dead, stuck or slow client never delays the others. A member is evicted for
    its *own* lag, never because the room is busy: when a message would take the
    payload bytes it has not drained over ``max_lag_bytes``, or when its backlog has
    not moved for ``max_lag_seconds`` (a timer checks this between publishes too).
    A member that keeps reading keeps its lag clock near zero, however many
    messages a burst queues for it. Evicted means removed from all of its rooms
    and closed with ``evict_code`` (default 1013, see :data:`EVICT_CODE`) without
    flushing its backlog. Members leave their rooms by themselves as soon as
    their connection closes, however it closes. The guard's ``max_queue`` count
    does not apply to publishes.

    Presence: a member joined with ``presence="ann"`` is listed by :meth:`online`
    (what the room shows of it, e.g. a name) until it leaves or closes.
    """

    def __init__(
        self,
        *,
        evict_code: int = EVICT_CODE,
        evict_reason: str = EVICT_REASON,
        max_lag_bytes: int = DEFAULT_MAX_LAG_BYTES,
        max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
    ) -> None:
        """Make an empty broadcaster; ``evict_code`` must be a sendable close code."""
        if not is_sendable_close_code(evict_code):
            raise InvalidCloseArguments(f"close code {evict_code} may not be sent")
        if max_lag_bytes <= 0 or not max_lag_seconds > 0:
            raise ValueError("max_lag_bytes and max_lag_seconds must be positive")
        self.evict_code = evict_code
        self.evict_reason = evict_reason
        self.max_lag_bytes = max_lag_bytes
        self.max_lag_seconds = max_lag_seconds
        #: Evictions by this broadcaster (the guards count theirs too, into the totals).
        self.counters = Counters(parent=None)
        self._rooms: Dict[Hashable, Dict[GuardedWebSocket, None]] = {}
        self._member_of: Dict[GuardedWebSocket, Set[Hashable]] = {}
        self._presence: Dict[Hashable, Dict[GuardedWebSocket, str]] = {}
        self._closing: Set["asyncio.Task[None]"] = set()
        # One lag timer per member with a backlog: (handle, when it is due).
        self._timers: Dict[GuardedWebSocket, Tuple[asyncio.TimerHandle, float]] = {}

    def join(self, room: Hashable, member: GuardedWebSocket, presence: Optional[str] = None) -> bool:
        """Add ``member`` to ``room``, listed by :meth:`online` as ``presence`` if given.

        ``False`` (not added) if it is already closed.
        """
        if member.closed is not None:
            return False
        self._rooms.setdefault(room, {})[member] = None
        if member not in self._member_of:
            self._member_of[member] = set()
            member.add_close_callback(self._forget)
        self._member_of[member].add(room)
        if presence is not None:
            self._presence.setdefault(room, {})[member] = presence
            self._presence_changed(room)
        return True

    def leave(self, room: Hashable, member: GuardedWebSocket) -> None:
        """Remove ``member`` from ``room`` (no-op if it is not there)."""
        members = self._rooms.get(room)
        if members is not None:
            members.pop(member, None)
            if not members:
                del self._rooms[room]
        rooms = self._member_of.get(member)
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._member_of[member]
        shown = self._presence.get(room)
        if shown is not None and shown.pop(member, None) is not None:
            if not shown:
                del self._presence[room]
            self._presence_changed(room)

    @contextmanager
    def joined(
        self, room: Hashable, member: GuardedWebSocket, presence: Optional[str] = None
    ) -> Iterator[GuardedWebSocket]:
        """``with broadcaster.joined(room, ws):`` — a member for the block's duration."""
        self.join(room, member, presence)
        try:
            yield member
        finally:
            self.leave(room, member)

    def _forget(self, member: GuardedWebSocket) -> None:
        for room in list(self._member_of.get(member, ())):
            self.leave(room, member)
        timer = self._timers.pop(member, None)
        if timer is not None:
            timer[0].cancel()

    def _watch(self, member: GuardedWebSocket) -> None:
        """Arm ``member``'s lag timer: due when its backlog would have stood still too long."""
        if member in self._timers or member._backlog_messages == 0:
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + max(0.0, self.max_lag_seconds - member.lag_seconds)
        self._timers[member] = (loop.call_at(due, self._check_lag, member, due), due)

    def _check_lag(self, member: GuardedWebSocket, due: float) -> None:
        self._timers.pop(member, None)
        if member not in self._member_of or member.closed is not None:
            return
        if asyncio.get_running_loop().time() - due > LATE_TIMER:
            # The loop was blocked: writers could not run either, so the lag is not theirs.
            loop = asyncio.get_running_loop()
            again = loop.time() + LATE_TIMER
            self._timers[member] = (loop.call_at(again, self._check_lag, member, again), again)
        elif member.lag_seconds >= self.max_lag_seconds:
            self._evict(member, "evictions_lag_time")
        else:
            self._watch(member)

    def _presence_changed(self, room: Hashable) -> None:
        """A member with a presence joined or left ``room`` (RedisBroadcaster shares it)."""

    async def online(self, room: Hashable) -> List[str]:
        """The presence of every member of ``room`` that joined with one, in join order."""
        return list(self._presence.get(room, {}).values())

    def members(self, room: Hashable) -> List[GuardedWebSocket]:
        """The members of ``room`` now."""
        return list(self._rooms.get(room, ()))

    def rooms(self) -> Dict[Hashable, int]:
        """Every non-empty room with its member count."""
        return {room: len(members) for room, members in self._rooms.items()}

    def publish(self, room: Hashable, data: Data) -> int:
        """Queue ``data`` for every member of ``room``; return how many took it.

        Never waits. Closed members are dropped; a member that this message would
        take over ``max_lag_bytes`` of undrained payload is evicted instead
        (unless nothing is pending for it); neither stops the loop.
        """
        size = _size(data)
        delivered = 0
        for member in list(self._rooms.get(room, ())):
            pending = member.backlog_bytes
            if pending > 0 and pending + size > self.max_lag_bytes and member.closed is None:
                self._evict(member, "evictions_lag_bytes")
            elif member._queue_unbounded(data):
                delivered += 1
                self._watch(member)
            else:
                self._forget(member)
        return delivered

    def publish_json(self, room: Hashable, data: Any) -> int:
        """:meth:`publish` ``data`` encoded as JSON text."""
        return self.publish(room, json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    def evict(self, member: GuardedWebSocket, reason: Optional[str] = None) -> None:
        """Remove ``member`` from every room and close it with ``evict_code``, backlog dropped."""
        self._evict(member, None, reason)

    def _evict(self, member: GuardedWebSocket, why: Optional[str], reason: Optional[str] = None) -> None:
        self._forget(member)
        if member.closed is not None:
            return
        for name in ("evictions", why) if why else ("evictions",):
            self.counters.add(name)
            member.counters.add(name)
        logger.info(
            "evicting a client that fell behind (code %d): %d bytes pending, none written for %.1fs",
            self.evict_code,
            member.backlog_bytes,
            member.lag_seconds,
        )
        task = asyncio.ensure_future(member.close(self.evict_code, reason or self.evict_reason, flush=False))
        self._closing.add(task)  # a strong reference until it is done
        task.add_done_callback(self._closing.discard)

    async def close_room(self, room: Hashable, code: int = 1001, reason: str = "") -> None:
        """Close every member of ``room`` (each after its queue is flushed)."""
        await asyncio.gather(*(member.close(code, reason) for member in self.members(room)))

    def stats(self) -> Dict[str, Any]:
        """Counters plus ``rooms`` and ``members`` (current totals)."""
        snapshot: Dict[str, Any] = {
            name: self.counters[name] for name in ("evictions", "evictions_lag_bytes", "evictions_lag_time")
        }
        snapshot["rooms"] = len(self._rooms)
        snapshot["members"] = len(self._member_of)
        return snapshot


def _size(data: Data) -> int:
    """Payload bytes of ``data`` (UTF-8 for text; isascii() is O(1))."""
    if isinstance(data, str):
        return len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
    return len(data)
