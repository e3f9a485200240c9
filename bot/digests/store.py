"""Durable storage: subscriptions (the source of truth), the delivery ledger, briefing versions.

SQLAlchemy 2 Core on a synchronous engine, run in a small thread pool so the event loop never
waits on the database. SQLite (a file) is the embedded default; PostgreSQL is used when
``DATABASE_URL`` says so (``postgresql://`` is read as psycopg 3).

Schema migrations are a short list of numbered Python steps recorded in ``schema_migrations``
and applied at ``Store.open`` inside one transaction (PostgreSQL: under an advisory lock;
SQLite: ``BEGIN IMMEDIATE``), so an upgrade keeps existing data and two processes starting at
once do not race. Alembic would add a dependency and a migration environment for the four
tables here; the numbered list does the same job in ~40 lines.

The ledger ``deliveries`` is keyed by (subscription, scheduled occurrence in UTC) with a unique
constraint. A process *claims* an occurrence before posting it (``INSERT … ON CONFLICT DO
NOTHING``, or taking over a claim whose holder let it expire) and marks it sent / failed /
missed / retry afterwards. Every row changes under a condition on its current state, so two
processes never both hold one occurrence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import StaticPool

from bot.digests.compose import snapshot
from bot.digests.records import (  # noqa: F401  (re-exported: the store's vocabulary)
    ACTIVE,
    CLAIMED,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    SENT,
    Delivery,
    Subscription,
)

if TYPE_CHECKING:
    from bot.core.loader import LoadedBriefing

log = logging.getLogger(__name__)

T = TypeVar("T")

_ADVISORY_LOCK_KEY = 0x62726566  # "bref"


def _define(md: sa.MetaData, version: int) -> None:
    """Declare the tables as they are at schema ``version`` in ``md``."""
    sa.Table(
        "schema_migrations",
        md,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("applied_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "meta",
        md,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    sa.Table(
        "subscriptions",
        md,
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("channel_name", sa.String(200), nullable=False),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("briefing_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # Occurrences before this (creation, or the last resume) are not owed to the channel.
        sa.Column("active_since", sa.DateTime, nullable=False),
        *([sa.Column("state", sa.Text)] if version >= 2 else []),  # DigestState JSON
        sa.Index("ix_subscriptions_channel", "platform", "workspace_id", "channel_id"),
    )
    sa.Table(
        "deliveries",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(16), nullable=False),
        sa.Column("occurrence", sa.DateTime, nullable=False),  # UTC, naive
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(64)),
        sa.Column("claim_expires_at", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("message_id", sa.String(100)),
        sa.Column("manual", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # Pages of a multi-page digest posted before a failure: a retry posts only the rest.
        *(
            [sa.Column("pages_sent", sa.Integer, nullable=False, server_default="0")]
            if version >= 3
            else []
        ),
        sa.UniqueConstraint("subscription_id", "occurrence", name="uq_deliveries_occurrence"),
        *([sa.Index("ix_deliveries_status", "status", "claim_expires_at")] if version >= 2 else []),
    )
    sa.Table(
        "briefing_versions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("briefing_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("briefing_id", "fingerprint", name="uq_briefing_versions"),
    )


# -- migrations ----------------------------------------------------------------------------------


def _migration_1(conn: Connection) -> None:
    """Initial schema."""
    v1 = sa.MetaData()
    _define(v1, 1)
    v1.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """Digest state per subscription; an index for the sweeper's expired-claim query."""
    conn.execute(sa.text("ALTER TABLE subscriptions ADD COLUMN state TEXT"))
    conn.execute(
        sa.text("CREATE INDEX ix_deliveries_status ON deliveries (status, claim_expires_at)")
    )


def _migration_3(conn: Connection) -> None:
    """Pages of a multi-page digest posted before a failure, so a retry skips them."""
    conn.execute(sa.text("ALTER TABLE deliveries ADD COLUMN pages_sent INTEGER NOT NULL DEFAULT 0"))


MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _migration_1),
    (2, _migration_2),
    (3, _migration_3),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]

#: The tables at the current schema version (what queries use).
metadata = sa.MetaData()
_define(metadata, SCHEMA_VERSION)
schema_migrations = metadata.tables["schema_migrations"]
meta_table = metadata.tables["meta"]
subscriptions = metadata.tables["subscriptions"]
deliveries = metadata.tables["deliveries"]
briefing_versions = metadata.tables["briefing_versions"]


# -- the store -----------------------------------------------------------------------------------


