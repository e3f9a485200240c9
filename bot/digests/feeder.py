"""Claiming owed occurrences in batches, as each platform's queue has room, and queueing them.

Claiming only when there is room keeps claims short-lived, and platforms apart: a long Discord
fan-out never holds Slack's digests back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from bot.digests.clock import Clock
from bot.digests.delivery import DeliveryQueue, Job
from bot.digests.planner import Due
from bot.digests.storage.connection import DatabaseUnavailable
from bot.digests.storage.protocols import Ledger

log = logging.getLogger(__name__)

#: Claims are taken in batches of at most this many per transaction.
CLAIM_BATCH = 200


def job_for(due: Due) -> Job:
    """The delivery queue's job for an owed occurrence (claimed by us)."""
    sub = due.subscription
    return Job(platform=sub.platform, channel=sub.channel_id, payload=due)


class Feeder:
    """Per platform, a backlog of owed occurrences and a task that claims and queues them."""

    def __init__(
        self,
        ledger: Ledger,
        queue: DeliveryQueue,
        clock: Clock,
        *,
        holder: str,
        claim_seconds: float,
    ) -> None:
        self.ledger = ledger
        self.queue = queue
        self.clock = clock
        self.holder = holder
        self.claim_seconds = claim_seconds
        self._backlog: dict[str, deque[Due]] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._busy: dict[str, bool] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopped = False

    def add(self, due: Iterable[Due]) -> None:
        """Owed occurrences (not claimed yet), to claim and queue oldest first."""
        for item in sorted(due, key=lambda d: d.occurrence):
            platform = item.subscription.platform
            self._backlog.setdefault(platform, deque()).append(item)
            if platform not in self._tasks and not self._stopped:
                self._ready[platform] = asyncio.Event()
                self._tasks[platform] = asyncio.create_task(
                    self._feed(platform), name=f"digest-feed-{platform}"
                )
            self._idle.clear()
            self._ready[platform].set()

    @property
    def is_idle(self) -> bool:
        return self._idle.is_set()

    async def idle(self) -> None:
        """Wait until every backlog is empty (claimed and queued, or lost to others)."""
        await self._idle.wait()

    async def stop(self) -> None:
        self._stopped = True
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle.set()

    def _check_idle(self) -> None:
        if not any(self._backlog.values()) and not any(self._busy.values()):
            self._idle.set()

    async def _feed(self, platform: str) -> None:
        backlog = self._backlog[platform]
        ready = self._ready[platform]
        failures = 0
        while True:
            if not backlog:
                self._busy[platform] = False
                self._check_idle()
                ready.clear()
                await ready.wait()
                continue
            self._busy[platform] = True
            await self.queue.wait_room(platform, min(CLAIM_BATCH // 4, len(backlog)))
            size = max(1, min(CLAIM_BATCH, self.queue.room(platform), len(backlog)))
            batch = [backlog.popleft() for _ in range(size)]
            claimed_at = self.clock.now()
            try:
                won = await self.ledger.claim_many(
                    [d.key for d in batch],
                    holder=self.holder,
                    claim_seconds=self.claim_seconds,
                    now=claimed_at,
                )
            except Exception as exc:
                if not isinstance(exc, DatabaseUnavailable):  # an outage is logged once
                    log.exception("could not claim due digests", extra={"platform": platform})
                backlog.extendleft(reversed(batch))
                failures += 1
                await asyncio.sleep(min(10.0, 0.5 * 2**failures))
                continue
            failures = 0
            for item, ok in zip(batch, won, strict=True):
                if ok:
                    await self.queue.put(job_for(replace(item, claimed_at=claimed_at)))
