"""Digest threads in the core: the setting (subscribe … thread, digest thread on|off, digest
list), and the ``ThreadPlan`` the worker hands the poster — the same on every attempt."""

from __future__ import annotations

from typing import Any

from bot.core.answers import Tone
from bot.digests.composer import thread_name
from bot.digests.ports import THREAD_NAME_LIMIT, Unavailable
from bot.digests.storage import SENT
from bot.render.text import to_text
from bot.render.views import section_views
from tests.digests.conftest import RecordingPoster
from tests.digests.test_service import (  # noqa: F401 - fixtures used by name
    Factory,
    VirtualClock,
    clock,
    run,
    start_service,
    tick,
)


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
    assert thread_name("Digest:  short\ntitle", "06 Jan 2026") == "Digest: short title · 06 Jan 2026"


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
