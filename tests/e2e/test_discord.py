"""Briefbot on Discord end to end: the real discord.py client, through ``DiscordService``,
against the local Discord stand-in (``tests/fakes/discord/``).

Every test ends with ``fake.assert_clean()``: whatever the bot sent (command sync, callbacks,
follow-ups, channel posts) passed Discord's OpenAPI schema and Discord's command and message
rules.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app.composition import build_engine, build_registry
from bot.app.settings import DiscordSettings, Settings
from bot.commands.calls import META_STORE, Services
from bot.commands.engine import Engine
from bot.commands.registry import CommandRegistry, CommandSpec, OptionKind, OptionSpec
from bot.core import metrics
from bot.core.answers import Answer, Item, Section
from bot.core.errors import ConfigError, NotFoundError
from bot.digests.ports import DeliveryError
from bot.platforms.discord import handlers
from bot.platforms.discord.service import DiscordService
from bot.platforms.discord.slash import sync_key
from tests.fakes.discord import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMS,
    MEMBER_PERMS,
    OTHER_CHANNEL_ID,
    TOKEN,
    FakeDiscord,
    SentMessage,
)
from tests.fakes.discord.views import walk_views

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(30)]

CORE_COMMANDS = {
    "brief",
    "actor",
    "actors",
    "compare",
    "timeline",
    "figures",
    "ask",
    "sources",
    "help",
}
CITATION = re.compile(r"> “.+” \(¶\d+\)")


def discord_settings(fake: FakeDiscord, **overrides: Any) -> Settings:
    values = {"token": TOKEN, "api_base": fake.api_base, "gateway_url": fake.gateway_url}
    return Settings(discord=DiscordSettings(**(values | overrides)))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as discord_fake:
        yield discord_fake
        discord_fake.assert_clean()


@pytest.fixture
async def start_bot(fake: FakeDiscord) -> AsyncIterator[Callable[..., Any]]:
    """Start a ``DiscordService`` against the fake (stopped at the end of the test)."""
    started: list[DiscordService] = []

    async def start(engine: Engine, **overrides: Any) -> DiscordService:
        service = DiscordService(discord_settings(fake, **overrides), engine)
        started.append(service)
        await service.start()
        return service

    yield start
    for service in reversed(started):  # each restores the endpoints it found
        await service.stop()


@pytest.fixture
async def bot(start_bot: Callable[..., Any], engine: Engine) -> DiscordService:
    service: DiscordService = await start_bot(engine)
    return service


async def one_message(fake: FakeDiscord, iid: str) -> SentMessage:
    """The answer to an interaction: exactly one message (compact answers never follow up)."""
    [message] = await fake.wait_for_messages(iid)
    assert len(fake.interactions[iid].messages) == 1, "an answer must be one message"
    return message


async def ask(
    fake: FakeDiscord, command: str, options: dict[str, Any] | None = None, **where: Any
) -> SentMessage:
    """Invoke a command and return what the user can read: its one message, with every view
    its controls open (each pressed, each edited in place) joined in; its components are the
    first view's."""
    iid = await fake.invoke_command(command, options, **where)
    message = await one_message(fake, iid)
    walk = await walk_views(fake, message)
    assert len(fake.interactions[iid].messages) == 1, "an answer must be one message"
    return walk.joined()


def briefing(engine: Engine) -> Any:
    return engine.library.current.get(None).briefing


# -- registration and sync ----------------------------------------------------------------------


