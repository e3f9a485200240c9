"""Real processes: a SIGKILLed bot restarted on its SQLite file, and two bots on one PostgreSQL.

Each bot is ``tests.digests.runner`` (a DigestService with a poster that appends to a file).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digests.storage import SENT, Store

ROOT = Path(__file__).resolve().parents[2]


class Runner:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ready(self, timeout: float = 20.0) -> None:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if line.strip() != b"READY":
            stderr = await self.proc.stderr.read() if self.proc.stderr else b""  # type: ignore[union-attr]
            raise AssertionError(f"runner did not start: {line!r} {stderr.decode()[-2000:]}")

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)


Start = Callable[..., Awaitable[Runner]]


@pytest.fixture
async def start_runner(tmp_path: Path) -> AsyncIterator[Start]:
    runners: list[Runner] = []

    async def start(db: str, out: Path, instance: str, **options: object) -> Runner:
        args = [
            sys.executable,
            "-m",
            "tests.digests.runner",
            "--db",
            db,
            "--out",
            str(out),
            "--instance",
            instance,
        ]
        for key, value in options.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        proc = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        runner = Runner(proc)
        runners.append(runner)
        await runner.ready()
        return runner

    yield start
    for runner in runners:
        if runner.proc.returncode is None:
            await runner.kill()
        for stream in (runner.proc.stdout, runner.proc.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.read()
        transport = getattr(runner.proc, "_transport", None)
        if transport is not None:
            transport.close()


def posts(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


async def until(check: Callable[[], bool], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def until_async(check: Callable[[], Awaitable[bool]], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def sent(store: Store, sub_id: str) -> bool:
    return [r.status for r in await store.ledger.deliveries_of(sub_id)] == [SENT]


async def subscribe(store: Store, channel: str, moment: datetime) -> str:
    """A daily subscription first due at ``moment`` (to the second), however long creating it
    takes: it counts as made a minute before ``moment`` (or now, if earlier), so a slow insert
    cannot push the first occurrence to tomorrow."""
    sub, _ = await store.subscriptions.add(
        platform="console",
        workspace_id="local",
        channel_id=channel,
        channel_name=channel,
        schedule=f"daily {moment.astimezone(UTC):%H:%M:%S}",
        timezone="UTC",
        briefing_id=None,
        created_by="test",
        now=min(moment, datetime.now(UTC)) - timedelta(minutes=1),
    )
    return sub.id


async def test_kill_and_restart_loses_nothing_doubles_nothing_and_catches_up(
    start_runner: Start, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    out = tmp_path / "posts.jsonl"
    store = await Store.open(db)
    try:
        first = await start_runner(db, out, "first")
        t0 = datetime.now(UTC)
        # Due times are whole seconds (``daily HH:MM:SS``): "before-kill" falls due within
        # (t0+0.5, t0+1.5], "while-down" within (t0+3.5, t0+4.5]: 3 s apart.
        before = await subscribe(store, "before-kill", t0 + timedelta(seconds=1.5))
        during = await subscribe(store, "while-down", t0 + timedelta(seconds=4.5))
        later = await subscribe(store, "after-restart", t0 + timedelta(seconds=6.5))

        await until(lambda: len(posts(out)) >= 1, 10)  # the sweeper picked the new ones up
        # The post line is written before the ledger row is committed: kill only once it is,
        # so the kill cannot land in between and leave the row claimed.
        await until_async(lambda: sent(store, before), 10)
        await first.kill()  # SIGKILL: no graceful stop
        assert [p["channel"] for p in posts(out)] == ["before-kill"]

        # "while-down" falls due while no bot runs.
        wait = (t0 + timedelta(seconds=4.7) - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, wait))
        second = await start_runner(db, out, "second")
        await until(lambda: len(posts(out)) >= 3, 10)
        await asyncio.sleep(0.6)  # another sweep: nothing more arrives
        assert await second.terminate() == 0

        got = posts(out)
        assert Counter(p["channel"] for p in got) == {
            "before-kill": 1,
            "while-down": 1,
            "after-restart": 1,
        }
        assert next(p["instance"] for p in got if p["channel"] == "while-down") == "second"
        subs = {s.id: s for s in await store.subscriptions.find()}
        assert set(subs) == {before, during, later} and all(s.active for s in subs.values())
        for sub_id in subs:
            rows = await store.ledger.deliveries_of(sub_id)
            assert [r.status for r in rows] == [SENT]
    finally:
        await store.close()


@pytest.mark.postgres
async def test_two_processes_on_one_postgres_post_each_occurrence_exactly_once(
    start_runner: Start, postgres_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "posts.jsonl"
    store = await Store.open(postgres_url)
    try:
        t0 = datetime.now(UTC).replace(microsecond=0)
        channels = [f"c{i:02d}" for i in range(30)]
        for n, channel in enumerate(channels):
            await subscribe(store, channel, t0 + timedelta(seconds=3 + n % 2))
        a, b = await asyncio.gather(
            start_runner(postgres_url, out, "a"), start_runner(postgres_url, out, "b")
        )
        await until(lambda: len(posts(out)) >= len(channels), 20)
        await asyncio.sleep(0.8)  # sweeps on both sides find nothing more to do
        await asyncio.gather(a.terminate(), b.terminate())

        got = posts(out)
        assert Counter(p["channel"] for p in got) == dict.fromkeys(channels, 1)
        by_instance = Counter(p["instance"] for p in got)
        assert sum(by_instance.values()) == len(channels)
        for sub in await store.subscriptions.find():
            [row] = await store.ledger.deliveries_of(sub.id)
            assert row.status == SENT and row.attempts == 1
    finally:
        await store.close()
