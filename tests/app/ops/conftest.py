"""Fixtures of the ops tests: the tiny fixture briefing, bot subprocesses, a fresh PostgreSQL
database."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from .helpers import PostgresDatabase
from .proc import BotProcess

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


@pytest.fixture
def mini_content(tmp_path: Path) -> Path:
    """A writable copy of the ``mini`` briefing (``mini.yaml`` + ``mini.source.txt``)."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[BotProcess]]]:
    """Start ``briefbot run`` subprocesses (in ``tmp_path``); each is killed if left running."""
    started: list[BotProcess] = []

    async def start(env: dict[str, str], *, stdin: bool = False) -> BotProcess:
        bot = await BotProcess(env, tmp_path, stdin=stdin).start()
        started.append(bot)
        return bot

    yield start
    for bot in started:
        await bot.close()


def _require_postgres(admin_dsn: str) -> None:
    try:
        psycopg.connect(admin_dsn, connect_timeout=3).close()
    except psycopg.Error as exc:
        message = f"PostgreSQL unreachable ({admin_dsn}): {str(exc).strip().splitlines()[0]}"
        if os.environ.get("BRIEFBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh database (dropped afterwards) on the server of ``BRIEFBOT_TEST_POSTGRES_URL``."""
    admin_url = make_url(
        os.environ.get(
            "BRIEFBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    )
    admin_dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    _require_postgres(admin_dsn)
    name = f"bb_ops_{uuid.uuid4().hex[:10]}"
    database = PostgresDatabase(
        name=name,
        url=admin_url.set(database=name).render_as_string(hide_password=False),
        admin_dsn=admin_dsn,
    )
    database._admin(f'CREATE DATABASE "{name}"')
    try:
        yield database
    finally:
        database._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
