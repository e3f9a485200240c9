"""The digest service: schedules, catch-up, failover and claim → post → mark.

* The subscriptions table is the source of truth. At start-up every active subscription gets an
  APScheduler 3.x job in a *memory* job store (a persistent job store silently drops runs missed
  while down and must not be shared between processes), with a ``ScheduleTrigger`` in the
  subscription's zone.
* A job firing only *wakes* its subscription. What is owed is always worked out the same way
  (``reconcile``): every occurrence since the last one looked at is compared with the ledger;
  one within the grace window without a ledger row is claimed and queued, an older one is
  recorded ``missed`` with its reason. Start-up runs it for every subscription (catch-up), and
  so does a sweeper every ``sweep_seconds``, which also takes over claims whose holder died and
  retries that are due — so a second instance covers for a dead one.
* Claims are taken just before queueing, renewed if they are old by the time the post goes out
  (a claim someone else took over is never posted), and settled in the same transaction as the
  subscription's new digest state.
* A long digest goes out as several messages (pages). When a post fails after some of them,
  the pages in the channel are remembered (``Progress``: on the job, and in the ledger's
  ``pages_sent``), and every retry — here or by the instance taking the claim over — posts
  only the rest. Only a process dying in the middle of a post can leave a page to be posted
  twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import metrics
from bot.core.answers import Answer
from bot.core.errors import NotFoundError, UserFacingError
from bot.digests.compose import DigestState, compose_digest, plan_digest
from bot.digests.delivery import Backoff, DeliveryQueue, Job, RateLimits
from bot.digests.ports import DeliveryError, Poster
from bot.digests.schedule import (
    Schedule,
    ScheduleTrigger,
    runs_between,
    stored_trigger,
)
from bot.digests.store import (
    ACTIVE,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    SENT,
    Store,
    Subscription,
)

if TYPE_CHECKING:
    from bot.commands.engine import Engine
    from bot.core.loader import LoadedBriefing
    from bot.digests.settings import HasDigestSettings

log = logging.getLogger(__name__)

#: At most this many missed occurrences are recorded per subscription after a long outage.
MAX_MISSED_RECORDED = 50
#: Claims are taken in batches of at most this many per transaction.
CLAIM_BATCH = 200


@dataclass(frozen=True)
class Progress:
    """The first ``pages_sent`` pages of an occurrence's digest are in the channel: a post
    failed half-way. Retries post only the rest of the same ``answer`` (kept in memory; after a
    take-over from the ledger it is composed again from the unchanged digest state)."""

    pages_sent: int
    message_id: str = ""  # the first page's
    answer: Answer | None = None
    next_state: DigestState | None = None


@dataclass(frozen=True)
class Due:
    """One occurrence of one subscription (payload of a delivery ``Job``)."""

    subscription: Subscription
    occurrence: datetime  # UTC
    manual: bool = False
    claimed_at: float = 0.0  # loop time of the claim
    progress: Progress | None = None

    @property
    def message_id(self) -> str | None:
        """The first message already posted, if any."""
        return (self.progress.message_id or None) if self.progress else None


class DigestService:
    """Runs scheduled digests in the bot's event loop (``bot.digests.ports.Service``)."""

    name = "digests"

    def __init__(
        self,
        settings: HasDigestSettings,
        engine: Engine,
        store: Store,
        posters: Mapping[str, Poster] | Iterable[Poster],
        *,
        sweep_seconds: float = 30.0,
        stop_timeout: float = 10.0,
        limits: Mapping[str, RateLimits] | None = None,
        backoff: Backoff | None = None,
        max_attempts: int = 5,
        instance: str | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self.posters = _posters_by_platform(posters)
        self.grace = timedelta(minutes=settings.digest.grace_minutes)
        self.claim_seconds = float(settings.digest.claim_seconds)
        self.sweep_seconds = sweep_seconds
        self.stop_timeout = stop_timeout
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.queue = DeliveryQueue(
            attempt=self._attempt,
            settle=self._settle,
            limits=limits,
            backoff=backoff,
            max_attempts=max_attempts,
        )
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, int(self.grace.total_seconds())),
            },
        )
        self._subs: dict[str, Subscription] = {}
        self._triggers: dict[str, ScheduleTrigger] = {}
        #: Per subscription: occurrences up to this instant have been looked at.
        self._cursor: dict[str, datetime] = {}
        #: Per subscription: its first occurrence after the cursor (None: never again).
        self._next: dict[str, datetime | None] = {}
        self._woken: dict[str, None] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._recorded_versions: set[tuple[str, str]] = set()
        self._ready = False
        self._stopping = False
        self._reconcile_lock = asyncio.Lock()
        #: Per platform: owed occurrences not claimed yet, and the task feeding them to the queue.
        self._backlog: dict[str, deque[Due]] = {}
        self._backlog_ready: dict[str, asyncio.Event] = {}
        self._feeders: dict[str, asyncio.Task[None]] = {}
        #: Per subscription: held from composing a digest until its new state is in ``_subs``,
        #: so two of its occurrences in flight at once never compose from the same state.
        self._composing: dict[str, asyncio.Lock] = {}
        #: Briefing snapshots by (briefing, fingerprint): immutable, read once per version.
        self._snapshots: dict[tuple[str, str], dict[str, Any]] = {}

    # -- Service -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load subscriptions, schedule them, catch up, and start the sweeper."""
        await self._record_current_versions()
        subs = await self.store.list_subscriptions(status=ACTIVE)
        marks = await self.store.watermarks()
        now = _now()
        for sub in subs:
            self._track(sub, since=marks.get(sub.id), now=now, schedule_job=True)
        self.scheduler.start()
        await self.reconcile(now=now)
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
        self._stopping = True
        self._ready = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        leftover = await self.queue.close(timeout=self.stop_timeout)
        for job in leftover:
            if isinstance(job.payload, _Sent | _Lost | _Dropped):  # posted (or not ours)
                await self._settle(job, None)
        unsent = [
            (job.payload.subscription.id, job.payload.occurrence)
            for job in leftover
            if isinstance(job.payload, Due)
        ]
        if unsent:
            released = await self.store.release(unsent, holder=self.instance)
            log.info("handed back %d unsent digest claims", released)

    def is_ready(self) -> bool:
        return self._ready

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
    ) -> tuple[Subscription, bool]:
        """Add (or find the identical) subscription and schedule it."""
        sub, created = await self.store.add_subscription(
            platform=platform,
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=channel_name,
            schedule=schedule.text,
            timezone=timezone,
            briefing_id=briefing_id,
            created_by=created_by,
        )
        if created:
            self._track(sub, since=None, now=_now(), schedule_job=True)
        return sub, created

    async def unsubscribe(self, sub_id: str) -> bool:
        self._untrack(sub_id)
        return await self.store.delete_subscription(sub_id)

    async def pause(self, sub_id: str, reason: str) -> None:
        self._untrack(sub_id)
        await self.store.set_status(sub_id, PAUSED, reason)

    async def resume(self, sub_id: str) -> Subscription:
        await self.store.set_status(sub_id, ACTIVE)
        sub = await self.store.get_subscription(sub_id)
        if sub is None:
            raise NotFoundError(f"There is no subscription {sub_id}.")
        self._track(sub, since=None, now=_now(), schedule_job=True)
        return sub

    def next_run(self, sub: Subscription) -> datetime | None:
        """The next scheduled occurrence (UTC) of an active subscription."""
        if not sub.active:
            return None
        trigger = self._triggers.get(sub.id) or stored_trigger(sub.schedule, sub.timezone)
        return trigger.get_next_fire_time(None, _now())

    async def preview(self, sub: Subscription) -> Answer:
        """The digest this subscription would get next (nothing is posted or remembered)."""
        loaded = self._briefing(sub)
        answer, _ = await self._compose(sub, loaded)
        return answer

    async def send_now(self, sub: Subscription, *, wait: float = 2.0) -> str:
        """Post one digest now, outside the schedule. Returns sent / queued / failed: reason."""
        if sub.platform not in self.posters:
            raise UserFacingError(f"This bot is not connected to {sub.platform} right now.")
        self._briefing(sub)  # a missing briefing is the caller's error, not a delivery failure
        occurrence = _now()  # sub-second, so it never collides with a scheduled occurrence
        claimed = await self.store.claim(
            sub.id,
            occurrence,
            holder=self.instance,
            claim_seconds=self.claim_seconds,
            manual=True,
        )
        if not claimed:
            raise UserFacingError("A digest was just sent to that channel; try again in a moment.")
        job = self._job(Due(sub, occurrence, manual=True, claimed_at=_loop_time()))
        job.done = asyncio.get_running_loop().create_future()
        await self.queue.put(job)
        try:
            error = await asyncio.wait_for(asyncio.shield(job.done), wait)
        except (TimeoutError, asyncio.CancelledError):  # still queued, or cut off by stop()
            return "queued"
        return "sent" if error is None else f"failed: {error.reason}"

    # -- tracking and scheduling ---------------------------------------------------------------

    def _track(
        self, sub: Subscription, *, since: datetime | None, now: datetime, schedule_job: bool
    ) -> None:
        """Keep ``sub`` in memory and (re)create its job. ``since`` is its ledger watermark."""
        if sub.platform not in self.posters:
            return  # another instance (with that platform) serves it
        try:
            trigger = stored_trigger(sub.schedule, sub.timezone)
        except (UserFacingError, KeyError, ValueError) as exc:
            log.error(
                "subscription %s has an unusable schedule %r / zone %r: %s",
                sub.id,
                sub.schedule,
                sub.timezone,
                exc,
                extra=self._extra(sub),
            )
            return
        self._subs[sub.id] = sub
        self._triggers[sub.id] = trigger
        # Look again at every occurrence inside the grace window, and at everything after the
        # last occurrence the ledger knows (older ones without a row become "missed").
        cursor = sub.active_since if since is None else min(now - self.grace, since)
        cursor = max(cursor, sub.active_since)
        self._set_cursor(sub.id, cursor)
        if schedule_job:
            self.scheduler.add_job(
                self._fire,
                trigger=trigger,
                args=(sub.id,),
                id=sub.id,
                name=f"digest {sub.id}",
                replace_existing=True,
            )

    def _untrack(self, sub_id: str) -> None:
        self._subs.pop(sub_id, None)
        self._triggers.pop(sub_id, None)
        self._cursor.pop(sub_id, None)
        self._next.pop(sub_id, None)
        with contextlib.suppress(Exception):
            self.scheduler.remove_job(sub_id)

    def _set_cursor(self, sub_id: str, cursor: datetime) -> None:
        self._cursor[sub_id] = cursor
        trigger = self._triggers[sub_id]
        self._next[sub_id] = trigger.get_next_fire_time(None, cursor + timedelta(microseconds=1))

    async def _fire(self, sub_id: str) -> None:
        """APScheduler job: the subscription has an occurrence now."""
        self._woken[sub_id] = None
        self._wake.set()

    async def _intake_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            woken = list(self._woken)
            self._woken.clear()
            try:
                await self.reconcile(now=_now(), only=woken)
            except Exception:
                log.exception("could not take due digests")
                await asyncio.sleep(1)
                for sub_id in woken:
                    self._woken[sub_id] = None
                self._wake.set()

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("digest sweep failed")

    async def sweep(self) -> None:
        """Pick up new subscriptions, due occurrences and claims another instance dropped."""
        now = _now()
        known = await self.store.list_subscriptions()
        by_id = {s.id: s for s in known}
        for sub_id in [s for s in self._subs if s not in by_id or not by_id[s].active]:
            self._untrack(sub_id)  # unsubscribed or paused through another instance
        marks: dict[str, datetime] | None = None
        for sub in known:
            if sub.active and sub.id not in self._subs and sub.platform in self.posters:
                if marks is None:
                    marks = await self.store.watermarks()
                self._track(sub, since=marks.get(sub.id), now=now, schedule_job=True)
            elif sub.id in self._subs:
                self._subs[sub.id] = sub  # fresh status, state and channel name
        await self.reconcile(now=now)
        await self._take_over(now)

    # -- working out what is owed ----------------------------------------------------------------

    async def reconcile(self, *, now: datetime, only: Iterable[str] | None = None) -> None:
        """Claim and queue every owed occurrence up to ``now``; record older ones as missed."""
        async with self._reconcile_lock:
            ids = list(self._subs) if only is None else [i for i in only if i in self._subs]
            ids = [i for i in ids if (n := self._next.get(i)) is not None and n <= now]
            if not ids:
                return
            oldest = min(self._cursor[i] for i in ids)
            seen = await self.store.ledger_since(oldest, ids if len(ids) <= 500 else None)
            window_start = now - self.grace
            due: list[Due] = []
            missed: list[tuple[str, datetime, str]] = []
            for sub_id in ids:
                sub = self._subs[sub_id]
                runs = runs_between(
                    self._triggers[sub_id], self._cursor[sub_id], now, limit=MAX_MISSED_RECORDED
                )
                for occurrence in runs:
                    if (sub_id, occurrence) in seen:
                        continue
                    if occurrence < window_start:
                        missed.append((sub_id, occurrence, self._missed_reason(sub, occurrence)))
                    else:
                        due.append(Due(sub, occurrence))
                self._set_cursor(sub_id, now)
            if missed:
                await self.store.record_missed(missed)
                for sub_id, occurrence, reason in missed:
                    metrics.DELIVERIES.labels(self._subs[sub_id].platform, "missed").inc()
                    log.warning(
                        "digest missed: %s",
                        reason,
                        extra={**self._extra(self._subs[sub_id]), "occurrence": str(occurrence)},
                    )
            self._claim_and_queue(due)

    async def _take_over(self, now: datetime) -> None:
        """Claim rows whose holder died (claim expired) and retries that are due."""
        rows = await self.store.claimable(now=now)
        stale: list[tuple[str, datetime, str]] = []
        due: list[Due] = []
        for row in rows:
            sub = self._subs.get(row.subscription_id)
            if sub is None:
                continue
            if row.occurrence < now - self.grace and not row.manual:
                reason = (
                    f"{row.reason}; gave up after {row.attempts} attempts"
                    if row.status == RETRY and row.reason
                    else self._missed_reason(sub, row.occurrence)
                )
                stale.append((sub.id, row.occurrence, reason))
            else:
                progress = (
                    Progress(row.pages_sent, row.message_id or "") if row.pages_sent else None
                )
                due.append(Due(sub, row.occurrence, manual=row.manual, progress=progress))
        if stale:
            await self.store.expire_stale(stale)
        self._claim_and_queue(due)

    def _claim_and_queue(self, due: list[Due]) -> None:
        """Hand owed occurrences to their platform's feeder (oldest first)."""
        for item in sorted(due, key=lambda d: d.occurrence):
            platform = item.subscription.platform
            self._backlog.setdefault(platform, deque()).append(item)
            if platform not in self._feeders and not self._stopping:
                self._backlog_ready[platform] = asyncio.Event()
                task = asyncio.create_task(self._feed(platform), name=f"digest-feed-{platform}")
                self._feeders[platform] = task
                self._tasks.append(task)
            self._backlog_ready[platform].set()

    async def _feed(self, platform: str) -> None:
        """Claim backlog items in batches as the platform's queue has room, and queue them.

        Claiming only when there is room keeps claims short-lived, and platforms apart: a
        long Discord fan-out never holds Slack's digests back.
        """
        backlog = self._backlog[platform]
        ready = self._backlog_ready[platform]
        while True:
            if not backlog:
                ready.clear()
                await ready.wait()
                continue
            await self.queue.wait_room(platform, min(CLAIM_BATCH // 4, len(backlog)))
            size = max(1, min(CLAIM_BATCH, self.queue.room(platform), len(backlog)))
            batch = [backlog.popleft() for _ in range(size)]
            try:
                won = await self.store.claim_many(
                    [(d.subscription.id, d.occurrence) for d in batch],
                    holder=self.instance,
                    claim_seconds=self.claim_seconds,
                )
            except Exception:
                log.exception("could not claim due digests; retrying", extra={"platform": platform})
                backlog.extendleft(reversed(batch))
                await asyncio.sleep(1)
                continue
            claimed_at = _loop_time()
            for item, ok in zip(batch, won, strict=True):
                if ok:
                    await self.queue.put(self._job(replace(item, claimed_at=claimed_at)))

    def _job(self, due: Due) -> Job:
        return Job(
            platform=due.subscription.platform, channel=due.subscription.channel_id, payload=due
        )

    # -- posting ---------------------------------------------------------------------------------

    async def _attempt(self, job: Job) -> None:
        due: Due = job.payload
        sub = self._subs.get(due.subscription.id, due.subscription)
        if job.attempts > 1 or _loop_time() - due.claimed_at > self.claim_seconds / 2:
            still_ours = await self.store.renew(
                sub.id, due.occurrence, holder=self.instance, claim_seconds=self.claim_seconds
            )
            if not still_ours:
                job.payload = _Lost(due)
                return
        if not due.manual and sub.id not in self._subs:
            job.payload = _Dropped(due, "the subscription was paused or removed")
            return
        poster = self.posters[sub.platform]
        try:
            loaded = self._briefing(sub)
        except UserFacingError as exc:
            raise DeliveryError(exc.message, permanent=True) from exc
        progress = due.progress
        skip = progress.pages_sent if progress else 0
        async with self._composing.setdefault(sub.id, asyncio.Lock()):
            sub = self._subs.get(sub.id, sub)  # with the state the previous digest left
            if progress and progress.answer and progress.next_state:
                answer, next_state = progress.answer, progress.next_state  # the rest of it
            else:
                answer, next_state = await self._compose(sub, loaded)
                answer = replace(
                    answer,
                    extra={
                        **answer.extra,
                        "subscription": sub.id,
                        "occurrence": due.occurrence.isoformat(),
                    },
                )
            try:
                result = await poster.post(sub.channel_id, answer, skip_pages=skip)
            except DeliveryError as exc:
                if exc.pages_sent > skip:  # part of it is in the channel: never post that again
                    progress = Progress(
                        exc.pages_sent,
                        (progress.message_id if progress else "") or exc.message_id,
                        answer,
                        next_state,
                    )
                    job.payload = replace(due, progress=progress)
                    await self._record_progress(due, progress)
                raise
            if sub.id in self._subs:
                self._subs[sub.id] = replace(sub, state=next_state.to_json())
        job.payload = _Sent(due, due.message_id or result.message_id, next_state)

    async def _record_progress(self, due: Due, progress: Progress) -> None:
        """Write the pages posted so far to the ledger, for whichever process retries them."""
        try:
            await self.store.record_progress(
                due.subscription.id,
                due.occurrence,
                holder=self.instance,
                pages_sent=progress.pages_sent,
                message_id=progress.message_id or None,
            )
        except Exception:
            log.exception(
                "could not record the pages posted so far",
                extra=self._extra(due.subscription),
            )

    async def _settle(self, job: Job, error: DeliveryError | None) -> None:
        payload = job.payload
        if isinstance(payload, _Lost):
            log.warning(
                "claim taken over by another instance; not posting",
                extra=self._extra(payload.due.subscription),
            )
            return
        if isinstance(payload, _Dropped):
            due = payload.due
            await self.store.finish(
                due.subscription.id,
                due.occurrence,
                holder=self.instance,
                status=MISSED,
                reason=payload.reason,
            )
            return
        if isinstance(payload, _Sent):
            due = payload.due
            ok = await self.store.finish(
                due.subscription.id,
                due.occurrence,
                holder=self.instance,
                status=SENT,
                message_id=payload.message_id or None,
                state=payload.state.to_json(),
            )
            metrics.DELIVERIES.labels(due.subscription.platform, "sent").inc()
            log.info(
                "digest sent%s",
                "" if ok else " (but the claim had expired)",
                extra={**self._extra(due.subscription), "occurrence": str(due.occurrence)},
            )
            return
        due = payload
        assert error is not None
        sub = due.subscription
        if error.permanent:
            reason = plain_reason(error.reason)
            await self.store.finish(
                sub.id,
                due.occurrence,
                holder=self.instance,
                status=FAILED,
                reason=reason,
                message_id=due.message_id,
                pause_reason=reason,
            )
            self._untrack(sub.id)
            metrics.DELIVERIES.labels(sub.platform, "paused").inc()
            log.warning(
                "digest failed permanently; subscription paused: %s",
                reason,
                extra=self._extra(sub),
            )
            return
        retry_at = _now() + timedelta(seconds=min(300.0, max(30.0, self.sweep_seconds)))
        within_grace = due.manual or retry_at <= due.occurrence + self.grace
        await self.store.finish(
            sub.id,
            due.occurrence,
            holder=self.instance,
            status=RETRY if within_grace and not self._stopping else FAILED,
            reason=f"{error.reason} (after {job.attempts} attempts)",
            message_id=due.message_id,
            retry_at=retry_at if within_grace else None,
        )
        metrics.DELIVERIES.labels(sub.platform, "failed").inc()
        log.warning(
            "digest not delivered after %d attempts: %s",
            job.attempts,
            error.reason,
            extra=self._extra(sub),
        )

    # -- composing -------------------------------------------------------------------------------

    def _briefing(self, sub: Subscription) -> LoadedBriefing:
        library = self.engine.library.current
        try:
            return library.get(sub.briefing_id)
        except UserFacingError as exc:
            raise UserFacingError(
                f"The briefing “{sub.briefing_id}” is no longer available."
            ) from exc

    async def _compose(
        self, sub: Subscription, loaded: LoadedBriefing
    ) -> tuple[Answer, DigestState]:
        state = DigestState.from_json(sub.state)
        await self._remember_version(loaded)
        previous = None
        if state.fingerprint and state.briefing_id and state.fingerprint != loaded.fingerprint:
            previous = await self._snapshot(state.briefing_id, state.fingerprint)
        plan = plan_digest(loaded, state)
        return compose_digest(loaded, state, previous, plan=plan), plan.next_state

    async def _snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The recorded snapshot of a briefing version (after a reload, every subscription's
        next digest diffs against the same one)."""
        key = (briefing_id, fingerprint)
        if key not in self._snapshots:
            found = await self.store.briefing_snapshot(briefing_id, fingerprint)
            if found is None:
                return None
            self._snapshots[key] = found
        return self._snapshots[key]

    async def _remember_version(self, loaded: LoadedBriefing) -> None:
        key = (loaded.briefing.id, loaded.fingerprint)
        if key not in self._recorded_versions:
            await self.store.record_briefing_version(loaded)
            self._recorded_versions.add(key)

    async def _record_current_versions(self) -> None:
        library = self.engine.library.current
        for loaded in getattr(library, "briefings", {}).values():
            await self._remember_version(loaded)

    # -- helpers ---------------------------------------------------------------------------------

    def _missed_reason(self, sub: Subscription, occurrence: datetime) -> str:
        local = _local(occurrence, sub.timezone)
        minutes = int(self.grace.total_seconds() // 60)
        return (
            f"not posted: the bot was not running at {local} and came back more than "
            f"{minutes} minutes later"
        )

    @staticmethod
    def _extra(sub: Subscription) -> dict[str, Any]:
        return {"platform": sub.platform, "channel": sub.channel_id, "subscription": sub.id}


@dataclass(frozen=True)
class _Sent:
    due: Due
    message_id: str
    state: DigestState


@dataclass(frozen=True)
class _Lost:
    due: Due


@dataclass(frozen=True)
class _Dropped:
    due: Due
    reason: str


_PLAIN_REASONS = (
    ("unknown channel", "the channel no longer exists"),
    ("channel_not_found", "the channel no longer exists"),
    ("not_in_channel", "the bot is not in the channel (invite it, then resume)"),
    ("missing access", "the bot has no access to the channel (check its permissions)"),
    ("missing permissions", "the bot may not post in the channel (check its permissions)"),
    ("is_archived", "the channel is archived"),
    ("channel_is_archived", "the channel is archived"),
)


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


def plain_reason(reason: str) -> str:
    """A platform error in words a channel manager understands."""
    lowered = reason.lower()
    for needle, words in _PLAIN_REASONS:
        if needle in lowered:
            return words
    return reason


def _now() -> datetime:
    return datetime.now(UTC)


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


def _local(moment: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M %Z")
