"""The "Briefing context" message shortcut end to end: the real bolt app, in Socket Mode and in
HTTP mode, against the local Slack (``tests/fakes/slack/``), and in the manifest."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.composition import build_registry
from bot.app.settings import Settings, SlackSettings
from bot.commands.engine import Engine
from bot.platforms.slack import manifest
from bot.platforms.slack.messages import SHARE_ACTION_ID
from bot.platforms.slack.service import SlackService
from bot.platforms.slack.shortcuts import CALLBACK_ID, NAME
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    Reply,
    SlackFake,
    SlackUser,
    elements,
    visible_text,
)

pytestmark = pytest.mark.e2e

CITED = re.compile(r"¶\d+")
NOT_COVERED = re.compile(
    r"not in this briefing|doesn.t (?:mention|cover)|does not (?:mention|cover)|nothing in", re.I
)
HEADLINE = "Erdoğan says he'll meet Assad"


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake() as fake:
        yield fake
        fake.assert_clean()


@pytest.fixture(params=["socket", "http"])
async def user(
    request: pytest.FixtureRequest, slack: SlackFake, engine: Engine
) -> AsyncIterator[SlackUser]:
    values: dict[str, Any] = {
        "bot_token": SecretStr(BOT_TOKEN),
        "api_url": slack.api_url,
        "host": "127.0.0.1",
        "port": 0,
    }
    if request.param == "socket":
        values["app_token"] = SecretStr(APP_TOKEN)
    else:
        values["signing_secret"] = SecretStr(SIGNING_SECRET)
    service = SlackService(Settings(slack=SlackSettings(**values)), engine)
    await service.start()
    if request.param == "socket":
        await slack.wait_socket_connected()
        yield SlackUser(slack)
    else:
        yield SlackUser(slack, events_url=f"http://127.0.0.1:{service.port}/slack/events")
    await service.stop()


async def private_answer(slack: SlackFake, user: SlackUser, text: str, **fields: Any) -> Any:
    """Use the shortcut on a message saying ``text``; the private answer, checked to come
    (ack and answer) within Slack's 3 seconds."""
    started = time.monotonic()
    reply: Reply = await user.message_shortcut(text, **fields)
    assert reply.status == 200
    assert not (reply.message or {}).get("blocks")  # a shortcut's ack carries no message
    if reply.response_url is None:
        call = await slack.wait_call("chat.postEphemeral", timeout=3)
        answer = call.args
    else:
        url = reply.response_url
        await slack.wait_for(lambda: slack.responses_for(url), timeout=3)
        answer = slack.responses_for(url)[0].body
        assert answer["response_type"] == "ephemeral"
    assert time.monotonic() - started < 3.0
    await asyncio.sleep(0.2)  # any second message would be here by now: there is none
    posts = slack.calls_to("chat.postEphemeral") if reply.response_url is None else None
    assert len(posts if posts is not None else slack.responses_for(url)) == 1
    assert len(answer["blocks"]) <= 15 and len(visible_text(answer)) <= 2500  # one compact view
    return answer


async def test_a_relevant_message_gets_the_cited_claims_privately(
    slack: SlackFake, user: SlackUser
) -> None:
    text = f"<@U300> {HEADLINE} &amp; more: <https://example.com/n|read this> :eyes:"
    answer = await private_answer(slack, user, text)
    shown = visible_text(answer)
    assert HEADLINE in shown and "example.com" not in shown
    assert CITED.search(shown), shown
    assert "expressed his intention to meet" in shown
    # Like every private answer, it can be shared with the channel.
    assert SHARE_ACTION_ID in [e.get("action_id") for e in elements(answer)]
    assert not slack.calls_to("chat.postMessage")  # nothing went to the channel


async def test_an_irrelevant_message_is_honestly_not_covered(
    slack: SlackFake, user: SlackUser
) -> None:
    shown = visible_text(await private_answer(slack, user, "lunch is at noon"))
    assert NOT_COVERED.search(shown), shown
    assert not CITED.search(shown)


async def test_an_unfurled_headline_counts_and_a_message_without_words_explains(
    slack: SlackFake, user: SlackUser
) -> None:
    unfurl = [{"title": HEADLINE, "title_link": "https://example.com/a", "fallback": HEADLINE}]
    answer = await private_answer(slack, user, "<https://example.com/a>", attachments=unfurl)
    assert CITED.search(visible_text(answer))
    answer = await private_answer(slack, user, "<!here> <https://example.com/a> `x`")
    assert "no words to look up" in visible_text(answer)


async def test_without_a_response_url_it_posts_ephemerally(
    slack: SlackFake, user: SlackUser
) -> None:
    answer = await private_answer(slack, user, HEADLINE, response_url=False)
    assert answer["channel"] == "C100" and answer["user"] == "U100"
    assert CITED.search(visible_text(answer))


def test_the_manifest_declares_the_message_shortcut_and_no_new_scope() -> None:
    data = manifest.manifest(
        Settings(slack=SlackSettings()), build_registry(), socket_mode=True, request_url=None
    )
    assert data["features"]["shortcuts"] == [
        {
            "name": NAME,
            "type": "message",
            "callback_id": CALLBACK_ID,
            "description": "What the briefing says about this message",
        }
    ]
    # Shortcuts ride on `commands`; the answer goes through the response_url. (The history
    # scopes are the digests': finding a post whose outcome is unknown; files:write is the
    # stance map's picture.)
    assert data["oauth_config"]["scopes"] == {
        "bot": [
            "commands",
            "chat:write",
            "users:read",
            "channels:history",
            "groups:history",
            "files:write",
        ]
    }
