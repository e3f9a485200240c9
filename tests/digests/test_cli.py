"""``briefbot digests`` lists subscriptions and recent deliveries from the database."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.digests import cli
from bot.digests.storage import PAUSED, SENT, Store

ROOT = Path(__file__).resolve().parents[2]


async def fill(url: str) -> tuple[str, str]:
    store = await Store.open(url)
    try:
        common = {
            "workspace_id": "T1",
            "timezone": "Europe/Istanbul",
            "briefing_id": None,
            "created_by": "U1",
            "now": datetime(2026, 1, 1, tzinfo=UTC),
        }
        ok, _ = await store.subscriptions.add(
            platform="slack",
            channel_id="C1",
            channel_name="general",
            schedule="daily 09:00",
            **common,
        )
        gone, _ = await store.subscriptions.add(
            platform="discord",
            channel_id="42",
            channel_name="news",
            schedule="weekly mon 08:30",
            **common,
        )
        when = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
        await store.ledger.claim(ok.id, when, holder="x", claim_seconds=60, now=when)
        await store.ledger.finish(ok.id, when, holder="x", status=SENT, message_id="1", now=when)
        missed = [(gone.id, when - timedelta(days=1), "the bot was down")]
        await store.ledger.record_missed(missed, now=when)
        await store.subscriptions.set_status(
            gone.id, PAUSED, "the channel no longer exists", now=when
        )
        return ok.id, gone.id
    finally:
        await store.close()


def test_the_tables_show_subscriptions_and_deliveries(sqlite_url: str) -> None:
    ok, gone = asyncio.run(fill(sqlite_url))
    out = io.StringIO()
    assert cli.main(sqlite_url, [], out=out) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == "Subscriptions (2)"
    row = next(line for line in lines if line.startswith(ok))
    assert "#general" in row and "daily 09:00" in row and "Europe/Istanbul" in row
    assert "sent 2026-01-05 09:00:00 +03" in row  # local time of the occurrence
    paused = next(line for line in lines if line.startswith(gone))
    assert "paused: the channel no longer exists" in paused
    assert "missed" in paused and "(the bot was down)" in paused
    assert "Recent deliveries (2)" in text


def test_an_unreadable_database_is_reported_without_a_traceback(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; from bot.digests import cli; sys.exit(cli.main({url!r}, []))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("cannot read digests from the database")
    assert "Traceback" not in result.stderr


def test_a_mistyped_sqlite_path_is_reported_not_created_empty(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "typo" / "briefbot.db"
    out = io.StringIO()
    assert cli.main(f"sqlite:///{missing}", [], out=out) == 1
    assert out.getvalue() == ""  # not an empty "Subscriptions (0)" table
    assert f"no database file at {missing}" in capsys.readouterr().err
    assert not missing.parent.exists()
