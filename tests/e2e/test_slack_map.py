"""``/brief map`` on Slack: the compact text answer, then the stance map as a PNG in the channel.

Through the real bolt app (Socket Mode and HTTP) against the local Slack, whose file upload
(``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``) keeps the
bytes. Without ``files:write`` the text answer stands and the asker is told privately, once.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator

import pytest

from bot.commands.engine import Engine
from tests.e2e.test_slack import Bot, start_bot
from tests.fakes.slack import DEFAULT_SCOPES, SlackFake, visible_text

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


async def test_map_answers_in_text_then_uploads_the_png_into_the_channel(
    bot: Bot, slack: SlackFake, engine: Engine
) -> None:
    reply = await bot.user.command("map")
    assert reply.status == 200 and reply.response_url
    upload = (await slack.wait_for(lambda: slack.uploaded("C100"), timeout=20))[0]

    texts = [r.body for r in slack.responses_for(reply.response_url)]
    assert len(texts) == 1  # the first view, and no second line about the image
    first = texts[0]
    assert first["response_type"] == "ephemeral"
    shown = html.unescape(visible_text(first))
    assert "Turkey" in shown and "could not be attached" not in shown

    assert [u.channel for u in slack.uploads] == ["C100"]  # exactly one file, in that channel
    assert upload.data is not None and upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert upload.filename.endswith(".png")
    assert 0 < len(upload.alt_text) <= 1000
    for name in actor_names(engine):
        assert name in upload.alt_text
    assert upload.title and "Stance map" in upload.title
    assert not any(c.method in {"chat.postMessage", "chat.postEphemeral"} for c in slack.calls)


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


async def test_in_a_channel_without_the_bot_the_upload_fails_quietly(
    bot: Bot, slack: SlackFake
) -> None:
    slack.fail_next("files.completeUploadExternal", error="not_in_channel")
    reply = await bot.user.command("map")
    assert reply.status == 200 and reply.response_url
    url = reply.response_url
    await slack.wait_for(lambda: len(slack.responses_for(url)) >= 2, timeout=20)
    first, line = (r.body for r in slack.responses_for(url))
    assert "Turkey" in html.unescape(visible_text(first))
    reason = "Briefbot is not a member of this channel (not_in_channel)"
    assert line["text"].startswith(NOT_ATTACHED.format(reason=reason))
    assert line["response_type"] == "ephemeral"
    assert not slack.uploaded("C100")