async def test_commands_are_synced_with_descriptions_and_autocomplete(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    assert fake.syncs == 1
    synced = {c["name"]: c for c in fake.commands["global"]}
    assert set(synced) >= CORE_COMMANDS
    for command in (c for c in synced.values() if c["type"] == 1):  # not message commands
        assert command["description"]
        for option in command.get("options") or []:
            assert option["description"], (command["name"], option["name"])
    actor_options = {o["name"]: o for o in synced["actor"]["options"]}
    assert actor_options["name"]["required"] and actor_options["name"]["autocomplete"]
    assert actor_options["briefing"]["autocomplete"]
    assert actor_options["private"]["type"] == 5  # boolean, answers are public by default
    assert [o["name"] for o in synced["compare"]["options"]][:2] == ["first", "second"]
    # Groups (the digest commands) arrive through the same mechanism, as subcommands.
    assert "digest" in synced
    for group, specs in bot.engine.registry.groups().items():
        subcommands = synced[group]["options"]
        assert [s["name"] for s in subcommands] == [spec.name for spec in specs]
        assert all(s["type"] == 1 and s["description"] for s in subcommands)


async def test_sync_happens_only_when_the_definitions_change(
    fake: FakeDiscord, start_bot: Callable[..., Any], library: Any, tmp_path: Path
) -> None:
    from bot.core.library import LibraryHolder
    from bot.digests.storage import Store

    store = await Store.open(f"sqlite:///{tmp_path / 'meta.db'}")
    services = Services()
    services.provide(META_STORE, store.meta)
    engine = build_engine(LibraryHolder(library), services=services)
    first = await start_bot(engine)
    await first.stop()
    await start_bot(engine)  # a restart with the same commands: no sync
    assert fake.syncs == 1
    key = sync_key(int(APPLICATION_ID), None)
    assert await store.meta.get_meta(key)

    changed = build_registry()
    changed.add(CommandSpec("ping", "Check Briefbot answers", handler=lambda call: Answer("pong")))
    await start_bot(build_engine(LibraryHolder(library), registry=changed, services=services))
    assert fake.syncs == 2
    assert "ping" in {c["name"] for c in fake.commands["global"]}
    await store.close()


async def test_guild_sync_when_a_guild_is_configured(
    fake: FakeDiscord, start_bot: Callable[..., Any], engine: Engine
) -> None:
    await start_bot(engine, guild_id=int(GUILD_ID))
    assert fake.requests_to("PUT", rf"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    assert "global" not in fake.commands
    message = await ask(fake, "figures")
    assert "figures" in message.text.lower()


# -- every command, as a user sees it ------------------------------------------------------------


async def test_every_command_answers_publicly_with_citations(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    b = briefing(engine)
    turkey, syria = b.actor("turkey"), b.actor("syria")

    brief = await ask(fake, "brief")
    assert brief.embeds[0]["title"].startswith(b.title[:40])
    assert CITATION.search(brief.text) and not brief.ephemeral

    card = await ask(fake, "actor", {"name": "Ankara"})
    assert turkey.name in card.embeds[0]["title"] and turkey.stance.label in card.text
    quote = turkey.stance.evidence[0]
    assert f"(¶{quote.paragraph})" in card.text and "Interests" in card.text

    actors = await ask(fake, "actors")
    assert all(a.name in actors.text for a in b.actors[:5])

    compare = await ask(fake, "compare", {"first": "turkey", "second": "damascus"})
    assert turkey.name in compare.text and syria.name in compare.text

    timeline = await ask(fake, "timeline", {"actor": "russia"})
    assert "2022" in timeline.text and CITATION.search(timeline.text)

    figures = await ask(fake, "figures")
    assert "4 million" in figures.text

    answer = await ask(fake, "ask", {"question": "how many refugees does Turkey host?"})
    assert "refugees" in answer.text.lower() and CITATION.search(answer.text)

    sources = await ask(fake, "sources")
    assert b.source.author in sources.text and b.source.publisher in sources.text

    help_ = await ask(fake, "help")
    assert all(name in help_.text for name in ("compare", "timeline", "ask"))
    help_compare = await ask(fake, "help", {"command": "compare"})
    assert "first" in help_compare.text and "second" in help_compare.text

    for message in (brief, card, actors, compare, timeline, figures, answer, sources, help_):
        assert not message.ephemeral
        assert message.body["allowed_mentions"] == {"parse": []}


async def test_private_option_keeps_the_answer_to_the_user(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    message = await ask(fake, "actor", {"name": "russia", "private": True})
    assert message.ephemeral and "Russia" in message.text


async def test_unknown_actor_gets_a_helpful_ephemeral_reply(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    message = await ask(fake, "actor", {"name": "Russa"})
    assert message.ephemeral
    assert "Did you mean Russia" in message.text and "Turkey" in message.text  # the actor list


# -- autocomplete ----------------------------------------------------------------------------------


async def test_autocomplete_ranks_actors_with_accents_and_aliases(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    erdo = await fake.autocomplete("actor", {"name": "erdo"}, focused="name")
    assert erdo[0]["value"] == "turkey" and "Turkey" in erdo[0]["name"]
    damas = await fake.autocomplete(
        "compare", {"first": "turkey", "second": "damas"}, focused="second"
    )
    assert damas[0]["value"] == "syria"
    everyone = await fake.autocomplete("timeline", {"actor": ""}, focused="actor")
    assert 1 < len(everyone) <= 25
    briefings = await fake.autocomplete("brief", {"briefing": "turk"}, focused="briefing")
    assert briefings[0]["value"] == "turkey-syria-rapprochement"
    slowest = max(r.latency or 0 for r in fake.interactions.values())
    assert slowest < 1.0  # Discord gives 3 s


# -- components ------------------------------------------------------------------------------------


async def test_actor_card_buttons_and_select_work(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    card = await ask(fake, "actor", {"name": "turkey"})
    buttons = [c for c in card.components if c["type"] == 2]
    [select] = [c for c in card.components if c["type"] == 3]
    labels = {b["label"].split()[0] for b in buttons}
    assert {"Compare", "Timeline", "Sources"} <= labels
    assert "turkey" not in {o["value"] for o in select["options"]}

    iid = await fake.click(select["custom_id"], card.id, values=["russia"])
    russia = await one_message(fake, iid)
    assert "Russia" in russia.embeds[0]["title"] and not russia.ephemeral

    timeline_button = next(b for b in buttons if b["label"].startswith("Timeline"))
    iid = await fake.click(timeline_button["custom_id"], card.id)
    timeline = await one_message(fake, iid)
    assert "2022" in timeline.text

    compare_button = next(b for b in buttons if b["label"].startswith("Compare"))
    iid = await fake.click(compare_button["custom_id"], card.id)
    compare = await one_message(fake, iid)
    assert "Turkey" in compare.text


async def test_a_click_on_an_old_or_foreign_button_says_it_expired(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    card = await ask(fake, "actor", {"name": "turkey"})
    iid = await fake.click("v0:actor:42", card.id)  # an id in a format we no longer read
    [reply] = await fake.wait_for_messages(iid)
    assert reply.ephemeral and "expired" in reply.text


async def test_a_click_on_a_private_answer_answers_privately(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    card = await ask(fake, "actor", {"name": "turkey", "private": True})
    sources = next(c for c in card.components if c.get("label") == "Sources")
    iid = await fake.click(sources["custom_id"], card.id)
    reply = await one_message(fake, iid)
    assert reply.ephemeral and "Inkstick" in reply.text


# -- safety ----------------------------------------------------------------------------------------


async def test_mentions_in_user_text_never_ping(fake: FakeDiscord, bot: DiscordService) -> None:
    question = "@everyone @here <@&1100000000000000999> <@1100000000000000300> why Russia?"
    message = await ask(fake, "ask", {"question": question})
    callback = fake.interactions[message.interaction_id or ""].callback or {}
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in message.text and "@here" not in message.text
    assert "<@" not in message.text


# -- resilience ------------------------------------------------------------------------------------


async def test_resumes_after_a_dropped_gateway_and_gets_missed_commands(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    before = metrics.GATEWAY_RECONNECTS.labels("discord")._value.get()
    await fake.drop_gateway()
    iid = await fake.invoke_command("actor", {"name": "syria"})  # sent while disconnected
    await fake.wait_for_resume()
    [message] = await fake.wait_for_messages(iid)
    assert "Syria" in message.text
    assert fake.identifies == 1 and fake.resumes == 1
    assert bot.is_ready()
    assert metrics.GATEWAY_RECONNECTS.labels("discord")._value.get() == before + 1


async def test_a_rate_limited_callback_is_answered_after_retry_after(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    fake.rate_limit_next_callback(retry_after=0.3)
    iid = await fake.invoke_command("figures")
    [message] = await fake.wait_for_messages(iid)
    assert "4 million" in message.text
    attempts = fake.requests_to("POST", rf"/interactions/{iid}/[^/]+/callback")
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 0.3


async def test_a_failing_handler_gets_an_apology_and_the_bot_keeps_serving(
    fake: FakeDiscord,
    start_bot: Callable[..., Any],
    library: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.core.library import LibraryHolder

    def explode(call: Any) -> Answer:
        raise RuntimeError("kaboom")

    registry = build_registry()
    registry.add(CommandSpec("explode", "Always fails", handler=explode))
    await start_bot(build_engine(LibraryHolder(library), registry=registry))

    with caplog.at_level(logging.ERROR):
        apology = await ask(fake, "explode")
    assert apology.ephemeral and "went wrong" in apology.text
    assert "kaboom" not in apology.text
    assert any(r.exc_info and "kaboom" in str(r.exc_info[1]) for r in caplog.records)
    after = await ask(fake, "actor", {"name": "russia"})
    assert "Russia" in after.text


async def test_an_outdated_command_gets_an_ephemeral_explanation(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    # Discord still shows a definition the bot no longer has (sync not yet propagated).
    fake.commands["global"].append(
        {**fake.commands["global"][0], "name": "retired", "id": "1100000000000000777"}
    )
    message = await ask(fake, "retired")
    assert message.ephemeral and "updated" in message.text
    missing = await ask(fake, "actor")  # a required option the bot expects is missing
    assert missing.ephemeral and "updated" in missing.text
    assert "Russia" in (await ask(fake, "actor", {"name": "russia"})).text


async def test_wrong_token_is_a_config_error(fake: FakeDiscord, engine: Engine) -> None:
    service = DiscordService(discord_settings(fake, token="not-the-token"), engine)
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await service.start()
    assert not service.is_ready()
    await service.stop()


# -- generic mapping: groups, channels, choices, paging, deferral ---------------------------------


def _extras_registry(seen: list[dict[str, Any]]) -> CommandRegistry:
    """The core commands plus a throwaway group with every option kind and odd commands."""

    def record(call: Any) -> Answer:
        seen.append(
            {
                "args": dict(call.args),
                "can_manage": call.context.can_manage,
                "channel": call.context.channel_id,
                "guild": call.context.workspace_id,
            }
        )
        return Answer("Alert added", summary=f"Alerts for {call.arg('channel')}")

    def long_answer(call: Any) -> Answer:
        sentence = "This sentence is one of many that make a long answer. "
        items = tuple(Item(f"Point {i}. " + sentence * 6) for i in range(80))
        return Answer("A long answer", sections=(Section("Points", items),))

    async def slow(call: Any) -> Answer:
        await asyncio.sleep(0.3)
        if call.arg("fail"):
            raise NotFoundError("No such thing.")
        return Answer("Done slowly")

    registry = build_registry()
    registry.add(
        CommandSpec(
            "add",
            "Post alerts to a channel",
            handler=record,
            group="alerts",
            manage=True,
            options=(
                OptionSpec("briefing", "Which briefing", OptionKind.BRIEFING),
                OptionSpec("when", "How often", OptionKind.CHOICE, choices=("daily", "weekly")),
                OptionSpec("timezone", "Your time zone", OptionKind.TIMEZONE, required=False),
                OptionSpec("channel", "Where to post", OptionKind.CHANNEL, required=False),
            ),
        )
    )
    registry.add(CommandSpec("long", "A very long answer", handler=long_answer))
    registry.add(
        CommandSpec(
            "slow",
            "Takes its time",
            handler=slow,
            options=(OptionSpec("fail", "Fail at the end", required=False),),
        )
    )
    return registry


async def test_groups_channels_choices_and_manage_permission(
    fake: FakeDiscord, start_bot: Callable[..., Any], library: Any
) -> None:
    from bot.core.library import LibraryHolder

    seen: list[dict[str, Any]] = []
    await start_bot(build_engine(LibraryHolder(library), registry=_extras_registry(seen)))
    alerts = next(c for c in fake.commands["global"] if c["name"] == "alerts")
    [add] = alerts["options"]
    assert add["type"] == 1
    options = {o["name"]: o for o in add["options"]}
    assert options["channel"]["type"] == 7 and options["channel"]["channel_types"] == [0, 5, 15]
    assert [c["value"] for c in options["when"]["choices"]] == ["daily", "weekly"]
    assert options["timezone"]["autocomplete"]

    zones = await fake.autocomplete("alerts add", {"timezone": "istan"}, focused="timezone")
    assert "Europe/Istanbul" in [z["value"] for z in zones[:2]]

    args = {
        "briefing": "turkey-syria-rapprochement",
        "when": "daily",
        "timezone": "Europe/Istanbul",
        "channel": OTHER_CHANNEL_ID,
    }
    refused = await ask(fake, "alerts add", args)
    assert refused.ephemeral and "manage" in refused.text.lower() and not seen
    # Managing this channel is not enough to change another one's digests.
    elsewhere = await ask(
        fake, "alerts add", args, user_perms=MANAGER_PERMS, target_perms=MEMBER_PERMS
    )
    assert elsewhere.ephemeral and "manage" in elsewhere.text.lower() and not seen
    done = await ask(fake, "alerts add", args, user_perms=MANAGER_PERMS)
    assert "Alert added" in done.text and not done.ephemeral
    assert seen == [
        {
            # A channel option reaches the engine as <#id|name>, so answers can name it.
            "args": {**args, "channel": f"<#{OTHER_CHANNEL_ID}|briefings>"},
            "can_manage": True,
            "channel": CHANNEL_ID,
            "guild": GUILD_ID,
        }
    ]

    # A channel the bot cannot see (not in its cache): a helpful ephemeral reply, no crash.
    fake.add_channel("1100000000000000299", "hidden")
    hidden = await ask(
        fake, "alerts add", {**args, "channel": "1100000000000000299"}, user_perms=MANAGER_PERMS
    )
    assert hidden.ephemeral and "not a valid channel" in hidden.text and len(seen) == 1


async def test_long_answers_are_one_message_whose_views_reach_every_point(
    fake: FakeDiscord, start_bot: Callable[..., Any], library: Any
) -> None:
    from bot.core.library import LibraryHolder

    await start_bot(build_engine(LibraryHolder(library), registry=_extras_registry([])))
    iid = await fake.invoke_command("long")
    message = await one_message(fake, iid)
    assert fake.interactions[iid].callback["type"] == 4  # one response, no follow-ups
    assert len(message.embeds) == 1 and len(message.text) <= 2500
    walk = await walk_views(fake, message)
    assert len(walk.bodies) >= 3  # the points are spread over several views
    for body in walk.bodies:
        [embed] = body["embeds"]
        # views break between items, never mid-sentence
        assert embed["description"].rstrip().endswith(".")
    reached = walk.text
    assert all(f"Point {i}." in reached for i in range(80))
    assert len(fake.interactions[iid].messages) == 1
    # fake.assert_clean() (fixture) checks each view against Discord's embed limits


async def test_slow_work_is_deferred_then_answered(
    fake: FakeDiscord,
    start_bot: Callable[..., Any],
    library: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.core.library import LibraryHolder

    monkeypatch.setattr(handlers, "DEFER_AFTER", 0.05)
    await start_bot(build_engine(LibraryHolder(library), registry=_extras_registry([])))
    iid = await fake.invoke_command("slow")
    assert (await fake.wait_for_response(iid))["type"] == 5  # deferred: "thinking…"
    [message] = await fake.wait_for_messages(iid)
    assert "Done slowly" in message.text and not message.ephemeral

    # An error found after a public deferral still reaches only the user.
    iid = await fake.invoke_command("slow", {"fail": "yes"})
    [message] = await fake.wait_for_messages(iid)
    assert message.ephemeral and "No such thing" in message.text
    assert fake.interactions[iid].original is not None
    assert fake.interactions[iid].original.deleted


# -- sharding -------------------------------------------------------------------------------------


async def test_a_sharded_process_runs_only_its_shards(engine: Engine) -> None:
    # One process of a two-process deployment: DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS=<ours>.
    # (Running both shards in one process works too, but discord.py waits 5 s between
    # IDENTIFYs, as Discord requires.)
    guild_shard = (int(GUILD_ID) >> 22) % 2
    async with FakeDiscord(shard_count=2) as sharded:
        service = DiscordService(
            discord_settings(sharded, shard_count=2, shard_ids=[guild_shard]), engine
        )
        try:
            await service.start()
            identifies = [p["d"]["shard"] for p in sharded.gateway_payloads if p["op"] == 2]
            assert identifies == [[guild_shard, 2]]
            message = await ask(sharded, "actor", {"name": "iran"})
            assert "Iran" in message.text
        finally:
            await service.stop()
        sharded.assert_clean()


# -- digests: the Poster ---------------------------------------------------------------------------


async def test_post_delivers_pages_to_a_channel(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    from bot.commands.calls import Context, Invocation

    answer = await engine.execute(Invocation("brief", {}, Context(platform="discord")))
    result = await bot.post(OTHER_CHANNEL_ID, answer)
    [posted, *_] = fake.channel_messages[OTHER_CHANNEL_ID]
    assert result.message_id == posted.id
    assert posted.body["allowed_mentions"] == {"parse": []}
    assert briefing(engine).title[:30] in posted.text and "flags" not in posted.body


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (404, 10003, "The channel was deleted"),
        (403, 50001, "can't post in #briefings (missing access)"),
        (403, 50013, "can't post in #briefings (missing permissions)"),
    ],
)
async def test_post_failures_are_permanent_with_a_plain_reason(
    fake: FakeDiscord, bot: DiscordService, status: int, code: int, reason: str
) -> None:
    fake.fail_channel(OTHER_CHANNEL_ID, status=status, code=code)
    with pytest.raises(DeliveryError) as caught:
        await bot.post(OTHER_CHANNEL_ID, Answer("Daily digest"))
    assert caught.value.permanent and reason in caught.value.reason


@pytest.mark.parametrize(("retry_after", "status"), [(60.0, 429), (None, 503)])
async def test_post_rate_limits_and_server_errors_are_transient(
    fake: FakeDiscord, bot: DiscordService, retry_after: float | None, status: int
) -> None:
    if status == 429:  # longer than discord.py waits by itself: handed to the digest queue
        fake.rate_limit_next_post(retry_after=60.0)
    else:
        fake.fail_channel(OTHER_CHANNEL_ID, status=503)
    with pytest.raises(DeliveryError) as caught:
        await bot.post(OTHER_CHANNEL_ID, Answer("Daily digest"))
    assert not caught.value.permanent and caught.value.retry_after == retry_after


async def test_a_short_rate_limit_on_a_post_is_waited_out(
    fake: FakeDiscord, bot: DiscordService
) -> None:
    fake.rate_limit_next_post(retry_after=0.2)
    await bot.post(OTHER_CHANNEL_ID, Answer("Daily digest"))
    assert "Daily digest" in fake.channel_messages[OTHER_CHANNEL_ID][0].text
