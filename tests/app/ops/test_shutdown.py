"""SIGTERM while a digest is being posted: the post finishes (the ledger says sent, exit 0), or,
failing for now, is handed back and posted once by the next instance."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digests.storage import RETRY, SENT, Store
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SlackFake

from .helpers import eventually, subscribe
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


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_post_failing_while_sigterm_drains_is_handed_back_and_posted_once_after(
    spawn, mini_content: Path, tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    # The digest is in flight when SIGTERM arrives; then Slack answers 503 to it (and to the
    # client's own retries). The stopping instance hands it back instead of settling it failed,
    # and the restarted one posts it, once.
    if database == "sqlite":
        database_url = f"sqlite:///{tmp_path}/bot.db"
    else:
        database_url = request.getfixturevalue("postgres_database").url
    store = await Store.open(database_url)
    try:
        sub_id = await subscribe(store, "C0DRAIN", due=datetime.now(UTC) - timedelta(minutes=2))
        async with SlackFake() as slack, HeldSlackApi(slack.api_url) as link:
            env = bot_env(
                CONTENT_DIR=mini_content,
                DATABASE_URL=database_url,
                DIGEST_CLAIM_SECONDS=10,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=link.api_url,
            )
            first: BotProcess = await spawn(env)
            await asyncio.wait_for(link.arrived.wait(), 20)  # the digest is in flight
            first.signal(signal.SIGTERM)
            await first.wait_for(r"stopping: .*digests")
            link.release(forward=False)  # 503 to it and to every retry of it
            assert await first.wait() == 0
            assert "handed back for another instance" in first.output
            [row] = await store.ledger.deliveries_of(sub_id)
            assert (row.status, row.holder) == (RETRY, None), row
            assert slack.calls_to("chat.postMessage") == []

            second: BotProcess = await spawn({**env, "SLACK_API_URL": slack.api_url})
            await slack.wait_call("chat.postMessage", timeout=20)
            await eventually(lambda: sent(store, sub_id), timeout=10, what="the row to be sent")
            second.signal(signal.SIGTERM)
            assert await second.wait() == 0
        posts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "C0DRAIN"]
        assert len(posts) == 1
    finally:
        await store.close()


async def sent(store: Store, sub_id: str) -> bool:
    return [d.status for d in await store.ledger.deliveries_of(sub_id)] == [SENT]
