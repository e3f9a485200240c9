"""Subscriptions in the database: the source of truth of what is owed to which channel."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.digests.records import ACTIVE, Subscription
from bot.digests.storage.connection import Database, aware, naive
from bot.digests.storage.schema import deliveries, subscriptions


class SqlSubscriptions:
    """The ``subscriptions`` table (``bot.digests.storage.protocols.Subscriptions``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

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
        """Add a subscription; returns ``(subscription, created)`` (False: it already existed)."""
        moment = naive(now)

        def run(conn: Connection) -> tuple[Subscription, bool]:
            same = conn.execute(
                sa.select(subscriptions).where(
                    subscriptions.c.platform == platform,
                    subscriptions.c.workspace_id == workspace_id,
                    subscriptions.c.channel_id == channel_id,
                    subscriptions.c.schedule == schedule,
                    subscriptions.c.timezone == timezone,
                    _eq_or_null(subscriptions.c.briefing_id, briefing_id),
                )
            ).first()
            if same is not None:
                return subscription_of(same), False
            while True:
                sub_id = secrets.token_hex(3)
                taken = conn.execute(
                    sa.select(subscriptions.c.id).where(subscriptions.c.id == sub_id)
                ).first()
                if taken is None:
                    break
            values = {
                "id": sub_id,
                "platform": platform,
                "workspace_id": workspace_id,
                "channel_id": channel_id,
                "channel_name": channel_name,
                "schedule": schedule,
                "timezone": timezone,
                "briefing_id": briefing_id,
                "status": ACTIVE,
                "status_reason": None,
                "created_by": created_by,
                "created_at": moment,
                "updated_at": moment,
                "active_since": moment,
                "state": None,
                "thread": thread,
            }
            conn.execute(subscriptions.insert().values(**values))
            return subscription_of(values), True

        return await self._db.tx(run, writes=True)

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert (benchmarks, imports): rows hold every column but ``state``."""

        def run(conn: Connection) -> None:
            conn.execute(
                subscriptions.insert(),
                [{**r, "state": r.get("state"), "thread": bool(r.get("thread"))} for r in rows],
            )

        await self._db.tx(run, writes=True)

    async def get(self, sub_id: str) -> Subscription | None:
        """One subscription by id, or None."""
        row = await self._db.tx(
            lambda c: c.execute(
                sa.select(subscriptions).where(subscriptions.c.id == sub_id)
            ).first()
        )
        return subscription_of(row) if row is not None else None

    async def find(
        self,
        *,
        platform: str | None = None,
        workspace_id: str | None = None,
        channel_id: str | None = None,
        status: str | None = None,
    ) -> list[Subscription]:
        """Subscriptions matching every given filter, oldest first."""
        query = sa.select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)
        for column, value in (
            (subscriptions.c.platform, platform),
            (subscriptions.c.workspace_id, workspace_id),
            (subscriptions.c.channel_id, channel_id),
            (subscriptions.c.status, status),
        ):
            if value is not None:
                query = query.where(column == value)
        rows = await self._db.tx(lambda c: c.execute(query).all())
        return [subscription_of(r) for r in rows]

    async def delete(self, sub_id: str) -> bool:
        """Delete a subscription and its ledger; False if it did not exist."""

        def run(conn: Connection) -> bool:
            conn.execute(deliveries.delete().where(deliveries.c.subscription_id == sub_id))
            deleted = conn.execute(subscriptions.delete().where(subscriptions.c.id == sub_id))
            return deleted.rowcount == 1

        return await self._db.tx(run, writes=True)

    async def set_status(
        self, sub_id: str, status: str, reason: str | None = None, *, now: datetime
    ) -> bool:
        """Pause or resume. Resuming moves ``active_since`` so paused time is not owed."""
        moment = naive(now)
        values: dict[str, Any] = {"status": status, "status_reason": reason, "updated_at": moment}
        if status == ACTIVE:
            values["active_since"] = moment

        def run(conn: Connection) -> bool:
            query = subscriptions.update().where(subscriptions.c.id == sub_id)
            if status == ACTIVE:  # resuming an already active one must not forgive its misses
                query = query.where(subscriptions.c.status != ACTIVE)
            return conn.execute(query.values(**values)).rowcount == 1

        return await self._db.tx(run, writes=True)

    async def set_thread(self, sub_id: str, thread: bool, *, now: datetime) -> bool:
        """Turn the subscription's digest threads on or off; False if it does not exist."""
        query = (
            subscriptions.update()
            .where(subscriptions.c.id == sub_id)
            .values(thread=thread, updated_at=naive(now))
        )
        return await self._db.tx(lambda c: c.execute(query).rowcount == 1, writes=True)


def subscription_of(row: Any) -> Subscription:
    """A row of ``subscriptions`` (or its values) as a ``Subscription``."""
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    for key in ("created_at", "updated_at", "active_since"):
        data[key] = aware(data[key])
    values: dict[str, Any] = {k: data.get(k) for k in Subscription.__dataclass_fields__}
    values["thread"] = bool(values["thread"])
    return Subscription(**values)


def _eq_or_null(column: sa.Column[Any], value: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