class Store:
    """Async facade over the database. Create with ``await Store.open(url)``."""

    def __init__(self, engine: sa.Engine, *, workers: int) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store")
        self._closed = False

    @classmethod
    async def open(cls, database_url: str, *, target_version: int | None = None) -> Store:
        """Connect and bring the schema up to date (``target_version`` is for upgrade tests)."""
        engine, workers = create_engine(database_url)
        store = cls(engine, workers=workers)
        try:
            await store._run(migrate, engine, target_version)
        except BaseException:
            await store.close()
            raise
        return store

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args))

    async def _tx(self, fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            with self.engine.begin() as conn:
                return fn(conn)

        return await self._run(run)

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        await self._tx(lambda conn: conn.execute(sa.text("SELECT 1")).scalar_one())

    async def close(self) -> None:
        """Release connections and the worker threads (idempotent)."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.engine.dispose)
        self._closed = True
        self._executor.shutdown(wait=True)

    # -- meta and briefing versions -------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        """A value of the small key/value table, or None."""
        return await self._tx(
            lambda c: c.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
        )

    async def set_meta(self, key: str, value: str) -> None:
        """Set a key of the key/value table."""

        def run(conn: Connection) -> None:
            stmt = self._insert(meta_table).values(key=key, value=value)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

        await self._tx(run)

    async def record_briefing_version(self, loaded: LoadedBriefing) -> None:
        """Remember a briefing's claims under its fingerprint (what "What changed" diffs)."""
        data = json.dumps(snapshot(loaded.briefing), sort_keys=True)
        row = {
            "briefing_id": loaded.briefing.id,
            "fingerprint": loaded.fingerprint,
            "snapshot": data,
            "created_at": _naive(_now()),
        }

        def run(conn: Connection) -> None:
            conn.execute(
                self._insert(briefing_versions)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["briefing_id", "fingerprint"])
            )

        await self._tx(run)

    async def briefing_snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The snapshot recorded for this briefing version, if any."""
        text = await self._tx(
            lambda c: c.execute(
                sa.select(briefing_versions.c.snapshot).where(
                    briefing_versions.c.briefing_id == briefing_id,
                    briefing_versions.c.fingerprint == fingerprint,
                )
            ).scalar_one_or_none()
        )
        return json.loads(text) if text else None

    # -- subscriptions --------------------------------------------------------------------------

    async def add_subscription(
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
        now: datetime | None = None,
    ) -> tuple[Subscription, bool]:
        """Add a subscription; returns ``(subscription, created)`` (False: it already existed)."""
        moment = _naive(now or _now())

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
                return _subscription(same), False
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
            }
            conn.execute(subscriptions.insert().values(**values))
            return _subscription(values), True

        return await self._tx(run)

    async def add_subscriptions(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert (benchmarks, imports): rows hold every column but ``state``."""

        def run(conn: Connection) -> None:
            conn.execute(subscriptions.insert(), [{**r, "state": r.get("state")} for r in rows])

        await self._tx(run)

    async def get_subscription(self, sub_id: str) -> Subscription | None:
        row = await self._tx(
            lambda c: c.execute(
                sa.select(subscriptions).where(subscriptions.c.id == sub_id)
            ).first()
        )
        return _subscription(row) if row is not None else None

    async def list_subscriptions(
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
        rows = await self._tx(lambda c: c.execute(query).all())
        return [_subscription(r) for r in rows]

    async def delete_subscription(self, sub_id: str) -> bool:
        """Delete a subscription and its ledger; False if it did not exist."""

        def run(conn: Connection) -> bool:
            conn.execute(deliveries.delete().where(deliveries.c.subscription_id == sub_id))
            return (
                conn.execute(subscriptions.delete().where(subscriptions.c.id == sub_id)).rowcount
                == 1
            )

        return await self._tx(run)

    async def set_status(
        self, sub_id: str, status: str, reason: str | None = None, *, now: datetime | None = None
    ) -> bool:
        """Pause or resume. Resuming moves ``active_since`` so paused time is not owed."""
        moment = _naive(now or _now())
        values: dict[str, Any] = {"status": status, "status_reason": reason, "updated_at": moment}
        if status == ACTIVE:
            values["active_since"] = moment

        def run(conn: Connection) -> bool:
            query = subscriptions.update().where(subscriptions.c.id == sub_id)
            if status == ACTIVE:  # resuming an already active one must not forgive its misses
                query = query.where(subscriptions.c.status != ACTIVE)
            return conn.execute(query.values(**values)).rowcount == 1

        return await self._tx(run)

    # -- the ledger -----------------------------------------------------------------------------

    async def claim(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        manual: bool = False,
        now: datetime | None = None,
    ) -> bool:
        """Claim one occurrence for ``holder``; False if someone else has or had it."""
        return (
            await self.claim_many(
                [(sub_id, occurrence)],
                holder=holder,
                claim_seconds=claim_seconds,
                manual=manual,
                now=now,
            )
        )[0]

    async def claim_many(
        self,
        items: Sequence[tuple[str, datetime]],
        *,
        holder: str,
        claim_seconds: float,
        manual: bool = False,
        now: datetime | None = None,
    ) -> list[bool]:
        """Claim several occurrences in one transaction; one bool per item."""
        moment = _naive(now or _now())
        expires = moment + timedelta(seconds=claim_seconds)

        def run(conn: Connection) -> list[bool]:
            return [
                self._claim_one(conn, sub_id, _naive(occ), holder, moment, expires, manual)
                for sub_id, occ in items
            ]

        return await self._tx(run)

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
            self._insert(deliveries)
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
        self, sub_id: str, occurrence: datetime, *, holder: str, claim_seconds: float
    ) -> bool:
        """Extend our claim before posting; False if it is no longer ours."""
        moment = _naive(_now())
        query = (
            deliveries.update()
            .where(_claimed_by(holder, sub_id, occurrence))
            .values(claim_expires_at=moment + timedelta(seconds=claim_seconds), updated_at=moment)
        )
        return await self._tx(lambda conn: conn.execute(query).rowcount == 1)

    async def record_progress(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        pages_sent: int,
        message_id: str | None = None,
    ) -> bool:
        """Remember that the first ``pages_sent`` pages of our claimed occurrence are posted
        (and its first message), so whoever retries it posts only the rest."""
        moment = _naive(_now())
        query = (
            deliveries.update()
            .where(_claimed_by(holder, sub_id, occurrence))
            .values(pages_sent=pages_sent, message_id=message_id, updated_at=moment)
        )
        return await self._tx(lambda conn: conn.execute(query).rowcount == 1)

    async def finish(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        status: str,
        reason: str | None = None,
        message_id: str | None = None,
        retry_at: datetime | None = None,
        state: str | None = None,
        pause_reason: str | None = None,
    ) -> bool:
        """Settle our claim (sent / failed / missed / retry), in one transaction with the
        subscription's new digest ``state`` or its pausing. False if the claim was not ours."""
        moment = _naive(_now())

        def run(conn: Connection) -> bool:
            done = conn.execute(
                deliveries.update()
                .where(_claimed_by(holder, sub_id, occurrence))
                .values(
                    status=status,
                    reason=reason,
                    message_id=message_id,
                    holder=None if status == RETRY else holder,
                    claim_expires_at=_naive(retry_at) if retry_at else None,
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

        return await self._tx(run)

    async def record_missed(self, items: Iterable[tuple[str, datetime, str]]) -> int:
        """Record occurrences nobody posted in time (``(sub, occurrence, reason)``); returns
        how many were new."""
        moment = _naive(_now())
        rows = [
            {
                "subscription_id": sub_id,
                "occurrence": _naive(occ),
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
                self._insert(deliveries)
                .on_conflict_do_nothing(index_elements=["subscription_id", "occurrence"])
                .returning(deliveries.c.id)
            )
            return sum(conn.execute(stmt.values(**row)).first() is not None for row in rows)

        return await self._tx(run)

    async def expire_stale(self, items: Iterable[tuple[str, datetime, str]]) -> int:
        """Give up on claimed/retry occurrences now past the grace window (status ``failed``
        when it had been tried, else ``missed``), unless someone holds a live claim."""
        moment = _naive(_now())
        c = deliveries.c

        def run(conn: Connection) -> int:
            count = 0
            for sub_id, occ, reason in items:
                count += conn.execute(
                    deliveries.update()
                    .where(
                        c.subscription_id == sub_id,
                        c.occurrence == _naive(occ),
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

        return await self._tx(run)

    async def release(self, items: Iterable[tuple[str, datetime]], *, holder: str) -> int:
        """Hand our unsent claims back (on shutdown) so any instance can take them at once."""
        moment = _naive(_now())

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
                        reason="released at shutdown",
                        updated_at=moment,
                    )
                ).rowcount
            return count

        return await self._tx(run)

    async def watermarks(self) -> dict[str, datetime]:
        """Per subscription, the latest scheduled occurrence the ledger knows of (UTC)."""
        c = deliveries.c
        query = (
            sa.select(c.subscription_id, sa.func.max(c.occurrence))
            .where(c.manual.is_(False))
            .group_by(c.subscription_id)
        )
        rows = await self._tx(lambda conn: conn.execute(query).all())
        return {r[0]: _aware(r[1]) for r in rows}

    async def ledger_since(
        self, since: datetime, sub_ids: Sequence[str] | None = None
    ) -> set[tuple[str, datetime]]:
        """(subscription, occurrence) of every scheduled ledger row at or after ``since``
        (of the given subscriptions only, when given)."""
        c = deliveries.c
        query = sa.select(c.subscription_id, c.occurrence).where(
            c.occurrence >= _naive(since), c.manual.is_(False)
        )
        if sub_ids is not None:
            query = query.where(c.subscription_id.in_(list(sub_ids)))
        rows = await self._tx(lambda conn: conn.execute(query).all())
        return {(r[0], _aware(r[1])) for r in rows}

    async def claimable(self, *, now: datetime | None = None) -> list[Delivery]:
        """Rows another instance may take: expired claims and retries that are due."""
        moment = _naive(now or _now())
        c = deliveries.c
        query = (
            sa.select(deliveries)
            .where(c.status.in_((CLAIMED, RETRY)), c.claim_expires_at <= moment)
            .order_by(c.occurrence)
        )
        rows = await self._tx(lambda conn: conn.execute(query).all())
        return [_delivery(r) for r in rows]

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
        rows = await self._tx(lambda conn: conn.execute(query).all())
        return {r.subscription_id: _delivery(r) for r in rows}

    async def recent_deliveries(
        self, *, limit: int = 20, subscription_id: str | None = None
    ) -> list[Delivery]:
        """The newest ledger rows, newest first."""
        query = sa.select(deliveries).order_by(
            deliveries.c.occurrence.desc(), deliveries.c.id.desc()
        )
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        rows = await self._tx(lambda conn: conn.execute(query.limit(limit)).all())
        return [_delivery(r) for r in rows]

    async def deliveries_of(self, sub_id: str) -> list[Delivery]:
        """Every ledger row of one subscription, oldest first."""
        query = (
            sa.select(deliveries)
            .where(deliveries.c.subscription_id == sub_id)
            .order_by(deliveries.c.occurrence)
        )
        rows = await self._tx(lambda conn: conn.execute(query).all())
        return [_delivery(r) for r in rows]

    def _insert(self, table: sa.Table) -> Any:
        # The PostgreSQL dialect (~2 MB) is imported only with PostgreSQL.
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)


# -- engine and migrations -----------------------------------------------------------------------


def normalise_url(database_url: str) -> str:
    """``postgres://`` / ``postgresql://`` → psycopg 3; everything else as given."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


def create_engine(database_url: str) -> tuple[sa.Engine, int]:
    """A SQLAlchemy engine for the URL and the number of worker threads to give it."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)
        return engine, 4
    memory = url.database in (None, "", ":memory:")
    if not memory and url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = sa.create_engine(url, **kwargs)
    _sqlite_transactions(engine, wal=not memory)
    # One worker: SQLite has one writer anyway, and this keeps every write in order.
    return engine, 1


def _sqlite_transactions(engine: sa.Engine, *, wal: bool) -> None:
    """Real transactions on SQLite: pysqlite's own BEGIN handling is replaced by
    ``BEGIN IMMEDIATE`` so a transaction that will write takes the lock up front."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: sa.Engine, target_version: int | None = None) -> int:
    """Apply pending migrations (up to ``target_version``); returns the schema version."""
    target = SCHEMA_VERSION if target_version is None else target_version
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        schema_migrations.create(conn, checkfirst=True)
        current = conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0
        if current > SCHEMA_VERSION:
            log.warning(
                "database schema %s is newer than this release knows (%s)", current, SCHEMA_VERSION
            )
        for version, step in MIGRATIONS:
            if current < version <= target:
                log.info("applying schema migration %d (%s)", version, step.__doc__)
                step(conn)
                conn.execute(
                    schema_migrations.insert().values(version=version, applied_at=_naive(_now()))
                )
                current = version
    return current


# -- helpers -------------------------------------------------------------------------------------


def _claimed_by(holder: str, sub_id: str, occurrence: datetime) -> sa.ColumnElement[bool]:
    """The ledger row of this occurrence, while ``holder`` still holds its claim."""
    c = deliveries.c
    return sa.and_(
        c.subscription_id == sub_id,
        c.occurrence == _naive(occurrence),
        c.status == CLAIMED,
        c.holder == holder,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo: how every time is stored (same on SQLite and PostgreSQL)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _eq_or_null(column: sa.Column[Any], value: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _subscription(row: Any) -> Subscription:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    for key in ("created_at", "updated_at", "active_since"):
        data[key] = _aware(data[key])
    values: dict[str, Any] = {k: data.get(k) for k in Subscription.__dataclass_fields__}
    return Subscription(**values)


def _delivery(row: Any) -> Delivery:
    data = row._mapping
    return Delivery(
        subscription_id=data["subscription_id"],
        occurrence=_aware(data["occurrence"]),
        status=data["status"],
        attempts=data["attempts"],
        reason=data["reason"],
        message_id=data["message_id"],
        manual=bool(data["manual"]),
        holder=data["holder"],
        claim_expires_at=_aware(data["claim_expires_at"]) if data["claim_expires_at"] else None,
        updated_at=_aware(data["updated_at"]),
        pages_sent=data["pages_sent"],
    )
