"""The store on SQLite and PostgreSQL: migrations, meta, subscriptions and the delivery ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.digests.store import (
    CLAIMED,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    SCHEMA_VERSION,
    SENT,
    Store,
    normalise_url,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request, sqlite_url: str) -> AsyncIterator[Store]:  # type: ignore[no-untyped-def]
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = await Store.open(url)
    try:
        yield store
    finally:
        await store.close()


async def add(store: Store, channel: str = "C1", **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "platform": "console",
        "workspace_id": "W",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "schedule": "daily 09:00",
        "timezone": "UTC",
        "briefing_id": None,
        "created_by": "u1",
        **overrides,
    }
    sub, _ = await store.add_subscription(**values)  # type: ignore[arg-type]
    return sub


def test_urls_are_normalised_to_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


async def test_ping_meta_and_briefing_versions(db: Store, river) -> None:  # type: ignore[no-untyped-def]
    await db.ping()
    assert await db.get_meta("discord.sync") is None
    await db.set_meta("discord.sync", "abc")
    await db.set_meta("discord.sync", "def")
    assert await db.get_meta("discord.sync") == "def"
    await db.record_briefing_version(river)
    await db.record_briefing_version(river)  # known versions are kept, not duplicated
    snap = await db.briefing_snapshot(river.briefing.id, river.fingerprint)
    assert snap is not None and "actor:northland" in snap
    assert await db.briefing_snapshot(river.briefing.id, "other") is None


async def test_subscriptions_are_unique_per_channel_schedule_zone_and_briefing(db: Store) -> None:
    first = await add(db)
    again, created = await db.add_subscription(
        platform="console",
        workspace_id="W",
        channel_id="C1",
        channel_name="c1",
        schedule="daily 09:00",
        timezone="UTC",
        briefing_id=None,
        created_by="u2",
    )
    assert not created and again.id == first.id
    other = await add(db, timezone="Europe/Istanbul")
    assert other.id != first.id and len(first.id) == 6
    assert [s.id for s in await db.list_subscriptions(channel_id="C1")] == [first.id, other.id]
    assert await db.set_status(first.id, PAUSED, "paused by ada")
    paused = await db.get_subscription(first.id)
    assert (
        paused is not None and paused.status == PAUSED and paused.status_reason == "paused by ada"
    )
    assert await db.delete_subscription(first.id)
    assert await db.get_subscription(first.id) is None


async def test_an_occurrence_is_claimed_once(db: Store) -> None:
    sub = await add(db)
    results = await asyncio.gather(
        *(db.claim(sub.id, T0, holder=f"p{i}", claim_seconds=60) for i in range(8))
    )
    assert sorted(results) == [False] * 7 + [True]
    assert await db.claim(sub.id, T0 + timedelta(days=1), holder="p1", claim_seconds=60)


async def test_an_expired_claim_can_be_taken_over_and_the_old_holder_loses_it(db: Store) -> None:
    sub = await add(db)
    past = datetime.now(UTC) - timedelta(minutes=10)
    assert await db.claim(sub.id, T0, holder="dead", claim_seconds=60, now=past)
    assert [r.holder for r in await db.claimable()] == ["dead"]
    assert await db.claim(sub.id, T0, holder="alive", claim_seconds=60)
    assert not await db.claim(sub.id, T0, holder="third", claim_seconds=60)  # live claim
    # The dead holder, were it to wake up, may neither renew nor settle it.
    assert not await db.renew(sub.id, T0, holder="dead", claim_seconds=60)
    assert not await db.finish(sub.id, T0, holder="dead", status=SENT)
    assert await db.finish(
        sub.id, T0, holder="alive", status=SENT, message_id="m1", state='{"x":1}'
    )
    [row] = await db.deliveries_of(sub.id)
    assert (row.status, row.attempts, row.message_id) == (SENT, 2, "m1")
    assert (await db.get_subscription(sub.id)).state == '{"x":1}'  # type: ignore[union-attr]
    assert not await db.claim(sub.id, T0, holder="late", claim_seconds=60)  # sent is final


async def test_pages_posted_before_a_failure_survive_a_retry_and_a_take_over(db: Store) -> None:
    sub = await add(db)
    assert await db.claim(sub.id, T0, holder="a", claim_seconds=60)
    assert not await db.record_progress(sub.id, T0, holder="b", pages_sent=1)  # not b's claim
    assert await db.record_progress(sub.id, T0, holder="a", pages_sent=1, message_id="m1")
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert await db.finish(
        sub.id, T0, holder="a", status=RETRY, reason="503", message_id="m1", retry_at=past
    )
    [row] = await db.claimable()
    assert (row.pages_sent, row.message_id) == (1, "m1")
    assert await db.claim(sub.id, T0, holder="b", claim_seconds=60)
    [row] = await db.deliveries_of(sub.id)
    assert (row.holder, row.pages_sent, row.message_id) == ("b", 1, "m1")


async def test_retries_become_claimable_when_due_and_stale_ones_are_given_up(db: Store) -> None:
    sub = await add(db)
    assert await db.claim(sub.id, T0, holder="a", claim_seconds=60)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    assert await db.finish(sub.id, T0, holder="a", status=RETRY, reason="503", retry_at=soon)
    assert await db.claimable() == []
    assert [r.status for r in await db.claimable(now=soon)] == [RETRY]
    assert await db.expire_stale([(sub.id, T0, "gave up")]) == 0  # not due yet: still live
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert (
        await db.finish(sub.id, T0, holder="a", status=RETRY, reason="503", retry_at=past) is False
    )
    # release makes our own unsent claims claimable at once
    assert await db.claim(sub.id, T0 + timedelta(days=1), holder="a", claim_seconds=60)
    assert await db.release([(sub.id, T0 + timedelta(days=1))], holder="a") == 1
    assert {r.occurrence for r in await db.claimable()} == {T0 + timedelta(days=1)}
    assert await db.expire_stale([(sub.id, T0 + timedelta(days=1), "gave up")]) == 1
    rows = {r.occurrence: r for r in await db.deliveries_of(sub.id)}
    assert rows[T0 + timedelta(days=1)].status == FAILED
    assert rows[T0 + timedelta(days=1)].reason == "gave up"
    assert rows[T0].status == RETRY


async def test_missed_occurrences_are_recorded_once_and_show_as_last_delivery(db: Store) -> None:
    sub = await add(db)
    missed = [(sub.id, T0, "the bot was down"), (sub.id, T0 + timedelta(days=1), "down")]
    assert await db.record_missed(missed) == 2
    assert await db.record_missed(missed) == 0
    last = await db.last_deliveries([sub.id])
    assert last[sub.id].status == MISSED and last[sub.id].occurrence == T0 + timedelta(days=1)
    assert (await db.watermarks())[sub.id] == T0 + timedelta(days=1)
    assert await db.ledger_since(T0 + timedelta(hours=1)) == {(sub.id, T0 + timedelta(days=1))}


async def test_manual_sends_do_not_move_the_watermark(db: Store) -> None:
    sub = await add(db)
    await db.record_missed([(sub.id, T0, "down")])
    assert await db.claim(sub.id, T0 + timedelta(days=3), holder="a", claim_seconds=60, manual=True)
    assert (await db.watermarks())[sub.id] == T0
    assert (await db.last_deliveries([sub.id]))[sub.id].status == CLAIMED


async def test_an_upgrade_keeps_existing_data(sqlite_url: str) -> None:
    old = await Store.open(sqlite_url, target_version=1)
    try:
        with old.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("subscriptions")}
        assert "state" not in columns
        await old.set_meta("discord.sync", "hash-1")

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

        await old._tx(insert)
    finally:
        await old.close()

    new = await Store.open(sqlite_url)
    try:
        sub = await new.get_subscription("abc123")
        assert sub is not None and sub.schedule == "daily 09:00" and sub.state is None
        assert await new.get_meta("discord.sync") == "hash-1"
        with new.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT max(version) FROM schema_migrations")).scalar()
        assert version == SCHEMA_VERSION
    finally:
        await new.close()
    again = await Store.open(sqlite_url)  # opening an up-to-date database changes nothing
    await again.close()


@pytest.mark.postgres
async def test_two_stores_migrating_at_once_do_not_collide(postgres_url: str) -> None:
    stores = await asyncio.gather(Store.open(postgres_url), Store.open(postgres_url))
    try:
        await stores[0].set_meta("k", "v")
        assert await stores[1].get_meta("k") == "v"
    finally:
        for s in stores:
            await s.close()


async def test_an_unreachable_database_fails_ping_or_open() -> None:
    with pytest.raises(Exception):  # noqa: B017 - any driver error will do
        store = await Store.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
        await store.close()
