"""No duplicate, nothing missing, when an instance dies right after the platform took a post.

Each platform's stand-in takes the digest's post and never answers; the bot is killed with
SIGKILL at that moment, so its ledger still says "claimed". Whoever takes the claim over once
it expires — the same bot restarted, or another instance already running — does not know
whether the post landed: on Discord it sends the page again with the same nonce (and gets the
first message back), on Slack it finds the page in the channel history by its metadata.
"""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digests.storage import SENT, Store
from tests.fakes.discord import TOKEN as DISCORD_TOKEN
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackFake

from .helpers import PostgresDatabase, eventually, subscribe
from .proc import BotProcess, bot_env

DISCORD_CHANNEL = "1100000000000000777"
SLACK_CHANNEL = "C0TAKEN"
CLAIM_SECONDS = 10  # the shortest claim expiry Briefbot accepts


def env_for(
    content: Path, database_url: str, discord: FakeDiscord, slack: SlackFake, **extra: object
) -> dict[str, str]:
    return bot_env(
        CONTENT_DIR=content,
        DATABASE_URL=database_url,
        DIGEST_CLAIM_SECONDS=CLAIM_SECONDS,
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_BASE=discord.api_base,
        DISCORD_GATEWAY_URL=discord.gateway_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        **extra,
    )


async def owed_to_both(store: Store) -> list[str]:
    due = datetime.now(UTC) - timedelta(minutes=2)  # caught up at start-up
    return [
        await subscribe(store, DISCORD_CHANNEL, platform="discord", due=due),
        await subscribe(store, SLACK_CHANNEL, due=due),
    ]


def take_and_hang(discord: FakeDiscord, slack: SlackFake) -> None:
    discord.add_channel(DISCORD_CHANNEL, "digest-taken")
    discord.accept_next_post(DISCORD_CHANNEL, then="hang")
    slack.accept_next("chat.postMessage", then="hang")


async def both_accepted(discord: FakeDiscord, slack: SlackFake) -> None:
    await asyncio.wait_for(asyncio.gather(discord.post_accepted.wait(), slack.accepted.wait()), 30)


async def all_sent(store: Store, subs: list[str]) -> bool:
    rows = [await store.ledger.deliveries_of(s) for s in subs]
    return all([r.status for r in got] == [SENT] for got in rows)


def assert_each_page_once(discord: FakeDiscord, slack: SlackFake) -> None:
    in_discord = discord.channel_messages[DISCORD_CHANNEL]
    assert len(in_discord) == len({m.text for m in in_discord}) >= 1
    assert discord.nonce_hits == 1  # the page it took was asked for again, and not re-posted
    in_slack = slack.posted(SLACK_CHANNEL)
    pages = [m["metadata"]["event_payload"]["page"] for m in in_slack]
    assert pages == list(range(len(in_slack))) and pages  # each page once, in order
    assert slack.calls_to("conversations.history")  # it looked before posting again


async def test_killed_right_after_the_platform_took_the_post_the_restarted_bot_posts_nothing_twice(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/bot.db"
    store = await Store.open(database_url)
    try:
        subs = await owed_to_both(store)
        async with FakeDiscord() as discord, SlackFake() as slack:
            take_and_hang(discord, slack)
            env = env_for(mini_content, database_url, discord, slack, SLACK_APP_TOKEN=APP_TOKEN)
            first: BotProcess = await spawn(env)
            await both_accepted(discord, slack)
            first.signal(signal.SIGKILL)  # dies with both posts taken, neither recorded
            await first.wait()
            assert not await all_sent(store, subs)

            second: BotProcess = await spawn(env)
            await eventually(
                lambda: all_sent(store, subs),
                timeout=CLAIM_SECONDS + 20,
                what="the restarted bot to take both claims over",
            )
            assert "already in the channel; not posted again" in second.output
            second.signal(signal.SIGTERM)
            assert await second.wait() == 0
            assert_each_page_once(discord, slack)
            discord.assert_clean()
            slack.assert_clean()
        for sub_id in subs:
            [row] = await store.ledger.deliveries_of(sub_id)
            assert (row.status, row.attempts) == (SENT, 2)
    finally:
        await store.close()


@pytest.mark.postgres
async def test_another_instance_takes_the_claim_over_and_posts_nothing_twice(
    spawn, mini_content: Path, postgres_database: PostgresDatabase
) -> None:
    url = postgres_database.url
    store = await Store.open(url)
    try:
        subs = await owed_to_both(store)
        async with FakeDiscord(shard_count=2) as discord, SlackFake() as slack:
            take_and_hang(discord, slack)

            def instance(shard: int) -> dict[str, str]:
                return env_for(
                    mini_content,
                    url,
                    discord,
                    slack,
                    DISCORD_SHARD_COUNT=2,
                    DISCORD_SHARD_IDS=shard,
                    SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_PORT=0,
                )

            a: BotProcess = await spawn(instance(1))
            await both_accepted(discord, slack)  # A claimed both and is posting them
            b: BotProcess = await spawn(instance(0))
            await b.wait_ready()
            a.signal(signal.SIGKILL)
            await a.wait()
            await eventually(
                lambda: all_sent(store, subs),
                timeout=CLAIM_SECONDS + 20,
                what="the other instance to take both claims over",
            )
            assert "already in the channel; not posted again" in b.output
            b.signal(signal.SIGTERM)
            assert await b.wait() == 0
            assert_each_page_once(discord, slack)
        for sub_id in subs:
            [row] = await store.ledger.deliveries_of(sub_id)
            assert (row.status, row.attempts) == (SENT, 2)
    finally:
        await store.close()


async def test_without_the_history_scopes_readyz_and_the_log_say_so_once(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    old_app = {"commands", "chat:write", "users:read"}  # installed from an older manifest
    async with SlackFake(scopes=old_app) as slack:
        env = bot_env(
            CONTENT_DIR=mini_content,
            DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=slack.api_url,
        )
        bot: BotProcess = await spawn(env)
        await bot.wait_ready()  # still ready: digests work, with the old duplicate window
        for _ in range(3):
            status, body = await bot.get("/readyz")
            detail = json.loads(body)["components"]["slack"]["detail"]
            assert status == 200 and detail.startswith("connected; ")
            assert "channels:history and groups:history" in detail
            assert "may be posted twice" in detail
        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0
    assert bot.output.count("may arrive twice") == 1
