"""``/map`` on Discord (issue #13): ONE message — the first view's embed with the stance map PNG
attached in the same request and shown in the embed (``attachment://…``), its alt text as the
file's description. Through the real discord.py client against the stand-in, which parses the
multipart requests, keeps the files on the message and refuses an embed that shows a file the
message lacks.

The image follows the views: every view of the map keeps it without re-uploading it; a view of
another answer shown in place of the map (an old button) removes it (``attachments: []``).
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.app.settings import DiscordSettings, Settings
from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.platforms.discord import handlers
from bot.platforms.discord.service import DiscordService
from bot.render.view_fit import PIECE
from bot.stance_map import cache
from tests.e2e.test_discord_compact import plain
from tests.fakes.discord import (
    TOKEN,
    Attachment,
    FakeDiscord,
    SentMessage,
)
from tests.fakes.discord.models import CHANNEL_MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE
from tests.fakes.discord.views import view_ids, walk_views

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

OTHER_USER = "1100000000000000311"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first)."""
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def actor_names(engine: Engine) -> list[str]:
    return [a.name for a in engine.library.current.get(None).briefing.actors]


async def one_message(fake: FakeDiscord, iid: str) -> SentMessage:
    [message] = await fake.wait_for_messages(iid)
    assert len(fake.interactions[iid].messages) == 1, "an answer must be one message"
    return message


def assert_shows_the_map(message: SentMessage, engine: Engine) -> Attachment:
    """One PNG attachment, shown in the first embed, described by its alt text."""
    [attachment] = message.attachments
    assert attachment.content_type == "image/png"
    width, height = png_size(attachment.data)
    assert width >= 1200 and height > 0
    assert attachment.size == len(attachment.data)
    assert attachment.filename.endswith(".png")
    assert message.embeds[0]["image"]["url"] == f"attachment://{attachment.filename}"
    description = attachment.description or ""
    assert 0 < len(description) <= 1024
    for name in actor_names(engine):
        assert name in description
    return attachment


async def test_map_is_one_message_with_the_png_in_its_embed(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    iid = await fake.invoke_command("map")
    message = await one_message(fake, iid)
    assert not message.ephemeral
    assert_shows_the_map(message, engine)
    assert "Who stands where" in message.text  # the text view is the message itself
    assert "¶" in message.text  # each claim's paragraphs
    # The file went with the message's own request, as multipart (payload_json + files[0]).
    with_files = [r for r in fake.requests if r.files]
    assert len(with_files) == 1 and with_files[0].files[0].data == message.attachments[0].data
    assert fake.interactions[iid].callback is not None


async def test_every_view_of_the_map_keeps_the_image_without_uploading_it_again(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    iid = await fake.invoke_command("map")
    message = await one_message(fake, iid)
    first = assert_shows_the_map(message, engine)
    uploads = sum(1 for r in fake.requests if r.files)

    walk = await walk_views(fake, message)
    assert len(walk.latencies) >= 2  # Quotes, a part, Back …
    for body in walk.bodies:
        assert body["embeds"][0]["image"]["url"] == f"attachment://{first.filename}"
    assert message.attachments == [first]  # the same file, never removed or replaced
    assert sum(1 for r in fake.requests if r.files) == uploads  # nothing uploaded again
    for custom_id in walk.latencies:
        record = next(
            r for r in fake.interactions.values() if r.payload["data"].get("custom_id") == custom_id
        )
        assert record.callback is not None and record.callback["type"] == UPDATE_MESSAGE
    # The citations are reachable: the quotes views hold the article's own sentences.
    full = await engine.execute(Invocation("map", {}, Context(platform="discord")))
    quotes = {c.quote for c in full.citations}
    assert quotes
    seen = plain(walk.text)
    missing = [q[:40] for q in quotes if plain(q if len(q) <= PIECE else q[:40]) not in seen]
    assert not missing, missing


async def test_a_view_of_another_answer_in_place_of_the_map_removes_the_image(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    iid = await fake.invoke_command("map")
    message = await one_message(fake, iid)
    assert_shows_the_map(message, engine)
    # An old button of another answer on this message: its view replaces the map's.
    click = await fake.click("bb1|view||f|actor|name=turkey", message.id)
    updated = await fake.wait_for_update(click)
    assert updated is message and "Turkey" in message.text
    assert message.attachments == []
    assert all("image" not in e for e in message.embeds)
    callback = fake.interactions[click].callback
    assert callback is not None and callback["type"] == UPDATE_MESSAGE
    assert callback["data"]["attachments"] == []
    # The map's own first view (a button of the map, say Back) brings the image back.
    code = view_ids(message.history[0])[0].split("|")
    code[3] = "f"
    click = await fake.click("|".join(code), message.id)
    await fake.wait_for_update(click)
    assert_shows_the_map(message, engine)


async def test_a_cold_map_is_deferred_and_the_deferred_edit_carries_the_file(
    fake: FakeDiscord,
    start_bot: Callable[..., Any],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "maps", cache.MapCache())  # nothing drawn yet: a real draw
    monkeypatch.setattr(handlers, "DEFER_AFTER", 0.05)
    await start_bot(engine)
    iid = await fake.invoke_command("map")
    assert (await fake.wait_for_response(iid))["type"] == DEFERRED_MESSAGE
    message = await one_message(fake, iid)
    assert not message.loading and not message.ephemeral
    assert_shows_the_map(message, engine)
    [edit] = [r for r in fake.requests if r.method == "PATCH" and r.files]
    assert edit.path.endswith("/messages/@original")


async def test_a_private_map_is_an_ephemeral_message_with_the_file(
    fake: FakeDiscord, bot: DiscordService, engine: Engine
) -> None:
    iid = await fake.invoke_command("map", {"private": True})
    message = await one_message(fake, iid)
    assert message.ephemeral
    assert_shows_the_map(message, engine)
    # Someone else's click on a public map's view: the view privately, with the image.
    public = await one_message(fake, await fake.invoke_command("map"))
    [custom_id, *_] = view_ids(public.body)
    click = await fake.click(custom_id, public.id, user_id=OTHER_USER)
    reply = await one_message(fake, click)
    assert reply.ephemeral and reply is not public
    assert_shows_the_map(reply, engine)
    callback = fake.interactions[click].callback
    assert callback is not None and callback["type"] == CHANNEL_MESSAGE
