"""Digest threads end to end: the real discord.py client and the real bolt app against the
stand-ins, one digest service over a SQLite file.

A subscription with ``thread`` posts its digest as before, then opens one thread on it with the
digest's details: on Discord a public thread started from the digest's message (a forum post in
a forum channel), on Slack replies under the digest. Retries — an answer lost after the platform
took the thread or a reply, a 5xx, an instance stopped mid-post and another taking over — never
open a second thread or post a reply twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.settings import DigestSettings, DiscordSettings, OpsSettings, Settings, SlackSettings
from bot.commands.calls import META_STORE
from bot.commands.engine import Engine
from bot.digests.delivery import Backoff
from bot.digests.handlers import DIGESTS
from bot.digests.schedule import parse_schedule
from bot.digests.service import DigestService
from bot.digests.storage import SENT, Store, Subscription
from bot.platforms.discord.service import DiscordService
from bot.platforms.slack.client import MAX_RETRIES
from bot.platforms.slack.service import SlackService
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMS,
    MEMBER_PERMS,
    TOKEN,
    FakeDiscord,
)
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, TEAM_ID, SlackFake, SlackUser, visible_text

pytestmark = pytest.mark.e2e

FORUM_ID = "1100000000000000250"


class Bot:
    """Both stand-ins, both adapters, and digest services (``start_digests`` adds another
    instance on the same database, as a restart or a second process would)."""

    def __init__(
        self, tmp_path: Path, engine: Engine, discord_fake: FakeDiscord, slack_fake: SlackFake
    ) -> None:
        self.db = f"sqlite:///{tmp_path / 'bot.db'}"
        self.engine = engine
        self.discord_fake = discord_fake
        self.slack_fake = slack_fake
        self.settings = Settings(
            discord=DiscordSettings(
                token=TOKEN, api_base=discord_fake.api_base, gateway_url=discord_fake.gateway_url
            ),
            slack=SlackSettings(
                bot_token=SecretStr(BOT_TOKEN),
                app_token=SecretStr(APP_TOKEN),
                api_url=slack_fake.api_url,
            ),
            digest=DigestSettings(default_timezone="UTC", claim_seconds=10),
            ops=OpsSettings(database_url=self.db),
        )
        self.discord = DiscordService(self.settings, engine)
        self.slack = SlackService(self.settings, engine)
        self.services: list[DigestService] = []
        self.stores: list[Store] = []

    async def start_digests(self, *, stop_timeout: float = 10.0) -> DigestService:
        store = await Store.open(self.db)
        self.stores.append(store)
        self.engine.services.provide(META_STORE, store.meta)
        digests = DigestService(
            self.settings,
            self.engine.library,
            store,
            [self.discord, self.slack],
            backoff=Backoff(base=0.2, cap=0.4, rng=random.Random(0)),
            sweep_seconds=0.5,
            stop_timeout=stop_timeout,
        )
        self.engine.services.provide(DIGESTS, digests)
        self.services.append(digests)
        await digests.start()
        return digests


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, engine: Engine, *, before: Callable[[FakeDiscord], None] | None = None
) -> AsyncIterator[Bot]:
    async with FakeDiscord() as discord_fake, SlackFake(admin_users={"UADMIN"}) as slack_fake:
        discord_fake.add_channel(FORUM_ID, "digests", forum=True)
        if before is not None:
            before(discord_fake)
        bot = Bot(tmp_path, engine, discord_fake, slack_fake)
        try:
            await bot.discord.start()
            await bot.slack.start()
            await slack_fake.wait_socket_connected()
            await discord_fake.wait_for_identify()
            await bot.start_digests()
            yield bot
            discord_fake.assert_clean()
            slack_fake.assert_clean()
        finally:
            for digests in reversed(bot.services):
                await digests.stop()
            await bot.slack.stop()
            await bot.discord.stop()
            for store in bot.stores:
                await store.close()


async def discord_says(fake: FakeDiscord, command: str, options: dict[str, Any], perms: int) -> str:
    iid = await fake.invoke_command(command, options, user_perms=perms)
    [message] = await fake.wait_for_messages(iid)
    return message.text


async def subscribe(
    digests: DigestService, platform: str, channel: str, *, thread: bool = True
) -> Subscription:
    later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    workspace = GUILD_ID if platform == "discord" else TEAM_ID
    sub, _ = await digests.subscribe(
        platform=platform,
        workspace_id=workspace,
        channel_id=channel,
        channel_name="general",
        schedule=parse_schedule(f"daily {later}"),
        timezone="UTC",
        briefing_id=None,
        created_by="U1",
        thread=thread,
    )
    return sub


async def thread_plan_size(digests: DigestService, sub: Subscription) -> int:
    loaded = digests.composer.briefing(sub)
    answer, _ = await digests.composer.compose(sub, loaded, occurrence=datetime.now(UTC))
    return len(digests.composer.thread_plan(sub, answer, datetime.now(UTC)).replies)


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    async def loop() -> None:
        while not predicate():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


# -- Discord -------------------------------------------------------------------------------------


async def test_a_discord_digest_with_thread_opens_one_thread_with_its_details(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        confirmed = await discord_says(
            fake,
            "digest subscribe",
            {"schedule": "daily 07:00", "thread": True},
            MANAGER_PERMS,
        )
        assert "Digest subscribed" in confirmed and "opens a thread" in confirmed, confirmed
        listed = await discord_says(fake, "digest list", {}, MEMBER_PERMS)
        assert "Thread: each digest opens one" in listed, listed
        [sub] = await digests.store.subscriptions.find()
        replies = await thread_plan_size(digests, sub)
        assert replies >= 2

        assert await digests.send_now(sub, wait=20) == "sent"
        [digest] = fake.channel_messages[CHANNEL_ID]
        assert "Digest:" in digest.text
        [thread] = fake.threads.values()
        assert thread["id"] == digest.id and thread["parent_id"] == CHANNEL_ID
        assert thread["name"].startswith("Digest: ") and len(thread["name"]) <= 100
        assert datetime.now(UTC).strftime("%d %b %Y") in thread["name"]
        assert thread["thread_metadata"]["auto_archive_duration"] == 1440
        inside = fake.channel_messages[thread["id"]]
        assert len(inside) == replies and len({m.text for m in inside}) == replies
        assert "Key points" in " ".join(m.text for m in inside)
        [row] = await digests.store.ledger.deliveries_of(sub.id)
        assert row.status == SENT and row.message_id == digest.id


async def test_a_lost_answer_and_a_5xx_in_the_thread_cost_no_second_thread_or_reply(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        sub = await subscribe(digests, "discord", CHANNEL_ID)
        replies = await thread_plan_size(digests, sub)
        # Discord starts the thread but the answer is lost; then the second reply fails (503).
        fake.accept_next_thread(then="drop")
        assert await digests.send_now(sub, wait=20) == "sent"
        [digest] = fake.channel_messages[CHANNEL_ID]
        starts = fake.requests_to("POST", rf"/channels/{CHANNEL_ID}/messages/\d+/threads")
        assert len(starts) == 2  # the retry was told 160004 and took the thread as there
        assert list(fake.threads) == [digest.id]
        inside = fake.channel_messages[digest.id]
        assert len(inside) == replies and len({m.text for m in inside}) == replies

        assert await digests.send_now(sub, wait=20) == "sent"
        assert len(fake.threads) == 2  # the next digest opens a thread of its own


async def test_a_5xx_on_a_reply_is_retried_without_doubling_the_replies(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        sub = await subscribe(digests, "discord", CHANNEL_ID)
        replies = await thread_plan_size(digests, sub)
        fake.fail_next_thread_post(503, after=1)  # the thread's second reply fails once
        assert await digests.send_now(sub, wait=20) == "sent"
        [thread_id] = fake.threads
        inside = fake.channel_messages[thread_id]
        assert len(inside) == replies and len({m.text for m in inside}) == replies
        creates = fake.requests_to("POST", rf"/channels/{thread_id}/messages")
        assert len(creates) == replies + 1  # the failed one, once more
        nonces = [r.body["nonce"] for r in creates]
        assert nonces[1] == nonces[2]  # the same reply, the same nonce
        assert fake.requests_to("GET", rf"/channels/{thread_id}/messages")  # counted first
        assert len(fake.channel_messages[CHANNEL_ID]) == 1 and len(fake.threads) == 1
        own = {
            r.body["nonce"] for r in fake.requests_to("POST", rf"/channels/{CHANNEL_ID}/messages")
        }
        assert not own & set(nonces)  # replies' nonces differ from the digest's pages'


async def test_an_instance_stopped_mid_thread_is_taken_over_without_a_second_thread(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake = bot.discord_fake
        first = bot.services[0]
        sub = await subscribe(first, "discord", CHANNEL_ID)
        replies = await thread_plan_size(first, sub)
        # Discord starts the thread and never answers: the instance is stopped meanwhile, as if
        # it died there; a new instance on the same database takes the digest over.
        fake.accept_next_thread(then="hang")
        first.stop_timeout = 0.5
        assert await first.send_now(sub, wait=0.5) == "queued"
        await wait_until(lambda: len(fake.threads) == 1)
        await first.stop()
        second = await bot.start_digests()
        await wait_until(
            lambda: len(fake.channel_messages.get(next(iter(fake.threads)), [])) >= replies
        )
        await second.settled()
        await asyncio.sleep(0.5)
        [digest] = fake.channel_messages[CHANNEL_ID]
        assert list(fake.threads) == [digest.id]
        inside = fake.channel_messages[digest.id]
        assert len(inside) == replies and len({m.text for m in inside}) == replies
        assert fake.nonce_hits >= 1  # the digest's message was recognised by its nonce
        [row] = await second.store.ledger.deliveries_of(sub.id)
        assert row.status == SENT


async def test_a_forum_channel_gets_one_post_per_digest_even_when_the_answer_is_lost(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        sub = await subscribe(digests, "discord", FORUM_ID)
        replies = await thread_plan_size(digests, sub)
        fake.accept_next_thread(then="drop")  # the post is made; its answer is lost
        assert await digests.send_now(sub, wait=20) == "sent"
        [post] = fake.threads.values()
        assert post["parent_id"] == FORUM_ID and post["name"].startswith("Digest: ")
        [starter, *inside] = fake.channel_messages[post["id"]]
        assert starter.id == post["id"] and "Digest:" in starter.text
        assert len(inside) == replies and len({m.text for m in inside}) == replies
        assert len(fake.requests_to("POST", rf"/channels/{FORUM_ID}/threads")) == 1
        assert fake.requests_to("GET", rf"/guilds/{GUILD_ID}/threads/active")
        assert FORUM_ID not in fake.channel_messages  # nothing posted to the forum itself

        await asyncio.sleep(0.01)
        assert await digests.send_now(sub, wait=20) == "sent"
        assert len(fake.threads) == 2  # the next digest is a post of its own
        rows = await digests.store.ledger.deliveries_of(sub.id)
        assert sorted(r.message_id or "" for r in rows) == sorted(fake.threads)


async def test_subscribing_a_forum_makes_each_digest_a_post_even_without_thread(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        confirmed = await discord_says(
            fake,
            "digest subscribe",
            {"schedule": "daily 07:00", "channel": FORUM_ID},
            MANAGER_PERMS,
        )
        assert "#digests" in confirmed and "post of its own in the forum" in confirmed, confirmed
        [sub] = await digests.store.subscriptions.find()
        assert sub.thread and sub.channel_id == FORUM_ID
        iid = await fake.invoke_command(  # from a post of the forum, whose channel it is
            "digest thread", {"setting": "off"}, user_perms=MANAGER_PERMS, channel_id=FORUM_ID
        )
        [refused] = await fake.wait_for_messages(iid)
        assert "is a forum" in refused.text, refused.text
        assert await digests.send_now(sub, wait=20) == "sent"
        [post] = fake.threads.values()
        assert post["parent_id"] == FORUM_ID and FORUM_ID not in fake.channel_messages


async def test_without_create_public_threads_subscribe_says_so_in_plain_words(
    tmp_path: Path, engine: Engine
) -> None:
    def no_threads(fake: FakeDiscord) -> None:
        fake.bot_permissions = MEMBER_PERMS

    async with running(tmp_path, engine, before=no_threads) as bot:
        fake, digests = bot.discord_fake, bot.services[0]
        refused = await discord_says(
            fake, "digest subscribe", {"schedule": "daily 07:00", "thread": True}, MANAGER_PERMS
        )
        assert "Create Public Threads" in refused and "#general" in refused, refused
        assert await digests.store.subscriptions.find() == []
        plain = await discord_says(
            fake, "digest subscribe", {"schedule": "daily 07:00"}, MANAGER_PERMS
        )
        assert "Digest subscribed" in plain  # without thread nothing is needed beyond today's
        refused = await discord_says(fake, "digest thread", {"setting": "on"}, MANAGER_PERMS)
        assert "Create Public Threads" in refused, refused


# -- Slack ---------------------------------------------------------------------------------------


async def test_a_slack_digest_with_thread_is_one_message_with_its_details_as_replies(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        slack_fake, digests = bot.slack_fake, bot.services[0]
        admin = SlackUser(slack_fake, user_id="UADMIN", user_name="boss", channel_id="C100")
        reply = visible_text(await admin.answer("digest subscribe daily 07:00 thread"))
        assert "Digest subscribed" in reply and "opens a thread" in reply, reply
        listed = visible_text(await admin.answer("digest list"))
        assert "Thread: each digest opens one" in listed
        [sub] = await digests.store.subscriptions.find()
        replies = await thread_plan_size(digests, sub)

        assert await digests.send_now(sub, wait=20) == "sent"
        [digest] = slack_fake.posted("C100")
        assert "Digest:" in visible_text(digest)
        inside = slack_fake.replies("C100", digest["ts"])
        assert len(inside) == replies and len({visible_text(m) for m in inside}) == replies
        assert all(m["metadata"]["event_type"] == "briefbot_digest" for m in inside)


async def test_a_slack_reply_whose_answer_was_lost_is_not_posted_twice(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        slack_fake, digests = bot.slack_fake, bot.services[0]
        sub = await subscribe(digests, "slack", "C100")
        replies = await thread_plan_size(digests, sub)
        # The digest goes in; Slack takes the first reply, and the answer is lost.
        slack_fake.accept_next("chat.postMessage", then="drop", after=1)
        assert await digests.send_now(sub, wait=20) == "sent"
        [digest] = slack_fake.posted("C100")
        inside = slack_fake.replies("C100", digest["ts"])
        assert len(inside) == replies and len({visible_text(m) for m in inside}) == replies
        lookups = slack_fake.calls_to("conversations.replies")
        assert lookups and lookups[0].args["ts"] == digest["ts"]
        assert len(slack_fake.calls_to("chat.postMessage")) == 1 + replies  # none twice


async def test_a_slack_reply_refused_with_5xx_is_retried_and_the_thread_read_first(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        slack_fake, digests = bot.slack_fake, bot.services[0]
        sub = await subscribe(digests, "slack", "C100")
        replies = await thread_plan_size(digests, sub)
        # The second reply gets 500s that outlast the client's own retries.
        slack_fake.fail_next("chat.postMessage", status=500, after=2)
        for _ in range(MAX_RETRIES):
            slack_fake.fail_next("chat.postMessage", status=500)
        assert await digests.send_now(sub, wait=20) == "sent"
        [digest] = slack_fake.posted("C100")
        inside = slack_fake.replies("C100", digest["ts"])
        assert len(inside) == replies and len({visible_text(m) for m in inside}) == replies
        pages = [m["metadata"]["event_payload"]["page"] for m in inside]
        assert pages == sorted(set(pages))  # in order, none twice
        [lookup] = slack_fake.calls_to("conversations.replies")
        assert lookup.args["ts"] == digest["ts"]
        assert lookup.args["include_all_metadata"] in (True, "1", "true")
        [row] = await digests.store.ledger.deliveries_of(sub.id)
        assert row.status == SENT and row.message_id == digest["ts"]


async def test_without_thread_a_digest_is_posted_as_before_on_both_platforms(
    tmp_path: Path, engine: Engine
) -> None:
    async with running(tmp_path, engine) as bot:
        discord_fake, slack_fake, digests = bot.discord_fake, bot.slack_fake, bot.services[0]
        subs = [
            await subscribe(digests, "discord", CHANNEL_ID, thread=False),
            await subscribe(digests, "slack", "C100", thread=False),
        ]
        assert await asyncio.gather(*(digests.send_now(s, wait=20) for s in subs)) == [
            "sent",
            "sent",
        ]
        assert len(discord_fake.channel_messages[CHANNEL_ID]) == 1 and discord_fake.threads == {}
        assert not discord_fake.requests_to("POST", r"/channels/\d+/messages/\d+/threads")
        assert len(slack_fake.posted("C100")) == 1 and slack_fake.thread_replies == {}
        assert all("thread_ts" not in c.args for c in slack_fake.calls_to("chat.postMessage"))
