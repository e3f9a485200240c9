"""Digests at scale: 10,000 subscriptions due in the same second, posted within the rate limits.

A local stand-in (a child process, aiohttp on loopback) plays Discord's and Slack's message
endpoints and *enforces* their limits, answering 429 with ``Retry-After`` like they do:

- Discord ``POST /api/v10/channels/{id}/messages``: 5 messages / 5 s per channel, 50 / s overall;
- Slack ``POST /api/chat.postMessage``: 1 message / s per channel.

This process runs the real ``DigestService`` (APScheduler, SQLite ledger, delivery queue) with
the real briefing in ``content/`` and posters that render each digest with the real renderers
and POST it to the stand-in. The subscriptions: 5,000 on Discord (1,000 channels × 5) and 5,000
on Slack (250 channels × 20), all ``daily HH:MM:SS`` at the same second.

Reported:
- scheduler start-up time with 10,000 subscriptions (load, 10,000 APScheduler jobs, catch-up);
- completion time from the scheduled second to the last accepted post, and its ratio to the
  floor the limits allow (Discord: the 50/s overall limit, (n − 1) // 50 s; Slack: 20 posts per
  channel at 1/s, 19 s) — target ≤ 1.2;
- posts accepted (exactly 10,000: no duplicate, none lost), 429s received, peak memory (RSS).

Run: ``python bench/bench_digests.py`` (about two minutes; ``--quick`` for 1,000 subscriptions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bot.core.answers import Answer
from bot.digests.ports import DeliveryError, PostResult

from _common import print_table, write_results

TARGET_RATIO = 1.2
DISCORD_PER_CHANNEL, DISCORD_WINDOW, DISCORD_PER_SECOND = 5, 5.0, 50
SLACK_WINDOW = 1.0


# -- the stand-in (child process) ---------------------------------------------------------------


class Limiter:
    """At most ``limit`` accepted requests in any ``window`` seconds (strict sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.times: deque[float] = deque()

    def retry_after(self, now: float) -> float:
        while self.times and self.times[0] + self.window <= now:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.times[0] + self.window - now


async def serve() -> None:
    """Serve the stand-in on a free port; print ``PORT n``; exit when stdin closes."""
    from aiohttp import web

    overall = Limiter(DISCORD_PER_SECOND, 1.0)
    channels: dict[tuple[str, str], Limiter] = {}
    stats: dict[str, Any] = {
        "accepted": {"discord": 0, "slack": 0},
        "rejected": {"discord": 0, "slack": 0},
        "first": {"discord": 0.0, "slack": 0.0},
        "last": {"discord": 0.0, "slack": 0.0},
        "seen": {},
    }

    def limited(platform: str, wait: float, *, overall_hit: bool = False) -> web.Response:
        stats["rejected"][platform] += 1
        body = {"message": "You are being rate limited.", "retry_after": round(wait, 3)}
        if platform == "discord":
            body["global"] = overall_hit
        else:
            body = {"ok": False, "error": "ratelimited"}
        return web.json_response(
            body, status=429, headers={"Retry-After": f"{wait:.3f}", "Via": "1.1 google"}
        )

    def accept(platform: str, key: str, now: float) -> None:
        stats["accepted"][platform] += 1
        stats["last"][platform] = time.time()
        stats["first"][platform] = stats["first"][platform] or stats["last"][platform]
        stats["seen"][key] = stats["seen"].get(key, 0) + 1

    async def discord_post(request: web.Request) -> web.Response:
        now = time.monotonic()
        channel = request.match_info["channel"]
        body = await request.json()
        limiter = channels.setdefault(
            ("discord", channel), Limiter(DISCORD_PER_CHANNEL, DISCORD_WINDOW)
        )
        wait = overall.retry_after(now)
        if wait > 0:
            return limited("discord", wait, overall_hit=True)
        wait = limiter.retry_after(now)
        if wait > 0:
            return limited("discord", wait)
        overall.times.append(now)
        limiter.times.append(now)
        accept("discord", f"discord:{channel}:{body.get('x_key')}", now)
        return web.json_response({"id": str(stats["accepted"]["discord"]), "channel_id": channel})

    async def slack_post(request: web.Request) -> web.Response:
        now = time.monotonic()
        body = await request.json()
        channel = body["channel"]
        limiter = channels.setdefault(("slack", channel), Limiter(1, SLACK_WINDOW))
        wait = limiter.retry_after(now)
        if wait > 0:
            return limited("slack", wait)
        limiter.times.append(now)
        accept("slack", f"slack:{channel}:{body.get('x_key')}", now)
        return web.json_response({"ok": True, "channel": channel, "ts": f"{time.time():.6f}"})

    async def get_stats(request: web.Request) -> web.Response:
        seen = stats["seen"]
        return web.json_response(
            {
                "accepted": stats["accepted"],
                "rejected": stats["rejected"],
                "first": stats["first"],
                "last": stats["last"],
                "duplicates": sum(n - 1 for n in seen.values() if n > 1),
            }
        )

    app = web.Application()
    app.router.add_post("/api/v10/channels/{channel}/messages", discord_post)
    app.router.add_post("/api/chat.postMessage", slack_post)
    app.router.add_get("/stats", get_stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


# -- the bot side -------------------------------------------------------------------------------


class HttpPoster:
    """Renders a digest with the real renderer and POSTs it to the stand-in."""

    def __init__(self, platform: str, session: aiohttp.ClientSession, base: str) -> None:
        from bot.render.discord import to_discord
        from bot.render.slack import to_slack

        self.platform = platform
        self.session = session
        self.base = base
        self.render = to_discord if platform == "discord" else to_slack
        self.sent = 0

    async def post(self, channel_id: str, answer: Answer, *, skip_pages: int = 0) -> PostResult:
        payloads = self.render(answer)[skip_pages:]
        key = f"{answer.extra.get('subscription')}@{answer.extra.get('occurrence')}"
        last = ""
        done = 0
        for payload in payloads:
            if self.platform == "discord":
                url = f"{self.base}/api/v10/channels/{channel_id}/messages"
                body = {**payload, "x_key": key}
            else:
                url = f"{self.base}/api/chat.postMessage"
                body = {**payload, "channel": channel_id, "x_key": key}
            async with self.session.post(url, json=body) as response:
                data = await response.json()
                if response.status == 429:
                    raise DeliveryError(
                        "rate limited",
                        permanent=False,
                        retry_after=float(response.headers.get("Retry-After", "1")),
                        pages_sent=skip_pages + done,
                    )
                if response.status >= 400:
                    raise DeliveryError(
                        f"HTTP {response.status}",
                        permanent=response.status < 500,
                        pages_sent=skip_pages + done,
                    )
                last = str(data.get("id") or data.get("ts") or "")
                done += 1
        self.sent += 1
        return PostResult(message_id=last)


def floors(discord: int, slack: int, slack_per_channel: int) -> dict[str, float]:
    """The least time (s) after the due second in which the limits let every post through."""
    discord_floor = max(0, (discord - 1) // DISCORD_PER_SECOND) if discord else 0
    slack_floor = max(0, slack_per_channel - 1) * SLACK_WINDOW if slack else 0
    return {"discord": float(discord_floor), "slack": float(slack_floor)}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def subscription_rows(
    n_discord: int, n_slack: int, discord_channels: int, slack_channels: int, when: str
) -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for i in range(n_discord + n_slack):
        discord = i < n_discord
        channel = f"D{i % discord_channels:05d}" if discord else f"S{i % slack_channels:05d}"
        rows.append(
            {
                "id": f"b{i:05d}",
                "platform": "discord" if discord else "slack",
                "workspace_id": "bench",
                "channel_id": channel,
                "channel_name": channel.lower(),
                "schedule": f"daily {when}",
                "timezone": "UTC",
                "briefing_id": None,
                "status": "active",
                "status_reason": None,
                "created_by": "bench",
                "created_at": now,
                "updated_at": now,
                "active_since": now,
            }
        )
    return rows


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.app.composition import build_engine
    from bot.app.settings import DigestSettings, OpsSettings, Settings
    from bot.core.library import Library, LibraryHolder
    from bot.core.loader import default_content_dir, load_directory
    from bot.digests.service import DigestService
    from bot.digests.store import SENT, Store, subscriptions

    n_discord, n_slack = (500, 500) if args.quick else (5000, 5000)
    discord_channels, slack_channels = n_discord // 5, n_slack // 20
    baseline_rss = rss_mb()

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    port = int(server.stdout.readline().split()[1])
    base = f"http://127.0.0.1:{port}"
    tmp = tempfile.TemporaryDirectory()
    db = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    settings = Settings(
        digest=DigestSettings(grace_minutes=60, claim_seconds=300), ops=OpsSettings(database_url=db)
    )
    engine = build_engine(LibraryHolder(Library.from_loaded(load_directory(default_content_dir()))))
    store = await Store.open(db)
    connector = aiohttp.TCPConnector(limit=64)
    session = aiohttp.ClientSession(connector=connector)
    posters = [HttpPoster("discord", session, base), HttpPoster("slack", session, base)]
    try:
        later = (datetime.now(UTC) + timedelta(hours=6)).strftime("%H:%M:%S")
        started = time.perf_counter()
        rows = subscription_rows(n_discord, n_slack, discord_channels, slack_channels, later)
        for i in range(0, len(rows), 1000):
            await store.add_subscriptions(rows[i : i + 1000])
        insert_s = time.perf_counter() - started

        # 1. Start-up with 10,000 subscriptions (none due).
        service = DigestService(settings, engine, store, posters)
        started = time.perf_counter()
        await service.start()
        startup_s = time.perf_counter() - started
        jobs = len(service.scheduler.get_jobs())
        await service.stop()

        # 2. All due in the same second, a few seconds after a fresh start-up.
        due = (datetime.now(UTC) + timedelta(seconds=startup_s * 2 + 4)).replace(microsecond=0)

        def reschedule(conn: Any) -> None:
            conn.execute(subscriptions.update().values(schedule=f"daily {due:%H:%M:%S}"))

        await store._tx(reschedule)
        service = DigestService(settings, engine, store, posters)
        started = time.perf_counter()
        await service.start()
        startup2_s = time.perf_counter() - started
        total = n_discord + n_slack
        deadline = due.timestamp() + 600
        stats: dict[str, Any] = {}
        async with aiohttp.ClientSession() as probe:
            while time.time() < deadline:
                async with probe.get(f"{base}/stats") as response:
                    stats = await response.json()
                if sum(stats["accepted"].values()) >= total:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # anything more would be a duplicate
            async with probe.get(f"{base}/stats") as response:
                stats = await response.json()
        await service.stop()

        def count_sent(conn: Any) -> int:
            from sqlalchemy import func, select

            from bot.digests.store import deliveries

            query = select(func.count()).select_from(deliveries).where(deliveries.c.status == SENT)
            return int(conn.execute(query).scalar_one())

        sent_rows = await store._tx(count_sent)
    finally:
        await session.close()
        await store.close()
        server.stdin.close()
        server.wait(timeout=10)
        tmp.cleanup()

    floor = floors(n_discord, n_slack, n_slack // slack_channels)
    took = {p: stats["last"][p] - due.timestamp() for p in ("discord", "slack")}
    overall_floor = max(floor.values())
    overall_took = max(took.values())
    return {
        "subscriptions": total,
        "discord": {"subscriptions": n_discord, "channels": discord_channels},
        "slack": {"subscriptions": n_slack, "channels": slack_channels},
        "database": "postgresql" if db.startswith("postgres") else "sqlite",
        "insert_s": round(insert_s, 2),
        "startup_s": round(startup_s, 3),
        "startup_again_s": round(startup2_s, 3),
        "jobs_scheduled": jobs,
        "completion_s": round(overall_took, 2),
        "floor_s": overall_floor,
        "ratio": round(overall_took / overall_floor, 3) if overall_floor else None,
        "per_platform": {
            p: {
                "completion_s": round(took[p], 2),
                "first_post_s": round(stats["first"][p] - due.timestamp(), 2),
                "floor_s": floor[p],
                "ratio": round(took[p] / floor[p], 3) if floor[p] else None,
                "accepted": stats["accepted"][p],
                "rate_limited_429": stats["rejected"][p],
            }
            for p in ("discord", "slack")
        },
        "posts_accepted": sum(stats["accepted"].values()),
        "duplicates": stats["duplicates"],
        "ledger_sent": sent_rows,
        "rss_baseline_mb": round(baseline_rss, 1),
        "rss_peak_mb": round(rss_mb(), 1),
        "target_ratio": TARGET_RATIO,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="1,000 subscriptions instead")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return 0
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    result = asyncio.run(run(args))
    rows = [
        {
            "platform": p,
            "posts": r["accepted"],
            "completion_s": r["completion_s"],
            "floor_s": r["floor_s"],
            "ratio": r["ratio"],
            "429s": r["rate_limited_429"],
        }
        for p, r in result["per_platform"].items()
    ]
    rows.append(
        {
            "platform": "all",
            "posts": result["posts_accepted"],
            "completion_s": result["completion_s"],
            "floor_s": result["floor_s"],
            "ratio": result["ratio"],
            "429s": sum(r["rate_limited_429"] for r in result["per_platform"].values()),
        }
    )
    print_table(
        f"{result['subscriptions']:,} digests due in the same second "
        f"(target ratio ≤ {TARGET_RATIO})",
        rows,
    )
    print_table(
        "Scheduler and memory",
        [
            {
                "startup_s": result["startup_s"],
                "startup_again_s": result["startup_again_s"],
                "jobs": result["jobs_scheduled"],
                "duplicates": result["duplicates"],
                "ledger_sent": result["ledger_sent"],
                "rss_peak_mb": result["rss_peak_mb"],
                "rss_baseline_mb": result["rss_baseline_mb"],
            }
        ],
    )
    name = "bench_digests_quick" if args.quick else "bench_digests"
    print(f"\nwrote {write_results(name, result)}")
    print(json.dumps({"ratio": result["ratio"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
