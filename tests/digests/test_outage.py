"""A SQLite database that cannot be used for a while — locked by another process, read-only,
its disk full — is an outage, not a crash: commands that need it say "try again in a minute",
the digests wait and catch up once it is back, and the log says so once each way.

The conditions are made with SQLite itself where it can: another connection holding the write
lock, and ``PRAGMA query_only`` on the bot's connections, which fails writes the way a
read-only file does (SQLITE_READONLY). A full disk cannot be made from a test without root's
mount, so every write statement raises what SQLite raises then (``sqlite3.OperationalError:
database or disk is full``, SQLITE_FULL), at the driver.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.commands.calls import Context
from bot.core.answers import Tone
from bot.digests.clock import VirtualClock
from bot.digests.delivery import Backoff
from bot.digests.handlers import DIGESTS
from bot.digests.service import DigestService
from bot.digests.storage import SENT, Store
from bot.digests.storage.connection import DatabaseUnavailable
from bot.render.text import to_text

from .conftest import RecordingPoster, make_settings

T0 = datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC)
CONSOLE = Context(platform="console", user_id="ada", channel_id="news", workspace_id="local")
UNAVAILABLE = "The digest database is temporarily unavailable; try again in a minute."


@pytest.fixture
async def bot(
    tmp_path: Path, fixture_engine: Any
) -> AsyncIterator[tuple[Any, DigestService, RecordingPoster, VirtualClock, Path]]:
    path = tmp_path / "bot.db"
    store = await Store.open(f"sqlite:///{path}", busy_seconds=0.2)
    clock = VirtualClock(T0)
    poster = RecordingPoster()
    service = DigestService(
        make_settings("sqlite://"),
        fixture_engine.library,
        store,
        {"console": poster},
        clock=clock,
        sweep_seconds=3600,
        backoff=Backoff(base=0, cap=0),
    )
    fixture_engine.services.provide(DIGESTS, service)
    await service.start()
    try:
        yield fixture_engine, service, poster, clock, path
    finally:
        await service.stop()
        await store.close()


def on_every_connection(store: Store, pragma: str) -> Callable[[], None]:
    """Run ``pragma`` on the store's connections from now on; returns the undo."""

    def apply(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(pragma)

    event.listen(store.db, "connect", apply)
    store.db.dispose()  # reconnect: every connection gets it

    def undo() -> None:
        event.remove(store.db, "connect", apply)
        store.db.dispose()

    return undo


def outage_lines(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.digests")]
    return (
        sum(m.startswith("database unavailable") for m in messages),
        sum(m.startswith("database available again") for m in messages),
    )


async def outage_then_recovery(
    bot: tuple[Any, DigestService, RecordingPoster, VirtualClock, Path],
    caplog: pytest.LogCaptureFixture,
    *,
    start: Callable[[], Callable[[], None]],
    cause: str,
) -> None:
    engine, service, poster, clock, _ = bot
    caplog.set_level(logging.INFO)
    assert (await engine.execute_text("digest subscribe daily 09:00", CONSOLE)).tone is Tone.INFO

    end = start()
    # A command that needs the database: a plain "try again", not an apology for a bug.
    for text in (
        "digest subscribe weekly mon 10:00",
        "digest pause",
        "digest subscribe daily 11:00",
    ):
        answer = await engine.execute_text(text, CONSOLE)
        if answer.tone is Tone.ERROR:
            assert answer.summary == UNAVAILABLE, to_text(answer)
    # The digest due meanwhile waits (the sweeper tries every time; nothing crashes). Reads may
    # still work (a full disk), then claiming it fails, and is tried again.
    for _ in range(3):
        clock.advance(timedelta(seconds=10))
        try:
            await service.sweep()
        except DatabaseUnavailable as caught:
            assert caught.cause == cause
        await asyncio.sleep(0.01)
    with pytest.raises(DatabaseUnavailable) as probe:
        await service.store.ping()
        if service.store.down_cause:  # type: ignore[attr-defined]
            raise DatabaseUnavailable(service.store.down_cause)  # type: ignore[attr-defined]
    assert probe.value.cause == cause
    assert poster.posts == [] and service.is_ready()
    assert outage_lines(caplog) == (1, 0)

    end()
    clock.advance(timedelta(seconds=10))
    await service.sweep()  # the first sweep after it is back
    await service.settled()
    await service.sweep()
    await service.settled()
    [post] = poster.posts  # once, 40 s late: inside the grace
    assert post.channel == "news"
    [sub] = await service.store.subscriptions.find(status="active")
    [row] = await service.store.ledger.deliveries_of(sub.id)
    assert (row.status, row.occurrence) == (SENT, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert outage_lines(caplog) == (1, 1)
    listed = await engine.execute_text("digest list", CONSOLE)
    assert "Last delivery: delivered" in to_text(listed)


async def test_a_file_locked_by_another_process(bot, caplog) -> None:  # type: ignore[no-untyped-def]
    path = bot[4]

    def lock() -> Callable[[], None]:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        def unlock() -> None:
            other.execute("ROLLBACK")
            other.close()

        return unlock

    await outage_then_recovery(
        bot, caplog, start=lock, cause="the SQLite file is locked by another process"
    )


async def test_a_read_only_file(bot, caplog) -> None:  # type: ignore[no-untyped-def]
    store = bot[1].store
    await outage_then_recovery(
        bot,
        caplog,
        start=lambda: on_every_connection(store, "PRAGMA query_only=ON"),
        cause="the SQLite file is read-only (check its permissions and its disk)",
    )


async def test_a_full_disk(bot, caplog) -> None:  # type: ignore[no-untyped-def]
    store = bot[1].store

    def fill() -> Callable[[], None]:
        def full(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
                raise sqlite3.OperationalError("database or disk is full")

        event.listen(store.db, "before_cursor_execute", full)
        return lambda: event.remove(store.db, "before_cursor_execute", full)

    await outage_then_recovery(
        bot, caplog, start=fill, cause="the disk holding the SQLite file is full"
    )
