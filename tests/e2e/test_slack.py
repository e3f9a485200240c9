"""Slack end to end: the real bolt app, in Socket Mode and in HTTP mode, against a local Slack.

Every request goes through slack-bolt exactly as Slack would send it (Socket Mode envelopes over
a websocket, or signed HTTP posts); every message the bot sends is checked by the stand-in
(Block Kit validity, ≤ 50 blocks, fallback text, no mentions) — ``slack.assert_clean()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.composition import build_registry
from bot.app.settings import Settings, SlackSettings
from bot.commands.engine import Engine
from bot.core import metrics
from bot.core.answers import Answer, Item, Section
from bot.core.errors import ConfigError
from bot.digests.ports import DeliveryError
from bot.platforms.slack.messages import SHARE_ACTION_ID
from bot.platforms.slack.service import SlackService
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackFake,
    SlackUser,
    elements,
    visible_text,
)

pytestmark = pytest.mark.e2e

BRIEFING_TITLE = "Is Turkey Headed Toward a Rapprochement with Syria?"


def slack_settings(fake: SlackFake, mode: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": SecretStr(BOT_TOKEN),
        "api_url": fake.api_url,
        "host": "127.0.0.1",
        "port": 0,
        "admin_users": ["UALLOWED"],
    }
    if mode == "socket":
        values["app_token"] = SecretStr(APP_TOKEN)
    else:
        values["signing_secret"] = SecretStr(SIGNING_SECRET)
    values.update(overrides)
    return Settings(slack=SlackSettings(**values))


@dataclass
class Bot:
    service: SlackService
    user: SlackUser
    mode: str

    def as_user(self, user_id: str, user_name: str = "someone") -> SlackUser:
        return SlackUser(
            self.user.fake, events_url=self.user.events_url, user_id=user_id, user_name=user_name
        )


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake(admin_users={"UADMIN"}) as fake:
        yield fake
        fake.assert_clean()


async def start_bot(slack: SlackFake, engine: Engine, mode: str) -> Bot:
    service = SlackService(slack_settings(slack, mode), engine)
    await service.start()
    if mode == "socket":
        await slack.wait_socket_connected()
        return Bot(service, SlackUser(slack), mode)
    url = f"http://127.0.0.1:{service.port}/slack/events"
    return Bot(service, SlackUser(slack, events_url=url), mode)


@pytest.fixture(params=["socket", "http"])
async def bot(
    request: pytest.FixtureRequest, slack: SlackFake, engine: Engine
) -> AsyncIterator[Bot]:
    running = await start_bot(slack, engine, request.param)
    yield running
    await running.service.stop()


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    found = [e for e in elements(message, kind="button") if e["text"]["text"] == label]
    assert found, f"no {label!r} button in {[e['text']['text'] for e in elements(message)]}"
    return found[0]


async def all_views(user: SlackUser, text: str) -> list[dict[str, Any]]:
    """The ONE message answering ``/brief text`` (no further posts), then every view its view
    buttons open in place (``SlackUser.walk_views``)."""
    reply = await user.command(text)
    assert reply.status == 200 and reply.message and reply.response_url
    await asyncio.sleep(0.2)  # a second page would be posted by now
    assert user.fake.responses_for(reply.response_url) == [], "more than one message"
    return await user.walk_views(reply.message)


def header(message: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in message["blocks"] if b["type"] == "header")


# -- every subcommand -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [BRIEFING_TITLE, "Russia"]),
        ("actor russia", ["Russia", "Facilitating", "¶13"]),
        ("actors", ["Turkey", "Syria", "Russia", "United States"]),
        ("compare turkey syria", ["Turkey vs Syria"]),
        ("timeline", ["Timeline", "2022"]),
        ("figures", ["4 million"]),
        ("ask why does Russia back this?", ["Russia", "Erdoğan"]),
        ("sources", ["Inkstick", "Marco Mossad"]),
        ("help", ["compare", "timeline", "ask"]),
    ],
)
async def test_every_subcommand_answers_ephemerally_with_a_share_button(
    bot: Bot, text: str, expected: list[str]
) -> None:
    views = await all_views(bot.user, text)
    shown = "\n".join(visible_text(view) for view in views)
    for needle in expected:
        assert needle in shown, f"/brief {text}: {needle!r} not in the answer's views"
    assert {view["response_type"] for view in views} == {"ephemeral"}
    shares = [[e["action_id"] for e in elements(view)].count(SHARE_ACTION_ID) for view in views]
    assert set(shares) == {1}  # each view can be shared, once
    assert "“" in shown or text == "help"  # citations quote the source sentence


async def test_typos_get_did_you_mean_and_unknown_words_get_help(bot: Bot) -> None:
    typo = await bot.user.answer("actr russia")
    assert "Did you mean “actor”" in visible_text(typo)
    assert typo["response_type"] == "ephemeral"
    assert not [
        e for e in elements(typo) if e["action_id"] == SHARE_ACTION_ID
    ]  # errors stay private

    unknown = await bot.user.answer("frobnicate")
    assert "“frobnicate” is not a command" in visible_text(unknown)
    assert "compare" in visible_text(unknown)


async def test_a_user_error_is_explained_privately(bot: Bot) -> None:
    message = await bot.user.answer("actor atlantis")
    assert "atlantis" in visible_text(message)
    assert "Actors:" in visible_text(message)
    assert message["response_type"] == "ephemeral"


# -- buttons, selects, sharing --------------------------------------------------------------------


async def test_share_in_channel_posts_the_answer_for_everyone(bot: Bot, slack: SlackFake) -> None:
    message = await bot.user.answer("actor russia")
    share = next(e for e in elements(message) if e["action_id"] == SHARE_ACTION_ID)

    reply = await bot.user.click(share)

    assert reply.status == 200
    assert reply.response_url is not None
    url = reply.response_url
    posts = await slack.wait_for(
        lambda: len(slack.responses_for(url)) >= 2 and slack.responses_for(url)
    )
    shared, cleanup = posts[0].body, posts[1].body
    assert shared["response_type"] == "in_channel"
    assert header(shared) == header(message)
    assert SHARE_ACTION_ID not in [e["action_id"] for e in elements(shared)]
    assert cleanup["delete_original"] is True  # the private copy goes away


async def test_picking_another_actor_and_clicking_a_button(bot: Bot, slack: SlackFake) -> None:
    message = await bot.user.answer("actor russia")
    picker = elements(message, kind="static_select")[0]

    picked = await bot.user.click(picker, selected="turkey")
    assert picked.status == 200 and not picked.message  # acked at once, answered via respond()
    assert picked.response_url is not None
    url = picked.response_url
    turkey = (await slack.wait_for(lambda: slack.responses_for(url)))[0].body
    assert header(turkey).startswith("Turkey")
    assert turkey["response_type"] == "ephemeral" and turkey["replace_original"] is False

    clicked = await bot.user.click(button(message, "Compare with Turkey"))
    assert clicked.response_url is not None
    url = clicked.response_url
    compared = (await slack.wait_for(lambda: slack.responses_for(url)))[0].body
    assert "Russia vs Turkey" in visible_text(compared)


async def test_an_unknown_button_id_says_it_expired(bot: Bot, slack: SlackFake) -> None:
    stale = {
        "type": "button",
        "action_id": "bb0|actor|gone",
        "text": {"type": "plain_text", "text": "x"},
    }
    reply = await bot.user.click(stale)
    assert reply.response_url is not None
    url = reply.response_url
    answer = (await slack.wait_for(lambda: slack.responses_for(url)))[0].body
    assert "expired" in visible_text(answer)


# -- App Home -------------------------------------------------------------------------------------


async def test_app_home_shows_the_overview_and_opens_actors_in_place(
    bot: Bot, slack: SlackFake
) -> None:
    reply = await bot.user.open_home()
    assert reply.status == 200
    published = await slack.wait_call("views.publish")
    view = published.args["view"]
    assert published.args["user_id"] == "U100"
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = visible_text(view)
    assert BRIEFING_TITLE in shown and "Kurdish militants" in shown

    picker = elements(view, kind="static_select")[0]
    await bot.user.click(picker, selected="iran", in_home=True)
    focused = (await slack.wait_call("views.publish", count=2)).args["view"]
    assert header(focused).startswith("Iran")

    await bot.user.click(button(focused, "← Back to the overview"), in_home=True)
    back = (await slack.wait_call("views.publish", count=3)).args["view"]
    assert BRIEFING_TITLE in visible_text(back)


# -- safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ask <!channel> why does Russia back this?",
        "ask &lt;!here&gt; why does Russia &amp; Turkey talk?",
        "actor <@U0ADMIN> <!everyone>",
    ],
)
async def test_mentions_typed_by_a_user_never_ping(bot: Bot, slack: SlackFake, text: str) -> None:
    message = await bot.user.answer(text)
    shown = visible_text(message)
    for mention in ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>"):
        assert mention not in shown
    assert "&lt;!" in shown or "&lt;@" in shown  # shown escaped, as the user typed it
    slack.assert_clean()


async def test_http_requests_must_be_signed_and_fresh(slack: SlackFake, engine: Engine) -> None:
    bot = await start_bot(slack, engine, "http")
    try:
        url = bot.user.events_url
        assert url is not None
        payload = slack.command_payload("actors")

        valid = await slack.http_send(url, "slash_commands", payload)
        forged = await slack.http_send(url, "slash_commands", payload, secret="not-the-secret")
        stale = await slack.http_send(
            url, "slash_commands", payload, timestamp=int(time.time()) - 6 * 60
        )
        tampered = await slack.http_send(url, "slash_commands", payload, signature="v0=" + "0" * 64)

        assert valid.status == 200 and valid.json and "Russia" in visible_text(valid.json)
        assert (forged.status, stale.status, tampered.status) == (401, 401, 401)

        # Slack checks a new Request URL with a signed challenge; the app must echo it.
        challenge = {"type": "url_verification", "token": "t", "challenge": "c-123"}
        echoed = await slack.http_send(url, "events_api", challenge)
        assert (echoed.status, echoed.json) == (200, {"challenge": "c-123"})
    finally:
        await bot.service.stop()


# -- failures -------------------------------------------------------------------------------------


@pytest.fixture
def fragile_engine(engine: Engine) -> Engine:
    """The real commands plus two that fail like bugs do, and one that changes shared state."""
    commands = build_registry()

    @commands.command("boom", "Raises, like a bug in a handler")
    def boom(call: object) -> Answer:
        raise RuntimeError("handler bug")

    @commands.command("broken", "Returns something that is not an answer")
    def broken(call: object) -> Answer:
        return "not an answer"  # type: ignore[return-value]

    @commands.command("poke", "Changes this channel's settings", group="testing", manage=True)
    def poke(call: object) -> Answer:
        return Answer(title="Poked", sections=(Section("Done", (Item("the channel was poked"),)),))

    return Engine(engine.library, registry=commands)


async def test_unexpected_exceptions_get_an_apology_and_the_app_keeps_serving(
    slack: SlackFake, fragile_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    for mode in ("socket", "http"):
        bot = await start_bot(slack, fragile_engine, mode)
        try:
            with caplog.at_level(logging.ERROR):
                in_handler = await bot.user.answer("boom")
                in_adapter = await bot.user.answer("broken")
            assert "Something went wrong" in visible_text(in_handler)
            assert "Something went wrong" in visible_text(in_adapter)
            assert in_adapter["response_type"] == "ephemeral"
            logged = {r.name for r in caplog.records if r.exc_info}
            assert {"bot.commands.engine", "bot.platforms.slack.app"} <= logged
            caplog.clear()
            still = await bot.user.answer("actors")
            assert "Russia" in visible_text(still)
        finally:
            await bot.service.stop()


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_manage_commands_are_for_admins_and_only_they_cost_a_users_info_call(
    slack: SlackFake, fragile_engine: Engine, mode: str
) -> None:
    bot = await start_bot(slack, fragile_engine, mode)
    try:
        await bot.user.answer("actors")
        assert slack.calls_to("users.info") == []

        refused = await bot.user.answer("testing poke")
        assert "Only people who can manage" in visible_text(refused)
        assert [c.args["user"] for c in slack.calls_to("users.info")] == ["U100"]

        admin = bot.as_user("UADMIN", "boss")
        assert "Poked" in visible_text(await admin.answer("testing poke"))
        assert "Poked" in visible_text(await admin.answer("testing poke"))  # cached
        assert [c.args["user"] for c in slack.calls_to("users.info")] == ["U100", "UADMIN"]

        allowed = bot.as_user("UALLOWED")  # SLACK_ADMIN_USERS: no lookup at all
        assert "Poked" in visible_text(await allowed.answer("testing poke"))
        assert len(slack.calls_to("users.info")) == 2
    finally:
        await bot.service.stop()


async def test_a_429_on_post_is_retried_after_retry_after(slack: SlackFake, engine: Engine) -> None:
    bot = await start_bot(slack, engine, "http")
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    answer = Answer(title="Digest", summary="Turkey and Syria <!here>")
    try:
        started = time.monotonic()
        result = await bot.service.post("C200", answer)
        elapsed = time.monotonic() - started
    finally:
        await bot.service.stop()

    calls = slack.calls_to("chat.postMessage")
    assert len(calls) == 2 and calls[1].args["channel"] == "C200"
    assert elapsed >= 1.0  # waited Retry-After before trying again
    assert result.message_id
    assert "Turkey and Syria" in visible_text(calls[1].args)


async def test_post_failures_become_delivery_errors(slack: SlackFake, engine: Engine) -> None:
    bot = await start_bot(slack, engine, "socket")
    answer = Answer(title="Digest")
    try:
        slack.fail_next("chat.postMessage", error="not_in_channel")
        with pytest.raises(DeliveryError) as not_in:
            await bot.service.post("C300", answer)
        assert not_in.value.permanent and "/invite @Briefbot" in not_in.value.reason

        slack.fail_next("chat.postMessage", error="channel_not_found")
        with pytest.raises(DeliveryError) as gone:
            await bot.service.post("C404", answer)
        assert gone.value.permanent and "C404" in gone.value.reason

        slack.fail_next("chat.postMessage", status=503)  # retried by the client, then posted
        assert (await bot.service.post("C500", answer)).message_id
    finally:
        await bot.service.stop()


# -- Socket Mode life cycle and configuration -----------------------------------------------------


async def test_socket_mode_reconnects_when_slack_asks(slack: SlackFake, engine: Engine) -> None:
    bot = await start_bot(slack, engine, "socket")
    reconnects = metrics.GATEWAY_RECONNECTS.labels("slack")
    before = reconnects._value.get()
    try:
        await slack.send_disconnect()
        await slack.wait_socket_connected(count=2)
        assert len(slack.calls_to("apps.connections.open")) == 2
        message = await bot.user.answer("actor russia")
        assert "Russia" in visible_text(message)
        assert reconnects._value.get() == before + 1
        assert bot.service.is_ready()
    finally:
        await bot.service.stop()
    assert not bot.service.is_ready()


async def test_http_mode_without_signing_secret_refuses_to_start(
    slack: SlackFake, engine: Engine
) -> None:
    settings = slack_settings(slack, "http", signing_secret=None)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        await SlackService(settings, engine).start()


async def test_a_rejected_token_stops_start_up_with_a_clear_message(
    slack: SlackFake, engine: Engine
) -> None:
    settings = slack_settings(slack, "socket", bot_token=SecretStr("xoxb-revoked"))
    with pytest.raises(ConfigError, match="invalid_auth"):
        await SlackService(settings, engine).start()


async def test_a_rejected_app_token_stops_start_up_with_a_clear_message(
    slack: SlackFake, engine: Engine
) -> None:
    settings = slack_settings(slack, "socket", app_token=SecretStr("xapp-wrong"))
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        await SlackService(settings, engine).start()
    assert len(slack.calls_to("apps.connections.open")) == 1  # no retry loop
    assert slack.socket_connections == 0


async def test_stop_lets_a_slow_answer_finish(slack: SlackFake, engine: Engine) -> None:
    bot = await start_bot(slack, engine, "http")
    done = asyncio.Event()

    async def slow() -> None:
        await asyncio.sleep(0.2)
        done.set()

    bot.service.listeners.spawn(slow())
    await bot.service.stop()
    assert done.is_set()
