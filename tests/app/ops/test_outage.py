"""PostgreSQL goes away for a while under two running instances, and comes back.

The instances reach the database through a proxy the test cuts (every connection reset, new
ones refused) — the shared server itself is never restarted. Meanwhile: commands that need the
database answer "try again in a minute" and the others keep working; ``/readyz`` says the
database is not ready while ``/healthz`` stays alive; nothing crashes or restarts; a digest
posted just as the outage began is recorded once it is back, not posted again; a digest due
during the outage is posted once afterwards; and each instance logs the outage once when it
starts and once when it ends.
"""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.digests.storage import SENT, Store
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, SlackFake, SlackUser, visible_text

from .helpers import PostgresDatabase, eventually, subscribe
from .proc import BotProcess, bot_env
from .slowlink import HeldSlackApi
from .tcpproxy import CuttableProxy

UNAVAILABLE = "temporarily unavailable; try again in a minute"


def instance_env(content: Path, database_url: str, slack_api_url: str) -> dict[str, str]:
    return bot_env(
        CONTENT_DIR=content,
        DATABASE_URL=database_url,
        DIGEST_CLAIM_SECONDS=10,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        SLACK_PORT=0,  # Slack's /slack/events on the health server
    )


def posts(slack: SlackFake, channel: str) -> int:
    return len(slack.posted(channel))


async def test_a_database_outage_is_waited_out_and_nothing_is_lost_or_doubled(
    spawn, mini_content: Path, postgres_database: PostgresDatabase
) -> None:
    direct = await Store.open(postgres_database.url)
    real = make_url(postgres_database.url)
    try:
        held_sub = await subscribe(direct, "C0HELD", due=datetime.now(UTC) - timedelta(minutes=2))
        async with (
            CuttableProxy(real.host or "127.0.0.1", real.port or 5432) as proxy,
            SlackFake() as slack,
            HeldSlackApi(slack.api_url) as held,
        ):
            via_proxy = real.set(port=proxy.port).render_as_string(hide_password=False)
            a: BotProcess = await spawn(instance_env(mini_content, via_proxy, held.api_url))
            await asyncio.wait_for(held.arrived.wait(), 20)  # A is posting C0HELD's digest
            b: BotProcess = await spawn(instance_env(mini_content, via_proxy, slack.api_url))
            await asyncio.gather(a.wait_ready(), b.wait_ready())
            due_sub = await subscribe(
                direct, "C0DURING", due=datetime.now(UTC) + timedelta(seconds=4)
            )

            proxy.cut()  # the database is gone
            for bot in (a, b):

                async def database_down(bot: BotProcess = bot) -> bool:
                    status, body = await bot.get("/readyz")
                    state = json.loads(body)["components"]["database"]
                    return status == 503 and state["ready"] is False and state["detail"] != ""

                await eventually(database_down, timeout=10, what="/readyz: database not ready")
                assert (await bot.get("/healthz"))[0] == 200
                events = f"http://127.0.0.1:{bot.health_port}/slack/events"
                user = SlackUser(slack, events_url=events, user_id="UADMIN", channel_id="C0X")
                assert "Beta" in visible_text(await user.answer("actor beta"))
                listed = visible_text(await user.answer("digest list"))
                assert UNAVAILABLE in listed, listed

            held.release()  # A's post reaches Slack while the database is down
            await eventually(lambda: posts(slack, "C0HELD") == 1, what="the held post")
            await asyncio.sleep(6)  # C0DURING falls due meanwhile
            assert posts(slack, "C0DURING") == 0
            proxy.restore()

            async def both_sent() -> bool:
                rows = [await direct.ledger.deliveries_of(s) for s in (held_sub, due_sub)]
                return all([r.status for r in got] == [SENT] for got in rows)

            await eventually(both_sent, timeout=30, what="both digests recorded as sent")
            await asyncio.sleep(1)  # a sweep more: nothing else arrives
            assert posts(slack, "C0HELD") == 1 and posts(slack, "C0DURING") == 1
            for bot in (a, b):
                assert bot.proc is not None and bot.proc.returncode is None  # never crashed
                await bot.wait_ready()
                assert bot.output.count("database unavailable:") == 1, bot.output
                assert bot.output.count("database available again") == 1, bot.output
                bot.signal(signal.SIGTERM)
                assert await bot.wait() == 0
        slack.assert_clean()
    finally:
        await direct.close()
