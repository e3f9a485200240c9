"""What is owed, worked out without side effects: due occurrences, missed ones, take-overs.

``plan`` compares every occurrence of every subscription since its cursor (the instant up to
which it was looked at) with the ledger: one inside the grace window without a ledger row is
due, an older one is missed (with the reason shown to the channel's managers). ``plan_takeover``
sorts the ledger rows another instance may take into the due and the stale (past the grace).
Both are pure functions of their arguments, tested without a database or a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from bot.digests.records import RETRY, Delivery, Subscription
from bot.digests.schedule import ScheduleTrigger, runs_between

if TYPE_CHECKING:
    from bot.core.answers import Answer
    from bot.digests.compose import DigestState
    from bot.digests.ports import ThreadPlan

#: At most this many missed occurrences are recorded per subscription after a long outage.
MAX_MISSED_RECORDED = 50


@dataclass(frozen=True)
class Progress:
    """The first ``pages_sent`` pages of an occurrence's digest are in the channel: a post
    failed half-way. Retries post only the rest of the same ``answer`` (kept in memory; after a
    take-over from the ledger it is composed again from the unchanged digest state)."""

    pages_sent: int
    message_id: str = ""  # the first page's
    answer: Answer | None = None
    next_state: DigestState | None = None
    thread: ThreadPlan | None = None  # the thread it opens (its replies), kept like ``answer``


@dataclass(frozen=True)
class Due:
    """One occurrence of one subscription, owed to its channel."""

    subscription: Subscription
    occurrence: datetime  # UTC
    manual: bool = False
    #: When this instance claimed it (its claim is renewed before posting if old by then).
    claimed_at: datetime | None = None
    progress: Progress | None = None
    #: An earlier attempt (maybe another instance's) may have posted more than ``progress``
    #: says: the platform should look before posting again.
    uncertain: bool = False
    #: No attempt of this occurrence began before this moment (None: it was never tried).
    first_claimed: datetime | None = None

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.subscription.id, self.occurrence)


@dataclass(frozen=True)
class Missed:
    """An occurrence nobody can post in time any more, and why."""

    subscription_id: str
    occurrence: datetime
    reason: str


@dataclass(frozen=True)
class Tracked:
    """A subscription this instance serves, with its schedule as a trigger."""

    subscription: Subscription
    trigger: ScheduleTrigger


class Plan(NamedTuple):
    due: list[Due]
    missed: list[Missed]


def first_cursor(
    sub: Subscription, watermark: datetime | None, *, now: datetime, grace: timedelta
) -> datetime:
    """Where to start looking for a newly tracked subscription's occurrences: everything in
    the grace window, and everything after the last occurrence the ledger knows of (older ones
    without a row are missed) — never before it was created or last resumed."""
    cursor = sub.active_since if watermark is None else min(now - grace, watermark)
    return max(cursor, sub.active_since)


def next_after(trigger: ScheduleTrigger, cursor: datetime) -> datetime | None:
    """The first occurrence strictly after ``cursor`` (None: never again)."""
    return trigger.get_next_fire_time(None, cursor + timedelta(microseconds=1))


def plan(
    subscriptions: Mapping[str, Tracked],
    cursors: Mapping[str, datetime],
    ledger: Set[tuple[str, datetime]],
    now: datetime,
    grace: timedelta,
    *,
    limit: int = MAX_MISSED_RECORDED,
) -> Plan:
    """Every occurrence of ``subscriptions`` after its cursor and up to ``now`` that has no
    ``ledger`` row: due when inside the grace window, else missed. Oldest first."""
    window_start = now - grace
    due: list[Due] = []
    missed: list[Missed] = []
    for sub_id, tracked in subscriptions.items():
        sub = tracked.subscription
        for occurrence in runs_between(tracked.trigger, cursors[sub_id], now, limit=limit):
            if (sub_id, occurrence) in ledger:
                continue
            if occurrence < window_start:
                missed.append(Missed(sub_id, occurrence, missed_reason(sub, occurrence, grace)))
            else:
                due.append(Due(sub, occurrence))
    due.sort(key=lambda d: d.occurrence)
    return Plan(due, missed)


def plan_takeover(
    rows: Iterable[Delivery],
    subscriptions: Mapping[str, Subscription],
    now: datetime,
    grace: timedelta,
) -> tuple[list[Due], list[Missed]]:
    """Ledger rows another instance let go (expired claims, retries now due), of the given
    subscriptions: still owed inside the grace window (or sent on request), else stale. A
    taken-over row's outcome is unknown: its holder may have posted more than it recorded."""
    due: list[Due] = []
    stale: list[Missed] = []
    for row in rows:
        sub = subscriptions.get(row.subscription_id)
        if sub is None:
            continue
        if row.occurrence < now - grace and not row.manual:
            reason = (
                f"{row.reason}; gave up after {row.attempts} attempts"
                if row.status == RETRY and row.reason
                else missed_reason(sub, row.occurrence, grace)
            )
            stale.append(Missed(sub.id, row.occurrence, reason))
            continue
        progress = Progress(row.pages_sent, row.message_id or "") if row.pages_sent else None
        due.append(
            Due(
                sub,
                row.occurrence,
                manual=row.manual,
                progress=progress,
                uncertain=True,
                first_claimed=row.created_at,
            )
        )
    return due, stale


def missed_reason(sub: Subscription, occurrence: datetime, grace: timedelta) -> str:
    """Why an occurrence was not posted, in the subscription's local time."""
    local = occurrence.astimezone(ZoneInfo(sub.timezone)).strftime("%a %d %b %Y %H:%M %Z")
    minutes = int(grace.total_seconds() // 60)
    return (
        f"not posted: the bot was not running at {local} and came back more than "
        f"{minutes} minutes later"
    )
