"""Posting a claimed occurrence and settling it in the ledger.

``attempt`` posts one claimed occurrence and returns what happened as an ``Outcome`` value
(``Sent``, ``Lost``, ``Dropped``, ``Postponed``), or raises the poster's ``DeliveryError``
for the delivery queue to retry. ``settle`` writes the final word to the ledger, in the same
transaction as the subscription's new digest state (or its pausing).

A long digest goes out as several messages (pages). When a post fails after some of them, the
pages in the channel are remembered (here, with the very answer, and in the ledger's
``pages_sent``), and every retry — here or by an instance taking the claim over — posts only
the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.core import metrics
from bot.core.errors import UserFacingError
from bot.digests.clock import Clock
from bot.digests.compose import DigestState
from bot.digests.composer import Composer
from bot.digests.delivery import Job
from bot.digests.planner import Due, Progress
from bot.digests.ports import DeliveryError, OutcomeUnknown, PermanentError, Poster, PostKey
from bot.digests.records import FAILED, MISSED, RETRY, SENT, Subscription
from bot.digests.storage.connection import DatabaseUnavailable
from bot.digests.storage.protocols import Ledger
from bot.digests.tracker import Tracker

log = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[str, datetime]

#: Clocks of instances and platforms may differ this much: a search of the channel for an
#: earlier attempt's post starts this long before that attempt's claim.
CLOCK_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class Sent:
    """Posted: the digest's first message, and the digest state it leaves."""

    message_id: str
    state: DigestState


@dataclass(frozen=True)
class Lost:
    """Another instance took the claim over: not posted here."""


@dataclass(frozen=True)
class Dropped:
    """Not posted: the subscription went away meanwhile."""

    reason: str


@dataclass(frozen=True)
class Postponed:
    """Not posted: the claim could not be renewed (the database is unavailable)."""

    cause: str


Outcome = Sent | Lost | Dropped | Postponed


