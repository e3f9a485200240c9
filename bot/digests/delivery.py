"""A bounded, rate-aware delivery queue: fair across channels, inside each platform's limits.

Posts wait in one small queue per channel. A dispatcher hands out the next post of whichever
channel may post soonest, while keeping every platform's limits (``RateLimits``, declared by
each platform's poster: e.g. Discord 5 messages per 5 s per channel and 50 per second overall).

At most ``concurrency`` posts per platform are in flight and at most ``capacity`` wait per
platform (``put`` blocks beyond that, so a big fan-out cannot fill memory). A transient failure
(429, 5xx, network) is retried with exponential backoff, after ``retry_after`` when the platform
said so — and the channel waits that long too. The queue knows nothing of digests: it calls
``attempt(job)`` to post, which returns an outcome or raises a ``DeliveryError``, and
``settle(job, outcome_or_error)`` once the job succeeded or gave up.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core import metrics
from bot.digests.ports import DeliveryError, RateLimits, TransientError

log = logging.getLogger(__name__)


#: Limits for a platform whose poster declares none.
DEFAULT_LIMITS = RateLimits(per_channel=1, window=1.0)

#: Extra time kept between our clock and the platform's, as a share of the window (at most
#: ``MAX_SAFETY`` s): a request leaves a little after it took its slot (composing, rendering,
#: a busy loop) and arrives a little later still.
SAFETY_SHARE = 0.02
MAX_SAFETY = 0.05


@dataclass
class Job:
    """One post to make. ``payload`` is the caller's (e.g. a subscription and occurrence)."""

    platform: str
    channel: str
    payload: Any
    attempts: int = 0
    not_before: float = 0.0
    last_error: DeliveryError | None = None
    slot: float = 0.0  # when the current attempt took its rate-limit slot
    done: asyncio.Future[DeliveryError | None] | None = field(default=None, repr=False)


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.times: deque[float] = deque()
        self.blocked_until = 0.0
        self.safety = min(MAX_SAFETY, window * SAFETY_SHARE)

    def next_free(self, now: float) -> float:
        while self.times and self.times[0] + self.window <= now:
            self.times.popleft()
        free = now if len(self.times) < self.limit else self.times[0] + self.window + self.safety
        return max(free, self.blocked_until)

    def record(self, now: float) -> None:
        self.times.append(now)

    def forget(self, moment: float) -> None:
        """Drop a recorded event the platform did not count (it was refused with 429)."""
        with contextlib.suppress(ValueError):
            self.times.remove(moment)


