"""Fixtures for the digest tests: a fixture briefing, an engine over it, a recording poster."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app.settings import DigestSettings, OpsSettings, Settings
from bot.core.answers import Answer
from bot.digests.ports import (
    ChannelRef,
    DeliveryError,
    PostKey,
    PostResult,
    RateLimits,
    ThreadPlan,
)
from bot.digests.storage import DigestStore, MemoryStore, Store, Subscription

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "briefings"


CONSOLE_LIMITS = RateLimits(per_channel=20, window=1.0)


@dataclass
class Posted:
    channel: str
    answer: Answer
    page: int = 0


@dataclass
class RecordingPoster:
    """A ``Poster`` that records posts, one per page (``pages`` per answer); ``fail`` decides
    per page sent (``calls`` counts them) whether to raise instead."""

    platform: str = "console"
    limits: RateLimits = CONSOLE_LIMITS
    posts: list[Posted] = field(default_factory=list)
    fail: Callable[[str, int], DeliveryError | None] | None = None
    calls: int = 0
    pages: int = 1
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    #: Per call: the digest's key and whether the outcome of an earlier attempt was unknown.
    keys: list[tuple[PostKey | None, bool]] = field(default_factory=list)
    #: Per call: the thread the digest was to open (None: none asked for).
    threads: list[ThreadPlan | None] = field(default_factory=list)

    def parse_channel(self, text: str) -> ChannelRef | None:
        name = text.strip().lstrip("#")
        return ChannelRef(name, name) if name else None

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
        thread: ThreadPlan | None = None,
    ) -> PostResult:
        self.keys.append((key, uncertain))
        self.threads.append(thread)
        first = ""
        for page in range(skip_pages, self.pages):
            self.calls += 1
            if self.fail is not None:
                error = self.fail(channel_id, self.calls)
                if error is not None:
                    error.pages_sent, error.message_id = page, first
                    raise error
            self.posts.append(Posted(channel_id, answer, page))
            first = first or f"m{len(self.posts)}"
            self.arrived.set()
        return PostResult(message_id=first)

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        async def enough() -> None:
            while len(self.posts) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


def make_settings(
    db_url: str, *, grace_minutes: int = 60, claim_seconds: int = 300, zone: str = "UTC"
) -> Settings:
    return Settings(
        digest=DigestSettings(
            grace_minutes=grace_minutes, claim_seconds=claim_seconds, default_timezone=zone
        ),
        ops=OpsSettings(database_url=db_url),
    )


@pytest.fixture(scope="session")
def river():  # type: ignore[no-untyped-def]
    """The ``river-treaty`` fixture briefing (3 actors, 3 key points)."""
    from bot.core.loader import load_directory

    [loaded] = load_directory(FIXTURES / "valid")
    return loaded


@pytest.fixture
def fixture_engine(river):  # type: ignore[no-untyped-def]
    from bot.app.composition import build_engine
    from bot.core.library import Library, LibraryHolder

    return build_engine(LibraryHolder(Library.from_loaded([river])))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'digests.db'}"


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


async def open_store(kind: str, request: pytest.FixtureRequest, sqlite_url: str) -> Any:
    """A store of ``kind``: memory, sqlite (a file in the test's directory) or postgres (a
    fresh schema)."""
    if kind == "memory":
        return MemoryStore()
    url = sqlite_url if kind == "sqlite" else request.getfixturevalue("postgres_url")
    return await Store.open(url)


@pytest.fixture(params=["memory", "sqlite"])
async def digest_store(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Any]:
    """The in-memory store and SQLite, in turn: the service behaves the same on both."""
    opened = await open_store(request.param, request, sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


async def add_console_subscription(
    store: DigestStore, *, schedule: str, now: datetime, channel: str = "news"
) -> Subscription:
    """A console subscription of ``channel`` in workspace ``local``, created at ``now``."""
    sub, _ = await store.subscriptions.add(
        platform="console",
        workspace_id="local",
        channel_id=channel,
        channel_name=channel,
        schedule=schedule,
        timezone="UTC",
        briefing_id=None,
        created_by="ada",
        now=now,
    )
    return sub
