"""A graceful stop never loses a digest: a post failing for now while the stop drains is handed
back (``retry``, claimable at once), never settled ``failed``; the next instance posts it once.

Deterministic: the post fails exactly while ``stop()`` waits for it. On the in-memory store,
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.answers import Answer
from bot.digests.clock import VirtualClock
from bot.digests.delivery import Backoff
from bot.digests.ports import DeliveryError, NoAccess, PostResult, RateLimited, Unavailable
from bot.digests.service import DigestService
from bot.digests.storage import FAILED, PAUSED, RETRY, SENT

from .conftest import RecordingPoster, add_console_subscription, make_settings, open_store

T0 = datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC)


class FailsWhileStopping(RecordingPoster):
    """The first post waits until the service is stopping, then fails with ``error``."""

    def __init__(self, error: DeliveryError) -> None:
        super().__init__()
        self.error = error
        self.entered = asyncio.Event()
        self.go = asyncio.Event()

    async def post(self, channel_id: str, answer: Answer, **kw: Any) -> PostResult:
        if not self.entered.is_set():
            self.entered.set()
            await self.go.wait()
            raise self.error
        return await super().post(channel_id, answer, **kw)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_store(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Any]:
    opened = await open_store(request.param, request, sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


def service_on(
    store: Any, river_engine: Any, poster: RecordingPoster, clock: VirtualClock, name: str
) -> DigestService:
    return DigestService(
        make_settings("sqlite://"),
        river_engine.library,
        store,
        {"console": poster},
        clock=clock,
        sweep_seconds=3600,
        backoff=Backoff(base=0, cap=0),
        instance=name,
    )


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("Slack rate-limited the post (still limited after retrying).", retry_after=1),
        Unavailable("Slack answered HTTP 500; will retry."),
    ],
    ids=["429", "500"],
)
async def test_a_post_failing_for_now_while_stopping_is_handed_back_and_posted_once(
    any_store: Any, fixture_engine: Any, error: DeliveryError
) -> None:
    clock = VirtualClock(T0)
    sub = await add_console_subscription(any_store, schedule="daily 09:00", now=T0)
    failing = FailsWhileStopping(error)
    first = service_on(any_store, fixture_engine, failing, clock, "first")
    await first.start()
    clock.advance(timedelta(seconds=10))
    await first.sweep()
    await asyncio.wait_for(failing.entered.wait(), 5)  # the post is in flight

    stopping = asyncio.create_task(first.stop())
    while not first.queue.closing:
        await asyncio.sleep(0)
    failing.go.set()  # it fails now, while the stop drains the queue
    await asyncio.wait_for(stopping, 5)

    [row] = await any_store.ledger.deliveries_of(sub.id)
    assert (row.status, row.holder) == (RETRY, None)
    assert row.reason == f"{error.reason} (after 1 attempts); handed back at shutdown"
    assert [r.subscription_id for r in await any_store.ledger.claimable(now=clock.now())] == [
        sub.id
    ]
    assert (await any_store.subscriptions.get(sub.id)).active

    clock.advance(timedelta(seconds=5))  # the next instance (or this one, restarted)
    poster = RecordingPoster()
    second = service_on(any_store, fixture_engine, poster, clock, "second")
    await second.start()
    try:
        await second.sweep()
        await second.settled()
        await second.sweep()  # nothing more to do
        await second.settled()
    finally:
        await second.stop()
    assert [p.channel for p in poster.posts] == ["news"]
    [row] = await any_store.ledger.deliveries_of(sub.id)
    assert (row.status, row.holder, row.attempts) == (SENT, "second", 2)


async def test_a_permanent_error_while_stopping_still_pauses(
    any_store: Any, fixture_engine: Any
) -> None:
    clock = VirtualClock(T0)
    sub = await add_console_subscription(any_store, schedule="daily 09:00", now=T0)
    failing = FailsWhileStopping(NoAccess("Briefbot is not in channel news"))
    service = service_on(any_store, fixture_engine, failing, clock, "first")
    await service.start()
    clock.advance(timedelta(seconds=10))
    await service.sweep()
    await asyncio.wait_for(failing.entered.wait(), 5)
    stopping = asyncio.create_task(service.stop())
    while not service.queue.closing:
        await asyncio.sleep(0)
    failing.go.set()
    await asyncio.wait_for(stopping, 5)
    [row] = await any_store.ledger.deliveries_of(sub.id)
    assert (row.status, row.reason) == (FAILED, "Briefbot is not in channel news")
    assert (await any_store.subscriptions.get(sub.id)).status == PAUSED
