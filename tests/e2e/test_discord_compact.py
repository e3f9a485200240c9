"""Compact answers on Discord (issue #16), end to end through the real discord.py client
against the stand-in: every answer is ONE message, its view controls open each view in place
for the user who asked and privately for anyone else, and together the views hold everything
the full answer says.

Every test ends with ``fake.assert_clean()``: each callback (types 4, 5, 6, 7), follow-up and
edit passed Discord's OpenAPI schema and message rules.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.app.composition import build_engine, build_registry
from bot.app.settings import DiscordSettings, Settings
from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.commands.registry import CommandSpec
from bot.core.answers import Answer, Citation, Item, Section
from bot.core.library import LibraryHolder
from bot.platforms import views
from bot.platforms.discord import handlers
from bot.platforms.discord.service import DiscordService
from bot.render.view_fit import PIECE
from tests.fakes.discord import (
    OTHER_CHANNEL_ID,
    TOKEN,
    USER_ID,
    FakeDiscord,
    SentMessage,
)
from tests.fakes.discord.models import DEFERRED_UPDATE, UPDATE_MESSAGE
from tests.fakes.discord.rules import embed_chars
from tests.fakes.discord.views import VIEW_PREFIX, view_ids, walk_views

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

OTHER_USER = "1100000000000000311"
LIMIT = 2500  # visible characters of one view (bot.render.view_fit.VISIBLE_CHARS)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as discord_fake:
        yield discord_fake
        discord_fake.assert_clean()


@pytest.fixture
async def start_bot(fake: FakeDiscord) -> AsyncIterator[Callable[..., Any]]:
    started: list[DiscordService] = []

    async def start(engine: Engine) -> DiscordService:
        settings = Settings(
            discord=DiscordSettings(
                token=TOKEN, api_base=fake.api_base, gateway_url=fake.gateway_url
            )
        )
        service = DiscordService(settings, engine)
        started.append(service)
        await service.start()
        return service

    yield start
    for service in reversed(started):
        await service.stop()


@pytest.fixture
async def bot(start_bot: Callable[..., Any], engine: Engine) -> DiscordService:
    service: DiscordService = await start_bot(engine)
    return service


def plain(text: str) -> str:
    """Text as read: Markdown escapes dropped, whitespace collapsed."""
    return " ".join(re.sub(r"\\([^\w\s])", r"\1", text).split())


async def one_message(fake: FakeDiscord, iid: str) -> SentMessage:
    [message] = await fake.wait_for_messages(iid)
    assert len(fake.interactions[iid].messages) == 1, "an answer must be one message"
    return message


def assert_compact(message: SentMessage) -> None:
    [embed] = message.embeds
    assert embed_chars(embed) + len(message.body.get("content") or "") <= LIMIT


async def full_answer(engine: Engine, command: str, args: dict[str, str]) -> Answer:
    return await engine.execute(Invocation(command, args, Context(platform="discord")))


def assert_holds_everything(answer: Answer, seen: str) -> None:
    """Every claim (its opening) and every quote of ``answer`` is in the text ``seen``."""
    text = plain(seen)
    items = [i for s in answer.sections for i in s.items]
    assert items
    missing = [i.text[:40] for i in items if plain(i.text[:40]) not in text]
    assert not missing, missing
    quotes = {c.quote for i in items for c in i.citations}
    assert quotes
    missing = [q[:40] for q in quotes if plain(q if len(q) <= PIECE else q[:40]) not in text]
    assert not missing, missing


# -- one message, every view in place ------------------------------------------------------------


async def test_actor_is_one_compact_message_whose_views_open_in_place_and_hold_everything(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey"})
    message = await one_message(fake, iid)
    assert fake.interactions[iid].callback["type"] == 4 and not message.ephemeral
    assert_compact(message)
    assert view_ids(message.body), "the first view offers its parts"
    assert message.interaction_metadata is not None  # Discord: who asked

    walk = await walk_views(fake, message)
    assert len(walk.latencies) >= 6  # Quotes and every part of the card, pages and back
    assert max(walk.latencies.values()) < 3.0, walk.latencies
    for body in walk.bodies:
        assert_compact(SentMessage(id="", channel_id="", body=body))
    for custom_id in walk.latencies:
        record = next(
            r for r in fake.interactions.values() if r.payload["data"].get("custom_id") == custom_id
        )
        assert record.callback is not None and record.callback["type"] == UPDATE_MESSAGE
    assert len(message.edited_by) == len(walk.latencies)  # each press edited this message
    assert len(fake.interactions[iid].messages) == 1  # and nothing else was ever sent

    assert_holds_everything(await full_answer(engine, "actor", {"name": "turkey"}), walk.text)


async def test_the_brief_and_a_timeline_reach_every_claim_and_quote(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    for command, args in (("brief", {}), ("timeline", {"actor": "russia"})):
        iid = await fake.invoke_command(command, args)
        message = await one_message(fake, iid)
        assert_compact(message)
        walk = await walk_views(fake, message)
        assert_holds_everything(await full_answer(engine, command, args), walk.text)
        assert len(fake.interactions[iid].messages) == 1


async def test_another_user_gets_the_view_privately_and_the_message_stays(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey"})
    message = await one_message(fake, iid)
    before = dict(message.body)
    interests = next(c for c in message.components if c.get("label", "").startswith("Interests"))

    click = await fake.click(interests["custom_id"], message.id, user_id=OTHER_USER)
    view = await one_message(fake, click)
    assert view.ephemeral and "Interests" in view.text
    assert_compact(view)
    assert fake.interactions[click].updated is None
    assert message.body == before and not message.edited_by

    # Their private view is theirs: pressing its controls edits it in place.
    walk = await walk_views(fake, view, user_id=OTHER_USER)
    assert len(walk.latencies) >= 1 and message.body == before


async def test_a_private_answer_opens_its_views_in_place(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey", "private": True})
    message = await one_message(fake, iid)
    assert message.ephemeral
    walk = await walk_views(fake, message)
    assert len(walk.latencies) >= 6 and message.ephemeral


async def test_a_view_control_on_a_channel_post_answers_privately(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    invocation = Invocation("actor", {"name": "turkey"}, Context(platform="discord"))
    compact = views.first(await engine.execute(invocation), invocation)
    await bot.post(OTHER_CHANNEL_ID, compact)  # as a digest would be: no interaction metadata
    [posted] = fake.channel_messages[OTHER_CHANNEL_ID]
    assert posted.interaction_metadata is None
    before = dict(posted.body)
    quotes = next(c for c in view_ids(posted.body) if "|qf" in c)

    click = await fake.click(quotes, posted.id)
    view = await one_message(fake, click)
    assert view.ephemeral and "“" in view.text
    assert posted.body == before


async def test_old_follow_up_buttons_still_answer_with_a_first_view(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey"})
    message = await one_message(fake, iid)
    before = dict(message.body)

    click = await fake.click("bb1|actor||russia", message.id)
    russia = await one_message(fake, click)
    assert "Russia" in russia.embeds[0]["title"] and not russia.ephemeral
    assert_compact(russia)
    assert any(c.startswith(VIEW_PREFIX) for c in russia.custom_ids)
    assert message.body == before

    # Its own views open in place for the one who clicked.
    walk = await walk_views(fake, russia)
    assert walk.latencies and message.body == before


def _parts(title: str) -> Answer:
    items = tuple(
        Item(f"Claim {i}. " + "A sentence that takes room. " * 8, (Citation(f"Q{i}.", i),))
        for i in range(12)
    )
    return Answer(title, sections=(Section("One", items), Section("Two", items[:3])))


async def test_a_private_command_opens_its_views_in_place(
    fake: FakeDiscord, start_bot: Callable[..., Any], library: Any
) -> None:
    registry = build_registry()
    registry.add(
        CommandSpec("mine", "Only for you", handler=lambda call: _parts("Mine"), private=True)
    )
    await start_bot(build_engine(LibraryHolder(library), registry=registry))
    iid = await fake.invoke_command("mine")
    message = await one_message(fake, iid)
    assert message.ephemeral
    walk = await walk_views(fake, message)  # fails if a press sent a new message instead
    assert len(walk.latencies) >= 2 and "Claim 11." in walk.text


async def test_a_slow_view_is_deferred_then_edited_in_place(
    fake: FakeDiscord,
    start_bot: Callable[..., Any],
    library: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def slow(call: Any) -> Answer:
        await asyncio.sleep(0.3)
        return _parts("Slow")

    registry = build_registry()
    registry.add(CommandSpec("slowparts", "Slow, in parts", handler=slow))
    monkeypatch.setattr(handlers, "DEFER_AFTER", 0.05)
    await start_bot(build_engine(LibraryHolder(library), registry=registry))

    iid = await fake.invoke_command("slowparts")
    message = await one_message(fake, iid)
    [custom_id, *_] = view_ids(message.body)
    click = await fake.click(custom_id, message.id)
    updated = await fake.wait_for_update(click)
    record = fake.interactions[click]
    assert record.callback is not None and record.callback["type"] == DEFERRED_UPDATE
    assert record.latency is not None and record.latency < 3.0
    assert updated is message and message.body != message.history[0]
    assert not record.messages and not message.loading


async def test_the_clicked_message_carries_who_asked(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey"})
    message = await one_message(fake, iid)
    [custom_id, *_] = view_ids(message.body)
    click = await fake.click(custom_id, message.id)
    sent = fake.interactions[click].payload["message"]
    assert sent["interaction_metadata"]["user"]["id"] == USER_ID
    assert sent["interaction_metadata"]["id"] == iid
    await fake.wait_for_update(click)


async def test_a_view_control_this_version_cannot_read_says_it_expired(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_command("actor", {"name": "turkey"})
    message = await one_message(fake, iid)
    before = dict(message.body)
    for custom_id in ("bb1|view||zz|actor|name=turkey", "bb1|view||s1p0"):
        click = await fake.click(custom_id, message.id)
        reply = await one_message(fake, click)
        assert reply.ephemeral and "expired" in reply.text
    # A part that is no longer there: the answer as it is now, in place.
    click = await fake.click("bb1|view||s99p0|actor|name=turkey", message.id)
    updated = await fake.wait_for_update(click)
    assert updated is message and message.body != before
    assert_compact(message)
