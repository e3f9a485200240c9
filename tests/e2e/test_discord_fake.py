"""The Discord stand-in's checks catch what real Discord would reject (so a clean run means
something)."""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import discord
import pytest

from bot.app.settings import DiscordSettings, Settings
from bot.commands.engine import Engine
from bot.platforms.discord.service import DiscordService
from tests.fakes.discord import CHANNEL_ID, TOKEN, FakeDiscord
from tests.fakes.discord.rules import command_problems, message_problems, spec_validator

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
POST_MESSAGE = "/channels/{channel_id}/messages"


def test_spec_accepts_a_valid_callback_and_names_the_problem_of_a_bad_one() -> None:
    spec = spec_validator()
    ok = {
        "type": 4,
        "data": {
            "embeds": [{"title": "Turkey", "description": "…"}],
            "allowed_mentions": {"parse": []},
        },
    }
    assert spec.problems("POST", CALLBACK, ok) == []
    too_long = {"type": 4, "data": {"embeds": [{"title": "x" * 257}]}}
    [problem] = spec.problems("POST", CALLBACK, too_long)
    assert "data/embeds/0/title" in problem and "maxLength" in problem
    no_value = {"embeds": [{"fields": [{"name": "Interests"}]}]}
    [problem] = spec.problems("POST", POST_MESSAGE, no_value)
    assert "'value' is a required property" in problem


def test_command_rules() -> None:
    good = {
        "name": "actor",
        "description": "One actor",
        "options": [
            {"type": 3, "name": "name", "description": "Actor", "required": True},
            {"type": 3, "name": "briefing", "description": "Which", "required": False},
        ],
    }
    assert command_problems([good]) == []
    bad = {
        "name": "Actor",
        "description": "d" * 101,
        "options": [
            {"type": 3, "name": "briefing", "description": "Which", "required": False},
            {
                "type": 3,
                "name": "name",
                "description": "Actor",
                "required": True,
                "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
            },
        ],
    }
    problems = "\n".join(command_problems([bad]))
    for expected in (
        "invalid command name",
        "1-100 characters",
        "required option after",
        "26 choices",
    ):
        assert expected in problems


@pytest.mark.parametrize("name", ["brief", "dígest", "time_line", "x-1"])
def test_valid_names(name: str) -> None:
    assert command_problems([{"name": name, "description": "ok"}]) == []


def test_message_limits_across_embeds() -> None:
    half = {"description": "x" * 3500}
    assert message_problems({"embeds": [half]}) == []
    assert "7000 characters" in message_problems({"embeds": [half, half]})[0]


@pytest.mark.e2e
async def test_an_auto_sharded_client_finds_the_gateway_through_gateway_bot() -> None:
    async with FakeDiscord() as fake:
        saved = discord.http.Route.BASE
        discord.http.Route.BASE = fake.api_base
        client = discord.AutoShardedClient(intents=discord.Intents(guilds=True))
        task = asyncio.create_task(client.start(TOKEN))
        try:
            await fake.wait_for_identify()
            assert fake.requests_to("GET", "/gateway/bot")
            assert client.shard_count == 1
        finally:
            await client.close()
            await task
            discord.http.Route.BASE = saved
        fake.assert_clean()


def test_spec_checks_update_and_deferred_update_callbacks() -> None:
    spec = spec_validator()
    assert spec.problems("POST", CALLBACK, {"type": 6}) == []
    update = {"type": 7, "data": {"embeds": [{"title": "Interests", "description": "…"}]}}
    assert spec.problems("POST", CALLBACK, update) == []
    bad = {"type": 7, "data": {"embeds": [{"title": "x" * 257}]}}
    assert any("maxLength" in p for p in spec.problems("POST", CALLBACK, bad))


@pytest.mark.e2e
async def test_an_in_place_update_answers_only_a_click(engine: Engine) -> None:
    async with FakeDiscord() as fake:
        settings = Settings(
            discord=DiscordSettings(
                token=TOKEN, api_base=fake.api_base, gateway_url=fake.gateway_url
            )
        )
        service = DiscordService(settings, engine)
        await service.start()
        try:
            # A modal submit the bot never opened: it leaves it unanswered.
            iid = await fake._interact(5, {"custom_id": "nothing", "components": []})
            token = fake.interactions[iid].token
            async with aiohttp.ClientSession() as session:
                url = f"{fake.api_base}/interactions/{iid}/{token}/callback"
                async with session.post(url, json={"type": 7, "data": {"content": "x"}}) as reply:
                    assert reply.status == 400
        finally:
            await service.stop()
        assert any("answers only component clicks" in v for v in fake.violations)


# -- files: multipart requests and attachments ---------------------------------------------------


async def _post_files(
    fake: FakeDiscord, payload: dict[str, object], files: list[tuple[str, bytes]]
) -> tuple[int, dict[str, object]]:
    """POST a channel message as multipart (payload_json + files[n]), as discord.py sends it."""
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for index, (name, data) in enumerate(files):
        form.add_field(
            f"files[{index}]",
            io.BytesIO(data),
            filename=name,
            content_type="application/octet-stream",
        )
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.api_base}/channels/{CHANNEL_ID}/messages",
            data=form,
            headers={"Authorization": f"Bot {TOKEN}"},
        ) as response,
    ):
        return response.status, await response.json()


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


async def test_the_stand_in_keeps_files_and_refuses_an_embed_showing_a_missing_one() -> None:
    async with FakeDiscord() as fake:
        shown = {"embeds": [{"title": "Map", "image": {"url": "attachment://map.png"}}]}
        listed = {**shown, "attachments": [{"id": 0, "filename": "map.png", "description": "Alt"}]}
        status, body = await _post_files(fake, listed, [("map.png", PNG)])
        assert status == 200, body
        [message] = fake.channel_messages[CHANNEL_ID]
        [attachment] = message.attachments
        assert (attachment.filename, attachment.description) == ("map.png", "Alt")
        assert attachment.data == PNG and attachment.content_type == "image/png"
        assert body["attachments"] == [attachment.payload()]

        status, body = await _post_files(fake, shown, [("other.png", PNG)])
        assert status == 400 and body["code"] == 50035
        assert "url" in body["errors"]["embeds"]["0"]["image"]  # type: ignore[index]
        status, body = await _post_files(fake, {"content": "x"}, [("a.txt", b"a")] * 11)
        assert status == 400 and body["code"] == 50035
        big = b"\0" * (25 * 1024 * 1024 + 1)
        status, body = await _post_files(fake, {"content": "x"}, [("big.bin", big)])
        assert status == 413 and body["code"] == 40005
        assert len(fake.channel_messages[CHANNEL_ID]) == 1  # none of those was created
        assert len(fake.refused) == 3
        fake.refused.clear()
        fake.assert_clean()
