"""``MemoryStore``: subscriptions, the ledger and versions in this process's memory.

The same contract as the database (``tests/digests/test_ledger_contract.py`` runs one suite on
all three), for tests and for trying the digests without a database. Nothing survives the
process, and two processes never share it.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.digests.records import (
    ACTIVE,
    CLAIMED,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    Delivery,
    Subscription,
)
from bot.digests.storage.ledger import RELEASED

Key = tuple[str, datetime]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class _Tables:
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[Key, Delivery] = field(default_factory=dict)
    order: dict[Key, int] = field(default_factory=dict)  # insertion order (the row id)
    ids: itertools.count[int] = field(default_factory=itertools.count)


class MemorySubscriptions:
    """Subscriptions in a dict (``bot.digests.storage.protocols.Subscriptions``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    async def add(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        channel_name: str,
        schedule: str,
        timezone: str,
        briefing_id: str | None,
        created_by: str,
        now: datetime,
        thread: bool = False,
    ) -> tuple[Subscription, bool]:
        for sub in self._t.subscriptions.values():
            same = (sub.platform, sub.workspace_id, sub.channel_id, sub.schedule, sub.timezone)
            if same == (platform, workspace_id, channel_id, schedule, timezone) and (
                sub.briefing_id == briefing_id
            ):
                return sub, False
        sub_id = secrets.token_hex(3)
        while sub_id in self._t.subscriptions:
            sub_id = secrets.token_hex(3)
        moment = _utc(now)
        sub = Subscription(
            id=sub_id,
            platform=platform,
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=channel_name,
            schedule=schedule,
            timezone=timezone,
            briefing_id=briefing_id,
            status=ACTIVE,
            status_reason=None,
            created_by=created_by,
            created_at=moment,
            updated_at=moment,
            active_since=moment,
            thread=thread,
        )
        self._t.subscriptions[sub_id] = sub
        return sub, True

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            values: dict[str, Any] = {k: row.get(k) for k in Subscription.__dataclass_fields__}
            for key in ("created_at", "updated_at", "active_since"):
                values[key] = _utc(values[key])
            values["thread"] = bool(values["thread"])
            self._t.subscriptions[row["id"]] = Subscription(**values)

    async def get(self, sub_id: str) -> Subscription | None:
        return self._t.subscriptions.get(sub_id)

    async def find(
        self,
        *,
        platform: str | None = None,
        workspace_id: str | None = None,
        channel_id: str | None = None,
        status: str | None = None,
    ) -> list[Subscription]:
        wanted = {
            "platform": platform,
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "status": status,
        }
        found = [
            s
            for s in self._t.subscriptions.values()
            if all(v is None or getattr(s, k) == v for k, v in wanted.items())
        ]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    async def delete(self, sub_id: str) -> bool:
        for key in [k for k in self._t.deliveries if k[0] == sub_id]:
            del self._t.deliveries[key]
        return self._t.subscriptions.pop(sub_id, None) is not None

    async def set_status(
        self, sub_id: str, status: str, reason: str | None = None, *, now: datetime
    ) -> bool:
        sub = self._t.subscriptions.get(sub_id)
        if sub is None or (status == ACTIVE and sub.status == ACTIVE):
            return False
        moment = _utc(now)
        changed = replace(sub, status=status, status_reason=reason, updated_at=moment)
        if status == ACTIVE:
            changed = replace(changed, active_since=moment)
        self._t.subscriptions[sub_id] = changed
        return True

    async def set_thread(self, sub_id: str, thread: bool, *, now: datetime) -> bool:
        sub = self._t.subscriptions.get(sub_id)
        if sub is None:
            return False
        self._t.subscriptions[sub_id] = replace(sub, thread=thread, updated_at=_utc(now))
        return True


class MemoryLedger:
    """The delivery ledger in a dict (``bot.digests.storage.protocols.Ledger``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def _mine(self, holder: str, sub_id: str, occurrence: datetime) -> Delivery | None:
        row = self._t.deliveries.get((sub_id, _utc(occurrence)))
        if row is None or row.status != CLAIMED or row.holder != holder:
            return None
        return row

    def _put(self, row: Delivery) -> None:
        key = (row.subscription_id, row.occurrence)
        if key not in self._t.order:
            self._t.order[key] = next(self._t.ids)
        self._t.deliveries[key] = row

    async def claim(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
        manual: bool = False,
    ) -> bool:
        [won] = await self.claim_many(
            [(sub_id, occurrence)],
            holder=holder,
            claim_seconds=claim_seconds,
            now=now,
            manual=manual,
        )
        return won

    async def claim_many(
        self,
        items: Sequence[tuple[str, datetime]],
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
        manual: bool = False,
    ) -> list[bool]:
        moment = _utc(now)
        expires = moment + timedelta(seconds=claim_seconds)
        won: list[bool] = []
        for sub_id, occ in items:
            occurrence = _utc(occ)
            row = self._t.deliveries.get((sub_id, occurrence))
            if row is None:
                self._put(
                    Delivery(
                        subscription_id=sub_id,
                        occurrence=occurrence,
                        status=CLAIMED,
                        attempts=1,
                        reason=None,
                        message_id=None,
                        manual=manual,
                        holder=holder,
                        claim_expires_at=expires,
                        updated_at=moment,
                        created_at=moment,
                    )
                )
                won.append(True)
            elif (
                row.status in (CLAIMED, RETRY)
                and row.claim_expires_at is not None
                and row.claim_expires_at <= moment
            ):
                self._put(
                    replace(
                        row,
                        status=CLAIMED,
                        holder=holder,
                        claim_expires_at=expires,
                        attempts=row.attempts + 1,
                        updated_at=moment,
                    )
                )
                won.append(True)
            else:
                won.append(False)
        return won

    async def renew(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
    ) -> bool:
        row = self._mine(holder, sub_id, occurrence)
        if row is None:
            return False
        moment = _utc(now)
        expires = moment + timedelta(seconds=claim_seconds)
        self._put(replace(row, claim_expires_at=expires, updated_at=moment))
        return True

    async def record_progress(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        pages_sent: int,
        now: datetime,
        message_id: str | None = None,
    ) -> bool:
        row = self._mine(holder, sub_id, occurrence)
        if row is None:
            return False
        self._put(replace(row, pages_sent=pages_sent, message_id=message_id, updated_at=_utc(now)))
        return True

    async def finish(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        status: str,
        now: datetime,
        reason: str | None = None,
        message_id: str | None = None,
        retry_at: datetime | None = None,
        state: str | None = None,
        pause_reason: str | None = None,
    ) -> bool:
        row = self._mine(holder, sub_id, occurrence)
        if row is None:
            return False
        moment = _utc(now)
        self._put(
            replace(
                row,
                status=status,
                reason=reason,
                message_id=message_id,
                holder=None if status == RETRY else holder,
                claim_expires_at=_utc(retry_at) if retry_at else None,
                updated_at=moment,
            )
        )
        sub = self._t.subscriptions.get(sub_id)
        if sub is not None:
            if state is not None:
                sub = replace(sub, state=state)
            if pause_reason is not None:
                sub = replace(sub, status=PAUSED, status_reason=pause_reason, updated_at=moment)
            self._t.subscriptions[sub_id] = sub
        return True

    async def record_missed(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int:
        moment = _utc(now)
        new = 0
        for sub_id, occ, reason in items:
            occurrence = _utc(occ)
            if (sub_id, occurrence) in self._t.deliveries:
                continue
            self._put(
                Delivery(
                    subscription_id=sub_id,
                    occurrence=occurrence,
                    status=MISSED,
                    attempts=0,
                    reason=reason,
                    message_id=None,
                    manual=False,
                    holder=None,
                    claim_expires_at=None,
                    updated_at=moment,
                    created_at=moment,
                )
            )
            new += 1
        return new

    async def expire_stale(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int:
        moment = _utc(now)
        count = 0
        for sub_id, occ, reason in items:
            row = self._t.deliveries.get((sub_id, _utc(occ)))
            if (
                row is None
                or row.status not in (CLAIMED, RETRY)
                or row.claim_expires_at is None
                or row.claim_expires_at > moment
            ):
                continue
            self._put(
                replace(
                    row,
                    status=FAILED if row.status == RETRY else MISSED,
                    reason=reason,
                    holder=None,
                    claim_expires_at=None,
                    updated_at=moment,
                )
            )
            count += 1
        return count

    async def release(
        self,
        items: Iterable[tuple[str, datetime]],
        *,
        holder: str,
        now: datetime,
        reason: str = RELEASED,
    ) -> int:
        moment = _utc(now)
        count = 0
        for sub_id, occ in items:
            row = self._mine(holder, sub_id, occ)
            if row is None:
                continue
            self._put(
                replace(
                    row,
                    status=RETRY,
                    holder=None,
                    claim_expires_at=moment,
                    reason=reason,
                    updated_at=moment,
                )
            )
            count += 1
        return count

    async def watermarks(self) -> dict[str, datetime]:
        marks: dict[str, datetime] = {}
        for row in self._t.deliveries.values():
            if not row.manual:
                marks[row.subscription_id] = max(
                    row.occurrence, marks.get(row.subscription_id, row.occurrence)
                )
        return marks

    async def seen_since(
        self, since: datetime, sub_ids: Sequence[str] | None = None
    ) -> set[tuple[str, datetime]]:
        start = _utc(since)
        wanted = set(sub_ids) if sub_ids is not None else None
        return {
            key
            for key, row in self._t.deliveries.items()
            if not row.manual
            and row.occurrence >= start
            and (wanted is None or row.subscription_id in wanted)
        }

    async def claimable(self, *, now: datetime) -> list[Delivery]:
        moment = _utc(now)
        rows = [
            r
            for r in self._t.deliveries.values()
            if r.status in (CLAIMED, RETRY)
            and r.claim_expires_at is not None
            and r.claim_expires_at <= moment
        ]
        return sorted(rows, key=lambda r: r.occurrence)

    async def last_deliveries(self, sub_ids: Sequence[str]) -> dict[str, Delivery]:
        wanted = set(sub_ids)
        last: dict[str, Delivery] = {}
        for row in self._t.deliveries.values():
            if row.subscription_id in wanted:
                known = last.get(row.subscription_id)
                if known is None or row.occurrence > known.occurrence:
                    last[row.subscription_id] = row
        return last

    async def recent_deliveries(
        self, *, limit: int = 20, subscription_id: str | None = None
    ) -> list[Delivery]:
        rows = [
            (key, row)
            for key, row in self._t.deliveries.items()
            if subscription_id is None or row.subscription_id == subscription_id
        ]
        rows.sort(key=lambda kr: (kr[1].occurrence, self._t.order[kr[0]]), reverse=True)
        return [row for _, row in rows[:limit]]

    async def deliveries_of(self, sub_id: str) -> list[Delivery]:
        rows = [r for r in self._t.deliveries.values() if r.subscription_id == sub_id]
        return sorted(rows, key=lambda r: r.occurrence)

    async def count(self, status: str) -> int:
        return sum(1 for r in self._t.deliveries.values() if r.status == status)


class MemoryVersions:
    """Briefing versions in a dict (``bot.digests.storage.protocols.Versions``)."""

    def __init__(self) -> None:
        self._snapshots: dict[tuple[str, str], dict[str, Any]] = {}

    async def record(
        self, briefing_id: str, fingerprint: str, snapshot: Mapping[str, Any], *, now: datetime
    ) -> None:
        self._snapshots.setdefault((briefing_id, fingerprint), copy.deepcopy(dict(snapshot)))

    async def snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None:
        found = self._snapshots.get((briefing_id, fingerprint))
        return copy.deepcopy(found) if found is not None else None


class MemoryMeta:
    """The key/value table in a dict (``bot.commands.calls.MetaStore``)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    async def get_meta(self, key: str) -> str | None:
        return self._values.get(key)

    async def set_meta(self, key: str, value: str) -> None:
        self._values[key] = value


class MemoryStore:
    """Subscriptions, ledger, versions and meta in memory (``DigestStore``)."""

    def __init__(self) -> None:
        tables = _Tables()
        self.subscriptions = MemorySubscriptions(tables)
        self.ledger = MemoryLedger(tables)
        self.versions = MemoryVersions()
        self.meta = MemoryMeta()

    async def ping(self) -> None:
        """Always reachable."""

    async def close(self) -> None:
        """Nothing to release."""
