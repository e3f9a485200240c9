"""Connection set-up: the SQLAlchemy engine, SQLite's pragmas, and running queries off the loop.

SQLAlchemy 2 Core on a synchronous engine, run in a small thread pool so the event loop never
waits on the database. SQLite (a file) is the embedded default; PostgreSQL is used when
``DATABASE_URL`` says so (``postgresql://`` is read as psycopg 3).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import StaticPool

from bot.core.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a SQLite write waits for another process's lock before it counts as an outage.
SQLITE_BUSY_SECONDS = 5.0


def normalise_url(database_url: str) -> str:
    """``postgres://`` / ``postgresql://`` → psycopg 3; everything else as given."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


def create_engine(
    database_url: str, *, busy_seconds: float = SQLITE_BUSY_SECONDS
) -> tuple[sa.Engine, int]:
    """A SQLAlchemy engine for the URL and the number of worker threads to give it."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        # A server that stopped answering (not refusing) must not hang a connect for minutes.
        connect = {} if "connect_timeout" in url.query else {"connect_timeout": 5}
        db = sa.create_engine(
            url, pool_pre_ping=True, pool_size=4, max_overflow=4, connect_args=connect
        )
        return db, 4
    memory = url.database in (None, "", ":memory:")
    if not memory and url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_seconds, "check_same_thread": False}}
    if memory:
        kwargs["poolclass"] = StaticPool
    db = sa.create_engine(url, **kwargs)
    _sqlite_transactions(db, wal=not memory, busy_ms=int(busy_seconds * 1000))
    # One worker: SQLite has one writer anyway, and this keeps every write in order.
    return db, 1


def _sqlite_transactions(db: sa.Engine, *, wal: bool, busy_ms: int) -> None:
    """Real transactions on SQLite: pysqlite's own BEGIN handling is replaced by
    ``BEGIN IMMEDIATE`` so a transaction that will write takes the lock up front."""

    @event.listens_for(db, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(db, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class DatabaseUnavailable(Unavailable):
    """The database cannot be used right now: unreachable, locked, read-only, disk full.

    Its message is what a user is told; ``cause`` says what is wrong, for logs and ``/readyz``.
    """

    def __init__(self, cause: str) -> None:
        super().__init__(
            "The digest database is temporarily unavailable; try again in a minute.", cause=cause
        )


#: What SQLite says, and what it means for whoever runs the bot.
_SQLITE_CAUSES = (
    ("database is locked", "the SQLite file is locked by another process"),
    ("readonly database", "the SQLite file is read-only (check its permissions and its disk)"),
    ("disk is full", "the disk holding the SQLite file is full"),
    ("disk i/o error", "the disk holding the SQLite file failed (I/O error)"),
    ("unable to open database file", "the SQLite file cannot be opened"),
)
#: Outages that reads and probes cannot rule out: only a write that works ends them.
_WRITE_ONLY = frozenset(
    {
        "the SQLite file is read-only (check its permissions and its disk)",
        "the disk holding the SQLite file is full",
    }
)


def unavailable_cause(error: BaseException) -> str | None:
    """Why ``error`` means the database is unusable for now (None: it is a bug, not an
    outage)."""
    if isinstance(error, exc.DBAPIError):
        outage = isinstance(error, exc.OperationalError | exc.InterfaceError) or (
            error.connection_invalidated
        )
        if not outage:
            return None
        original = error.orig if error.orig is not None else error
    elif isinstance(error, exc.TimeoutError | sqlite3.OperationalError):
        original = error
    else:
        return None
    text = " ".join(str(original).split())
    lowered = text.lower()
    for needle, cause in _SQLITE_CAUSES:
        if needle in lowered:
            return cause
    return f"{type(original).__name__}: {text[:300]}" if text else type(original).__name__


class Database:
    """A database connection pool (``db``, SQLAlchemy's engine) whose blocking work runs in
    worker threads: ``await database.tx(fn)`` calls ``fn(conn)`` inside one transaction."""

    def __init__(self, db: sa.Engine, *, workers: int) -> None:
        self.db = db
        self.dialect = db.dialect.name
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store")
        self._closed = False
        #: Since when (monotonic) the database is unavailable, and why; None while it works.
        self._down_since: float | None = None
        self.down_cause: str | None = None

    @property
    def available(self) -> bool:
        """False from the first failed call of an outage until a call started after it works."""
        return self._down_since is None

    async def run(self, fn: Callable[..., T], *args: Any, writes: bool = False) -> T:
        """``fn(*args)`` in a worker thread. An outage (the database unreachable, locked,
        read-only, full) raises ``DatabaseUnavailable``; it is logged once when it starts and
        once when it ends — when a call begun after it started works (a call that ``writes``,
        if only writes failed) — however many calls fail in between."""
        if self._closed:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        try:
            result = await loop.run_in_executor(self._executor, lambda: fn(*args))
        except Exception as error:
            cause = unavailable_cause(error)
            if cause is None:
                raise
            self._went_down(cause)
            raise DatabaseUnavailable(cause) from error
        if (
            self._down_since is not None
            and started >= self._down_since
            and (writes or self.down_cause not in _WRITE_ONLY)
        ):
            log.warning(
                "database available again after %.0f s",
                time.monotonic() - self._down_since,
            )
            self._down_since, self.down_cause = None, None
        return result

    def _went_down(self, cause: str) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "database unavailable: %s (commands that need it answer “try again in a "
                "minute”; digests wait for it)",
                cause,
            )
        self.down_cause = cause

    async def tx(self, fn: Callable[[Connection], T], *, writes: bool = False) -> T:
        """``fn(conn)`` in one transaction, committed when it returns (``writes``: it changes
        something)."""

        def run() -> T:
            with self.db.begin() as conn:
                return fn(conn)

        return await self.run(run, writes=writes)

    async def ping(self) -> None:
        """Raise ``DatabaseUnavailable`` if the database cannot be used: unreachable, or (SQLite)
        its write lock cannot be taken within a moment."""
        if self.dialect == "sqlite":
            await self.run(self._sqlite_probe)
        else:
            await self.tx(lambda conn: conn.execute(sa.text("SELECT 1")).scalar_one())

    def _sqlite_probe(self) -> None:
        # Straight on the driver connection, with a short wait: a locked file answers at once
        # ("locked by another process") instead of after the full busy timeout.
        with self.db.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            try:
                [busy] = cursor.execute("PRAGMA busy_timeout").fetchone()
                cursor.execute("PRAGMA busy_timeout=250")
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    cursor.execute("ROLLBACK")
                finally:
                    cursor.execute(f"PRAGMA busy_timeout={int(busy)}")
            finally:
                cursor.close()

    async def close(self) -> None:
        """Release connections and the worker threads (idempotent)."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.db.dispose)
        self._closed = True
        self._executor.shutdown(wait=True)

    def insert(self, table: sa.Table) -> Any:
        """An INSERT with this dialect's ``ON CONFLICT`` support."""
        # The PostgreSQL dialect (2 MB, ~40 ms) is imported only when it is the database's.
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)


def naive(moment: datetime) -> datetime:
    """UTC without tzinfo: how every time is stored (same on SQLite and PostgreSQL)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """A stored (naive UTC) time as an aware UTC one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
