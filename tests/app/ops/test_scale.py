"""Two instances on one PostgreSQL database, with the local Discord and Slack stand-ins.

Instance A runs Discord shard 1 of 2 (the stand-in guild's shard), instance B shard 0; both run
Slack in HTTP mode (on their health port, as behind a load balancer). They share subscriptions
and the delivery ledger: each digest is posted exactly once, and a digest an instance was
posting when it died is posted by the other once its claim expires.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digests.storage import SENT, Store
from tests.fakes.discord import GUILD_ID, FakeDiscord
from tests.fakes.discord import TOKEN as DISCORD_TOKEN
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, SlackFake, SlackUser

from .helpers import PostgresDatabase, eventually, samples, subscribe
from .proc import BotProcess, bot_env
from .slowlink import HeldSlackApi

CLAIM_SECONDS = 10  # the shortest claim expiry Briefbot accepts


def instance_env(
    content: Path, database_url: str, discord: FakeDiscord, slack_api_url: str, shard: int
) -> dict[str, str]:
    return bot_env(
        CONTENT_DIR=content,
        DATABASE_URL=database_url,
        DIGEST_CLAIM_SECONDS=CLAIM_SECONDS,
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_BASE=discord.api_base,
        DISCORD_GATEWAY_URL=discord.gateway_url,
        DISCORD_SHARD_COUNT=2,
        DISCORD_SHARD_IDS=shard,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        SLACK_PORT=0,  # = HEALTH_PORT: Slack's /slack/events on the health server
    )


def commands(page: dict[tuple[str, frozenset[tuple[str, str]]], float], platform: str) -> float:
    """Commands answered on ``platform`` according to one /metrics page."""
    return sum(
        value
        for (name, labels), value in page.items()
        if name == "briefbot_commands_total" and dict(labels)["platform"] == platform
    )


def slack_posts(slack: SlackFake, channel: str) -> int:
    return len([c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == channel])


def discord_posts(discord: FakeDiscord, channel: str) -> int:
    return len(discord.channel_messages.get(channel, []))


def sent_counts(pages: list[dict[Any, float]]) -> list[float]:
    return [
        value
        for page in pages
        for (name, labels), value in page.items()
        if name == "briefbot_deliveries_total" and dict(labels)["status"] == "sent"
    ]


async def test_two_instances_serve_commands_and_post_each_digest_once(
    spawn, mini_content: Path, postgres_database: PostgresDatabase
) -> None:
    store = await Store.open(postgres_database.url)
    try:
        now = datetime.now(UTC)
        discord_channels = [str(1100000000000000900 + i) for i in range(3)]
        slack_channels = [f"C0SCALE{i}" for i in range(3)]
        subs = [
            # owed since two minutes ago: both instances catch up on them at start-up
            *[
                await subscribe(store, c, platform="discord", due=now - timedelta(minutes=2))
                for c in discord_channels[:2]
            ],
            *[
                await subscribe(store, c, due=now - timedelta(minutes=2))
                for c in slack_channels[:2]
            ],
            # due while both run: both schedulers fire for them
            await subscribe(
                store, discord_channels[2], platform="discord", due=now + timedelta(seconds=6)
            ),
            await subscribe(store, slack_channels[2], due=now + timedelta(seconds=6)),
        ]
        async with FakeDiscord(shard_count=2) as discord, SlackFake() as slack:
            for channel in discord_channels:
                discord.add_channel(channel, f"digest-{channel[-1]}")
            a, b = await asyncio.gather(
                spawn(instance_env(mini_content, postgres_database.url, discord, slack.api_url, 1)),
                spawn(instance_env(mini_content, postgres_database.url, discord, slack.api_url, 0)),
            )
            await asyncio.gather(a.wait_ready(), b.wait_ready())

            # Both serve commands: Slack (HTTP) on each instance, Discord through A's shard.
            for bot, user in ((a, "UA"), (b, "UB")):
                events = f"http://127.0.0.1:{bot.health_port}/slack/events"
                reply = await SlackUser(slack, events_url=events, user_id=user).answer("actor beta")
                assert "Beta" in str(reply)
            iid = await discord.invoke_command("actor", {"name": "alpha"}, guild_id=GUILD_ID)
            [answer] = await discord.wait_for_messages(iid)
            assert "Alpha" in answer.text

            def all_posted() -> bool:
                return all(discord_posts(discord, c) for c in discord_channels) and all(
                    slack_posts(slack, c) for c in slack_channels
                )

            await eventually(all_posted, timeout=30, what="every digest to be posted")

            async def all_recorded() -> bool:
                # A post lands at the platform a moment before its instance records it.
                statuses = [
                    [d.status for d in await store.ledger.deliveries_of(sub_id)] for sub_id in subs
                ]
                return all(s == [SENT] for s in statuses)

            await eventually(all_recorded, timeout=10, what="every delivery recorded as sent")
            pages: list[dict[Any, float]] = []

            async def all_counted() -> bool:
                pages[:] = [samples((await bot.get("/metrics"))[1]) for bot in (a, b)]
                return sum(sent_counts(pages)) >= 6

            await eventually(all_counted, timeout=10, what="every delivery counted in /metrics")
            assert sum(sent_counts(pages)) == 6  # counted once, by whichever instance posted
            assert commands(pages[0], "discord") == 1 and commands(pages[0], "slack") == 1
            assert commands(pages[1], "slack") == 1
            for bot in (a, b):
                bot.signal(signal.SIGTERM)
            assert await a.wait() == 0 and await b.wait() == 0

        # Both processes are gone: nothing more can arrive. Each digest is one message here.
        assert [discord_posts(discord, c) for c in discord_channels] == [1, 1, 1]
        assert [slack_posts(slack, c) for c in slack_channels] == [1, 1, 1]
        for sub_id in subs:
            assert [d.status for d in await store.ledger.deliveries_of(sub_id)] == [SENT]
        discord.assert_clean()
        slack.assert_clean()
    finally:
        await store.close()


async def test_a_digest_in_flight_on_a_killed_instance_is_posted_by_the_other(
    spawn, mini_content: Path, postgres_database: PostgresDatabase
) -> None:
    store = await Store.open(postgres_database.url)
    try:
        sub_id = await subscribe(store, "C0KILLED", due=datetime.now(UTC) - timedelta(minutes=1))
        async with (
            FakeDiscord(shard_count=2) as discord,
            SlackFake() as slack,
            HeldSlackApi(slack.api_url) as held,
        ):
            url = postgres_database.url
            a: BotProcess = await spawn(instance_env(mini_content, url, discord, held.api_url, 1))
            await asyncio.wait_for(held.arrived.wait(), 20)  # A claimed it and is posting
            b: BotProcess = await spawn(instance_env(mini_content, url, discord, slack.api_url, 0))
            await b.wait_ready()
            assert slack_posts(slack, "C0KILLED") == 0  # B leaves A's claim alone

            a.signal(signal.SIGKILL)  # A dies mid-post; its claim expires, B takes over
            await a.wait()
            await eventually(
                lambda: slack_posts(slack, "C0KILLED") > 0,
                timeout=CLAIM_SECONDS + 15,
                what="the other instance to post the digest",
            )
            b.signal(signal.SIGTERM)
            assert await b.wait() == 0
            held.release(forward=False)  # what A sent never reaches Slack

        assert slack_posts(slack, "C0KILLED") == 1
        [delivery] = await store.ledger.deliveries_of(sub_id)
        assert delivery.status == SENT
    finally:
        await store.close()
