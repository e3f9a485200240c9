"""Warming up before connecting (issue 15): the first command after "ready" finds its first view
built and rendered, so it measures no candidate pages and renders nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import warmup
from bot.app.settings import DiscordSettings, Settings, SlackSettings
from bot.commands.calls import Context, Invocation
from bot.platforms.discord import messages as discord_messages
from bot.platforms.slack import messages as slack_messages
from bot.platforms.views import first
from bot.render import views


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every candidate page ``bot.render.views`` measures from now on."""
    pages: list[Any] = []
    real = views.fits

    def counting(view: Any) -> bool:
        pages.append(view)
        return real(view)

    monkeypatch.setattr(views, "fits", counting)
    return pages


async def test_the_first_actor_answer_after_warming_measures_and_renders_nothing(
    engine: Any, measured: list[Any]
) -> None:
    settings = Settings(
        discord=DiscordSettings(token="x"), slack=SlackSettings(bot_token="x", app_token="x")
    )
    assert await warmup.warm(engine, settings) == len(warmup.invocations(engine))
    assert measured  # warming built the first views
    measured.clear()
    discord_hits = discord_messages.render.cache_info().hits
    slack_hits = slack_messages._render_cached.cache_info().hits

    for platform in ("discord", "slack"):
        context = Context(platform=platform, channel_id="C1")
        for name in ("Turkey", "turkey"):  # by name and by id, as warmed
            invocation = Invocation("actor", {"name": name}, context)
            shown = first(await engine.execute(invocation), invocation)
            assert shown.title.startswith("Turkey")
            if platform == "discord":
                assert discord_messages.render(shown)[0]["embeds"]
            else:
                assert slack_messages.render(shown)[0]["blocks"]

    assert measured == []
    assert discord_messages.render.cache_info().hits == discord_hits + 2
    assert slack_messages._render_cached.cache_info().hits == slack_hits + 2


async def test_an_answer_not_warmed_still_gets_its_first_view(
    engine: Any, measured: list[Any]
) -> None:
    await warmup.warm(engine, Settings(discord=DiscordSettings(token="x")))
    measured.clear()
    context = Context(platform="discord", channel_id="C1")
    invocation = Invocation("actor", {"name": "TURKEY"}, context)  # another spelling: not warm

    shown = first(await engine.execute(invocation), invocation)

    assert shown.title.startswith("Turkey") and measured
