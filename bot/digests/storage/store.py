"""``Store``: the database behind the digests — one connection set-up, a part per concern."""

from __future__ import annotations

import sqlalchemy as sa

from bot.digests.storage.connection import SQLITE_BUSY_SECONDS, Database, create_engine
from bot.digests.storage.ledger import SqlLedger
from bot.digests.storage.schema import migrate
from bot.digests.storage.subscriptions import SqlSubscriptions
from bot.digests.storage.versions import SqlMeta, SqlVersions


class Store(Database):
    """Subscriptions, the delivery ledger, briefing versions and the key/value table in one
    database (``db`` is SQLAlchemy's engine). Create with ``await Store.open(url)``."""

    def __init__(self, db: sa.Engine, *, workers: int) -> None:
        super().__init__(db, workers=workers)
        self.subscriptions = SqlSubscriptions(self)
        self.ledger = SqlLedger(self)
        self.versions = SqlVersions(self)
        self.meta = SqlMeta(self)

    @classmethod
    async def open(
        cls,
        database_url: str,
        *,
        target_version: int | None = None,
        busy_seconds: float = SQLITE_BUSY_SECONDS,
    ) -> Store:
        """Connect and bring the schema up to date (``target_version`` is for upgrade tests;
        ``busy_seconds``: how long a SQLite write waits for another process's lock)."""
        db, workers = create_engine(database_url, busy_seconds=busy_seconds)
        store = cls(db, workers=workers)
        try:
            await store.run(migrate, db, target_version)
        except BaseException:
            await store.close()
            raise
        return store
