"""The digest service in one process: commands, schedules, catch-up, failures, take-overs.

On virtual time: the service reads a ``VirtualClock`` that only the test moves, and the test
runs what the scheduler and the sweeper would (``tick``), so every run is the same — no real
sleeps, no waiting for a second to pass. Each test runs on the in-memory store and on SQLite.
(The real scheduler firing in the real second is ``tests/e2e/test_digests.py``'s; real
processes are ``test_processes.py``'s.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.commands.calls import META_STORE, Context
from bot.core.answers import Tone
from bot.digests.clock import VirtualClock
from bot.digests.composer import thread_name
from bot.digests.delivery import Backoff
from bot.digests.handlers import DIGESTS
from bot.digests.ports import THREAD_NAME_LIMIT, ChannelGone, Unavailable
from bot.digests.service import DigestService
from bot.digests.storage import MISSED, PAUSED, RETRY, SENT
from bot.render.text import to_text
from bot.render.views import section_views

from .conftest import RecordingPoster, add_console_subscription, make_settings

#: A Monday, ten seconds before 09:00 UTC (12:00 in Istanbul, 18:00 in Tokyo).
T0 = datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC)

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
def clock() -> VirtualClock:
    return VirtualClock(T0)


@pytest.fixture
async def start_service(
    digest_store: Any, fixture_engine: Any, clock: VirtualClock
) -> AsyncIterator[Factory]:
    started: list[DigestService] = []

    async def start(
        *,
        grace_minutes: int = 60,
        poster: RecordingPoster | None = None,
        before: Callable[[Any], Awaitable[None]] | None = None,
        **kw: Any,
    ) -> tuple[DigestService, RecordingPoster]:
        if before is not None:
            await before(digest_store)
        poster = poster or RecordingPoster()
        service = DigestService(
            make_settings("sqlite://", grace_minutes=grace_minutes),
            fixture_engine.library,
            digest_store,
            {"console": poster},
            clock=clock,
            sweep_seconds=3600,  # the test sweeps (``tick``)
            backoff=Backoff(base=0, cap=0),  # retries at once
            **kw,
        )
        fixture_engine.services.provide(DIGESTS, service)
        fixture_engine.services.provide(META_STORE, digest_store.meta)
        started.append(service)
        await service.start()
        await service.settled()
        return service, poster

    yield start
    for service in reversed(started):
        await service.stop()


async def tick(service: DigestService, clock: VirtualClock, seconds: float = 0) -> None:
    """Let ``seconds`` pass, then do what the scheduler and the sweeper would by then."""
    clock.advance(seconds)
    await service.sweep()
    await service.settled()


async def run(engine: Any, text: str, context: Context = CONSOLE) -> Any:
    return await engine.execute_text(text, context)


async def test_subscribe_then_the_digest_arrives_once_and_list_shows_it(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    service, poster = await start_service()
    answer = await run(fixture_engine, "digest subscribe daily 12:00 Europe/Istanbul")
    assert answer.tone is Tone.INFO, to_text(answer)
    assert answer.title == "Digest subscribed: #news"
    [runs] = [s for s in answer.sections if s.heading == "Next runs"]
    assert [i.text for i in runs.items] == [
        "Mon 02 Mar 2026, 12:00 UTC+03",
        "Tue 03 Mar 2026, 12:00 UTC+03",
        "Wed 04 Mar 2026, 12:00 UTC+03",
    ]

    await tick(service, clock, 9)  # 08:59:59 UTC: not yet
    assert poster.posts == []
    await tick(service, clock, 1)  # 09:00:00 UTC = 12:00 in Istanbul
    for _ in range(2):
        await tick(service, clock, 30)  # two more sweeps: still one post
    [post] = poster.posts
    assert post.channel == "news" and post.answer.title.startswith("Digest: ")

    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Europe/Istanbul" in listed and "Last delivery: delivered" in listed
    assert "Next run: Tue 03 Mar 2026, 12:00 UTC+03" in listed
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "m1"
    assert row.occurrence == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert sub.state and "northland" in sub.state  # the rotation moved on


async def test_invalid_schedule_or_zone_get_a_clear_message_with_an_example(
    start_service: Factory, fixture_engine: Any
) -> None:
    await start_service()
    bad = await run(fixture_engine, "digest subscribe daily 25:00")
    assert bad.tone is Tone.ERROR and bad.private
    assert "not a time of day" in bad.summary and "daily 09:00 Europe/Istanbul" in to_text(bad)
    zone = await run(fixture_engine, "digest subscribe daily 09:00 --timezone Mars/Base")
    assert zone.tone is Tone.ERROR and "not a time zone" in zone.summary
    assert (await run(fixture_engine, "digest list")).title == "No digests yet"


async def test_people_who_cannot_manage_the_channel_are_refused(
    start_service: Factory, fixture_engine: Any
) -> None:
    service, _ = await start_service()
    guest = Context(**{**CONSOLE.__dict__, "can_manage": False})
    answer = await run(fixture_engine, "digest subscribe daily 09:00", guest)
    assert answer.tone is Tone.ERROR and "manage" in answer.summary
    assert await service.store.subscriptions.find() == []
    assert (await run(fixture_engine, "digest list", guest)).tone is Tone.INFO  # reading is fine


async def test_another_channels_subscription_needs_workspace_wide_rights(
    start_service: Factory, fixture_engine: Any
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00 --channel #ops")
    [ops] = await service.store.subscriptions.find()
    assert (ops.channel_id, ops.channel_name) == ("ops", "ops")  # the console poster's parsing
    # Manages #news, but not every channel: #ops's subscription is out of reach by id.
    local = Context(**{**CONSOLE.__dict__, "manages_workspace": False})
    for verb in ("pause", "send", "unsubscribe"):
        refused = await run(fixture_engine, f"digest {verb} {ops.id}", local)
        assert refused.tone is Tone.ERROR and "change it from there" in refused.summary, verb
    assert poster.posts == []
    assert [s.status for s in await service.store.subscriptions.find()] == ["active"]
    from_ops = Context(**{**local.__dict__, "channel_id": "ops", "channel_name": "ops"})
    assert (await run(fixture_engine, f"digest pause {ops.id}", from_ops)).title == "Digest paused"
    assert (await run(fixture_engine, f"digest resume {ops.id}")).title == "Digest resumed"


async def test_pause_resume_preview_send_unsubscribe(
    start_service: Factory, fixture_engine: Any
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe weekly mon 09:00 --channel #ops")
    await run(fixture_engine, "digest subscribe 0 9 * * 1-5 Asia/Tokyo")
    subs = await service.store.subscriptions.find()
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
    assert ops.id not in service.scheduler.job_ids()

    resumed = await run(fixture_engine, f"digest resume {ops.id}")
    assert resumed.title == "Digest resumed"
    assert "Next run: Mon 02 Mar 2026, 09:00 UTC" in resumed.summary
    assert ops.id in service.scheduler.job_ids()

    gone = await run(fixture_engine, f"digest unsubscribe {mine.id}")
    assert gone.title == "Digest unsubscribed"
    assert [s.id for s in await service.store.subscriptions.find()] == [ops.id]
    missing = await run(fixture_engine, "digest pause")
    assert missing.tone is Tone.ERROR and "no digest subscription" in missing.summary


async def test_subscribing_again_finds_the_subscription_whatever_the_form_or_state(
    start_service: Factory, fixture_engine: Any
) -> None:
    service, _ = await start_service()
    first = await run(fixture_engine, "digest subscribe weekdays 09:00")
    assert first.title == "Digest subscribed: #news"

    # The same times as a cron expression (or a day list) are the same subscription.
    for same in ("0 9 * * 1-5", "weekly mon,tue,wed,thu,fri 09:00"):
        again = await run(fixture_engine, f"digest subscribe {same}")
        assert again.title == "Already subscribed: #news", to_text(again)
    [sub] = await service.store.subscriptions.find()

    # A paused one is not reported as running: the answer says how to turn it back on.
    await run(fixture_engine, "digest pause")
    paused = to_text(await run(fixture_engine, "digest subscribe 0 9 * * 1-5"))
    assert "paused" in paused and f"digest resume {sub.id}" in paused
    assert "Next runs" not in paused
    assert [s.id for s in await service.store.subscriptions.find()] == [sub.id]

    # An old name of a zone is the zone it stands for.
    await run(fixture_engine, "digest subscribe daily 07:00 America/Los_Angeles")
    alias = await run(fixture_engine, "digest subscribe daily 07:00 US/Pacific")
    assert alias.title == "Already subscribed: #news", to_text(alias)


async def test_start_up_catches_up_within_grace_and_records_older_runs_as_missed(
    start_service: Factory, fixture_engine: Any
) -> None:
    async def before(store: Any) -> None:
        for channel, late in (("recent", 2), ("old", 20)):
            await add_console_subscription(
                store,
                channel=channel,
                schedule=f"daily {T0 - timedelta(minutes=late):%H:%M:%S}",
                now=T0 - timedelta(minutes=40),
            )

    service, poster = await start_service(grace_minutes=5, before=before)
    assert [p.channel for p in poster.posts] == ["recent"]
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Last delivery: missed" in listed and "the bot was not running" in listed
    old = next(s for s in await service.store.subscriptions.find() if s.channel_id == "old")
    [row] = await service.store.ledger.deliveries_of(old.id)
    assert row.status == MISSED and row.reason == (
        "not posted: the bot was not running at Mon 02 Mar 2026 08:39 UTC and came back more "
        "than 5 minutes later"
    )


async def test_a_permanent_error_pauses_the_subscription_with_a_plain_reason(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    poster = RecordingPoster(fail=lambda channel, _: ChannelGone() if channel == "gone" else None)
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, "digest subscribe daily 09:00 --channel gone")
    await run(fixture_engine, "digest subscribe daily 09:00")
    await tick(service, clock, 10)
    assert [p.channel for p in poster.posts] == ["news"]
    subs = {s.channel_id: s for s in await service.store.subscriptions.find()}
    assert subs["gone"].status == PAUSED
    assert subs["gone"].status_reason == "the channel no longer exists"
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Paused: the channel no longer exists" in listed
    assert "Last delivery: failed" in listed
    assert subs["gone"].id not in service.scheduler.job_ids()
    assert service.is_ready()


async def test_transient_errors_are_retried_and_posted_once(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    poster = RecordingPoster(
        fail=lambda _, call: Unavailable("Discord is having trouble (503)") if call <= 2 else None
    )
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, "digest subscribe daily 09:00")
    await tick(service, clock, 10)
    assert poster.calls == 3 and len(poster.posts) == 1
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert row.status == SENT


async def test_errors_that_outlast_the_attempts_are_retried_by_the_next_sweep(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    # Five 503s in a row: the queue gives up, the ledger says retry; the sweep after
    # ``retry_at`` (the sweep interval on, at most 5 minutes) posts it.
    poster = RecordingPoster(fail=lambda _, call: Unavailable("503") if call <= 5 else None)
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, "digest subscribe daily 09:00")
    await tick(service, clock, 10)
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.reason) == (RETRY, "503 (after 5 attempts)")
    assert row.claim_expires_at == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)  # retry_at
    await tick(service, clock, 299)
    assert poster.posts == []
    await tick(service, clock, 1)
    assert len(poster.posts) == 1
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.attempts) == (SENT, 2)


async def test_a_page_posted_before_a_failure_is_not_posted_again(
    start_service: Factory, fixture_engine: Any
) -> None:
    # A two-page digest: page 1 arrives, page 2 fails once (503). The retry posts page 2 only.
    poster = RecordingPoster(
        pages=2,
        fail=lambda _, call: Unavailable("Discord is having trouble (503)") if call == 2 else None,
    )
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, "digest subscribe daily 12:00")
    [sub] = await service.store.subscriptions.find()
    assert await service.send_now(sub, wait=5) == "sent"
    assert [(p.page, p.answer) for p in poster.posts] == [
        (0, poster.posts[0].answer),
        (1, poster.posts[0].answer),  # the rest of the very same answer
    ]
    assert poster.calls == 3
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "m1"  # the digest's first message


async def test_a_take_over_posts_only_the_pages_the_dead_instance_did_not(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    occurrence = T0 - timedelta(minutes=3)

    async def before(store: Any) -> None:
        sub = await add_console_subscription(
            store, schedule=f"daily {occurrence:%H:%M:%S}", now=occurrence - timedelta(minutes=30)
        )
        # Another instance posted page 1, failed on page 2 and died holding a 60 s claim.
        past = T0 - timedelta(minutes=2)
        await store.ledger.claim(sub.id, occurrence, holder="dead", claim_seconds=60, now=past)
        assert await store.ledger.record_progress(
            sub.id, occurrence, holder="dead", pages_sent=1, message_id="d1", now=past
        )

    # Start-up takes over the expired claim (the schedule owes nothing: the ledger has a row).
    service, poster = await start_service(before=before, poster=RecordingPoster(pages=2))
    assert [p.page for p in poster.posts] == [1]
    await tick(service, clock, 60)
    assert [p.page for p in poster.posts] == [1]
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.message_id, row.attempts) == (SENT, "d1", 2)
    assert row.holder == service.instance


async def test_a_live_claim_of_another_instance_is_left_alone_until_it_expires(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    async def before(store: Any) -> None:
        sub = await add_console_subscription(
            store, schedule="daily 08:59:00", now=T0 - timedelta(minutes=30)
        )
        # Another instance claimed it 20 s ago for 60 s, and died.
        await store.ledger.claim(
            sub.id,
            T0 - timedelta(seconds=50),
            holder="dead",
            claim_seconds=60,
            now=T0 - timedelta(seconds=20),
        )

    service, poster = await start_service(before=before)
    await tick(service, clock, 39)  # the claim has 1 s to go
    assert poster.posts == []
    await tick(service, clock, 1)
    assert len(poster.posts) == 1
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.holder, row.attempts) == (SENT, service.instance, 2)


async def test_stop_hands_back_unsent_claims(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    stuck = asyncio.Event()

    class Stuck(RecordingPoster):
        async def post(self, channel_id, answer, *, skip_pages=0, **kw):  # type: ignore[no-untyped-def]
            stuck.set()
            await asyncio.Event().wait()  # never answers
            raise AssertionError("unreachable")

    service, _ = await start_service(poster=Stuck(), stop_timeout=0.05)
    await run(fixture_engine, "digest subscribe daily 09:00")
    clock.advance(10)
    await service.sweep()
    await asyncio.wait_for(stuck.wait(), 5)
    await service.stop()
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.reason, row.holder) == (RETRY, "released at shutdown", None)
    claimable = await service.store.ledger.claimable(now=clock.now())
    assert [r.subscription_id for r in claimable] == [sub.id]


async def test_catch_up_occurrences_posted_together_each_get_the_next_spotlight(
    start_service: Factory, fixture_engine: Any
) -> None:
    # Three hourly occurrences fell due while the bot was down, all within the grace window:
    # they go out together, and the rotation still moves on with each of them.
    async def before(store: Any) -> None:
        await add_console_subscription(
            store, schedule="cron 0 * * * *", now=T0 - timedelta(hours=3)
        )

    service, poster = await start_service(grace_minutes=240, before=before)
    spotlights = [p.answer.extra["spotlight"] for p in poster.posts]
    assert len(spotlights) == 3 and len(set(spotlights)) == 3, spotlights
    [sub] = await service.store.subscriptions.find()
    rows = await service.store.ledger.deliveries_of(sub.id)
    assert [(r.occurrence.hour, r.status) for r in rows] == [(6, SENT), (7, SENT), (8, SENT)]


async def test_a_fresh_claim_is_posted_without_touching_the_ledger_again(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    # Claimed just now: the post goes out on that claim, with no renewal (a write) first.
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00")
    renewals: list[str] = []
    renew = service.store.ledger.renew

    async def counting(sub_id: str, *args: Any, **kw: Any) -> bool:
        renewals.append(sub_id)
        return await renew(sub_id, *args, **kw)

    service.store.ledger.renew = counting  # type: ignore[method-assign]
    await tick(service, clock, 10)
    assert len(poster.posts) == 1 and renewals == []


# -- digest threads: the setting, and the plan handed to the poster ------------------------


async def test_subscribe_with_thread_hands_the_poster_a_named_thread_of_the_sections(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    service, poster = await start_service()
    answer = await run(fixture_engine, "digest subscribe daily 12:00 Europe/Istanbul thread")
    assert answer.title.startswith("Digest subscribed"), to_text(answer)
    assert "opens a thread" in answer.summary
    [sub] = await service.store.subscriptions.find()
    assert sub.thread and sub.timezone == "Europe/Istanbul"  # the word is not the schedule's
    listed = to_text(await run(fixture_engine, "digest list"))
    assert "Thread: each digest opens one" in listed

    await tick(service, clock, 10)  # 09:00 UTC = 12:00 in Istanbul
    [plan] = poster.threads
    [posted] = poster.posts
    assert plan is not None and plan.starter == ""
    assert plan.name.startswith("Digest: ") and plan.name.endswith(" · 02 Mar 2026")
    assert len(plan.name) <= THREAD_NAME_LIMIT
    # The replies are the digest's sections, page by page: what the compact message leaves
    # to its buttons, readable in the thread.
    headings = [r.sections[0].heading for r in plan.replies]
    assert "Key points" in " ".join(headings) and len(plan.replies) >= 2
    assert all(r.title == posted.answer.title for r in plan.replies)
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert row.status == SENT


async def test_without_thread_nothing_changes_and_the_poster_gets_no_plan(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00")
    [sub] = await service.store.subscriptions.find()
    assert not sub.thread
    assert "Thread: off" in to_text(await run(fixture_engine, "digest list"))
    await tick(service, clock, 10)
    assert poster.threads == [None] and len(poster.posts) == 1


async def test_thread_can_be_turned_on_and_off_for_an_existing_subscription(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00")
    again = await run(fixture_engine, "digest subscribe daily 09:00 --thread")
    assert again.title.startswith("Already subscribed") and "now opens a thread" in again.summary
    [sub] = await service.store.subscriptions.find()
    assert sub.thread
    same = await run(fixture_engine, "digest thread on")
    assert same.title == "Nothing to change"
    off = await run(fixture_engine, f"digest thread off {sub.id}")
    assert off.title == "Digest threads off" and "posted alone" in off.summary
    assert not (await service.store.subscriptions.get(sub.id)).thread  # type: ignore[union-attr]
    await tick(service, clock, 10)
    assert poster.threads == [None]  # the tracked subscription took the change at once
    on = await run(fixture_engine, "digest thread on")
    assert on.title == "Digest threads on"
    await tick(service, clock, 24 * 3600)
    assert poster.threads[-1] is not None
    bad = await run(fixture_engine, "digest thread maybe")
    assert bad.tone is Tone.ERROR and "on, off" in bad.summary


async def test_a_retry_after_the_digest_posted_and_its_thread_failed_keeps_the_same_plan(
    start_service: Factory, fixture_engine: Any, clock: VirtualClock
) -> None:
    # The first attempt posts the digest, then its thread fails (5xx): the retry skips the
    # digest's page and passes the same replies, starting from the message already posted.
    failures = iter([Unavailable("Discord is having trouble (503)", pages_sent=1)])

    def fail(_channel: str, call: int) -> Any:
        if call == 2:
            error = next(failures)
            error.message_id = "m1"
            return error
        return None

    poster = RecordingPoster(fail=fail, pages=2)  # page 2 stands for the thread here
    service, _ = await start_service(poster=poster)
    await run(fixture_engine, "digest subscribe daily 09:00 thread")
    await tick(service, clock, 10)
    first, retry = poster.threads
    assert first is not None and retry is not None
    assert retry.replies == first.replies and retry.name == first.name
    assert (first.starter, retry.starter) == ("", "m1")
    assert [uncertain for _, uncertain in poster.keys] == [False, False]
    [sub] = await service.store.subscriptions.find()
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert row.status == SENT and row.message_id == "m1"


def test_a_thread_name_keeps_its_date_within_the_limit() -> None:
    name = thread_name("Digest: " + "a very long briefing title " * 10, "06 Jan 2026")
    assert len(name) == THREAD_NAME_LIMIT and name.endswith("… · 06 Jan 2026")
    assert (
        thread_name("Digest:  short\ntitle", "06 Jan 2026") == "Digest: short title · 06 Jan 2026"
    )


def test_section_views_cover_every_section_page_by_page(fixture_engine: Any) -> None:
    from bot.core.answers import Answer, Item, Section

    answer = Answer(
        title="T",
        sections=(
            Section("One", tuple(Item(f"claim {i} " + "words " * 60) for i in range(30))),
            Section("Two", (Item("only"),)),
        ),
    )
    views = section_views(answer)
    assert len(views) >= 3
    assert views[-1].sections[0].heading.startswith("Two")
    shown = " ".join(to_text(v) for v in views)
    assert all(f"claim {i} " in shown for i in range(30)) and "only" in shown