class Backoff:
    """Exponential backoff with jitter (``random(c/2, c)``, ``c = min(cap, base * 2**n)``), or
    the platform's ``retry_after`` (plus a little jitter) when it gave one."""

    def __init__(self, *, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:  # the platform said when: that, plus a little jitter
            return retry_after + self.rng.uniform(0.0, min(0.1, retry_after / 10 + 0.01))
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return self.rng.uniform(ceiling / 2, ceiling)


class _Platform:
    """One platform's limits, channel queues and dispatcher state."""

    def __init__(self, name: str, limits: RateLimits, *, concurrency: int, capacity: int):
        self.name = name
        self.limits = limits
        self.windows: dict[str, SlidingWindow] = {}
        self.overall = (
            SlidingWindow(max(1, int(limits.per_second)), 1.0) if limits.per_second else None
        )
        self.slots = asyncio.Semaphore(concurrency)
        self.room = asyncio.Semaphore(capacity)
        self.capacity = capacity
        self.pending = 0
        self.queues: dict[str, deque[Job]] = {}
        self.ready: list[tuple[float, int, str]] = []  # (when, seq, channel) heap
        self.wake = asyncio.Event()
        self.dispatcher: asyncio.Task[None] | None = None
        self.freed = asyncio.Event()

    def window(self, channel: str) -> SlidingWindow:
        window = self.windows.get(channel)
        if window is None:
            window = self.windows[channel] = SlidingWindow(
                self.limits.per_channel, self.limits.window
            )
        return window


class DeliveryQueue:
    """Fan-out of posts through per-channel queues, rate limits and retries."""

    def __init__(
        self,
        *,
        attempt: Callable[[Job], Awaitable[Any]],
        settle: Callable[[Job, Any], Awaitable[None]],
        limits: Mapping[str, RateLimits] | None = None,
        concurrency: int = 32,
        capacity: int = 2000,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
    ) -> None:
        self._attempt = attempt
        self._settle = settle
        self._limits = dict(limits or {})
        self._concurrency = concurrency
        self._capacity = capacity
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self._platforms: dict[str, _Platform] = {}
        self._seq = itertools.count()
        self._inflight: dict[asyncio.Task[None], Job] = {}
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    # -- public -------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Jobs waiting or in flight."""
        return sum(p.pending for p in self._platforms.values())

    @property
    def closing(self) -> bool:
        """``close()`` was called: nothing new is dispatched, failed posts are not retried."""
        return self._closing

    def room(self, platform: str) -> int:
        """How many more jobs ``put`` accepts for ``platform`` without waiting."""
        p = self._platform(platform)
        return max(0, p.capacity - p.pending)

    async def wait_room(self, platform: str, count: int) -> None:
        """Wait until ``put`` would accept ``count`` more jobs for ``platform`` at once."""
        p = self._platform(platform)
        count = min(count, p.capacity)
        while p.capacity - p.pending < count:
            p.freed.clear()
            await p.freed.wait()

    async def put(self, job: Job) -> None:
        """Queue a job; waits while the platform already has ``capacity`` jobs."""
        if self._closing:
            raise RuntimeError("the delivery queue is closed")
        platform = self._platform(job.platform)
        await platform.room.acquire()
        platform.pending += 1
        self._idle.clear()
        metrics.DELIVERY_QUEUE_DEPTH.set(self.depth)
        self._enqueue(platform, job, front=False)

    async def join(self) -> None:
        """Wait until every queued job has been settled."""
        await self._idle.wait()

    async def close(self, timeout: float = 10.0) -> list[Job]:
        """Stop dispatching; let in-flight posts finish for up to ``timeout`` seconds.

        Returns the jobs that were not settled (still waiting, or cut off), so the caller can
        hand their claims back.
        """
        self._closing = True
        dispatchers = [p.dispatcher for p in self._platforms.values() if p.dispatcher]
        for task in dispatchers:
            task.cancel()
        for task in dispatchers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        leftover: list[Job] = []
        if self._inflight:
            _, late = await asyncio.wait(set(self._inflight), timeout=timeout)
            leftover.extend(self._inflight[t] for t in late if t in self._inflight)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        for platform in self._platforms.values():
            leftover.extend(job for queue in platform.queues.values() for job in queue)
            platform.queues.clear()
            platform.ready.clear()
            platform.pending = 0
        for job in leftover:
            if job.done is not None and not job.done.done():
                job.done.cancel()
        metrics.DELIVERY_QUEUE_DEPTH.set(0)
        self._idle.set()
        return leftover

    # -- dispatching ------------------------------------------------------------------------------

    def _platform(self, name: str) -> _Platform:
        platform = self._platforms.get(name)
        if platform is None:
            platform = self._platforms[name] = _Platform(
                name,
                self._limits.get(name, DEFAULT_LIMITS),
                concurrency=self._concurrency,
                capacity=self._capacity,
            )
        return platform

    def _enqueue(self, platform: _Platform, job: Job, *, front: bool) -> None:
        queue = platform.queues.setdefault(job.channel, deque())
        was_empty = not queue
        if front:
            queue.appendleft(job)
        else:
            queue.append(job)
        if was_empty or front:
            self._schedule(platform, job.channel, time.monotonic())
        if platform.dispatcher is None and not self._closing:
            platform.dispatcher = asyncio.create_task(
                self._dispatch(platform), name=f"delivery-{platform.name}"
            )

    def _schedule(self, platform: _Platform, channel: str, now: float) -> None:
        queue = platform.queues.get(channel)
        if not queue:
            return
        at = max(platform.window(channel).next_free(now), queue[0].not_before)
        heapq.heappush(platform.ready, (at, next(self._seq), channel))
        platform.wake.set()

    async def _sleep_until(self, platform: _Platform, at: float) -> None:
        platform.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(platform.wake.wait(), max(0.0, at - time.monotonic()))

    async def _dispatch(self, platform: _Platform) -> None:
        """Post the next job of whichever channel may post soonest, within every limit."""
        while True:
            if not platform.ready:
                platform.wake.clear()
                await platform.wake.wait()
                continue
            now = time.monotonic()
            if platform.overall is not None:
                overall_at = platform.overall.next_free(now)
                if overall_at > now:
                    await asyncio.sleep(overall_at - now)
                    continue
            at, _, channel = platform.ready[0]
            if at > now:
                await self._sleep_until(platform, at)
                continue
            heapq.heappop(platform.ready)
            queue = platform.queues.get(channel)
            if not queue:
                continue  # a stale entry: the channel was emptied meanwhile
            window = platform.window(channel)
            ready_at = max(window.next_free(now), queue[0].not_before)
            if ready_at > now:  # a stale entry: the channel's slot moved later
                heapq.heappush(platform.ready, (ready_at, next(self._seq), channel))
                continue
            await platform.slots.acquire()
            now = time.monotonic()
            job = queue.popleft()
            job.slot = now
            window.record(now)
            if platform.overall is not None:
                platform.overall.record(now)
            task = asyncio.create_task(self._run(job, platform), name="delivery")
            self._inflight[task] = job
            task.add_done_callback(self._forget)
            if queue:
                self._schedule(platform, channel, now)
            else:
                del platform.queues[channel]

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)

    async def _run(self, job: Job, platform: _Platform) -> None:
        job.attempts += 1
        result: object
        try:
            result = await self._attempt(job)
        except DeliveryError as exc:
            result = exc
        except Exception as exc:
            log.exception(
                "delivery attempt crashed",
                extra={"platform": job.platform, "channel": job.channel},
            )
            result = TransientError(f"unexpected error: {type(exc).__name__}")
        finally:
            platform.slots.release()
        error = result if isinstance(result, DeliveryError) else None
        if error is not None and not error.permanent and job.attempts < self.max_attempts:
            delay = self.backoff.delay(job.attempts, error.retry_after)
            now = time.monotonic()
            job.not_before = now + delay
            job.last_error = error
            if error.retry_after is not None:
                # Refused: the attempt did not count against the limits, but the channel waits.
                window = platform.window(job.channel)
                window.forget(job.slot)
                if platform.overall is not None:
                    platform.overall.forget(job.slot)
                window.blocked_until = max(window.blocked_until, now + error.retry_after)
            metrics.DELIVERIES.labels(job.platform, "retried").inc()
            log.info(
                "post failed (%s); retrying in %.1f s",
                error.reason,
                delay,
                extra={"platform": job.platform, "channel": job.channel},
            )
            if not self._closing:
                self._enqueue(platform, job, front=True)
                return
        try:
            await self._settle(job, result)
        except Exception:
            log.exception(
                "settling a delivery failed",
                extra={"platform": job.platform, "channel": job.channel},
            )
        finally:
            if job.done is not None and not job.done.done():
                job.done.set_result(error)
            platform.pending -= 1
            platform.room.release()
            platform.freed.set()
            metrics.DELIVERY_QUEUE_DEPTH.set(self.depth)
            if self.depth == 0:
                self._idle.set()
