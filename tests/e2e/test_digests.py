"""Digests end to end on Discord and Slack at once, through the local stand-ins.

The real discord.py client and the real bolt app (Socket Mode) run against ``FakeDiscord`` and
``SlackFake``; one ``DigestService`` posts through both adapters. A manager subscribes each
channel with the slash command for a time a few seconds ahead, the digest arrives in that
second, and ``digest list`` then shows it delivered. Both platforms share one wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.app.settings import DigestSettings, DiscordSettings, OpsSettings, Settings, SlackSettings
from bot.commands.calls import META_STORE
from bot.commands.engine import Engine
from bot.core.answers import Answer, Item, Section
from bot.core.library import Library
from bot.digests.delivery import Backoff
from bot.digests.handlers import DIGESTS
from bot.digests.schedule import parse_schedule
from bot.digests.service import DigestService
from bot.digests.storage import SENT, Store
from bot.platforms.discord.service import DiscordService
from bot.platforms.slack.client import MAX_RETRIES
from bot.platforms.slack.service import SlackService
from bot.render.discord import to_discord
from bot.render.slack import to_slack
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMS,
    MEMBER_PERMS,
    OTHER_CHANNEL_ID,
    TOKEN,
    FakeDiscord,
)
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    DEFAULT_SCOPES,
    TEAM_ID,
    SlackFake,
    SlackUser,
    visible_text,
)

pytestmark = pytest.mark.e2e


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, engine: Engine, *, slack_scopes: Iterable[str] = DEFAULT_SCOPES
) -> AsyncIterator[tuple[FakeDiscord, SlackFake, DigestService]]:
    """Both stand-ins, both adapters and one digest service over a SQLite file."""
    async with (
        FakeDiscord() as discord_fake,
        SlackFake(admin_users={"UADMIN"}, scopes=slack_scopes) as slack_fake,
    ):
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
        engine.services.provide(META_STORE, store.meta)
        discord = DiscordService(settings, engine)
        slack = SlackService(settings, engine)
        digests = DigestService(
            settings,
            engine.library,
            store,
            [discord, slack],
            backoff=Backoff(base=0.2, cap=0.4, rng=random.Random(0)),
        )
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


@pytest.fixture
async def platforms(
    tmp_path: Path, engine: Engine
) -> AsyncIterator[tuple[FakeDiscord, SlackFake, DigestService]]:
    async with running(tmp_path, engine) as started:
        yield started


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

    subs = await digests.store.subscriptions.find()
    assert {(s.platform, s.workspace_id, s.channel_id) for s in subs} == {
        ("discord", GUILD_ID, CHANNEL_ID),
        ("slack", TEAM_ID, "C100"),
    }
    for sub in subs:
        assert [d.status for d in await digests.store.ledger.deliveries_of(sub.id)] == [SENT]


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
    compose = digests.composer.compose

    async def long_digest(sub, loaded, **kw):  # type: ignore[no-untyped-def]
        answer, state = await compose(sub, loaded, **kw)
        answer = replace(answer, sections=(*answer.sections, Section("What changed", changes)))
        composed.append(answer)
        return answer, state

    monkeypatch.setattr(digests.composer, "compose", long_digest)
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
        [row] = await digests.store.ledger.deliveries_of(sub.id)
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
    [sub] = await digests.store.subscriptions.find(platform="discord")
    assert sub.channel_id == OTHER_CHANNEL_ID
    # Manage Channels here (not server-wide): that channel's subscription is out of reach.
    refused = await discord_says(discord_fake, "digest unsubscribe", {"id": sub.id}, MANAGER_PERMS)
    assert "change it from there" in refused, refused
    assert [s.id for s in await digests.store.subscriptions.find(platform="discord")] == [sub.id]


def long_digests(digests: DigestService, monkeypatch: pytest.MonkeyPatch) -> list[Answer]:
    """Make every digest long (a big "What changed": several messages on either platform);
    returns the list the composed answers go into."""
    changes = tuple(
        Item(f"Change {i}: " + "the treaty's terms moved in a way readers should know. " * 8)
        for i in range(40)
    )
    composed: list[Answer] = []
    compose = digests.composer.compose

    async def long_digest(sub, loaded, **kw):  # type: ignore[no-untyped-def]
        answer, state = await compose(sub, loaded, **kw)
        answer = replace(answer, sections=(*answer.sections, Section("What changed", changes)))
        composed.append(answer)
        return answer, state

    monkeypatch.setattr(digests.composer, "compose", long_digest)
    return composed


async def subscribe_both(digests: DigestService) -> list[Any]:
    later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    return [
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


async def test_an_answer_lost_after_the_platform_took_the_post_costs_no_duplicate(
    platforms: tuple[FakeDiscord, SlackFake, DigestService], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each platform takes the first page of a long digest, then the connection drops before
    # its answer arrives. The retry must not post that page again: Discord recognises the
    # page's nonce, and Slack's channel history has the page's metadata.
    discord_fake, slack_fake, digests = platforms
    composed = long_digests(digests, monkeypatch)
    subs = await subscribe_both(digests)
    discord_fake.accept_next_post(CHANNEL_ID, then="drop")
    slack_fake.accept_next("chat.postMessage", then="drop")

    results = await asyncio.gather(*(digests.send_now(sub, wait=20) for sub in subs))
    assert results == ["sent", "sent"]

    discord_pages, slack_pages = len(to_discord(composed[0])), len(to_slack(composed[1]))
    assert discord_pages >= 2 and slack_pages >= 2
    in_discord = discord_fake.channel_messages[CHANNEL_ID]
    assert len(in_discord) == discord_pages and len({m.text for m in in_discord}) == discord_pages
    assert discord_fake.nonce_hits == 1  # the repeated first page got the first message back
    creates = discord_fake.requests_to("POST", rf"/channels/{CHANNEL_ID}/messages")
    assert len(creates) == discord_pages + 1
    assert all(r.body["enforce_nonce"] is True and len(r.body["nonce"]) <= 25 for r in creates)
    assert creates[0].body["nonce"] == creates[1].body["nonce"]  # the same page, the same nonce

    in_slack = slack_fake.posted("C100")
    assert len(in_slack) == slack_pages and len({m["text"] for m in in_slack}) == slack_pages
    assert len(slack_fake.calls_to("chat.postMessage")) == slack_pages  # page 1 not re-posted
    [lookup] = slack_fake.calls_to("conversations.history")
    assert lookup.args["channel"] == "C100" and lookup.args["include_all_metadata"] in (True, "1")
    assert [m["metadata"]["event_payload"]["page"] for m in in_slack] == list(range(slack_pages))
    assert {m["metadata"]["event_type"] for m in in_slack} == {"briefbot_digest"}

    for sub, first in zip(subs, (in_discord[0].id, in_slack[0]["ts"]), strict=True):
        [row] = await digests.store.ledger.deliveries_of(sub.id)
        assert (row.status, row.message_id) == (SENT, first)


async def test_without_the_history_scope_a_lost_answer_is_posted_again_and_said_once(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # Today's behaviour, kept when the app was installed without channels:history: the page
    # whose answer was lost is posted again. The log says so once, and /readyz says so.
    old_scopes = {"commands", "chat:write", "users:read"}
    async with running(tmp_path, engine, slack_scopes=old_scopes) as (_, slack_fake, digests):
        slack = digests.posters["slack"]
        note = slack.readiness_note()  # type: ignore[attr-defined]
        assert note and "channels:history" in note and "posted twice" in note
        [_, sub] = await subscribe_both(digests)
        for _ in range(2):
            slack_fake.accept_next("chat.postMessage", then="drop")
            assert await digests.send_now(sub, wait=20) == "sent"
        assert len(slack_fake.posted("C100")) == 4  # each digest twice: no way to tell
        assert slack_fake.calls_to("conversations.history") == []
    warnings = [r for r in caplog.records if "may arrive twice" in r.getMessage()]
    assert len(warnings) == 1


async def test_slack_finds_every_page_an_earlier_attempt_posted_and_posts_only_the_rest() -> None:
    # Pages of one digest (three, whatever the renderer makes today): the answer to page 2 is
    # lost; the retry, uncertain, finds pages 1 and 2 in the channel and posts page 3 only.
    from bot.digests.ports import OutcomeUnknown, PostKey
    from bot.platforms.slack.client import build_client
    from bot.platforms.slack.digests import SlackPoster

    def pages(answer: Answer) -> list[dict[str, Any]]:
        return [{"text": f"{answer.title}, page {n}", "blocks": []} for n in (1, 2, 3)]

    async with SlackFake() as slack_fake:
        settings = SlackSettings(bot_token=SecretStr(BOT_TOKEN), api_url=slack_fake.api_url)
        poster = SlackPoster(build_client(settings, connection_retries=False), render=pages)
        now = datetime.now(UTC)
        key = PostKey("s1", now.replace(microsecond=0), since=now - timedelta(minutes=1))
        other = PostKey("s2", key.occurrence, since=key.since)  # another digest: not ours
        await poster.post("C100", Answer(title="Other"), skip_pages=2, key=other)
        slack_fake.accept_next("chat.postMessage", then="drop", after=1)
        with pytest.raises(OutcomeUnknown) as lost:
            await poster.post("C100", Answer(title="Digest"), key=key)
        assert lost.value.pages_sent == 1  # page 1 is known to be in; page 2's fate is not

        result = await poster.post(
            "C100", Answer(title="Digest"), skip_pages=1, key=key, uncertain=True
        )
        texts = [m["text"] for m in slack_fake.posted("C100")]
        assert texts == ["Other, page 3", "Digest, page 1", "Digest, page 2", "Digest, page 3"]
        assert result.found == 1  # page 2, found by its metadata
        slack_fake.assert_clean()


# -- the stance map in digests ---------------------------------------------------------------------


def _with_stance(engine: Engine, explanation: str) -> None:
    """Swap in the shipped briefing with its first actor's stance explained anew (as an edit of
    the content would), under a new content version."""
    library = engine.library.current
    loaded = library.get(None)
    first, *rest = loaded.briefing.actors
    stance = first.stance.model_copy(update={"explanation": explanation})
    actors = [first.model_copy(update={"stance": stance}), *rest]
    briefing = loaded.briefing.model_copy(update={"actors": type(loaded.briefing.actors)(actors)})
    edited = replace(loaded, briefing=briefing, fingerprint=f"edited-{len(explanation):04d}")
    engine.library.swap(Library.from_loaded([edited]))


async def test_a_digest_after_a_stance_change_carries_the_map_on_both_platforms(
    platforms: tuple[FakeDiscord, SlackFake, DigestService], engine: Engine
) -> None:
    discord_fake, slack_fake, digests = platforms
    subs = await subscribe_both(digests)
    assert await asyncio.gather(*(digests.send_now(s, wait=20) for s in subs)) == ["sent"] * 2
    [plain] = discord_fake.channel_messages[CHANNEL_ID]
    assert plain.attachments == [] and slack_fake.uploads == []  # the first digest: no map

    _with_stance(engine, "Ankara now says it will wait for Damascus to move first.")
    assert await asyncio.gather(*(digests.send_now(s, wait=20) for s in subs)) == ["sent"] * 2

    # Discord: the map is a file of the digest's first message, in the same create call.
    _, with_map = discord_fake.channel_messages[CHANNEL_ID]
    [attachment] = with_map.attachments
    assert attachment.data.startswith(b"\x89PNG\r\n\x1a\n") and attachment.description
    assert with_map.embeds[0]["image"]["url"] == f"attachment://{attachment.filename}"
    [create] = [
        r for r in discord_fake.requests_to("POST", rf"/channels/{CHANNEL_ID}/messages") if r.files
    ]
    assert create.body["enforce_nonce"] is True and create.body["nonce"]
    # Slack: the digest, then its map shared into the channel.
    [upload] = slack_fake.uploaded("C100")
    assert upload.data is not None and upload.data.startswith(b"\x89PNG")
    methods = [c.method for c in slack_fake.calls if c.method != "conversations.history"]
    assert methods.index("files.completeUploadExternal") > max(
        i for i, m in enumerate(methods) if m == "chat.postMessage"
    )

    # No change since: the next digests carry no map.
    assert await asyncio.gather(*(digests.send_now(s, wait=20) for s in subs)) == ["sent"] * 2
    assert discord_fake.channel_messages[CHANNEL_ID][-1].attachments == []
    assert len(slack_fake.uploads) == 1


async def test_slack_shares_a_digests_map_once_across_uncertain_retries(engine: Engine) -> None:
    # An instance posted the digest and died before sharing its map; the retry, uncertain,
    # finds the pages and shares the map; a further uncertain retry finds both and adds nothing.
    from bot.commands.calls import Context, Invocation
    from bot.digests.ports import PostKey
    from bot.platforms.slack.client import build_client
    from bot.platforms.slack.digests import SlackPoster

    mapped = await engine.execute(Invocation("map", {}, Context(platform="slack")))
    assert mapped.image is not None
    digest = Answer(title="Digest", summary="Who stands where changed.", image=mapped.image)
    async with SlackFake() as slack_fake:
        settings = SlackSettings(bot_token=SecretStr(BOT_TOKEN), api_url=slack_fake.api_url)
        client = build_client(settings, connection_retries=False)
        died = SlackPoster(client, render=to_slack)  # (shares no image: "died" first)
        poster = SlackPoster(client, render=to_slack, library=engine.library)
        now = datetime.now(UTC)
        key = PostKey("s1", now.replace(microsecond=0), since=now - timedelta(minutes=1))
        await died.post("C100", digest, key=key)
        assert slack_fake.uploads == []

        result = await poster.post("C100", digest, key=key, uncertain=True)
        assert result.found == 1 and len(slack_fake.posted("C100")) == 1
        [upload] = slack_fake.uploaded("C100")
        again = await poster.post("C100", digest, key=key, uncertain=True)
        assert again.found == 1 and len(slack_fake.posted("C100")) == 1
        assert slack_fake.uploaded("C100") == [upload]  # shared once
        slack_fake.assert_clean()
