"""What a one-shot ``briefbot query`` imports: only what answering needs (issue 15).

A platform library, the database layer, the scheduler, the map's plotting or the authoring
tools in this path would cost start-up time and memory for nothing; rapidfuzz is only for
"did you mean" and autocomplete.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

NOT_FOR_A_QUERY = (
    "discord",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "apscheduler",
    "matplotlib",
    "trafilatura",
    "rapidfuzz",
    "psycopg",
    "watchfiles",
)


def imported_by(*args: str) -> tuple[str, set[str]]:
    """``briefbot ARGS`` run with ``-X importtime``: its stdout and the top-level packages it
    imported."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {
        line.rpartition("|")[2].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return proc.stdout, modules


def test_query_actor_imports_no_platform_database_or_fuzzy_matching() -> None:
    out, modules = imported_by("query", "actor", "erdogan")
    assert "Erdoğan" in out
    assert "bot" in modules  # the import log was read at all
    assert sorted(modules.intersection(NOT_FOR_A_QUERY)) == []


def test_a_mistyped_command_still_gets_a_suggestion() -> None:
    # rapidfuzz is imported where it is used: the suggestion must still come.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "query", "actr", "erdogan"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean,
        timeout=60,
    )
    assert "Did you mean" in proc.stdout + proc.stderr


def test_a_sqlite_store_writes_without_the_postgresql_dialect(tmp_path: Path) -> None:
    # On SQLite, the PostgreSQL dialect (~2 MB resident) and its driver are never loaded,
    # not even by the writes that use a dialect's ON CONFLICT.
    script = """
import asyncio, sys
from datetime import UTC, datetime
from bot.digests.storage import Store

async def main(url):
    store = await Store.open(url)
    await store.subscriptions.add(
        platform="slack", workspace_id="T1", channel_id="C1", channel_name="general",
        schedule="daily 09:00", timezone="UTC", briefing_id=None, created_by="U1",
        now=datetime.now(UTC),
    )
    print(len(await store.subscriptions.find()), "subscription(s)")
    await store.close()

asyncio.run(main(sys.argv[1]))
print(sorted(m for m in sys.modules if "postgres" in m or m.startswith(("psycopg", "asyncpg"))))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path}/bot.db"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == ["1 subscription(s)", "[]"]
