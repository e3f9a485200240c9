"""Digests end to end on Discord and Slack at once, through the local stand-ins.

The real discord.py client and the real bolt app (Socket Mode) run against ``FakeDiscord`` and
``SlackFake``; one ``DigestService`` posts through both adapters. A manager subscribes each
channel with the slash command for a time a few seconds ahead, the digest arrives in that
second, and ``digest list`` then shows it delivered. Both platforms share one wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.app.settings import DigestSettings, DiscordSettings, OpsSettings, Settings, SlackSettings
from bot.commands.calls import META_STORE
from bot.commands.engine import Engine
from bot.core.answers import Answer, Item, Section
from bot.digests.handlers import DIGESTS
from bot.digests.schedule import parse_schedule
from bot.digests.service import DigestService
from bot.digests.store import SENT, Store
from bot.platforms.discord.service import DiscordService
from bot.platforms.slack.client import MAX_RETRIES
from bot.platforms.slack.service import SlackService
from bot.render.discord import to_discord
from bot.render.slack import to_slack
from tests.fakes.discord_server import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMS,
    MEMBER_PERMS,
    OTHER_CHANNEL_ID,
    TOKEN,
    FakeDiscord,
)
from tests.fakes.slack_server import (
    APP_TOKEN,
    BOT_TOKEN,
    TEAM_ID,
    SlackFake,
    SlackUser,
    visible_text,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def platforms(
    tmp_path: Path, engine: Engine
) -> AsyncIterator[tuple[FakeDiscord, SlackFake, DigestService]]:
    async with FakeDiscord() as discord_fake, SlackFake(admin_users={"UADMIN"}) as slack_fake:
        db = f"sqlite:///{tmp_path / 'bot.db'}"
        settings = Settings(
            discord=DiscordSettings(
                token=TOKEN, api_base=discord_fake.api_base, gateway_url=discord_fake.gateway_url
            ),
            slack=SlackSettings(
                bot_token=SecretStr(BOT_TOKEN),
                app_token=SecretStr(APP_TOKEN),
                api_url=slack_fake.api_url,
            ),
            digest=DigestSettings(default_timezone="UTC"),
            ops=OpsSettings(database_url=db),
        )
        store = await Store.open(db)
        engine.services.provide(META_STORE, store)
        discord = DiscordService(settings, engine)
        slack = SlackService(settings, engine)
        digests = DigestService(settings, engine, store, [discord, slack])
        engine.services.provide(DIGESTS, digests)
        try:
            await discord.start()
            await slack.start()
            await slack_fake.wait_socket_connected()
            await discord_fake.wait_for_identify()
            await digests.start()
            yield discord_fake, slack_fake, digests
            discord_fake.assert_clean()
            slack_fake.assert_clean()
        finally:
            await digests.stop()
            await slack.stop()
            await discord.stop()
            await store.close()


async def discord_says(fake: FakeDiscord, command: str, options: dict[str, str], perms: int) -> str:
    iid = await fake.invoke_command(command, options, user_perms=perms)
    [message] = await fake.wait_for_messages(iid)
    return message.text


async def test_subscribe_on_both_platforms_digest_arrives_on_time_and_list_shows_it(
    platforms: tuple[FakeDiscord, SlackFake, DigestService],
) -> None:
    discord_fake, slack_fake, digests = platforms
    admin = SlackUser(slack_fake, user_id="UADMIN", user_name="boss", channel_id="C100")
    guest = SlackUser(slack_fake, user_id="UGUEST", user_name="guest", channel_id="C100")

    # Neither an ordinary Discord member nor a Slack non-admin may subscribe.
    refused = await discord_says(
        discord_fake, "digest subscribe", {"schedule": "daily 09:00"}, MEMBER_PERMS
    )
    assert "manage" in refused.lower()
    assert "manage" in visible_text(await guest.answer("digest subscribe daily 09:00")).lower()

    # Due a few whole seconds ahead: time for both subscribe round trips first, even when slow.
    due = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    istanbul = due.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%H:%M:%S")
    confirmed = await discord_says(
        discord_fake,
        "digest subscribe",
        {"schedule": f"daily {istanbul}", "timezone": "Europe/Istanbul"},
        MANAGER_PERMS,
    )
    assert "Digest subscribed" in confirmed and "Europe/Istanbul" in confirmed
    tokyo = due.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M:%S")
    reply = visible_text(await admin.answer(f"digest subscribe daily {tokyo} Asia/Tokyo"))
    assert "Digest subscribed" in reply and "Asia/Tokyo" in reply

    [posted] = await discord_fake.wait_for_channel_messages(CHANNEL_ID, timeout=10)
    post = await slack_fake.wait_call("chat.postMessage", timeout=10)
    for arrived in (posted.received_at, post.received_at):
        assert due.timestamp() <= arrived < due.timestamp() + 3, "posted in the scheduled second"
    assert "Digest:" in posted.text
    assert post.args["channel"] == "C100" and "Digest:" in visible_text(post.args)

    await asyncio.sleep(0.3)
    assert len(discord_fake.channel_messages[CHANNEL_ID]) == 1
    assert len(slack_fake.calls_to("chat.postMessage")) == 1

    discord_list = await discord_says(discord_fake, "digest list", {}, MEMBER_PERMS)
    assert "Last delivery: delivered" in discord_list and "Europe/Istanbul" in discord_list
    slack_list = visible_text(await guest.answer("digest list"))
    assert "Last delivery: delivered" in slack_list and "Asia/Tokyo" in slack_list

    subs = await digests.store.list_subscriptions()
    assert {(s.platform, s.workspace_id, s.channel_id) for s in subs} == {
        ("discord", GUILD_ID, CHANNEL_ID),
        ("slack", TEAM_ID, "C100"),
    }
    for sub in subs:
        assert [d.status for d in await digests.store.deliveries_of(sub.id)] == [SENT]


async def test_a_long_digest_whose_second_page_fails_once_arrives_with_each_page_once(
    platforms: tuple[FakeDiscord, SlackFake, DigestService], monkeypatch: pytest.MonkeyPatch
) -> None:
    discord_fake, slack_fake, digests = platforms
    # A big "What changed": more than one message on either platform.
    changes = tuple(
        Item(f"Change {i}: " + "the treaty's terms moved in a way readers should know. " * 8)
        for i in range(40)
    )
    composed: list[Answer] = []
    compose = digests._compose

    async def long_digest(sub, loaded):  # type: ignore[no-untyped-def]
        answer, state = await compose(sub, loaded)
        answer = replace(answer, sections=(*answer.sections, Section("What changed", changes)))
        composed.append(answer)
        return answer, state

    monkeypatch.setattr(digests, "_compose", long_digest)
    later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    subs = [
        (
            await digests.subscribe(
                platform=platform,
                workspace_id=workspace,
                channel_id=channel,
                channel_name="general",
                schedule=parse_schedule(f"daily {later}"),
                timezone="UTC",
                briefing_id=None,
                created_by="U1",
            )
        )[0]
        for platform, workspace, channel in (
            ("discord", GUILD_ID, CHANNEL_ID),
            ("slack", TEAM_ID, "C100"),
        )
    ]
    # Page 2 fails once on each platform: a 503 on Discord; on Slack 429s that outlast the
    # client's own retries.
    discord_fake.fail_next_post(CHANNEL_ID, 503, after=1)
    slack_fake.fail_next("chat.postMessage", status=429, retry_after=1, after=1)
    for _ in range(MAX_RETRIES):
        slack_fake.fail_next("chat.postMessage", status=429, retry_after=1)

    results = await asyncio.gather(*(digests.send_now(sub, wait=20) for sub in subs))
    assert results == ["sent", "sent"]

    assert len(composed) == 2  # composed once per platform: retries post the same answer
    discord_pages = len(to_discord(composed[0]))
    slack_pages = len(to_slack(composed[1]))
    assert discord_pages >= 2 and slack_pages >= 2
    posted = [m.text for m in discord_fake.channel_messages[CHANNEL_ID]]
    assert len(posted) == discord_pages and len(set(posted)) == discord_pages
    arrived = [
        visible_text(c.args) for c in slack_fake.calls_to("chat.postMessage") if not c.failed
    ]
    assert len(arrived) == slack_pages and len(set(arrived)) == slack_pages
    assert "Digest:" in posted[0] and "Digest:" in arrived[0]
    for sub in subs:
        [row] = await digests.store.deliveries_of(sub.id)
        assert row.status == SENT and row.pages_sent == 1


async def test_discord_digest_for_another_channel_names_it_and_guards_it(
    platforms: tuple[FakeDiscord, SlackFake, DigestService],
) -> None:
    discord_fake, _slack_fake, digests = platforms
    confirmed = await discord_says(
        discord_fake,
        "digest subscribe",
        {"schedule": "daily 07:00", "channel": OTHER_CHANNEL_ID},
        MANAGER_PERMS,
    )
    assert "#briefings" in confirmed, confirmed  # its name, not its number
    [sub] = await digests.store.list_subscriptions(platform="discord")
    assert sub.channel_id == OTHER_CHANNEL_ID
    # Manage Channels here (not server-wide): that channel's subscription is out of reach.
    refused = await discord_says(discord_fake, "digest unsubscribe", {"id": sub.id}, MANAGER_PERMS)
    assert "change it from there" in refused, refused
    assert [s.id for s in await digests.store.list_subscriptions(platform="discord")] == [sub.id]
