"""The tables, and the numbered migrations that bring a database up to them.

Schema migrations are a short list of numbered Python steps recorded in ``schema_migrations``
and applied at ``Store.open`` inside one transaction (PostgreSQL: under an advisory lock;
SQLite: ``BEGIN IMMEDIATE``), so an upgrade keeps existing data and two processes starting at
once do not race. Alembic would add a dependency and a migration environment for the four
tables here; the numbered list does the same job in ~40 lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

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
        # Each digest opens a thread (Discord thread or forum post, Slack thread replies).
        *(
            [sa.Column("thread", sa.Boolean, nullable=False, server_default=sa.false())]
            if version >= 4
            else []
        ),
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


def _migration_4(conn: Connection) -> None:
    """Whether each digest of a subscription opens a thread (off for existing ones)."""
    conn.execute(
        sa.text("ALTER TABLE subscriptions ADD COLUMN thread BOOLEAN NOT NULL DEFAULT FALSE")
    )


MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _migration_1),
    (2, _migration_2),
    (3, _migration_3),
    (4, _migration_4),
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


def migrate(db: sa.Engine, target_version: int | None = None) -> int:
    """Apply pending migrations (up to ``target_version``); returns the schema version."""
    target = SCHEMA_VERSION if target_version is None else target_version
    with db.begin() as conn:
        if db.dialect.name == "postgresql":
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
                    schema_migrations.insert().values(
                        version=version, applied_at=datetime.now(UTC).replace(tzinfo=None)
                    )
                )
                current = version
    return current
