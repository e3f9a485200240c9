"""One contract, every store: the in-memory store, SQLite and PostgreSQL pass the same tests.

Subscriptions and the delivery ledger behave the same whichever store holds them (the way
APScheduler 4's data stores share one suite). Every time is given explicitly, as the digest
service passes its clock's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digests.storage import (
    CLAIMED,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    SENT,
    DigestStore,
    MemoryStore,
    Store,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=30)  # "now" in these tests: after the occurrence T0


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request, sqlite_url: str) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    if request.param == "memory":
        yield MemoryStore()
        return
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = await Store.open(url)
    try:
        yield store
    finally:
        await store.close()


async def add(store: DigestStore, channel: str = "C1", **overrides: Any):  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "platform": "console",
        "workspace_id": "W",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "schedule": "daily 09:00",
        "timezone": "UTC",
        "briefing_id": None,
        "created_by": "u1",
        "now": T0 - timedelta(days=1),
        **overrides,
    }
    sub, _ = await store.subscriptions.add(**values)
    return sub


async def test_subscriptions_are_unique_per_channel_schedule_zone_and_briefing(db: Any) -> None:
    first = await add(db)
    again = await add(db, created_by="u2")
    assert again.id == first.id
    _, created = await db.subscriptions.add(
        platform="console",
        workspace_id="W",
        channel_id="C1",
        channel_name="c1",
        schedule="daily 09:00",
        timezone="UTC",
        briefing_id=None,
        created_by="u2",
        now=T0,
    )
    assert not created
    other = await add(db, timezone="Europe/Istanbul", now=T0)
    briefed = await add(db, briefing_id="river-treaty", now=T0 + timedelta(seconds=1))
    assert len({first.id, other.id, briefed.id}) == 3 and len(first.id) == 6
    assert [s.id for s in await db.subscriptions.find(channel_id="C1")] == [
        first.id,
        other.id,
        briefed.id,
    ]
    assert first.created_at == first.active_since == T0 - timedelta(days=1)
    assert await db.subscriptions.find(platform="slack") == []


async def test_pausing_and_resuming_move_active_since_and_deleting_drops_the_ledger(
    db: Any,
) -> None:
    sub = await add(db)
    assert not await db.subscriptions.set_status(sub.id, "active", now=T0)  # already active
    assert await db.subscriptions.set_status(sub.id, PAUSED, "paused by ada", now=T0)
    paused = await db.subscriptions.get(sub.id)
    assert (paused.status, paused.status_reason) == (PAUSED, "paused by ada")
    assert [s.id for s in await db.subscriptions.find(status=PAUSED)] == [sub.id]
    assert await db.subscriptions.set_status(sub.id, "active", now=NOW)
    resumed = await db.subscriptions.get(sub.id)
    assert resumed.active and resumed.active_since == NOW and resumed.status_reason is None

    assert await db.ledger.claim(sub.id, T0, holder="a", claim_seconds=60, now=NOW)
    assert await db.subscriptions.delete(sub.id)
    assert await db.subscriptions.get(sub.id) is None
    assert await db.ledger.deliveries_of(sub.id) == []
    assert not await db.subscriptions.delete(sub.id)


async def test_an_occurrence_is_claimed_once(db: Any) -> None:
    sub = await add(db)
    results = await asyncio.gather(
        *(db.ledger.claim(sub.id, T0, holder=f"p{i}", claim_seconds=60, now=NOW) for i in range(8))
    )
    assert sorted(results) == [False] * 7 + [True]
    assert await db.ledger.claim(
        sub.id, T0 + timedelta(days=1), holder="p1", claim_seconds=60, now=NOW
    )
    won = await db.ledger.claim_many(
        [(sub.id, T0), (sub.id, T0 + timedelta(days=2))], holder="p9", claim_seconds=60, now=NOW
    )
    assert won == [False, True]
    [row, *_] = await db.ledger.deliveries_of(sub.id)
    assert (row.status, row.attempts, row.created_at) == (CLAIMED, 1, NOW)
    assert row.claim_expires_at == NOW + timedelta(seconds=60)


async def test_an_expired_claim_can_be_taken_over_and_the_old_holder_loses_it(db: Any) -> None:
    sub = await add(db)
    assert await db.ledger.claim(sub.id, T0, holder="dead", claim_seconds=60, now=NOW)
    later = NOW + timedelta(minutes=10)
    assert await db.ledger.claimable(now=NOW) == []
    assert [r.holder for r in await db.ledger.claimable(now=later)] == ["dead"]
    assert await db.ledger.claim(sub.id, T0, holder="alive", claim_seconds=60, now=later)
    assert not await db.ledger.claim(sub.id, T0, holder="third", claim_seconds=60, now=later)
    # The dead holder, were it to wake up, may neither renew nor settle it.
    assert not await db.ledger.renew(sub.id, T0, holder="dead", claim_seconds=60, now=later)
    assert not await db.ledger.finish(sub.id, T0, holder="dead", status=SENT, now=later)
    assert await db.ledger.renew(sub.id, T0, holder="alive", claim_seconds=600, now=later)
    assert await db.ledger.finish(
        sub.id, T0, holder="alive", status=SENT, message_id="m1", state='{"x":1}', now=later
    )
    [row] = await db.ledger.deliveries_of(sub.id)
    assert (row.status, row.attempts, row.message_id, row.holder) == (SENT, 2, "m1", "alive")
    assert row.created_at == NOW and row.claim_expires_at is None  # first claimed at NOW
    assert (await db.subscriptions.get(sub.id)).state == '{"x":1}'
    assert not await db.ledger.claim(  # sent is final
        sub.id, T0, holder="late", claim_seconds=60, now=later + timedelta(days=1)
    )


async def test_pages_posted_before_a_failure_survive_a_retry_and_a_take_over(db: Any) -> None:
    sub = await add(db)
    assert await db.ledger.claim(sub.id, T0, holder="a", claim_seconds=60, now=NOW)
    assert not await db.ledger.record_progress(  # not b's claim
        sub.id, T0, holder="b", pages_sent=1, now=NOW
    )
    assert await db.ledger.record_progress(
        sub.id, T0, holder="a", pages_sent=1, message_id="m1", now=NOW
    )
    assert await db.ledger.finish(
        sub.id, T0, holder="a", status=RETRY, reason="503", message_id="m1", retry_at=NOW, now=NOW
    )
    [row] = await db.ledger.claimable(now=NOW)
    assert (row.pages_sent, row.message_id, row.holder, row.status) == (1, "m1", None, RETRY)
    assert await db.ledger.claim(sub.id, T0, holder="b", claim_seconds=60, now=NOW)
    [row] = await db.ledger.deliveries_of(sub.id)
    assert (row.holder, row.pages_sent, row.message_id) == ("b", 1, "m1")


async def test_retries_become_claimable_when_due_and_stale_ones_are_given_up(db: Any) -> None:
    sub = await add(db)
    day2 = T0 + timedelta(days=1)
    assert await db.ledger.claim(sub.id, T0, holder="a", claim_seconds=60, now=NOW)
    soon = NOW + timedelta(minutes=5)
    assert await db.ledger.finish(
        sub.id, T0, holder="a", status=RETRY, reason="503", retry_at=soon, now=NOW
    )
    assert await db.ledger.claimable(now=NOW) == []
    assert [r.status for r in await db.ledger.claimable(now=soon)] == [RETRY]
    assert await db.ledger.expire_stale([(sub.id, T0, "gave up")], now=NOW) == 0  # not due yet
    # A retry row is nobody's claim: it cannot be settled again.
    assert not await db.ledger.finish(sub.id, T0, holder="a", status=RETRY, now=NOW)
    # release makes our own unsent claims claimable at once
    assert await db.ledger.claim(sub.id, day2, holder="a", claim_seconds=60, now=NOW)
    assert await db.ledger.release([(sub.id, day2)], holder="b", now=NOW) == 0  # not b's
    assert await db.ledger.release([(sub.id, day2)], holder="a", now=NOW) == 1
    assert {r.occurrence for r in await db.ledger.claimable(now=NOW)} == {day2}
    assert await db.ledger.expire_stale([(sub.id, day2, "gave up")], now=NOW) == 1
    rows = {r.occurrence: r for r in await db.ledger.deliveries_of(sub.id)}
    assert (rows[day2].status, rows[day2].reason, rows[day2].holder) == (FAILED, "gave up", None)
    assert rows[T0].status == RETRY
    # A claim that expired without any attempt settled is recorded missed.
    day3 = T0 + timedelta(days=2)
    assert await db.ledger.claim(sub.id, day3, holder="a", claim_seconds=60, now=NOW)
    late = NOW + timedelta(hours=2)
    assert await db.ledger.expire_stale([(sub.id, day3, "nobody")], now=late) == 1
    assert {r.occurrence: r.status for r in await db.ledger.deliveries_of(sub.id)}[day3] == MISSED


async def test_released_claims_say_why(db: Any) -> None:
    sub = await add(db)
    assert await db.ledger.claim(sub.id, T0, holder="a", claim_seconds=60, now=NOW)
    assert await db.ledger.release([(sub.id, T0)], holder="a", now=NOW, reason="stopping") == 1
    [row] = await db.ledger.claimable(now=NOW)
    assert (row.status, row.reason, row.attempts) == (RETRY, "stopping", 1)


async def test_finishing_can_pause_the_subscription_in_the_same_step(db: Any) -> None:
    sub = await add(db)
    assert await db.ledger.claim(sub.id, T0, holder="a", claim_seconds=60, now=NOW)
    assert await db.ledger.finish(
        sub.id,
        T0,
        holder="a",
        status=FAILED,
        reason="the channel no longer exists",
        pause_reason="the channel no longer exists",
        now=NOW,
    )
    paused = await db.subscriptions.get(sub.id)
    assert (paused.status, paused.status_reason) == (PAUSED, "the channel no longer exists")
    assert (await db.ledger.last_deliveries([sub.id]))[sub.id].status == FAILED


async def test_missed_occurrences_are_recorded_once_and_show_as_last_delivery(db: Any) -> None:
    sub = await add(db)
    day2 = T0 + timedelta(days=1)
    missed = [(sub.id, T0, "the bot was down"), (sub.id, day2, "down")]
    assert await db.ledger.record_missed(missed, now=NOW) == 2
    assert await db.ledger.record_missed(missed, now=NOW) == 0
    last = await db.ledger.last_deliveries([sub.id])
    assert last[sub.id].status == MISSED and last[sub.id].occurrence == day2
    assert (await db.ledger.watermarks())[sub.id] == day2
    assert await db.ledger.seen_since(T0 + timedelta(hours=1)) == {(sub.id, day2)}
    assert await db.ledger.seen_since(T0, ["other"]) == set()
    assert [r.occurrence for r in await db.ledger.recent_deliveries(limit=1)] == [day2]
    assert [r.occurrence for r in await db.ledger.recent_deliveries(subscription_id=sub.id)] == [
        day2,
        T0,
    ]
    assert await db.ledger.last_deliveries([]) == {}


async def test_manual_sends_do_not_move_the_watermark(db: Any) -> None:
    sub = await add(db)
    await db.ledger.record_missed([(sub.id, T0, "down")], now=NOW)
    manual = T0 + timedelta(days=3, microseconds=123456)
    assert await db.ledger.claim(sub.id, manual, holder="a", claim_seconds=60, manual=True, now=NOW)
    assert (await db.ledger.watermarks())[sub.id] == T0
    assert await db.ledger.seen_since(T0) == {(sub.id, T0)}
    last = (await db.ledger.last_deliveries([sub.id]))[sub.id]
    assert (last.status, last.manual, last.occurrence) == (CLAIMED, True, manual)


async def test_briefing_versions_and_meta_are_kept(db: Any) -> None:
    await db.ping()
    snap = {"actor:northland": {"stance": "cautious"}}
    await db.versions.record("river", "f1", snap, now=NOW)
    await db.versions.record("river", "f1", {"changed": "ignored"}, now=NOW)  # known: kept
    assert await db.versions.snapshot("river", "f1") == snap
    assert await db.versions.snapshot("river", "other") is None
    assert await db.meta.get_meta("discord.sync") is None
    await db.meta.set_meta("discord.sync", "abc")
    await db.meta.set_meta("discord.sync", "def")
    assert await db.meta.get_meta("discord.sync") == "def"


async def test_digest_threads_are_off_unless_asked_and_can_be_switched(db: Any) -> None:
    plain = await add(db)
    threaded = await add(db, channel="C2", thread=True)
    assert (plain.thread, threaded.thread) == (False, True)
    assert await db.subscriptions.set_thread(plain.id, True, now=NOW)
    assert await db.subscriptions.set_thread(threaded.id, False, now=NOW)
    assert not await db.subscriptions.set_thread("nope00", True, now=NOW)
    again = {s.id: s.thread for s in await db.subscriptions.find()}
    assert again == {plain.id: True, threaded.id: False}
    got = await db.subscriptions.get(plain.id)
    assert got is not None and got.thread is True and got.updated_at == NOW
