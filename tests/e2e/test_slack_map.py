"""``/brief map`` on Slack: the compact text answer, then the stance map as a PNG — as private as
the answer: shown to the asker alone until **Share in channel** posts the text and the image.

Through the real bolt app (Socket Mode and HTTP) against the local Slack, whose file upload
(``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``) keeps the
bytes and where each file is shared. Without ``files:write`` the text answer stands and the
asker is told privately, once.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.commands.engine import Engine
from bot.platforms.slack.messages import SHARE_ACTION_ID
from tests.e2e.test_slack import Bot, start_bot
from tests.fakes.slack import DEFAULT_SCOPES, SlackFake, visible_text
from tests.fakes.slack.models import elements

pytestmark = pytest.mark.e2e

NOT_ATTACHED = "The map image could not be attached: {reason}; the text above lists every actor"


@pytest.fixture(params=["socket", "http"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake() as fake:
        yield fake
        fake.assert_clean()


@pytest.fixture
async def bot(slack: SlackFake, engine: Engine, mode: str) -> AsyncIterator[Bot]:
    running = await start_bot(slack, engine, mode)
    yield running
    await running.service.stop()


def actor_names(engine: Engine) -> list[str]:
    return [a.name for a in engine.library.current.get(None).briefing.actors]


def shown_file(message: dict[str, Any]) -> str:
    """The file id an ephemeral image message shows (its one image block's ``slack_file``)."""
    [block] = message["blocks"]
    assert block["type"] == "image"
    return str(block["slack_file"]["id"])


async def test_a_private_map_shows_the_png_to_the_asker_alone(
    bot: Bot, slack: SlackFake, engine: Engine
) -> None:
    reply = await bot.user.command("map")
    assert reply.status == 200 and reply.response_url
    url = reply.response_url
    await slack.wait_for(lambda: len(slack.responses_for(url)) >= 2, timeout=20)
    await asyncio.sleep(0.2)  # nothing more follows
    first, picture = (r.body for r in slack.responses_for(url))
    assert first["response_type"] == "ephemeral"
    shown = html.unescape(visible_text(first))
    assert "Turkey" in shown and "could not be attached" not in shown

    # The picture: an ephemeral message showing an upload shared into no conversation.
    assert picture["response_type"] == "ephemeral" and picture.get("replace_original") is False
    [upload] = slack.uploads
    assert upload.completed and upload.channel is None  # the app's own file, not shared
    assert shown_file(picture) == upload.file_id
    assert not slack.uploaded("C100")  # nothing in the channel while the answer is private
    assert upload.data is not None and upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert upload.filename.endswith(".png")
    assert 0 < len(upload.alt_text) <= 1000
    assert picture["blocks"][0]["alt_text"] == upload.alt_text
    for name in actor_names(engine):
        assert name in upload.alt_text
    assert upload.title and "Stance map" in upload.title
    assert not any(c.method in {"chat.postMessage", "chat.postEphemeral"} for c in slack.calls)


async def test_share_in_channel_posts_the_text_then_the_png_into_the_channel(
    bot: Bot, slack: SlackFake
) -> None:
    message = await bot.user.answer("map")
    await slack.wait_for(lambda: slack.uploads and slack.uploads[0].completed, timeout=20)
    share = next(e for e in elements(message) if e["action_id"] == SHARE_ACTION_ID)
    reply = await bot.user.click(share)
    assert reply.status == 200 and reply.response_url
    url = reply.response_url
    await slack.wait_for(lambda: slack.uploaded("C100"), timeout=20)
    posts = [r.body for r in slack.responses_for(url)]
    shared, cleanup = posts[0], posts[1]
    assert shared["response_type"] == "in_channel" and "Turkey" in visible_text(shared)
    assert cleanup["delete_original"] is True
    [public] = slack.uploaded("C100")  # exactly one file in the channel, after the text
    assert public.data is not None and public.data.startswith(b"\x89PNG")
    assert public.file_id != slack.uploads[0].file_id  # the private one stays private
    assert len(slack.uploads) == 2


async def test_without_files_write_the_text_stands_and_the_asker_is_told_once(
    engine: Engine, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with SlackFake(scopes=DEFAULT_SCOPES - {"files:write"}) as slack:
        running = await start_bot(slack, engine, mode)
        try:
            with caplog.at_level(logging.WARNING, logger="bot.platforms.slack"):
                reply = await running.user.command("map")
                assert reply.status == 200 and reply.response_url
                url = reply.response_url
                await slack.wait_for(lambda: len(slack.responses_for(url)) >= 2, timeout=20)
                await asyncio.sleep(0.2)  # nothing more follows
            posts = [r.body for r in slack.responses_for(url)]
            assert len(posts) == 2
            first, line = posts
            assert "Turkey" in html.unescape(visible_text(first))
            assert line["response_type"] == "ephemeral"
            assert line.get("replace_original") is False
            reason = "the app lacks the files:write permission (missing_scope)"
            assert line["text"].startswith(NOT_ATTACHED.format(reason=reason))
            assert not slack.uploaded("C100")
            failures = [r for r in caplog.records if "could not attach" in r.getMessage()]
            assert len(failures) == 1 and "missing_scope" in failures[0].getMessage()
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
            # the bot keeps serving
            again = await running.user.answer("actor turkey")
            assert "Turkey" in html.unescape(visible_text(again))
        finally:
            await running.service.stop()
        slack.assert_clean()


async def test_in_a_channel_without_the_bot_a_shared_map_keeps_its_text(
    bot: Bot, slack: SlackFake
) -> None:
    message = await bot.user.answer("map")
    await slack.wait_for(lambda: slack.uploads and slack.uploads[0].completed, timeout=20)
    share = next(e for e in elements(message) if e["action_id"] == SHARE_ACTION_ID)
    slack.fail_next("files.completeUploadExternal", error="not_in_channel")
    reply = await bot.user.click(share)
    assert reply.status == 200 and reply.response_url
    url = reply.response_url
    await slack.wait_for(lambda: len(slack.responses_for(url)) >= 3, timeout=20)
    shared, _cleanup, line = (r.body for r in slack.responses_for(url))
    assert shared["response_type"] == "in_channel" and "Turkey" in visible_text(shared)
    reason = "Briefbot is not a member of this channel (not_in_channel)"
    assert line["text"].startswith(NOT_ATTACHED.format(reason=reason))
    assert line["response_type"] == "ephemeral"
    assert not slack.uploaded("C100")
