"""Digests and many briefings: a subscription follows one briefing or the newest, and the next
digest after a briefing is added or changed says so in one line at its top.

On virtual time, on the in-memory store and on SQLite (the fixtures of ``test_service``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bot.core.answers import Tone
from bot.core.library import Library
from bot.core.loader import load_directory
from bot.digests.clock import VirtualClock
from bot.digests.compose import DigestState, briefing_news
from bot.render.text import to_text

from .conftest import FIXTURES
from .test_service import Factory, clock, run, start_service, tick  # noqa: F401 (fixtures)

DAY = 24 * 3600
RIVER = "Will the River Treaty Hold?"
HARBOUR = "Who Gets the Harbour?"
RAIL = "A Railway Across the Border"


def _library(*dirs: Path) -> Library:
    return Library.from_loaded([b for d in dirs for b in load_directory(d)])


def _edited_river(tmp_path: Path) -> Path:
    """The river-treaty fixture with one key point reworded (its quote unchanged)."""
    target = tmp_path / "river"
    shutil.copytree(FIXTURES / "valid", target)
    yaml = target / "river-treaty.yaml"
    text = yaml.read_text()
    old = "    text: The 2024 treaty caps how much water Northland may divert upstream."
    assert old in text
    yaml.write_text(text.replace(old, old.replace("caps how much", "limits how much")))
    return target


def _first_line(answer: Any) -> str:
    return answer.summary.split("\n", 1)[0]


async def test_new_and_updated_briefings_are_announced_once_at_the_top(
    start_service: Factory,  # noqa: F811
    fixture_engine: Any,
    clock: VirtualClock,  # noqa: F811
    tmp_path: Path,
) -> None:
    service, poster = await start_service()
    follows = await run(fixture_engine, "digest subscribe daily 09:00")  # the newest
    pinned = await run(
        fixture_engine, "digest subscribe daily 09:00 --channel #ops --briefing river-treaty"
    )
    assert follows.tone is Tone.INFO and pinned.tone is Tone.INFO, to_text(pinned)
    assert "It follows the newest briefing" in follows.summary
    assert "follows" not in pinned.summary

    await tick(service, clock, 10)  # Monday 09:00: the first digests, nothing to announce
    first = {p.channel: p.answer for p in poster.posts}
    assert set(first) == {"news", "ops"}
    for answer in first.values():
        assert answer.title == f"Digest: {RIVER}"
        assert not answer.summary.startswith(("New briefing", "Updated"))
        assert "--briefing" not in to_text(answer)  # one briefing: hints do not name it

    # Two briefings are added; the harbour one is the newest.
    fixture_engine.library.swap(_library(FIXTURES / "valid", FIXTURES / "multi"))
    poster.posts.clear()
    await tick(service, clock, DAY)
    second = {p.channel: p.answer for p in poster.posts}
    news = f"New briefings: {HARBOUR}; {RAIL} — briefings to list them"
    assert second["news"].title == f"Digest: {HARBOUR}"  # following the newest
    assert _first_line(second["news"]) == f"{news} · This digest is now about {HARBOUR}"
    assert second["ops"].title == f"Digest: {RIVER}"  # pinned
    assert _first_line(second["ops"]) == news
    # Another briefing is no "What changed" of this one; hints now name their briefing.
    assert not any(s.heading.startswith("What changed") for s in second["news"].sections)
    assert "--briefing harbour-lease" in to_text(second["news"])
    listed = to_text(await run(fixture_engine, "digest list"))
    assert f"Briefing: follows the newest briefing (now “{HARBOUR}”)" in listed
    assert "Briefing: river-treaty" in listed

    # Said once: the day after, nothing new.
    poster.posts.clear()
    await tick(service, clock, DAY)
    for post in poster.posts:
        assert not post.answer.summary.startswith(("New briefing", "Updated", "This digest"))

    # The river briefing's content changes.
    fixture_engine.library.swap(_library(_edited_river(tmp_path), FIXTURES / "multi"))
    poster.posts.clear()
    await tick(service, clock, DAY)
    fourth = {p.channel: p.answer for p in poster.posts}
    assert _first_line(fourth["ops"]) == f"Updated since the last digest: {RIVER}"
    assert _first_line(fourth["news"]) == f"Updated since the last digest: {RIVER}"
    changed = to_text(fourth["ops"])
    assert "What changed: Overall" in changed and "limits how much water" in changed


async def test_briefing_newest_overrides_the_channels_choice(
    start_service: Factory,  # noqa: F811
    fixture_engine: Any,
) -> None:
    fixture_engine.library.swap(_library(FIXTURES / "valid", FIXTURES / "multi"))
    service, _ = await start_service()
    await run(fixture_engine, "briefing use rail-link")
    channels = await run(fixture_engine, "digest subscribe daily 09:00")
    newest = await run(fixture_engine, "digest subscribe daily 10:00 --briefing newest")
    assert f"digest of “{RAIL}”" in channels.summary and "follows" not in channels.summary
    assert f"digest of “{HARBOUR}”" in newest.summary
    assert "It follows the newest briefing" in newest.summary
    by_hour = {s.schedule: s.briefing_id for s in await service.store.subscriptions.find()}
    assert sorted(by_hour.values(), key=str) == [None, "rail-link"]
    helped = to_text(await run(fixture_engine, "help digest subscribe"))
    assert "--briefing newest" in helped


def test_a_state_from_before_briefings_were_tracked_announces_nothing(river: Any) -> None:
    old = DigestState.from_json(
        '{"spotlight_seen": ["northland"], "points_seen": [], "fingerprint": "f", '
        '"briefing_id": "river-treaty"}'
    )
    assert old.briefings is None
    loaded = _library(FIXTURES / "valid", FIXTURES / "multi")
    assert briefing_news(old, loaded.briefings, river) == ""
    # once written with the briefings it saw, a new one is news
    seen = DigestState.from_json(
        json.dumps(
            {"briefing_id": "river-treaty", "briefings": {"river-treaty": river.fingerprint}}
        )
    )
    assert briefing_news(seen, loaded.briefings, river).startswith(f"New briefings: {HARBOUR}")