class Worker:
    """Posts claimed occurrences through their platform's poster and settles them."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        posters: Mapping[str, Poster],
        composer: Composer,
        tracker: Tracker,
        clock: Clock,
        holder: str,
        claim_seconds: float,
        grace: timedelta,
        retry_seconds: float,
        on_paused: Callable[[str], None],
    ) -> None:
        self.ledger = ledger
        self.posters = posters
        self.composer = composer
        self.tracker = tracker
        self.clock = clock
        self.holder = holder
        self.claim_seconds = claim_seconds
        self.grace = grace
        self.retry_seconds = retry_seconds
        self.on_paused = on_paused
        #: Set when the service stops: transient failures are handed back, never final.
        self.stopping = False
        self._progress: dict[Key, Progress] = {}
        self._unsettled: dict[Key, Outcome] = {}
        #: Occurrences whose last attempt here may have posted more than it knows of.
        self._uncertain: set[Key] = set()
        #: Per subscription: held from composing a digest until its new state is tracked, so two
        #: of its occurrences in flight at once never compose from the same state.
        self._composing: dict[str, asyncio.Lock] = {}

    # -- posting -------------------------------------------------------------------------------

    async def attempt(self, job: Job) -> Outcome:
        """Post the job's occurrence (the rest of it, after a partial failure)."""
        due: Due = job.payload
        sub = self.tracker.get(due.subscription.id) or due.subscription
        now = self.clock.now()
        old = due.claimed_at is None or now - due.claimed_at > timedelta(
            seconds=self.claim_seconds / 2
        )
        if job.attempts > 1 or old:
            try:
                still_ours = await self.ledger.renew(
                    sub.id,
                    due.occurrence,
                    holder=self.holder,
                    claim_seconds=self.claim_seconds,
                    now=now,
                )
            except DatabaseUnavailable as exc:
                return Postponed(exc.cause)
            if not still_ours:
                return Lost()
        if not due.manual and sub.id not in self.tracker:
            return Dropped("the subscription was paused or removed")
        poster = self.posters[sub.platform]
        try:
            loaded = self.composer.briefing(sub)
        except UserFacingError as exc:
            raise PermanentError(exc.message) from exc
        progress = self._progress.get(due.key, due.progress)
        skip = progress.pages_sent if progress else 0
        async with self._composing.setdefault(sub.id, asyncio.Lock()):
            sub = self.tracker.get(sub.id) or sub  # with the state the previous digest left
            if progress and progress.answer and progress.next_state:
                answer, next_state = progress.answer, progress.next_state  # the rest of it
            else:
                answer, next_state = await self.composer.compose(
                    sub, loaded, occurrence=due.occurrence
                )
            began = due.first_claimed or due.claimed_at or due.occurrence
            key = PostKey(sub.id, due.occurrence, since=began - CLOCK_SKEW)
            thread = None
            if sub.thread:  # the same replies on every attempt here; the thread's first message
                thread = (progress.thread if progress else None) or self.composer.thread_plan(
                    sub, answer, due.occurrence
                )
                if progress and progress.message_id:
                    thread = replace(thread, starter=progress.message_id)
            try:
                result = await poster.post(
                    sub.channel_id,
                    answer,
                    skip_pages=skip,
                    key=key,
                    uncertain=due.uncertain or due.key in self._uncertain,
                    **({"thread": thread} if thread is not None else {}),
                )
            except DeliveryError as exc:
                if isinstance(exc, OutcomeUnknown):
                    self._uncertain.add(due.key)
                if exc.pages_sent > skip:  # part of it is in the channel: never post that again
                    first = (progress.message_id if progress else "") or exc.message_id
                    progress = Progress(exc.pages_sent, first, answer, next_state, thread)
                    self._progress[due.key] = progress
                    await self._record_progress(due, progress)
                raise
            self.tracker.set_state(sub.id, next_state.to_json())
        if result.found:
            log.info(
                "%d page(s) of this digest were already in the channel; not posted again",
                result.found,
                extra={**_extra(sub), "occurrence": str(due.occurrence)},
            )
        first = (progress.message_id if progress else "") or result.message_id
        outcome = self._unsettled[due.key] = Sent(first, next_state)
        return outcome

    async def _record_progress(self, due: Due, progress: Progress) -> None:
        """Write the pages posted so far to the ledger, for whichever process retries them."""
        try:
            await self.ledger.record_progress(
                due.subscription.id,
                due.occurrence,
                holder=self.holder,
                pages_sent=progress.pages_sent,
                message_id=progress.message_id or None,
                now=self.clock.now(),
            )
        except Exception as exc:
            if not isinstance(exc, DatabaseUnavailable):
                log.exception(
                    "could not record the pages posted so far", extra=_extra(due.subscription)
                )

    # -- settling ------------------------------------------------------------------------------

    def unsettled(self, job: Job) -> Outcome | None:
        """What an attempt of ``job`` found, when it was not settled yet (cut off by a stop)."""
        due: Due = job.payload
        return self._unsettled.get(due.key)

    async def settle(self, job: Job, result: Outcome | DeliveryError) -> None:
        """Record how ``job`` ended (waiting out a database outage, unless stopping)."""
        due: Due = job.payload
        sub = due.subscription
        try:
            if isinstance(result, DeliveryError):
                await self._failed(due, result, job.attempts)
            elif isinstance(result, Sent):
                ok = await self._write(
                    lambda: self.ledger.finish(
                        sub.id,
                        due.occurrence,
                        holder=self.holder,
                        status=SENT,
                        now=self.clock.now(),
                        message_id=result.message_id or None,
                        state=result.state.to_json(),
                    )
                )
                metrics.DELIVERIES.labels(sub.platform, "sent").inc()
                log.info(
                    "digest sent%s",
                    "" if ok else " (but the claim had expired)",
                    extra={**_extra(sub), "occurrence": str(due.occurrence)},
                )
            elif isinstance(result, Lost):
                log.warning("claim taken over by another instance; not posting", extra=_extra(sub))
            elif isinstance(result, Dropped):
                await self._write(
                    lambda: self.ledger.finish(
                        sub.id,
                        due.occurrence,
                        holder=self.holder,
                        status=MISSED,
                        now=self.clock.now(),
                        reason=result.reason,
                    )
                )
            else:  # Postponed: hand the claim back once the database is back
                await self._write(
                    lambda: self.ledger.release(
                        [due.key],
                        holder=self.holder,
                        now=self.clock.now(),
                        reason=f"postponed: {result.cause}",
                    )
                )
        finally:
            self._unsettled.pop(due.key, None)
            self._progress.pop(due.key, None)
            self._uncertain.discard(due.key)

    async def _failed(self, due: Due, error: DeliveryError, attempts: int) -> None:
        sub = due.subscription
        progress = self._progress.get(due.key, due.progress)
        message_id = (progress.message_id or None) if progress else None
        now = self.clock.now()
        if error.permanent:
            await self._write(
                lambda: self.ledger.finish(
                    sub.id,
                    due.occurrence,
                    holder=self.holder,
                    status=FAILED,
                    now=now,
                    reason=error.reason,
                    message_id=message_id,
                    pause_reason=error.reason,
                )
            )
            self.tracker.untrack(sub.id)
            self.on_paused(sub.id)
            metrics.DELIVERIES.labels(sub.platform, "paused").inc()
            log.warning(
                "digest failed permanently; subscription paused: %s",
                error.reason,
                extra=_extra(sub),
            )
            return
        # A transient failure is never final while the grace window lasts. Stopping, it is
        # handed back at once, for whichever instance is up (or this one, restarted).
        wait = 0.0 if self.stopping else min(300.0, max(30.0, self.retry_seconds))
        retry_at = now + timedelta(seconds=wait)
        within_grace = due.manual or retry_at <= due.occurrence + self.grace
        reason = f"{error.reason} (after {attempts} attempts)"
        if self.stopping and within_grace:
            reason += "; handed back at shutdown"
        await self._write(
            lambda: self.ledger.finish(
                sub.id,
                due.occurrence,
                holder=self.holder,
                status=RETRY if within_grace else FAILED,
                now=now,
                reason=reason,
                message_id=message_id,
                retry_at=retry_at if within_grace else None,
            )
        )
        metrics.DELIVERIES.labels(sub.platform, "failed").inc()
        log.warning(
            "digest not delivered after %d attempts: %s%s",
            attempts,
            error.reason,
            "; handed back for another instance" if self.stopping and within_grace else "",
            extra=_extra(sub),
        )

    async def _write(self, write: Callable[[], Awaitable[T]]) -> T | None:
        """Run a ledger write, waiting out a database outage (None: given up, stopping)."""
        pause = 0.5
        while True:
            try:
                return await write()
            except DatabaseUnavailable:
                if self.stopping:
                    return None  # the claim expires; whoever takes it over looks first
                await asyncio.sleep(pause)
                pause = min(5.0, pause * 2)


def _extra(sub: Subscription) -> dict[str, Any]:
    return {"platform": sub.platform, "channel": sub.channel_id, "subscription": sub.id}
