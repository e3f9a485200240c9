"""The rate-aware delivery queue: limits, fairness, retries, bounds, shutdown."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict

import pytest

from bot.digests.delivery import Backoff, DeliveryQueue, Job, SlidingWindow
from bot.digests.ports import ChannelGone, DeliveryError, RateLimited, RateLimits, Unavailable


class Recorder:
    def __init__(self, fail=None) -> None:  # type: ignore[no-untyped-def]
        self.sent: list[tuple[str, float]] = []
        self.settled: list[tuple[object, DeliveryError | None]] = []
        self.tries: dict[object, int] = defaultdict(int)
        self.fail = fail
        self.start = time.monotonic()

    async def attempt(self, job: Job) -> None:
        self.tries[job.payload] += 1
        if self.fail is not None:
            error = self.fail(job, self.tries[job.payload])
            if error is not None:
                raise error
        # When the limiter let it go (its own ``time.monotonic()`` stamp): what the limits
        # govern, free of the loop's lag between taking the slot and running the attempt.
        self.sent.append((job.channel, job.slot - self.start))

    async def settle(self, job: Job, error: DeliveryError | None) -> None:
        self.settled.append((job.payload, error))


def queue_for(rec: Recorder, limits: dict[str, RateLimits], **kw) -> DeliveryQueue:  # type: ignore[no-untyped-def]
    return DeliveryQueue(
        attempt=rec.attempt,
        settle=rec.settle,
        limits=limits,
        backoff=Backoff(base=0.05, cap=0.2, rng=random.Random(1)),
        **kw,
    )


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + window - 1e-3) for t in times)


async def test_per_channel_and_overall_limits_hold_and_channels_are_served_fairly() -> None:
    rec = Recorder()
    limits = {"discord": RateLimits(per_channel=2, window=0.3, per_second=20)}
    queue = queue_for(rec, limits)
    # 6 posts to one busy channel, then 1 post to each of 10 quiet ones.
    for i in range(6):
        await queue.put(Job("discord", "busy", ("busy", i)))
    for c in range(10):
        await queue.put(Job("discord", f"quiet{c}", (c,)))
    await asyncio.wait_for(queue.join(), 5)
    await queue.close()

    assert len(rec.sent) == 16 and all(e is None for _, e in rec.settled)
    busy = [t for ch, t in rec.sent if ch == "busy"]
    assert max_in_window(busy, 0.3) <= 2
    assert max_in_window([t for _, t in rec.sent], 1.0) <= 20
    # The quiet channels do not wait behind the busy one.
    quiet_done = max(t for ch, t in rec.sent if ch != "busy")
    assert quiet_done < busy[-1]
    # …and the whole run is close to the floor the limits allow (6 posts at 2 per 0.3 s: the
    # last pair goes at 0.6 s plus the limiter's safety, ~0.612 s), short of one window more.
    assert busy[-1] - busy[0] < 0.6 + 0.3


async def test_transient_errors_are_retried_after_retry_after() -> None:
    def fail(job: Job, attempt: int) -> DeliveryError | None:
        if attempt == 1:
            return RateLimited("429 Too Many Requests", retry_after=0.3)
        return None

    rec = Recorder(fail)
    queue = queue_for(rec, {"slack": RateLimits(per_channel=10, window=1.0)})
    await queue.put(Job("slack", "C1", "a"))
    await queue.put(Job("slack", "C1", "b"))
    await asyncio.wait_for(queue.join(), 5)
    await queue.close()
    assert rec.tries == {"a": 2, "b": 2}
    assert all(error is None for _, error in rec.settled)
    # Nothing went to the channel before Retry-After had passed.
    assert min(t for _, t in rec.sent) >= 0.3


async def test_permanent_errors_are_not_retried_and_persistent_ones_give_up() -> None:
    def fail(job: Job, attempt: int) -> DeliveryError | None:
        if job.payload == "gone":
            return ChannelGone("Unknown Channel")
        return Unavailable("502 Bad Gateway")

    rec = Recorder(fail)
    queue = queue_for(rec, {"discord": RateLimits(5, 5.0, 50)}, max_attempts=3)
    await queue.put(Job("discord", "C1", "gone"))
    await queue.put(Job("discord", "C2", "flaky"))
    await asyncio.wait_for(queue.join(), 5)
    await queue.close()
    assert rec.tries == {"gone": 1, "flaky": 3}
    errors = {payload: error for payload, error in rec.settled}
    assert errors["gone"] is not None and errors["gone"].permanent
    assert errors["flaky"] is not None and "502" in errors["flaky"].reason


async def test_put_waits_when_the_platform_queue_is_full() -> None:
    gate = asyncio.Event()

    async def attempt(job: Job) -> None:
        await gate.wait()

    async def settle(job: Job, error: DeliveryError | None) -> None:
        return None

    queue = DeliveryQueue(attempt=attempt, settle=settle, capacity=3)
    for i in range(3):
        await queue.put(Job("slack", f"C{i}", i))
    assert queue.room("slack") == 0
    blocked = asyncio.create_task(queue.put(Job("slack", "C9", 9)))
    await asyncio.sleep(0.05)
    assert not blocked.done()
    assert queue.room("discord") == 3  # platforms are bounded separately
    gate.set()
    await asyncio.wait_for(blocked, 2)
    await asyncio.wait_for(queue.join(), 2)
    await queue.close()


async def test_close_returns_what_was_not_delivered() -> None:
    async def attempt(job: Job) -> None:
        await asyncio.sleep(10)

    async def settle(job: Job, error: DeliveryError | None) -> None:
        raise AssertionError("nothing settles")

    queue = DeliveryQueue(
        attempt=attempt, settle=settle, limits={"slack": RateLimits(1, 1.0)}, concurrency=1
    )
    for i in range(3):
        await queue.put(Job("slack", "C1", i))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    leftover = await queue.close(timeout=0.1)
    assert time.monotonic() - started < 1
    assert sorted(job.payload for job in leftover) == [0, 1, 2]


def test_sliding_window_counts_only_recent_events() -> None:
    window = SlidingWindow(2, 1.0)
    assert window.next_free(0.0) == 0.0
    window.record(0.0)
    window.record(0.5)
    assert window.next_free(0.6) == pytest.approx(1.0, abs=0.05)
    assert window.next_free(1.2) == 1.2


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(0))
    delays = [backoff.delay(n) for n in range(1, 7)]
    assert all(0.5 <= d <= 1.0 for d in delays[:1])
    assert all(d <= 8.0 for d in delays) and delays[4] >= 4.0
    # The platform's Retry-After wins over the exponential schedule (plus a little jitter).
    assert 30.0 <= backoff.delay(1, retry_after=30.0) <= 30.1
    assert 0.2 <= backoff.delay(5, retry_after=0.2) <= 0.25
