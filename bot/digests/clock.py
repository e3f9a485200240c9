"""Where the digests read the time: ``Clock.now()``, the system's or a virtual one.

Everything the digests decide — what is due, what was missed, when a claim expires, when a
retry is due — follows ``clock.now()``. Tests pass a ``VirtualClock`` and move it by hand, so
a test of a schedule, a catch-up or a take-over runs in no time and always the same way.
(Pacing posts inside the platforms' rate limits is the delivery queue's, on the monotonic
clock: it measures seconds, it does not decide what is owed.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """The current time, timezone-aware in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The system's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that moves only when told to (``advance``, ``set``)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a VirtualClock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta`` (seconds, or a timedelta); returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (not earlier than now)."""
        if moment.astimezone(UTC) < self._now:
            raise ValueError("time does not go backwards")
        self._now = moment.astimezone(UTC)
