"""SIGTERM while a digest is being posted: the post finishes, the ledger says sent, exit 0."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.digests.storage import SENT, Store
from tests.fakes.slack_server import APP_TOKEN, BOT_TOKEN, SlackFake

from .helpers import subscribe
from .proc import BotProcess, bot_env
from .slowlink import HeldSlackApi


async def test_sigterm_mid_delivery_finishes_the_post_and_exits_0(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/bot.db"
    store = await Store.open(database_url)
    try:
        due = datetime.now(UTC) - timedelta(minutes=2)
        sub_id = await subscribe(store, "C0DIGEST", due=due)
        async with SlackFake() as slack, HeldSlackApi(slack.api_url) as link:
            env = bot_env(
                CONTENT_DIR=mini_content,
                DATABASE_URL=database_url,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=link.api_url,
            )
            bot: BotProcess = await spawn(env)
            await asyncio.wait_for(link.arrived.wait(), 20)  # the digest is in flight

            bot.signal(signal.SIGTERM)
            await bot.wait_for(r"stopping: .*digests")
            assert bot.proc is not None and bot.proc.returncode is None  # waiting for the post
            link.release()
            assert await bot.wait() == 0

        posts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST"]
        assert len(posts) == 1
        assert "Alpha and Beta" in str(posts[0].args)
        [delivery] = await store.ledger.deliveries_of(sub_id)
        assert delivery.status == SENT
        assert delivery.message_id
    finally:
        await store.close()
