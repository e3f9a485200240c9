"""The subscriptions this instance serves: each one's trigger and how far it was looked at."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.errors import UserFacingError
from bot.digests.planner import Tracked, first_cursor, next_after
from bot.digests.records import Subscription
from bot.digests.schedule import stored_trigger

log = logging.getLogger(__name__)


class Tracker:
    """Active subscriptions of the platforms this instance posts to, in memory.

    Per subscription: its ``Tracked`` (record and trigger), its cursor (occurrences up to it
    have been looked at) and its first occurrence after the cursor (so a sweep skips the
    subscriptions with nothing due without computing anything).
    """

    def __init__(self, platforms: Collection[str], *, grace: timedelta) -> None:
        self.platforms = set(platforms)
        self.grace = grace
        self.tracked: dict[str, Tracked] = {}
        self._cursor: dict[str, datetime] = {}
        self._next: dict[str, datetime | None] = {}

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self.tracked

    def __len__(self) -> int:
        return len(self.tracked)

    def get(self, sub_id: str) -> Subscription | None:
        """The subscription as last seen, or None when it is not tracked."""
        tracked = self.tracked.get(sub_id)
        return tracked.subscription if tracked else None

    def serves(self, sub: Subscription) -> bool:
        """Whether this instance posts to the subscription's platform."""
        return sub.platform in self.platforms

    def track(
        self, sub: Subscription, *, watermark: datetime | None, now: datetime
    ) -> Tracked | None:
        """Track ``sub`` (again), looking at its occurrences from its first cursor; None when
        another instance serves its platform or its schedule is unusable."""
        if not self.serves(sub):
            return None
        try:
            trigger = stored_trigger(sub.schedule, sub.timezone)
        except (UserFacingError, KeyError, ValueError) as exc:
            log.error(
                "subscription %s has an unusable schedule %r / zone %r: %s",
                sub.id,
                sub.schedule,
                sub.timezone,
                exc,
                extra={"platform": sub.platform, "channel": sub.channel_id, "subscription": sub.id},
            )
            return None
        tracked = self.tracked[sub.id] = Tracked(sub, trigger)
        self._move(sub.id, first_cursor(sub, watermark, now=now, grace=self.grace))
        return tracked

    def untrack(self, sub_id: str) -> None:
        self.tracked.pop(sub_id, None)
        self._cursor.pop(sub_id, None)
        self._next.pop(sub_id, None)

    def refresh(self, sub: Subscription) -> None:
        """Take a fresh copy of a tracked subscription (status, state, channel name)."""
        if sub.id in self.tracked:
            self.tracked[sub.id] = replace(self.tracked[sub.id], subscription=sub)

    def set_state(self, sub_id: str, state: str) -> None:
        """The digest state its last delivery left (what the next digest composes from)."""
        tracked = self.tracked.get(sub_id)
        if tracked is not None:
            self.tracked[sub_id] = replace(
                tracked, subscription=replace(tracked.subscription, state=state)
            )

    def owed(self, now: datetime, only: Iterable[str] | None = None) -> list[str]:
        """The tracked subscriptions (of ``only``) with an occurrence after their cursor and
        not after ``now``."""
        ids = self.tracked if only is None else [i for i in only if i in self.tracked]
        return [i for i in ids if (n := self._next.get(i)) is not None and n <= now]

    def cursor(self, sub_id: str) -> datetime:
        return self._cursor[sub_id]

    def advance(self, sub_ids: Iterable[str], now: datetime) -> None:
        """Everything of ``sub_ids`` up to ``now`` has been looked at."""
        for sub_id in sub_ids:
            if sub_id in self.tracked:
                self._move(sub_id, now)

    def _move(self, sub_id: str, cursor: datetime) -> None:
        self._cursor[sub_id] = cursor
        self._next[sub_id] = next_after(self.tracked[sub_id].trigger, cursor)
