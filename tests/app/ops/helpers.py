"""Helpers for the ops tests: waiting for a condition, reading /metrics, making a subscription,
and a PostgreSQL database a test may cut off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.digests.storage import Store
from tests.fakes.slack import TEAM_ID


async def eventually(
    condition: Callable[[], Awaitable[bool] | bool], *, timeout: float = 10.0, what: str = ""
) -> None:
    """Poll ``condition`` every 20 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(0.02)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page, keyed by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def daily_at(moment: datetime) -> str:
    """A daily schedule whose last run (UTC) was at ``moment``."""
    return f"daily {moment:%H:%M:%S}"


async def subscribe(store: Store, channel: str, *, platform: str = "slack", due: datetime) -> str:
    """A subscription made just before ``due`` (or now, if earlier), first due at ``due``."""
    sub, _ = await store.subscriptions.add(
        platform=platform,
        workspace_id=TEAM_ID,
        channel_id=channel,
        channel_name=channel.lower(),
        schedule=daily_at(due),
        timezone="UTC",
        briefing_id=None,
        created_by="U0OPS",
        now=min(due, datetime.now(UTC)) - timedelta(minutes=1),
    )
    return sub.id


@dataclass
class PostgresDatabase:
    """A database of its own on the local PostgreSQL server, which a test may cut off."""

    name: str
    url: str  # SQLAlchemy URL for DATABASE_URL
    admin_dsn: str

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def kill(self) -> None:
        """Refuse new connections and terminate every open one, as a database crash would."""
        self._admin(
            f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()",
        )

    def revive(self) -> None:
        """Accept connections again."""
        self._admin(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')
