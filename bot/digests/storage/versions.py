"""Briefing versions and the small key/value table, in the database.

A version is plain data: the briefing's id, its content fingerprint and a JSON-able snapshot of
its claims (``bot.digests.compose.snapshot`` makes one) — what "What changed" diffs against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.digests.storage.connection import Database, naive
from bot.digests.storage.schema import briefing_versions, meta_table


class SqlVersions:
    """The ``briefing_versions`` table (``bot.digests.storage.protocols.Versions``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(
        self, briefing_id: str, fingerprint: str, snapshot: Mapping[str, Any], *, now: datetime
    ) -> None:
        """Remember a briefing version's snapshot (a known version is kept as it is)."""
        row = {
            "briefing_id": briefing_id,
            "fingerprint": fingerprint,
            "snapshot": json.dumps(snapshot, sort_keys=True),
            "created_at": naive(now),
        }

        def run(conn: Connection) -> None:
            conn.execute(
                self._db.insert(briefing_versions)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["briefing_id", "fingerprint"])
            )

        await self._db.tx(run, writes=True)

    async def snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The snapshot recorded for this briefing version, if any."""
        text = await self._db.tx(
            lambda c: c.execute(
                sa.select(briefing_versions.c.snapshot).where(
                    briefing_versions.c.briefing_id == briefing_id,
                    briefing_versions.c.fingerprint == fingerprint,
                )
            ).scalar_one_or_none()
        )
        return json.loads(text) if text else None


class SqlMeta:
    """The ``meta`` key/value table (``bot.commands.calls.MetaStore``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get_meta(self, key: str) -> str | None:
        """A value of the key/value table, or None."""
        return await self._db.tx(
            lambda c: c.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
        )

    async def set_meta(self, key: str, value: str) -> None:
        """Set a key of the key/value table."""

        def run(conn: Connection) -> None:
            stmt = self._db.insert(meta_table).values(key=key, value=value)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

        await self._db.tx(run, writes=True)
