"""Many briefings: the listing, the default, a channel's own choice, cross-briefing offers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.composition import build_engine
from bot.commands.calls import META_STORE, Context, Services
from bot.commands.engine import Engine
from bot.core.answers import Tone
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.render.text import to_text
from tests.conftest import CONTENT_DIR, FIXTURES

MULTI = FIXTURES / "briefings" / "multi"
HERE = Context(platform="slack", workspace_id="T1", channel_id="C1", user_id="U1")
THERE = Context(platform="slack", workspace_id="T1", channel_id="C2", user_id="U1")


def _library(*dirs: Path, default: str | None = None) -> Library:
    loaded = [b for d in dirs for b in load_directory(d)]
    return Library.from_loaded(loaded, default_id=default)


def _engine(*dirs: Path, default: str | None = None, services: Services | None = None) -> Engine:
    return build_engine(LibraryHolder(_library(*dirs, default=default)), services=services)


async def test_the_listing_names_each_briefing_and_the_default() -> None:
    engine = _engine(MULTI, CONTENT_DIR)
    answer = await engine.execute_text("briefings", HERE)
    text = to_text(answer)
    assert answer.title == "3 briefings"
    assert "Who Gets the Harbour? — id harbour-lease, added 2026-03-01, 3 actors" in text
    assert "turkey-syria-rapprochement" in text and "rail-link" in text
    newest = max(_library(MULTI, CONTENT_DIR).briefings.values(), key=lambda b: b.briefing.added)
    assert f"Commands here use “{newest.briefing.title}”" in answer.summary
    assert "newest briefing is the default" in answer.summary


async def test_default_briefing_setting_wins_over_the_newest() -> None:
    engine = _engine(MULTI, CONTENT_DIR, default="rail-link")
    answer = await engine.execute_text("briefings", HERE)
    assert "A Railway Across the Border" in answer.summary
    assert "DEFAULT_BRIEFING" in answer.summary
    actors = await engine.execute_text("actors", HERE)
    assert "Eastvale" in to_text(actors)


async def test_a_channel_chooses_its_briefing_and_others_keep_the_default() -> None:
    engine = _engine(MULTI, CONTENT_DIR)
    chosen = await engine.execute_text("briefing use rail-link", HERE)
    assert chosen.title == "Channel default set", chosen.summary
    assert "Eastvale" in to_text(await engine.execute_text("actors", HERE))
    assert "Eastvale" not in to_text(await engine.execute_text("actors", THERE))
    # --briefing still picks another for one answer
    one = await engine.execute_text("actors --briefing harbour-lease", HERE)
    assert "Westmark" in to_text(one)
    cleared = await engine.execute_text("briefing use default", HERE)
    assert cleared.title == "Channel default cleared"
    assert "Eastvale" not in to_text(await engine.execute_text("actors", HERE))


async def test_choosing_needs_the_right_to_manage_the_channel() -> None:
    engine = _engine(MULTI, CONTENT_DIR)
    refused = await engine.execute_text(
        "briefing use rail-link", Context(platform="slack", channel_id="C1", can_manage=False)
    )
    assert refused.tone is Tone.ERROR and "manage this channel" in refused.summary


async def test_a_typo_in_the_briefing_id_gets_did_you_mean() -> None:
    engine = _engine(MULTI, CONTENT_DIR)
    answer = await engine.execute_text("briefing use rail-lnk", HERE)
    assert answer.tone is Tone.ERROR and "Did you mean rail-link?" in answer.summary


async def test_the_choice_survives_a_restart(tmp_path: Path) -> None:
    from bot.digests.storage import Store

    url = f"sqlite:///{tmp_path / 'b.db'}"
    store = await Store.open(url)
    services = Services()
    services.provide(META_STORE, store.meta)
    await _engine(MULTI, CONTENT_DIR, services=services).execute_text(
        "briefing use rail-link", HERE
    )
    await store.close()

    store = await Store.open(url)  # a new process: a new store, a new engine, an empty cache
    services = Services()
    services.provide(META_STORE, store.meta)
    restarted = _engine(MULTI, CONTENT_DIR, services=services)
    assert "Eastvale" in to_text(await restarted.execute_text("actors", HERE))
    await store.close()


async def test_an_actor_of_another_briefing_is_offered() -> None:
    engine = _engine(MULTI, CONTENT_DIR, default="harbour-lease")
    answer = await engine.execute_text("actor erdogan", HERE)
    assert answer.tone is Tone.ERROR
    assert "is not in this briefing (Who Gets the Harbour?)" in answer.summary
    assert "actor erdogan --briefing turkey-syria-rapprochement" in answer.summary


async def test_autocomplete_follows_the_channels_briefing() -> None:
    from bot.commands.registry import OptionKind

    engine = _engine(MULTI, CONTENT_DIR, default="harbour-lease")
    before = {c.value for c in engine.complete(OptionKind.ACTOR, "", context=HERE)}
    assert "westmark" in before and "eastvale" not in before
    await engine.execute_text("briefing use rail-link", HERE)
    after = {c.value for c in engine.complete(OptionKind.ACTOR, "", context=HERE)}
    assert "eastvale" in after and "westmark" not in after
    elsewhere = {c.value for c in engine.complete(OptionKind.ACTOR, "", context=THERE)}
    assert "westmark" in elsewhere


async def test_one_briefing_needs_no_lookup_and_lists_itself() -> None:
    engine = _engine(CONTENT_DIR)
    answer = await engine.execute_text("briefings", HERE)
    assert answer.title == "1 briefing"
    assert not answer.actions


@pytest.mark.parametrize("missing", ["nope"])
def test_an_unknown_default_briefing_falls_back_to_the_newest(missing: str) -> None:
    library = _library(MULTI, default=missing)
    assert library.default.briefing.id == "harbour-lease"
    assert not library.default_configured and library.requested_default == missing
