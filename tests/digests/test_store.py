"""The database store: URLs, migrations, concurrent start-ups, an unreachable server.

What every store must do (subscriptions, the ledger, versions) is in
``test_ledger_contract.py``; this is what only the database has.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.digests.storage import SCHEMA_VERSION, Store, normalise_url
from bot.digests.storage.schema import MIGRATIONS

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_urls_are_normalised_to_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


async def test_an_upgrade_keeps_existing_data(sqlite_url: str) -> None:
    old = await Store.open(sqlite_url, target_version=1)
    try:
        with old.db.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("subscriptions")}
        assert "state" not in columns
        await old.meta.set_meta("discord.sync", "hash-1")

        def insert(conn: sa.Connection) -> None:
            conn.execute(
                sa.text(
                    "INSERT INTO subscriptions (id, platform, workspace_id, channel_id,"
                    " channel_name, schedule, timezone, status, created_by, created_at,"
                    " updated_at, active_since) VALUES ('abc123', 'slack', 'T1', 'C1', 'general',"
                    " 'daily 09:00', 'Europe/Istanbul', 'active', 'U1', :t, :t, :t)"
                ),
                {"t": T0.replace(tzinfo=None)},
            )

        await old.tx(insert)
    finally:
        await old.close()

    new = await Store.open(sqlite_url)
    try:
        sub = await new.subscriptions.get("abc123")
        assert sub is not None and sub.schedule == "daily 09:00" and sub.state is None
        assert await new.meta.get_meta("discord.sync") == "hash-1"
        with new.db.connect() as conn:
            version = conn.execute(sa.text("SELECT max(version) FROM schema_migrations")).scalar()
        assert version == SCHEMA_VERSION == MIGRATIONS[-1][0]
    finally:
        await new.close()
    again = await Store.open(sqlite_url)  # opening an up-to-date database changes nothing
    await again.close()


@pytest.mark.postgres
async def test_two_stores_migrating_at_once_do_not_collide(postgres_url: str) -> None:
    stores = await asyncio.gather(Store.open(postgres_url), Store.open(postgres_url))
    try:
        await stores[0].meta.set_meta("k", "v")
        assert await stores[1].meta.get_meta("k") == "v"
    finally:
        for s in stores:
            await s.close()


async def test_an_unreachable_database_fails_ping_or_open() -> None:
    with pytest.raises(Exception):  # noqa: B017 - any driver error will do
        store = await Store.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
        await store.close()


async def _upgrade_from_3_keeps_subscriptions_without_threads(url: str) -> None:
    old = await Store.open(url, target_version=3)
    try:
        with old.db.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("subscriptions")}
        assert "thread" not in columns and "state" in columns

        def insert(conn: sa.Connection) -> None:
            conn.execute(
                sa.text(
                    "INSERT INTO subscriptions (id, platform, workspace_id, channel_id,"
                    " channel_name, schedule, timezone, status, created_by, created_at,"
                    " updated_at, active_since) VALUES ('abc123', 'discord', 'G1', '100',"
                    " 'general', 'daily 09:00', 'UTC', 'active', 'U1', :t, :t, :t)"
                ),
                {"t": T0.replace(tzinfo=None)},
            )

        await old.tx(insert)
    finally:
        await old.close()
    new = await Store.open(url)
    try:
        [sub] = await new.subscriptions.find()
        assert sub.thread is False  # existing subscriptions keep one message per digest
        assert await new.subscriptions.set_thread(sub.id, True, now=T0)
        added, created = await new.subscriptions.add(
            platform="discord",
            workspace_id="G1",
            channel_id="101",
            channel_name="forum",
            schedule="daily 10:00",
            timezone="UTC",
            briefing_id=None,
            created_by="U1",
            now=T0,
            thread=True,
        )
        assert created and added.thread
        assert {s.channel_id: s.thread for s in await new.subscriptions.find()} == {
            "100": True,
            "101": True,
        }
    finally:
        await new.close()


async def test_the_thread_column_is_added_to_existing_sqlite_databases(sqlite_url: str) -> None:
    await _upgrade_from_3_keeps_subscriptions_without_threads(sqlite_url)


@pytest.mark.postgres
async def test_the_thread_column_is_added_to_existing_postgres_databases(
    postgres_url: str,
) -> None:
    await _upgrade_from_3_keeps_subscriptions_without_threads(postgres_url)
