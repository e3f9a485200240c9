"""The digest service end to end in one process: commands, schedules, catch-up, failures.

Real time, a real SQLite file and APScheduler's real clock: subscriptions are scheduled a
couple of seconds ahead (schedules accept seconds: ``daily 09:00:30``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.calls import META_STORE, Context
from bot.core.answers import Tone
from bot.digests.delivery import Backoff
from bot.digests.handlers import DIGESTS
from bot.digests.ports import DeliveryError
from bot.digests.service import DigestService
from bot.digests.store import MISSED, PAUSED, RETRY, SENT, Store
from bot.render.text import to_text

from .conftest import RecordingPoster, add_console_subscription, make_settings

CONSOLE = Context(
    platform="console",
    user_id="ada",
    user_name="ada",
    channel_id="news",
    channel_name="news",
    workspace_id="local",
    can_manage=True,
)

Factory = Callable[..., Awaitable[tuple[DigestService, RecordingPoster]]]


@pytest.fixture
async def start_service(sqlite_url: str, fixture_engine) -> AsyncIterator[Factory]:  # type: ignore[no-untyped-def]
    opened: list[tuple[DigestService, Store]] = []

    async def start(
        *,
        grace_minutes: int = 60,
        poster: RecordingPoster | None = None,
        before=None,
        **kw,  # type: ignore[no-untyped-def]
    ) -> tuple[DigestService, RecordingPoster]:
        store = await Store.open(sqlite_url)
        if before is not None:
            await before(store)
        poster = poster or RecordingPoster()
        service = DigestService(
            make_settings(sqlite_url, grace_minutes=grace_minutes),
            fixture_engine,
            store,
            {"console": poster},
            backoff=Backoff(base=0.05, cap=0.1, rng=random.Random(0)),
            **kw,
        )
        fixture_engine.services.provide(DIGESTS, service)
        fixture_engine.services.provide(META_STORE, store)
        opened.append((service, store))
        await service.start()
        return service, poster

    yield start
    for service, store in reversed(opened):
        await service.stop()
        await store.close()


def at(delta: timedelta, zone: str = "UTC") -> str:
    """``HH:MM:SS`` local time at least ``delta`` from now (rounded up to the whole second, so
    a schedule ahead of now keeps all of its lead)."""
    moment = datetime.now(UTC) + delta
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S")


async def run(engine, text: str, context: Context = CONSOLE):  # type: ignore[no-untyped-def]
    return await engine.execute_text(text, context)


async def test_subscribe_then_the_digest_arrives_once_and_list_shows_it(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    service, poster = await start_service(sweep_seconds=0.5)
    when = at(timedelta(seconds=2), "Europe/Istanbul")
    answer = await run(fixture_engine, f"digest subscribe daily {when} Europe/Istanbul")
    assert answer.tone is Tone.INFO, to_text(answer)
    assert answer.title == "Digest subscribed: #news"
    [runs] = [s for s in answer.sections if s.heading == "Next runs"]
    assert len(runs.items) == 3 and all(when[:5] in i.text for i in runs.items)

    await poster.wait_for(1, timeout=6)
    await asyncio.sleep(1.2)  # two more sweeps: still one post
    assert len(poster.posts) == 1
    [post] = poster.posts
    assert post.channel == "news" and post.answer.title.startswith("Digest: ")

    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Europe/Istanbul" in listed and "Last delivery: delivered" in listed
    [sub] = await service.store.list_subscriptions()
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "m1"
    assert sub.state and "northland" in sub.state  # the rotation moved on


async def test_invalid_schedule_or_zone_get_a_clear_message_with_an_example(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    await start_service()
    bad = await run(fixture_engine, "digest subscribe daily 25:00")
    assert bad.tone is Tone.ERROR and bad.private
    assert "not a time of day" in bad.summary and "daily 09:00 Europe/Istanbul" in to_text(bad)
    zone = await run(fixture_engine, "digest subscribe daily 09:00 --timezone Mars/Base")
    assert zone.tone is Tone.ERROR and "not a time zone" in zone.summary
    assert await fixture_engine.execute_text("digest list", CONSOLE) is not None
    assert (await run(fixture_engine, "digest list")).title == "No digests yet"


async def test_people_who_cannot_manage_the_channel_are_refused(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    service, _ = await start_service()
    guest = Context(**{**CONSOLE.__dict__, "can_manage": False})
    answer = await run(fixture_engine, "digest subscribe daily 09:00", guest)
    assert answer.tone is Tone.ERROR and "manage" in answer.summary
    assert await service.store.list_subscriptions() == []
    assert (await run(fixture_engine, "digest list", guest)).tone is Tone.INFO  # reading is fine


async def test_another_channels_subscription_needs_workspace_wide_rights(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00 --channel #ops")
    [ops] = await service.store.list_subscriptions()
    # Manages #news, but not every channel: #ops's subscription is out of reach by id.
    local = Context(**{**CONSOLE.__dict__, "manages_workspace": False})
    for verb in ("pause", "send", "unsubscribe"):
        refused = await run(fixture_engine, f"digest {verb} {ops.id}", local)
        assert refused.tone is Tone.ERROR and "change it from there" in refused.summary, verb
    assert poster.posts == [] and [s.status for s in await service.store.list_subscriptions()] == [
        "active"
    ]
    from_ops = Context(**{**local.__dict__, "channel_id": "ops", "channel_name": "ops"})
    assert (await run(fixture_engine, f"digest pause {ops.id}", from_ops)).title == "Digest paused"
    assert (await run(fixture_engine, f"digest resume {ops.id}")).title == "Digest resumed"


async def test_pause_resume_preview_send_unsubscribe(start_service, fixture_engine) -> None:  # type: ignore[no-untyped-def]
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe weekly mon 09:00 --channel #ops")
    await run(fixture_engine, "digest subscribe 0 9 * * 1-5 Asia/Tokyo")
    subs = await service.store.list_subscriptions()
    ops = next(s for s in subs if s.channel_id == "ops")
    mine = next(s for s in subs if s.channel_id == "news")
    assert mine.timezone == "Asia/Tokyo" and ops.timezone == "UTC"

    preview = await run(fixture_engine, "digest preview")  # this channel's only subscription
    assert preview.private and preview.title.startswith("Preview: Digest: ")
    assert poster.posts == []

    sent = await run(fixture_engine, f"digest send {ops.id}")
    assert sent.title == "Digest sent", to_text(sent)
    assert [p.channel for p in poster.posts] == ["ops"]

    paused = await run(fixture_engine, f"digest pause {ops.id}")
    assert paused.title == "Digest paused"
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Paused: paused by ada" in listed and "(sent on request)" in listed
    assert ops.id not in {j.id for j in service.scheduler.get_jobs()}

    resumed = await run(fixture_engine, f"digest resume {ops.id}")
    assert resumed.title == "Digest resumed" and "Next run: Mon" in resumed.summary
    assert ops.id in {j.id for j in service.scheduler.get_jobs()}

    gone = await run(fixture_engine, f"digest unsubscribe {mine.id}")
    assert gone.title == "Digest unsubscribed"
    assert [s.id for s in await service.store.list_subscriptions()] == [ops.id]
    missing = await run(fixture_engine, "digest pause")
    assert missing.tone is Tone.ERROR and "no digest subscription" in missing.summary


async def test_subscribing_again_finds_the_subscription_whatever_the_form_or_state(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    service, _ = await start_service()
    first = await run(fixture_engine, "digest subscribe weekdays 09:00")
    assert first.title == "Digest subscribed: #news"

    # The same times as a cron expression (or a day list) are the same subscription.
    for same in ("0 9 * * 1-5", "weekly mon,tue,wed,thu,fri 09:00"):
        again = await run(fixture_engine, f"digest subscribe {same}")
        assert again.title == "Already subscribed: #news", to_text(again)
    [sub] = await service.store.list_subscriptions()

    # A paused one is not reported as running: the answer says how to turn it back on.
    await run(fixture_engine, "digest pause")
    paused = to_text(await run(fixture_engine, "digest subscribe 0 9 * * 1-5"))
    assert "paused" in paused and f"digest resume {sub.id}" in paused
    assert "Next runs" not in paused
    assert [s.id for s in await service.store.list_subscriptions()] == [sub.id]

    # An old name of a zone is the zone it stands for.
    await run(fixture_engine, "digest subscribe daily 07:00 America/Los_Angeles")
    alias = await run(fixture_engine, "digest subscribe daily 07:00 US/Pacific")
    assert alias.title == "Already subscribed: #news", to_text(alias)


async def test_start_up_catches_up_within_grace_and_records_older_runs_as_missed(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    created = datetime.now(UTC) - timedelta(minutes=40)

    async def before(store: Store) -> None:
        for channel, late in (("recent", 2), ("old", 20)):
            await add_console_subscription(
                store,
                channel=channel,
                schedule=f"daily {at(-timedelta(minutes=late))}",
                now=created,
            )

    service, poster = await start_service(grace_minutes=5, before=before)
    await poster.wait_for(1)
    await asyncio.sleep(0.2)
    assert [p.channel for p in poster.posts] == ["recent"]
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Last delivery: missed" in listed and "the bot was not running" in listed
    old = next(s for s in await service.store.list_subscriptions() if s.channel_id == "old")
    [row] = await service.store.deliveries_of(old.id)
    assert row.status == MISSED and "more than 5 minutes later" in (row.reason or "")


async def test_a_permanent_error_pauses_the_subscription_with_a_plain_reason(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    poster = RecordingPoster(
        fail=lambda channel, _: (
            DeliveryError("404 Unknown Channel", permanent=True) if channel == "gone" else None
        )
    )
    service, _ = await start_service(poster=poster)
    when = at(timedelta(seconds=2))  # two subscribe commands run first
    await run(fixture_engine, f"digest subscribe daily {when} --channel gone")
    await run(fixture_engine, f"digest subscribe daily {when}")
    await poster.wait_for(1)
    for _ in range(50):
        subs = {s.channel_id: s for s in await service.store.list_subscriptions()}
        if subs["gone"].status == PAUSED:
            break
        await asyncio.sleep(0.05)
    assert subs["gone"].status == PAUSED
    assert subs["gone"].status_reason == "the channel no longer exists"
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Paused: the channel no longer exists" in listed
    assert "Last delivery: failed" in listed
    assert service.is_ready()


async def test_transient_errors_are_retried_and_posted_once(start_service, fixture_engine) -> None:  # type: ignore[no-untyped-def]
    poster = RecordingPoster(
        fail=lambda _, call: (
            DeliveryError("Discord is having trouble (503)", permanent=False) if call <= 2 else None
        )
    )
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, f"digest subscribe daily {at(timedelta(seconds=2))}")
    await poster.wait_for(1)
    await asyncio.sleep(0.3)
    assert poster.calls == 3 and len(poster.posts) == 1
    [sub] = await service.store.list_subscriptions()
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == SENT


async def test_a_page_posted_before_a_failure_is_not_posted_again(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    # A two-page digest: page 1 arrives, page 2 fails once (503). The retry posts page 2 only.
    poster = RecordingPoster(
        pages=2,
        fail=lambda _, call: (
            DeliveryError("Discord is having trouble (503)", permanent=False) if call == 2 else None
        ),
    )
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, f"digest subscribe daily {at(timedelta(hours=3))}")
    [sub] = await service.store.list_subscriptions()
    assert await service.send_now(sub, wait=5) == "sent"
    assert [(p.page, p.answer) for p in poster.posts] == [
        (0, poster.posts[0].answer),
        (1, poster.posts[0].answer),  # the rest of the very same answer
    ]
    assert poster.calls == 3
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "m1"  # the digest's first message


async def test_a_take_over_posts_only_the_pages_the_dead_instance_did_not(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    occurrence = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)

    async def before(store: Store) -> None:
        sub = await add_console_subscription(
            store,
            schedule=f"daily {occurrence:%H:%M:%S}",
            now=occurrence - timedelta(minutes=30),
        )
        # Another instance posted page 1, failed on page 2 and died holding a 60 s claim.
        past = datetime.now(UTC) - timedelta(minutes=2)
        await store.claim(sub.id, occurrence, holder="dead", claim_seconds=60, now=past)
        assert await store.record_progress(
            sub.id, occurrence, holder="dead", pages_sent=1, message_id="d1"
        )

    service, poster = await start_service(before=before, poster=RecordingPoster(pages=2))
    await service.sweep()
    await poster.wait_for(1)
    await asyncio.sleep(0.1)
    assert [p.page for p in poster.posts] == [1]
    [sub] = await service.store.list_subscriptions()
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "d1" and row.attempts == 2


async def test_a_dead_instances_claim_is_taken_over_by_the_sweeper(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(microsecond=0)
    created = now - timedelta(minutes=30)
    occurrence = now - timedelta(minutes=3)  # the schedule's time and its date, from one moment

    async def before(store: Store) -> None:
        sub = await add_console_subscription(
            store,
            schedule=f"daily {occurrence:%H:%M:%S}",
            now=created,
        )
        # Another instance claimed it two minutes ago and died holding a 60 s claim.
        await store.claim(
            sub.id,
            occurrence,
            holder="dead",
            claim_seconds=60,
            now=datetime.now(UTC) - timedelta(minutes=2),
        )

    service, poster = await start_service(before=before)
    assert poster.posts == []  # start-up saw a ledger row: not owed by the schedule
    await service.sweep()
    await poster.wait_for(1)
    [sub] = await service.store.list_subscriptions()
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == SENT and row.holder == service.instance and row.attempts == 2


async def test_stop_hands_back_unsent_claims(start_service, fixture_engine, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    stuck = asyncio.Event()

    class Stuck(RecordingPoster):
        async def post(self, channel_id, answer, *, skip_pages=0):  # type: ignore[no-untyped-def]
            stuck.set()
            await asyncio.sleep(30)
            raise AssertionError("unreachable")

    service, _ = await start_service(poster=Stuck(), stop_timeout=0.2)
    await run(fixture_engine, f"digest subscribe daily {at(timedelta(seconds=2))}")
    await asyncio.wait_for(stuck.wait(), 8)
    started = asyncio.get_running_loop().time()
    await service.stop()
    assert asyncio.get_running_loop().time() - started < 2
    [sub] = await service.store.list_subscriptions()
    [row] = await service.store.deliveries_of(sub.id)
    assert row.status == RETRY and row.reason == "released at shutdown"
    assert [r.subscription_id for r in await service.store.claimable()] == [sub.id]


async def test_catch_up_occurrences_posted_together_each_get_the_next_spotlight(
    start_service, fixture_engine
) -> None:  # type: ignore[no-untyped-def]
    # Three hourly occurrences fell due while the bot was down, all within the grace window:
    # they go out together, and the rotation still moves on with each of them. Made at half
    # past, 2½ hours before this hour began: exactly the last three hours' runs are owed,
    # whatever the minute now (``now - 3h + 1min`` owed only two during minute :59).
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    async def before(store: Store) -> None:
        await add_console_subscription(
            store,
            schedule="cron 0 * * * *",
            now=hour - timedelta(hours=2, minutes=30),
        )

    service, poster = await start_service(grace_minutes=240, before=before)
    await poster.wait_for(3)
    spotlights = [p.answer.extra["spotlight"] for p in poster.posts]
    assert len(set(spotlights)) == 3, spotlights
    [sub] = await service.store.list_subscriptions()
    for _ in range(50):  # the last post is settled just after it arrived
        statuses = [r.status for r in await service.store.deliveries_of(sub.id)]
        if statuses == [SENT] * 3:
            break
        await asyncio.sleep(0.05)
    assert statuses == [SENT] * 3
