"""Briefbot where people already are on Discord: "Briefing context" on any message, DMs and
user installs — the real discord.py client, through ``DiscordService``, against the stand-in.

Every test ends with ``fake.assert_clean()``: the synced commands (with their
``integration_types`` and ``contexts`` and the message command) and every answer passed
Discord's OpenAPI schema and Discord's command and message rules.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app.settings import DiscordSettings, Settings
from bot.commands.engine import Engine
from bot.commands.registry import CommandSpec
from bot.core.answers import Answer
from bot.platforms.discord import reach
from bot.platforms.discord.context_menu import NAME
from bot.platforms.discord.service import DiscordService
from tests.fakes.discord import (
    MEMBER_PERMS,
    TOKEN,
    USER_ID,
    FakeDiscord,
    SentMessage,
)
from tests.fakes.discord.rules import command_problems, spec_validator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(30)]

READ_ONLY = {"brief", "actor", "actors", "compare", "timeline", "figures", "ask", "sources", "help"}
CITED = re.compile(r"¶\d+")
# ask's honest answer when the briefing has nothing on the message.
NOT_COVERED = re.compile(
    r"not in this briefing|doesn.t (?:mention|cover)|does not (?:mention|cover)|nothing in", re.I
)
HEADLINE = "Erdoğan says he'll meet Assad"
COMMANDS_ROUTE = "/applications/{application_id}/commands"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as discord_fake:
        yield discord_fake
        discord_fake.assert_clean()


@pytest.fixture
async def bot(fake: FakeDiscord, engine: Engine) -> AsyncIterator[DiscordService]:
    settings = Settings(
        discord=DiscordSettings(token=TOKEN, api_base=fake.api_base, gateway_url=fake.gateway_url)
    )
    service = DiscordService(settings, engine)
    await service.start()
    yield service
    await service.stop()


async def answer_to(fake: FakeDiscord, iid: str) -> SentMessage:
    """What the user sees, once it is there (and after checking it came within 3 s)."""
    [message] = await fake.wait_for_messages(iid)
    assert len(fake.interactions[iid].messages) == 1, "an answer must be one message"
    latency = fake.interactions[iid].latency
    assert latency is not None and latency < 3.0, latency
    return message


# -- the synced set -----------------------------------------------------------------------------


async def test_read_only_commands_install_for_users_and_work_in_dms(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    commands = {c["name"]: c for c in fake.commands["global"]}
    anywhere = {s.name for s in bot.engine.registry.top_level() if reach.usable_anywhere(s)}
    assert anywhere >= READ_ONLY  # driven by the declarations: briefings, map… join by themselves
    for name in anywhere | {NAME}:
        assert commands[name]["integration_types"] == [0, 1], name
        assert commands[name]["contexts"] == [0, 1, 2], name
    # Digests belong to a server channel: guild installs, in servers only.
    assert commands["digest"]["integration_types"] == [0]
    assert commands["digest"]["contexts"] == [0]
    assert commands["digest"]["dm_permission"] is False
    # "Briefing context" is a message command (Apps → Briefing context).
    assert commands[NAME]["type"] == 3
    assert not commands[NAME].get("description")
    assert not commands[NAME].get("options")
    # The body the bot sent passes Discord's OpenAPI schema and command rules as it is.
    [put] = fake.requests_to("PUT", r"/applications/\d+/commands")
    assert spec_validator().problems("PUT", COMMANDS_ROUTE, put.body) == []
    assert command_problems(put.body) == []


def test_the_spec_check_would_catch_wrong_contexts_and_context_menus() -> None:
    """The checks above can fail: an unknown context, an empty list, a described message command."""
    bad = [{"name": "brief", "description": "Overview", "contexts": [7], "integration_types": []}]
    problems = spec_validator().problems("PUT", COMMANDS_ROUTE, bad)
    assert any("contexts" in p for p in problems), problems
    assert any("integration_types" in p for p in problems), problems
    menu = [{"name": NAME, "type": 3, "description": "no", "options": [{"name": "x"}]}]
    assert len(command_problems(menu)) == 2
    assert command_problems([{"name": f"m{i}", "type": 3} for i in range(6)])


# -- Briefing context ---------------------------------------------------------------------------


async def test_briefing_context_answers_privately_with_cited_claims(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    posted = f"<@{USER_ID}> {HEADLINE} https://example.com/news/123 <:tr:42>"
    iid = await fake.invoke_message_command(NAME, posted)
    message = await answer_to(fake, iid)
    assert message.ephemeral
    assert HEADLINE in message.text  # the question, without the mention, link and emoji
    assert "https://example.com" not in message.text and "<@" not in message.text
    assert CITED.search(message.text), message.text
    assert "expressed his intention to meet" in message.text


async def test_briefing_context_on_an_irrelevant_message_says_it_is_not_covered(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_message_command(NAME, "lunch is at noon")
    message = await answer_to(fake, iid)
    assert message.ephemeral
    assert NOT_COVERED.search(message.text), message.text
    assert not CITED.search(message.text)


async def test_briefing_context_reads_an_unfurled_headline(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    embed = {"type": "link", "url": "https://example.com/a", "title": HEADLINE}
    iid = await fake.invoke_message_command(NAME, "https://example.com/a", embeds=[embed])
    message = await answer_to(fake, iid)
    assert message.ephemeral and CITED.search(message.text)


async def test_briefing_context_on_a_message_without_words_explains(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_message_command(NAME, "<@123> https://example.com ```x = 1```")
    message = await answer_to(fake, iid)
    assert message.ephemeral
    assert "no words to look up" in message.text


async def test_briefing_context_works_in_dms_and_through_a_user_install(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    for iid in (
        await fake.invoke_in_dm(NAME, message=HEADLINE),
        await fake.invoke_as_user_app(NAME, message=HEADLINE),
    ):
        message = await answer_to(fake, iid)
        assert message.ephemeral and CITED.search(message.text)


# -- DMs and user installs ---------------------------------------------------------------------


async def test_actor_in_a_dm_answers(fake: FakeDiscord, bot: DiscordService) -> None:
    iid = await fake.invoke_in_dm("actor", {"name": "erdogan"})
    message = await answer_to(fake, iid)
    assert "Turkey" in message.text and CITED.search(message.text)
    assert not message.ephemeral  # a DM with the bot: nobody else is there anyway
    # The same through the server's install, in the bot's DM.
    iid = await fake.invoke_in_dm("actors", user_installed=False)
    assert "Syria" in (await answer_to(fake, iid)).text


async def test_digest_subscribe_in_a_dm_explains_why_not(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    options = {"schedule": "daily 09:00"}
    with pytest.raises(AssertionError, match="would not offer"):  # contexts [0]: not in DMs
        await fake.invoke_in_dm("digest subscribe", options)
    iid = await fake.invoke_in_dm("digest subscribe", options, check_reach=False)
    message = await answer_to(fake, iid)
    assert message.ephemeral
    assert "Digests are set up in a server channel" in message.text
    assert "/digest subscribe" in message.text
    assert not fake.channel_messages  # nothing subscribed, nothing posted


async def test_digest_commands_in_a_server_without_briefbot_explain(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    iid = await fake.invoke_as_user_app("digest list", check_reach=False)
    message = await answer_to(fake, iid)
    assert message.ephemeral
    assert "Digests are set up in a server channel" in message.text
    assert "not added to this server" in message.text


async def test_a_user_install_answers_privately_where_discord_requires_it(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    # Without Use External Apps in that server Discord would turn the answer ephemeral itself.
    iid = await fake.invoke_as_user_app("actor", {"name": "russia"}, user_perms=MEMBER_PERMS)
    message = await answer_to(fake, iid)
    assert message.ephemeral and "Russia" in message.text
    # With it, the answer is public, as in a server that added Briefbot.
    iid = await fake.invoke_as_user_app("actor", {"name": "russia"})
    assert not (await answer_to(fake, iid)).ephemeral
    # Asked for privately, it stays private.
    iid = await fake.invoke_as_user_app("actor", {"name": "russia", "private": True})
    assert (await answer_to(fake, iid)).ephemeral


# -- the decisions, as pure functions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "guild_installed", "permissions", "private"),
    [
        (reach.GUILD, True, 0, False),  # a server that added Briefbot
        (reach.GUILD, False, reach.USE_EXTERNAL_APPS, False),  # user install, allowed public
        (reach.GUILD, False, int(MEMBER_PERMS), True),  # user install, no Use External Apps
        (reach.BOT_DM, False, 0, False),
        (reach.PRIVATE_CHANNEL, False, 0, False),
        (None, False, 0, False),  # an old payload without a context
    ],
)
def test_when_answers_are_private_by_default(
    context: int | None, guild_installed: bool, permissions: int, private: bool
) -> None:
    assert (
        reach.answers_privately(
            context=context, guild_installed=guild_installed, user_permissions=permissions
        )
        is private
    )


def test_what_is_usable_anywhere_follows_the_declarations() -> None:
    def spec(**kw: Any) -> CommandSpec:
        return CommandSpec("x", "x", handler=lambda call: Answer("x"), **kw)

    assert reach.usable_anywhere(spec())
    assert reach.usable_anywhere(spec(slow=True))  # slow is about time, not place
    assert not reach.usable_anywhere(spec(manage=True))
    assert not reach.usable_anywhere(spec(group="digest"))
    assert reach.refusal(spec(group="digest"), in_server=False).private
