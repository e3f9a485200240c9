"""Shared fixtures: the real content, a fixture briefing, an engine, and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "BRIEFBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return CONTENT_DIR


@pytest.fixture(scope="session")
def library():  # type: ignore[no-untyped-def]
    from bot.core.library import Library
    from bot.core.loader import load_directory

    return Library.from_loaded(load_directory(CONTENT_DIR))


@pytest.fixture
def engine(library):  # type: ignore[no-untyped-def]
    from bot.app.composition import build_engine
    from bot.core.library import LibraryHolder

    return build_engine(LibraryHolder(library))


def _postgres_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema on 127.0.0.1:5432/test, dropped afterwards.

    Skips with the reason when PostgreSQL is unreachable — except under CI
    (``BRIEFBOT_REQUIRE_POSTGRES=1``), where an unreachable database fails the test.
    """
    reason = _postgres_reachable(POSTGRES_ADMIN_URL)
    if reason:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} unreachable: {reason}"
        if os.environ.get("BRIEFBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    import sqlalchemy as sa

    schema = f"bb_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_ADMIN_URL else "?"
    try:
        yield f"{POSTGRES_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
