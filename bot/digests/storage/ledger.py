"""The delivery ledger in the database: who posts which occurrence, and how it ended.

The ledger ``deliveries`` is keyed by (subscription, scheduled occurrence in UTC) with a unique
constraint. A process *claims* an occurrence before posting it (``INSERT … ON CONFLICT DO
NOTHING``, or taking over a claim whose holder let it expire) and marks it sent / failed /
missed / retry afterwards. Every row changes under a condition on its current state, so two
processes never both hold one occurrence. Every method takes the time (``now``) from its
caller's clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.digests.records import CLAIMED, FAILED, MISSED, PAUSED, RETRY, Delivery
from bot.digests.storage.connection import Database, aware, naive
from bot.digests.storage.schema import deliveries, subscriptions

RELEASED = "released at shutdown"


class SqlLedger:
    """The ``deliveries`` table (``bot.digests.storage.protocols.Ledger``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- claiming --------------------------------------------------------------------------------

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
        """Claim one occurrence for ``holder``; False if someone else has or had it."""
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
        """Claim several occurrences in one transaction; one bool per item."""
        moment = naive(now)
        expires = moment + timedelta(seconds=claim_seconds)

        def run(conn: Connection) -> list[bool]:
            return [
                self._claim_one(conn, sub_id, naive(occ), holder, moment, expires, manual)
                for sub_id, occ in items
            ]

        return await self._db.tx(run, writes=True)

    def _claim_one(
        self,
        conn: Connection,
        sub_id: str,
        occurrence: datetime,
        holder: str,
        now: datetime,
        expires: datetime,
        manual: bool,
    ) -> bool:
        fresh = conn.execute(
            self._db.insert(deliveries)
            .values(
                subscription_id=sub_id,
                occurrence=occurrence,
                status=CLAIMED,
                holder=holder,
                claim_expires_at=expires,
                attempts=1,
                manual=manual,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "occurrence"])
            .returning(deliveries.c.id)
        )
        if fresh.first() is not None:
            return True
        c = deliveries.c
        takeover = conn.execute(
            deliveries.update()
            .where(
                c.subscription_id == sub_id,
                c.occurrence == occurrence,
                c.status.in_((CLAIMED, RETRY)),
                c.claim_expires_at <= now,
            )
            .values(
                status=CLAIMED,
                holder=holder,
                claim_expires_at=expires,
                attempts=c.attempts + 1,
                updated_at=now,
            )
        )
        return takeover.rowcount == 1

    async def renew(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
    ) -> bool:
        """Extend our claim before posting; False if it is no longer ours."""
        moment = naive(now)
        query = (
            deliveries.update()
            .where(_claimed_by(holder, sub_id, occurrence))
            .values(claim_expires_at=moment + timedelta(seconds=claim_seconds), updated_at=moment)
        )
        return await self._db.tx(lambda conn: conn.execute(query).rowcount == 1, writes=True)

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
        """Remember that the first ``pages_sent`` pages of our claimed occurrence are posted
        (and its first message), so whoever retries it posts only the rest."""
        query = (
            deliveries.update()
            .where(_claimed_by(holder, sub_id, occurrence))
            .values(pages_sent=pages_sent, message_id=message_id, updated_at=naive(now))
        )
        return await self._db.tx(lambda conn: conn.execute(query).rowcount == 1, writes=True)

    # -- settling --------------------------------------------------------------------------------

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
        """Settle our claim (sent / failed / missed / retry), in one transaction with the
        subscription's new digest ``state`` or its pausing. False if the claim was not ours."""
        moment = naive(now)

        def run(conn: Connection) -> bool:
            done = conn.execute(
                deliveries.update()
                .where(_claimed_by(holder, sub_id, occurrence))
                .values(
                    status=status,
                    reason=reason,
                    message_id=message_id,
                    holder=None if status == RETRY else holder,
                    claim_expires_at=naive(retry_at) if retry_at else None,
                    updated_at=moment,
                )
            ).rowcount
            if done != 1:
                return False
            changes: dict[str, Any] = {}
            if state is not None:
                changes["state"] = state
            if pause_reason is not None:
                changes.update(status=PAUSED, status_reason=pause_reason, updated_at=moment)
            if changes:
                conn.execute(
                    subscriptions.update().where(subscriptions.c.id == sub_id).values(**changes)
                )
            return True

        return await self._db.tx(run, writes=True)

    async def record_missed(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int:
        """Record occurrences nobody posted in time (``(sub, occurrence, reason)``); returns
        how many were new."""
        moment = naive(now)
        rows = [
            {
                "subscription_id": sub_id,
                "occurrence": naive(occ),
                "status": MISSED,
                "holder": None,
                "claim_expires_at": None,
                "attempts": 0,
                "reason": reason,
                "message_id": None,
                "manual": False,
                "created_at": moment,
                "updated_at": moment,
            }
            for sub_id, occ, reason in items
        ]
        if not rows:
            return 0

        def run(conn: Connection) -> int:
            stmt = (
                self._db.insert(deliveries)
                .on_conflict_do_nothing(index_elements=["subscription_id", "occurrence"])
                .returning(deliveries.c.id)
            )
            return sum(conn.execute(stmt.values(**row)).first() is not None for row in rows)

        return await self._db.tx(run, writes=True)

    async def expire_stale(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int:
        """Give up on claimed/retry occurrences now past the grace window (status ``failed``
        when it had been tried, else ``missed``), unless someone holds a live claim."""
        moment = naive(now)
        c = deliveries.c

        def run(conn: Connection) -> int:
            count = 0
            for sub_id, occ, reason in items:
                count += conn.execute(
                    deliveries.update()
                    .where(
                        c.subscription_id == sub_id,
                        c.occurrence == naive(occ),
                        c.status.in_((CLAIMED, RETRY)),
                        c.claim_expires_at <= moment,
                    )
                    .values(
                        status=sa.case((c.status == RETRY, FAILED), else_=MISSED),
                        reason=reason,
                        holder=None,
                        claim_expires_at=None,
                        updated_at=moment,
                    )
                ).rowcount
            return count

        return await self._db.tx(run, writes=True)

    async def release(
        self,
        items: Iterable[tuple[str, datetime]],
        *,
        holder: str,
        now: datetime,
        reason: str = RELEASED,
    ) -> int:
        """Hand our unsent claims back (on shutdown) so any instance can take them at once."""
        moment = naive(now)

        def run(conn: Connection) -> int:
            count = 0
            for sub_id, occ in items:
                count += conn.execute(
                    deliveries.update()
                    .where(_claimed_by(holder, sub_id, occ))
                    .values(
                        status=RETRY,
                        holder=None,
                        claim_expires_at=moment,
                        reason=reason,
                        updated_at=moment,
                    )
                ).rowcount
            return count

        return await self._db.tx(run, writes=True)

    # -- reading ---------------------------------------------------------------------------------

    async def watermarks(self) -> dict[str, datetime]:
        """Per subscription, the latest scheduled occurrence the ledger knows of (UTC)."""
        c = deliveries.c
        query = (
            sa.select(c.subscription_id, sa.func.max(c.occurrence))
            .where(c.manual.is_(False))
            .group_by(c.subscription_id)
        )
        rows = await self._db.tx(lambda conn: conn.execute(query).all())
        return {r[0]: aware(r[1]) for r in rows}

    async def seen_since(
        self, since: datetime, sub_ids: Sequence[str] | None = None
    ) -> set[tuple[str, datetime]]:
        """(subscription, occurrence) of every scheduled ledger row at or after ``since``
        (of the given subscriptions only, when given)."""
        c = deliveries.c
        query = sa.select(c.subscription_id, c.occurrence).where(
            c.occurrence >= naive(since), c.manual.is_(False)
        )
        if sub_ids is not None:
            query = query.where(c.subscription_id.in_(list(sub_ids)))
        rows = await self._db.tx(lambda conn: conn.execute(query).all())
        return {(r[0], aware(r[1])) for r in rows}

    async def claimable(self, *, now: datetime) -> list[Delivery]:
        """Rows another instance may take: expired claims and retries that are due."""
        c = deliveries.c
        query = (
            sa.select(deliveries)
            .where(c.status.in_((CLAIMED, RETRY)), c.claim_expires_at <= naive(now))
            .order_by(c.occurrence)
        )
        rows = await self._db.tx(lambda conn: conn.execute(query).all())
        return [delivery_of(r) for r in rows]

    async def last_deliveries(self, sub_ids: Sequence[str]) -> dict[str, Delivery]:
        """The latest ledger row of each subscription (by occurrence)."""
        if not sub_ids:
            return {}
        c = deliveries.c
        latest = (
            sa.select(c.subscription_id, sa.func.max(c.occurrence).label("occ"))
            .where(c.subscription_id.in_(list(sub_ids)))
            .group_by(c.subscription_id)
            .subquery()
        )
        query = sa.select(deliveries).join(
            latest,
            sa.and_(c.subscription_id == latest.c.subscription_id, c.occurrence == latest.c.occ),
        )
        rows = await self._db.tx(lambda conn: conn.execute(query).all())
        return {r.subscription_id: delivery_of(r) for r in rows}

    async def recent_deliveries(
        self, *, limit: int = 20, subscription_id: str | None = None
    ) -> list[Delivery]:
        """The newest ledger rows, newest first."""
        query = sa.select(deliveries).order_by(
            deliveries.c.occurrence.desc(), deliveries.c.id.desc()
        )
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        rows = await self._db.tx(lambda conn: conn.execute(query.limit(limit)).all())
        return [delivery_of(r) for r in rows]

    async def deliveries_of(self, sub_id: str) -> list[Delivery]:
        """Every ledger row of one subscription, oldest first."""
        query = (
            sa.select(deliveries)
            .where(deliveries.c.subscription_id == sub_id)
            .order_by(deliveries.c.occurrence)
        )
        rows = await self._db.tx(lambda conn: conn.execute(query).all())
        return [delivery_of(r) for r in rows]

    async def count(self, status: str) -> int:
        """How many ledger rows have ``status``."""
        query = sa.select(sa.func.count()).select_from(deliveries)
        query = query.where(deliveries.c.status == status)
        return int(await self._db.tx(lambda conn: conn.execute(query).scalar_one()))


def _claimed_by(holder: str, sub_id: str, occurrence: datetime) -> sa.ColumnElement[bool]:
    """The ledger row of this occurrence, while ``holder`` still holds its claim."""
    c = deliveries.c
    return sa.and_(
        c.subscription_id == sub_id,
        c.occurrence == naive(occurrence),
        c.status == CLAIMED,
        c.holder == holder,
    )


def delivery_of(row: Any) -> Delivery:
    """A row of ``deliveries`` as a ``Delivery``."""
    data = row._mapping
    return Delivery(
        subscription_id=data["subscription_id"],
        occurrence=aware(data["occurrence"]),
        status=data["status"],
        attempts=data["attempts"],
        reason=data["reason"],
        message_id=data["message_id"],
        manual=bool(data["manual"]),
        holder=data["holder"],
        claim_expires_at=aware(data["claim_expires_at"]) if data["claim_expires_at"] else None,
        updated_at=aware(data["updated_at"]),
        pages_sent=data["pages_sent"],
        created_at=aware(data["created_at"]),
    )
