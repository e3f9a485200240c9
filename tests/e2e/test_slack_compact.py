"""Slack answers are ONE compact message; its view buttons open the details in place.

Through the real bolt app (Socket Mode and HTTP) against the local Slack: the first view of
``/brief actor turkey`` fits one small message, every view button replaces that message, a
shared message stays as it is when someone else opens a view, and the views together show
every claim and every quote of the full answer.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.answers import Answer
from bot.platforms.slack.messages import SHARE_ACTION_ID
from bot.render.view_fit import PIECE
from tests.e2e.test_slack import Bot, start_bot
from tests.fakes.slack import SlackFake, elements, view_buttons, visible_text

pytestmark = pytest.mark.e2e

MAX_TEXT = 2500
MAX_BLOCKS = 15


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake(admin_users={"UADMIN"}) as fake:
        yield fake
        fake.assert_clean()


@pytest.fixture(params=["socket", "http"])
async def bot(
    request: pytest.FixtureRequest, slack: SlackFake, engine: Engine
) -> AsyncIterator[Bot]:
    running = await start_bot(slack, engine, request.param)
    yield running
    await running.service.stop()


def flat(text: str) -> str:
    """What a reader sees, entity-decoded and with runs of whitespace as one space."""
    return " ".join(html.unescape(text).split())


def assert_compact(message: dict[str, Any]) -> None:
    assert len(visible_text(message)) <= MAX_TEXT, len(visible_text(message))
    assert len(message["blocks"]) <= MAX_BLOCKS, len(message["blocks"])


async def full_answer(engine: Engine, text: str) -> Answer:
    context = Context(platform="slack", user_id="U100", can_manage=False)
    return await engine.execute(engine.parse(text, context))


def assert_reaches_everything(answer: Answer, views: list[dict[str, Any]]) -> None:
    shown = flat("\n".join(visible_text(v) for v in views))
    for section in answer.sections:
        for item in section.items:
            assert flat(item.text)[:40] in shown, f"claim not reachable: {item.text[:80]}"
            for citation in item.citations:
                quote = flat(citation.quote)
                opening = quote[:40] if len(quote) > PIECE else quote
                assert opening in shown, f"quote not reachable: {quote[:80]}"


async def test_an_answer_is_one_compact_message_and_every_view_opens_in_place(
    bot: Bot, slack: SlackFake, engine: Engine
) -> None:
    reply = await bot.user.command("actor turkey")
    assert reply.status == 200 and reply.message and reply.response_url
    first = reply.message
    assert first["response_type"] == "ephemeral"
    assert_compact(first)
    assert [e["action_id"] for e in elements(first)].count(SHARE_ACTION_ID) == 1
    labels = [e["text"]["text"] for e in view_buttons(first)]
    assert "Quotes" in labels, labels
    await asyncio.sleep(0.3)  # time for any further page to arrive (the old answers sent them)
    assert slack.responses_for(reply.response_url) == []

    views = await bot.user.walk_views(first)  # asserts each press replaced its message

    assert len(views) > 5, len(views)
    for shown in views:
        assert_compact(shown)
        assert shown["response_type"] == "ephemeral"
        assert [e["action_id"] for e in elements(shown)].count(SHARE_ACTION_ID) == 1
    assert_reaches_everything(await full_answer(engine, "actor turkey"), views)
    assert any("“" in visible_text(v) for v in views)  # the quotes view quotes the source


async def test_share_shares_the_view_being_looked_at_as_one_message(
    bot: Bot, slack: SlackFake
) -> None:
    first = await bot.user.answer("actor turkey")
    quotes_reply = await bot.user.click(button_in(first, "Quotes"), message=first)
    quotes = (await bot.user.followed(quotes_reply)).body
    share = next(e for e in elements(quotes) if e["action_id"] == SHARE_ACTION_ID)

    reply = await bot.user.click(share, message=quotes)

    assert reply.response_url is not None
    url = reply.response_url
    posts = await slack.wait_for(
        lambda: len(slack.responses_for(url)) >= 2 and slack.responses_for(url)
    )
    assert len(posts) == 2
    shared, cleanup = posts[0].body, posts[1].body
    assert shared["response_type"] == "in_channel"
    assert flat(visible_text(shared)) == flat(visible_text(without_share(quotes)))
    assert SHARE_ACTION_ID not in [e["action_id"] for e in elements(shared)]
    assert cleanup["delete_original"] is True


async def test_a_shared_message_opens_in_place_for_its_sharer_and_privately_for_others(
    bot: Bot, slack: SlackFake
) -> None:
    first = await bot.user.answer("actor turkey")
    share = next(e for e in elements(first) if e["action_id"] == SHARE_ACTION_ID)
    shared_reply = await bot.user.click(share, message=first)
    url = shared_reply.response_url
    assert url is not None
    posts = await slack.wait_for(
        lambda: len(slack.responses_for(url)) >= 2 and slack.responses_for(url)
    )
    shared = posts[0].body
    assert shared["response_type"] == "in_channel"
    before = list(slack.responses)

    other = bot.as_user("U200", "grace")
    clicked = await other.click(button_in(shared, "Quotes"), message=shared)
    private = await other.followed(clicked)
    assert not private.replaces and private.response_type == "ephemeral"
    assert "“" in visible_text(private.body)
    # Nothing replaced the shared message: every post since was the private view.
    assert [r for r in slack.responses if r not in before] == [private]
    again = await other.click(button_in(private.body, "Back"), message=private.body)
    assert (await other.followed(again)).replaces  # their own private copy changes in place

    mine = await bot.user.followed(
        await bot.user.click(button_in(shared, "Quotes"), message=shared)
    )
    assert mine.replaces and mine.response_type == "in_channel"
    assert "“" in visible_text(mine.body)
    assert view_buttons(mine.body)  # still the sharer's message: its buttons still work
    back = await bot.user.followed(
        await bot.user.click(button_in(mine.body, "Back"), message=mine.body)
    )
    assert back.replaces and back.response_type == "in_channel"


async def test_a_view_button_on_a_digest_opens_privately(bot: Bot, slack: SlackFake) -> None:
    first = await bot.user.answer("actor turkey")
    posted = {"text": first["text"], "blocks": first["blocks"]}  # as chat.postMessage sends it
    reply = await bot.user.click(button_in(posted, "Quotes"), message=posted)
    post = await bot.user.followed(reply)
    assert not post.replaces and post.response_type == "ephemeral"


async def test_an_old_format_follow_up_button_still_answers(bot: Bot, slack: SlackFake) -> None:
    old = {
        "type": "button",
        "action_id": "bb1|actor||russia",
        "text": {"type": "plain_text", "text": "Russia"},
    }
    post = await bot.user.followed(await bot.user.click(old))
    assert post.body["blocks"][0]["text"]["text"].startswith("Russia")
    assert not post.replaces  # a new answer, below the old one
    assert_compact(post.body)
    assert view_buttons(post.body)  # its first view, with the view buttons


def button_in(message: dict[str, Any], label: str) -> dict[str, Any]:
    found = [e for e in view_buttons(message) if e["text"]["text"] == label]
    assert found, f"no {label!r} view button in {[e['text']['text'] for e in elements(message)]}"
    return found[0]


def without_share(message: dict[str, Any]) -> dict[str, Any]:
    blocks = []
    for block in message["blocks"]:
        if block.get("type") == "actions":
            kept = [e for e in block["elements"] if e.get("action_id") != SHARE_ACTION_ID]
            if not kept:
                continue
            block = {**block, "elements": kept}
        blocks.append(block)
    return {**message, "blocks": blocks}
