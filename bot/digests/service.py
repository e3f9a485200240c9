"""The digest service: the scheduled digests of every subscription, exactly once.

It puts the parts together, each with one job:

* ``Tracker``: the subscriptions this instance serves and how far each was looked at;
* ``Scheduler``: APScheduler jobs that wake a subscription when an occurrence falls due;
* ``planner.plan``: what is owed — occurrences since the cursor without a ledger row, due
  within the grace window, missed (with the reason) when older;
* ``Feeder``: claims owed occurrences in batches as the platform's queue has room;
* ``DeliveryQueue``: posts within the platforms' rate limits, retrying transient failures;
* ``Worker``: composes and posts a claimed occurrence, and settles it in the ledger.

The subscriptions table is the source of truth: start-up tracks every active subscription and
catches up (``reconcile``); a job firing reconciles its subscription; and a sweeper every
``sweep_seconds`` reconciles everything, picks up subscriptions made through other instances,
and takes over claims whose holder died and retries that are due — so a second instance covers
for a dead one. Every time comes from the injected ``Clock``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core import metrics
from bot.core.answers import Answer
from bot.core.errors import NotFoundError, UserFacingError
from bot.digests.clock import Clock, SystemClock
from bot.digests.composer import Composer
from bot.digests.delivery import DEFAULT_LIMITS, Backoff, DeliveryQueue
from bot.digests.feeder import Feeder, job_for
from bot.digests.planner import Due, plan, plan_takeover
from bot.digests.ports import ChannelRef, Poster, RateLimits
from bot.digests.records import ACTIVE, PAUSED, Subscription
from bot.digests.schedule import Schedule, stored_trigger
from bot.digests.scheduler import Scheduler
from bot.digests.storage.connection import DatabaseUnavailable
from bot.digests.storage.protocols import DigestStore
from bot.digests.tracker import Tracker
from bot.digests.worker import Worker

if TYPE_CHECKING:
    from bot.core.library import LibraryHolder
    from bot.digests.settings import HasDigestSettings

log = logging.getLogger(__name__)

#: Above this many subscriptions, ``reconcile`` reads the ledger without an id filter.
MAX_FILTERED = 500


class DigestService:
    """Runs scheduled digests in the bot's event loop (``bot.digests.ports.Service``)."""

    name = "digests"

    def __init__(
        self,
        settings: HasDigestSettings,
        library: LibraryHolder,
        store: DigestStore,
        posters: Mapping[str, Poster] | Iterable[Poster],
        *,
        clock: Clock | None = None,
        sweep_seconds: float = 30.0,
        stop_timeout: float = 10.0,
        limits: Mapping[str, RateLimits] | None = None,
        backoff: Backoff | None = None,
        max_attempts: int = 5,
        instance: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.posters = _posters_by_platform(posters)
        self.grace = timedelta(minutes=settings.digest.grace_minutes)
        self.claim_seconds = float(settings.digest.claim_seconds)
        self.sweep_seconds = sweep_seconds
        self.stop_timeout = stop_timeout
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.tracker = Tracker(self.posters, grace=self.grace)
        self.scheduler = Scheduler(self._wake, misfire_seconds=int(self.grace.total_seconds()))
        self.composer = Composer(library, store.versions, self.clock)
        self.worker = Worker(
            ledger=store.ledger,
            posters=self.posters,
            composer=self.composer,
            tracker=self.tracker,
            clock=self.clock,
            holder=self.instance,
            claim_seconds=self.claim_seconds,
            grace=self.grace,
            retry_seconds=sweep_seconds,
            on_paused=self.scheduler.remove,
        )
        self.queue = DeliveryQueue(
            attempt=self.worker.attempt,
            settle=self.worker.settle,
            limits=limits or {p: _limits(poster) for p, poster in self.posters.items()},
            backoff=backoff,
            max_attempts=max_attempts,
        )
        self.feeder = Feeder(
            store.ledger,
            self.queue,
            self.clock,
            holder=self.instance,
            claim_seconds=self.claim_seconds,
        )
        self._woken: dict[str, None] = {}
        self._wake_event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._reconcile_lock = asyncio.Lock()
        self._ready = False
        self._stopping = False

    # -- Service -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load subscriptions, schedule them, catch up, and start the sweeper."""
        await self.composer.remember_current()
        subs = await self.store.subscriptions.find(status=ACTIVE)
        marks = await self.store.ledger.watermarks()
        now = self.clock.now()
        for sub in subs:
            self._track(sub, watermark=marks.get(sub.id), now=now)
        self.scheduler.start()
        await self.reconcile(now=now)
        await self._take_over(now)  # e.g. what the instance stopped just before handed back
        self._tasks = [
            asyncio.create_task(self._intake_loop(), name="digest-intake"),
            asyncio.create_task(self._sweep_loop(), name="digest-sweeper"),
        ]
        self._ready = True
        log.info("digests ready: %d active subscriptions (instance %s)", len(subs), self.instance)

    async def stop(self) -> None:
        """Stop taking work, let in-flight posts finish (bounded), hand back unsent claims."""
        if self._stopping:
            return
        self._stopping = self.worker.stopping = True
        self._ready = False
        self.scheduler.shutdown()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.feeder.stop()
        leftover = await self.queue.close(timeout=self.stop_timeout)
        unsent: list[tuple[str, datetime]] = []
        for job in leftover:
            outcome = self.worker.unsettled(job)
            if outcome is not None:  # posted (or found not ours), not yet recorded
                await self.worker.settle(job, outcome)
            else:
                unsent.append(job.payload.key)
        if unsent:
            try:
                released = await self.store.ledger.release(
                    unsent, holder=self.instance, now=self.clock.now()
                )
            except DatabaseUnavailable:
                log.warning(
                    "could not hand back %d unsent digest claims (database unavailable); "
                    "they expire in %.0f s",
                    len(unsent),
                    self.claim_seconds,
                )
            else:
                log.info("handed back %d unsent digest claims", released)

    def is_ready(self) -> bool:
        return self._ready

    async def settled(self) -> None:
        """Wait until nothing is being claimed, queued or posted (for tests and tools)."""
        while True:
            await self.feeder.idle()
            await self.queue.join()
            await asyncio.sleep(0)
            if self.queue.depth == 0 and self.feeder.is_idle:
                return

    # -- subscriptions (used by the commands) --------------------------------------------------

    async def subscribe(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        channel_name: str,
        schedule: Schedule,
        timezone: str,
        briefing_id: str | None,
        created_by: str,
        thread: bool = False,
    ) -> tuple[Subscription, bool]:
        """Add (or find the identical) subscription and schedule it."""
        now = self.clock.now()
        sub, created = await self.store.subscriptions.add(
            platform=platform,
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=channel_name,
            schedule=schedule.text,
            timezone=timezone,
            briefing_id=briefing_id,
            created_by=created_by,
            now=now,
            thread=thread,
        )
        if created:
            self._track(sub, watermark=None, now=now)
        return sub, created

    async def unsubscribe(self, sub_id: str) -> bool:
        deleted = await self.store.subscriptions.delete(sub_id)  # first: it may be unavailable
        self._untrack(sub_id)
        return deleted

    async def pause(self, sub_id: str, reason: str) -> None:
        await self.store.subscriptions.set_status(sub_id, PAUSED, reason, now=self.clock.now())
        self._untrack(sub_id)

    async def resume(self, sub_id: str) -> Subscription:
        now = self.clock.now()
        await self.store.subscriptions.set_status(sub_id, ACTIVE, now=now)
        sub = await self.store.subscriptions.get(sub_id)
        if sub is None:
            raise NotFoundError(f"There is no subscription {sub_id}.")
        self._track(sub, watermark=None, now=now)
        return sub

    async def set_thread(self, sub_id: str, thread: bool) -> Subscription:
        """Turn a subscription's digest threads on or off (from its next digest)."""
        await self.store.subscriptions.set_thread(sub_id, thread, now=self.clock.now())
        sub = await self.store.subscriptions.get(sub_id)
        if sub is None:
            raise NotFoundError(f"There is no subscription {sub_id}.")
        tracked = self.tracker.get(sub_id)
        if tracked is not None:  # only the setting: the tracked digest state may be newer
            self.tracker.refresh(dataclasses.replace(tracked, thread=sub.thread))
        return sub

    def thread_refusal(self, platform: str, channel_id: str) -> str | None:
        """Why digests to that channel could not open threads (None: nothing against it)."""
        check = getattr(self.posters.get(platform), "thread_refusal", None)
        return check(channel_id) if callable(check) else None

    def thread_required(self, platform: str, channel_id: str) -> bool:
        """Whether digests to that channel can only be threads (a Discord forum)."""
        check = getattr(self.posters.get(platform), "thread_required", None)
        return bool(check(channel_id)) if callable(check) else False

    def parse_channel(self, platform: str, text: str) -> ChannelRef | None:
        """The channel ``text`` names on ``platform`` (its poster knows the forms), else None."""
        poster = self.posters.get(platform)
        return poster.parse_channel(text) if poster is not None else None

    def next_run(self, sub: Subscription) -> datetime | None:
        """The next scheduled occurrence (UTC) of an active subscription."""
        if not sub.active:
            return None
        tracked = self.tracker.tracked.get(sub.id)
        trigger = tracked.trigger if tracked else stored_trigger(sub.schedule, sub.timezone)
        return trigger.get_next_fire_time(None, self.clock.now())

    async def preview(self, sub: Subscription) -> Answer:
        """The digest this subscription would get next (nothing is posted or remembered)."""
        answer, _ = await self.composer.compose(sub, self.composer.briefing(sub))
        return answer

    async def send_now(self, sub: Subscription, *, wait: float = 2.0) -> str:
        """Post one digest now, outside the schedule. Returns sent / queued / failed: reason."""
        if sub.platform not in self.posters:
            raise UserFacingError(f"This bot is not connected to {sub.platform} right now.")
        self.composer.briefing(sub)  # a missing briefing is the caller's error, not a failure
        occurrence = self.clock.now()  # sub-second: never the same as a scheduled occurrence
        claimed = await self.store.ledger.claim(
            sub.id,
            occurrence,
            holder=self.instance,
            claim_seconds=self.claim_seconds,
            now=occurrence,
            manual=True,
        )
        if not claimed:
            raise UserFacingError("A digest was just sent to that channel; try again in a moment.")
        job = job_for(Due(sub, occurrence, manual=True, claimed_at=occurrence))
        job.done = asyncio.get_running_loop().create_future()
        await self.queue.put(job)
        try:
            error = await asyncio.wait_for(asyncio.shield(job.done), wait)
        except (TimeoutError, asyncio.CancelledError):  # still queued, or cut off by stop()
            return "queued"
        return "sent" if error is None else f"failed: {error.reason}"

    # -- tracking ------------------------------------------------------------------------------

    def _track(self, sub: Subscription, *, watermark: datetime | None, now: datetime) -> None:
        tracked = self.tracker.track(sub, watermark=watermark, now=now)
        if tracked is not None:
            self.scheduler.add(sub.id, tracked.trigger)

    def _untrack(self, sub_id: str) -> None:
        self.tracker.untrack(sub_id)
        self.scheduler.remove(sub_id)

    async def _wake(self, sub_id: str) -> None:
        """APScheduler job: the subscription has an occurrence now."""
        self._woken[sub_id] = None
        self._wake_event.set()

    async def _intake_loop(self) -> None:
        failures = 0
        while True:
            await self._wake_event.wait()
            self._wake_event.clear()
            woken = list(self._woken)
            self._woken.clear()
            try:
                await self.reconcile(now=self.clock.now(), only=woken)
                failures = 0
            except Exception as exc:
                if not isinstance(exc, DatabaseUnavailable):  # an outage is logged once
                    log.exception("could not take due digests")
                failures += 1
                await asyncio.sleep(min(10.0, 0.5 * 2**failures))
                for sub_id in woken:
                    self._woken[sub_id] = None
                self._wake_event.set()

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except DatabaseUnavailable:
                pass  # logged once by the store; the next sweep catches up
            except Exception:
                log.exception("digest sweep failed")

    async def sweep(self) -> None:
        """Pick up new subscriptions, due occurrences and claims another instance dropped."""
        now = self.clock.now()
        known = await self.store.subscriptions.find()
        by_id = {s.id: s for s in known}
        for sub_id in [s for s in self.tracker.tracked if s not in by_id or not by_id[s].active]:
            self._untrack(sub_id)  # unsubscribed or paused through another instance
        marks: dict[str, datetime] | None = None
        for sub in known:
            if sub.active and sub.id not in self.tracker and self.tracker.serves(sub):
                if marks is None:
                    marks = await self.store.ledger.watermarks()
                self._track(sub, watermark=marks.get(sub.id), now=now)
            elif sub.id in self.tracker:
                self.tracker.refresh(sub)  # fresh status, state and channel name
        await self.reconcile(now=now)
        await self._take_over(now)

    # -- working out what is owed ----------------------------------------------------------------

    async def reconcile(self, *, now: datetime, only: Iterable[str] | None = None) -> None:
        """Claim and queue every owed occurrence up to ``now``; record older ones as missed."""
        async with self._reconcile_lock:
            ids = self.tracker.owed(now, only)
            if not ids:
                return
            cursors = {i: self.tracker.cursor(i) for i in ids}
            seen = await self.store.ledger.seen_since(
                min(cursors.values()), ids if len(ids) <= MAX_FILTERED else None
            )
            subs = {i: self.tracker.tracked[i] for i in ids}
            due, missed = plan(subs, cursors, seen, now, self.grace)
            if missed:
                await self.store.ledger.record_missed(
                    [(m.subscription_id, m.occurrence, m.reason) for m in missed], now=now
                )
            self.tracker.advance(ids, now)
            for item in missed:
                sub = subs[item.subscription_id].subscription
                metrics.DELIVERIES.labels(sub.platform, "missed").inc()
                log.warning(
                    "digest missed: %s",
                    item.reason,
                    extra={**_extra(sub), "occurrence": str(item.occurrence)},
                )
            self.feeder.add(due)

    async def _take_over(self, now: datetime) -> None:
        """Claim rows whose holder died (claim expired) and retries that are due."""
        rows = await self.store.ledger.claimable(now=now)
        subs = {i: t.subscription for i, t in self.tracker.tracked.items()}
        due, stale = plan_takeover(rows, subs, now, self.grace)
        if stale:
            await self.store.ledger.expire_stale(
                [(m.subscription_id, m.occurrence, m.reason) for m in stale], now=now
            )
        self.feeder.add(due)


def _posters_by_platform(posters: Mapping[str, Poster] | Iterable[Poster]) -> dict[str, Poster]:
    """Posters keyed by platform; a plain list is keyed by each poster's ``platform``."""
    if isinstance(posters, Mapping):
        return dict(posters)
    out: dict[str, Poster] = {}
    for poster in posters:
        if poster is None:
            continue
        name = getattr(poster, "platform", None) or getattr(poster, "name", None)
        if name and callable(getattr(poster, "post", None)):
            out[str(name)] = poster
    return out


def _limits(poster: Poster) -> RateLimits:
    limits = getattr(poster, "limits", None)
    return limits if isinstance(limits, RateLimits) else DEFAULT_LIMITS


def _extra(sub: Subscription) -> dict[str, Any]:
    return {"platform": sub.platform, "channel": sub.channel_id, "subscription": sub.id}
