"""``briefbot digests``: subscriptions and recent deliveries, read from the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from bot.digests.schedule import stored_trigger
from bot.digests.storage import Delivery, Store, Subscription, normalise_url
from bot.digests.storage.connection import DatabaseUnavailable


def main(database_url: str, argv: Sequence[str], *, out: TextIO | None = None) -> int:
    """Print the tables; 0 on success, 1 when the database cannot be read."""
    parser = argparse.ArgumentParser(prog="briefbot digests", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=20, help="recent deliveries to show")
    args = parser.parse_args(list(argv))
    stream = out or sys.stdout
    # One line says what failed (below); the store's outage warning would say it twice.
    storage_log = logging.getLogger("bot.digests.storage")
    level = storage_log.level
    storage_log.setLevel(logging.ERROR)
    try:
        text = asyncio.run(report(database_url, deliveries=args.deliveries))
    except Exception as exc:  # a CLI: say what failed, no traceback
        why = exc.cause if isinstance(exc, DatabaseUnavailable) else str(exc)
        print(f"cannot read digests from the database: {why}".splitlines()[0], file=sys.stderr)
        return 1
    finally:
        storage_log.setLevel(level)
    stream.write(text)
    return 0


async def report(database_url: str, *, deliveries: int = 20) -> str:
    """The subscriptions table and the recent deliveries table, as text."""
    missing = _missing_sqlite_file(database_url)
    if missing:  # opening it would create an empty database and report "(none)"
        raise FileNotFoundError(f"no database file at {missing} (check DATABASE_URL)")
    store = await Store.open(database_url)
    try:
        subs = await store.subscriptions.find()
        last = await store.ledger.last_deliveries([s.id for s in subs])
        recent = await store.ledger.recent_deliveries(limit=deliveries)
    finally:
        await store.close()
    zones = {s.id: s.timezone for s in subs}
    lines = [f"Subscriptions ({len(subs)})", ""]
    lines += table(
        ["id", "platform", "channel", "schedule", "zone", "status", "next run", "last delivery"],
        [_subscription_row(s, last.get(s.id)) for s in subs],
    )
    lines += ["", f"Recent deliveries ({len(recent)})", ""]
    lines += table(
        ["subscription", "occurrence", "status", "attempts", "reason"],
        [
            [
                d.subscription_id,
                _local(d.occurrence, zones.get(d.subscription_id, "UTC"))
                + (" (on request)" if d.manual else ""),
                d.status,
                str(d.attempts),
                d.reason or "",
            ]
            for d in recent
        ],
    )
    return "\n".join(lines) + "\n"


def _missing_sqlite_file(database_url: str) -> str | None:
    """The path of a SQLite database file that does not exist, else None."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database).expanduser()
    return None if path.exists() else str(path)


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain text table with left-aligned columns."""
    if not rows:
        return ["(none)"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _subscription_row(sub: Subscription, last: Delivery | None) -> list[str]:
    status = sub.status if sub.active else f"{sub.status}: {sub.status_reason or ''}".rstrip(": ")
    next_run = ""
    if sub.active:
        try:
            trigger = stored_trigger(sub.schedule, sub.timezone)
            fire = trigger.get_next_fire_time(None, datetime.now(UTC))
            next_run = _local(fire, sub.timezone) if fire else "never"
        except Exception:  # a row written by a newer release: show it anyway
            next_run = "?"
    last_text = "none yet"
    if last is not None:
        last_text = f"{last.status} {_local(last.occurrence, sub.timezone)}"
        if last.reason and last.status != "sent":
            last_text += f" ({last.reason})"
    channel = sub.channel_name or sub.channel_id
    return [
        sub.id,
        sub.platform,
        channel if channel.startswith("#") else f"#{channel}",
        sub.schedule,
        sub.timezone,
        status,
        next_run,
        last_text,
    ]


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z")
