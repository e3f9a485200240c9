"""APScheduler's part: one job per tracked subscription, which only wakes the digest service.

A memory job store (a persistent one silently drops runs missed while down and must not be
shared between processes), each job's ``ScheduleTrigger`` in its subscription's zone. A job
firing calls ``wake(subscription_id)``; what is owed is always worked out from the ledger.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.digests.schedule import ScheduleTrigger


class Scheduler:
    """Owns the APScheduler jobs; nothing else."""

    def __init__(self, wake: Callable[[str], Awaitable[None]], *, misfire_seconds: int) -> None:
        self._wake = wake
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, misfire_seconds),
            },
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def add(self, sub_id: str, trigger: ScheduleTrigger) -> None:
        """(Re)create the subscription's job."""
        self._scheduler.add_job(
            self._wake,
            trigger=trigger,
            args=(sub_id,),
            id=sub_id,
            name=f"digest {sub_id}",
            replace_existing=True,
        )

    def remove(self, sub_id: str) -> None:
        with contextlib.suppress(Exception):  # JobLookupError: it had none
            self._scheduler.remove_job(sub_id)

    def job_ids(self) -> set[str]:
        """The subscriptions that have a job."""
        return {job.id for job in self._scheduler.get_jobs()}
