"""Rooms of guarded connections, fanned out to without waiting on anyone."""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
from typing import Any, Dict, Hashable, Iterator, List, Optional, Set

from .._exceptions import InvalidCloseArguments
from .._wscore import is_sendable_close_code
from ._guard import Data, GuardedWebSocket
from ._stats import Counters, logger

__all__ = ["Broadcaster", "EVICT_CODE"]

#: Close code for a client evicted for falling behind: 1013 "Try Again Later".
#: The condition is temporary and the client may reconnect and resync; 1008
#: ("policy violation") would tell well-behaved clients on slow links that they
#: did something wrong, and many clients do not retry after it.
EVICT_CODE = 1013
EVICT_REASON = "too slow: fell behind"


class Broadcaster:
    """Chat rooms: :meth:`publish` queues a message for every member and returns.

    Each member's :class:`GuardedWebSocket` has its own bounded queue and writer
    task, so a dead, stuck or slow client never delays the others. A member whose
    queue is full (``max_queue`` of its guard) is evicted: removed from all of its
    rooms and closed with ``evict_code`` (default 1013, see :data:`EVICT_CODE`)
    without flushing its backlog. Members leave their rooms by themselves as soon
    as their connection closes, however it closes.
    """

    def __init__(self, *, evict_code: int = EVICT_CODE, evict_reason: str = EVICT_REASON) -> None:
        """Make an empty broadcaster; ``evict_code`` must be a sendable close code."""
        if not is_sendable_close_code(evict_code):
            raise InvalidCloseArguments(f"close code {evict_code} may not be sent")
        self.evict_code = evict_code
        self.evict_reason = evict_reason
        #: Evictions by this broadcaster (the guards count theirs too, into the totals).
        self.counters = Counters(parent=None)
        self._rooms: Dict[Hashable, Dict[GuardedWebSocket, None]] = {}
        self._member_of: Dict[GuardedWebSocket, Set[Hashable]] = {}
        self._closing: Set["asyncio.Task[None]"] = set()

    def join(self, room: Hashable, member: GuardedWebSocket) -> bool:
        """Add ``member`` to ``room``; ``False`` (not added) if it is already closed."""
        if member.closed is not None:
            return False
        self._rooms.setdefault(room, {})[member] = None
        if member not in self._member_of:
            self._member_of[member] = set()
            member.add_close_callback(self._forget)
        self._member_of[member].add(room)
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

    @contextmanager
    def joined(self, room: Hashable, member: GuardedWebSocket) -> Iterator[GuardedWebSocket]:
        """``with broadcaster.joined(room, ws):`` — a member for the block's duration."""
        self.join(room, member)
        try:
            yield member
        finally:
            self.leave(room, member)

    def _forget(self, member: GuardedWebSocket) -> None:
        for room in list(self._member_of.get(member, ())):
            self.leave(room, member)

    def members(self, room: Hashable) -> List[GuardedWebSocket]:
        """The members of ``room`` now."""
        return list(self._rooms.get(room, ()))

    def rooms(self) -> Dict[Hashable, int]:
        """Every non-empty room with its member count."""
        return {room: len(members) for room, members in self._rooms.items()}

    def publish(self, room: Hashable, data: Data) -> int:
        """Queue ``data`` for every member of ``room``; return how many took it.

        Never waits. Closed members are dropped, members with a full queue are
        evicted; neither stops the loop.
        """
        delivered = 0
        for member in list(self._rooms.get(room, ())):
            try:
                if member.send_nowait(data):
                    delivered += 1
                else:
                    self._forget(member)
            except asyncio.QueueFull:
                self.evict(member)
        return delivered

    def publish_json(self, room: Hashable, data: Any) -> int:
        """:meth:`publish` ``data`` encoded as JSON text."""
        return self.publish(room, json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    def evict(self, member: GuardedWebSocket, reason: Optional[str] = None) -> None:
        """Remove ``member`` from every room and close it with ``evict_code``, backlog dropped."""
        self._forget(member)
        if member.closed is not None:
            return
        self.counters.add("evictions")
        member.counters.add("evictions")
        logger.info("evicting a client that fell behind (code %d)", self.evict_code)
        task = asyncio.ensure_future(member.close(self.evict_code, reason or self.evict_reason, flush=False))
        self._closing.add(task)  # a strong reference until it is done
        task.add_done_callback(self._closing.discard)

    async def close_room(self, room: Hashable, code: int = 1001, reason: str = "") -> None:
        """Close every member of ``room`` (each after its queue is flushed)."""
        await asyncio.gather(*(member.close(code, reason) for member in self.members(room)))

    def stats(self) -> Dict[str, Any]:
        """Counters plus ``rooms`` and ``members`` (current totals)."""
        snapshot: Dict[str, Any] = {"evictions": self.counters["evictions"]}
        snapshot["rooms"] = len(self._rooms)
        snapshot["members"] = len(self._member_of)
        return snapshot
