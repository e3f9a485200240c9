"""The stance map in digests: a digest carries the map (``Answer.image``) when the stances
changed since the channel's last digest, and only then.

On virtual time, on the in-memory store and on SQLite (the fixtures of ``test_service``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bot.core.library import Library
from bot.core.loader import load_directory
from bot.digests.clock import VirtualClock
from bot.stance_map import IMAGE_KIND

from .conftest import FIXTURES
from .test_service import Factory, clock, run, start_service, tick  # noqa: F401 (fixtures)

DAY = 24 * 3600
STANCE = "      explanation: Northland wants more water for its farms and says the cap cannot last."
KEY_POINT = "    text: The 2024 treaty caps how much water Northland may divert upstream."


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Library:
    """The river-treaty fixture with ``old`` replaced by ``new`` (its quotes unchanged)."""
    target = tmp_path / name
    shutil.copytree(FIXTURES / "valid", target)
    yaml = target / "river-treaty.yaml"
    text = yaml.read_text()
    assert old in text
    yaml.write_text(text.replace(old, new))
    return Library.from_loaded(load_directory(target))


async def test_a_digest_carries_the_map_only_after_a_stance_changed(
    start_service: Factory,  # noqa: F811
    fixture_engine: Any,
    clock: VirtualClock,  # noqa: F811
    tmp_path: Path,
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00")
    await tick(service, clock, 10)  # the first digest: nothing to compare with, no map
    [first] = poster.posts
    assert first.answer.image is None

    # A key point is reworded: "What changed" says so, the map is the same.
    reworded = KEY_POINT.replace("caps how much", "limits how much")
    fixture_engine.library.swap(_edited(tmp_path, "kp", KEY_POINT, reworded))
    poster.posts.clear()
    await tick(service, clock, DAY)
    [second] = poster.posts
    assert any(s.heading.startswith("What changed") for s in second.answer.sections)
    assert second.answer.image is None

    # Northland's stance changes: the next digest shows the map, of the new version.
    moved = STANCE.replace("says the cap cannot last", "now says the cap could stay")
    library = _edited(tmp_path, "stance", STANCE, moved)
    fixture_engine.library.swap(library)
    poster.posts.clear()
    await tick(service, clock, DAY)
    [third] = poster.posts
    image = third.answer.image
    assert image is not None and image.kind == IMAGE_KIND
    loaded = library.get("river-treaty")
    assert (image.briefing, image.version) == ("river-treaty", loaded.fingerprint)
    assert "Northland" in image.alt_text and image.filename.endswith(".png")

    # Nothing changed since: no map.
    poster.posts.clear()
    await tick(service, clock, DAY)
    [fourth] = poster.posts
    assert fourth.answer.image is None
