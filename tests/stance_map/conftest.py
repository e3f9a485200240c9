from __future__ import annotations

import pytest

from bot.core.briefing import Briefing
from bot.core.library import Library
from tests.stance_map import builders


@pytest.fixture(scope="session")
def shipped(library: Library) -> Briefing:
    return library.get(None).briefing


LONG = (
    "The Extraordinarily Long-Named Interministerial Coordination Committee for the "
    "Reconstruction of the Northern Provinces and Their Waterways"
)


@pytest.fixture(scope="session")
def fixtures() -> dict[str, Briefing]:
    """The fixture briefings of the issue: 1, 2 and 30 actors, long names, no relations."""
    b = builders
    return {
        "one": b.briefing([b.actor("solo", "Solo State", "Driving the deal")], briefing_id="one"),
        "two": b.briefing(
            [
                b.actor("a", "Alpha", "Supports it", relations=[("b", "courts")]),
                b.actor("b", "Beta", "Opposed", relations=[("a", "courted by")]),
            ],
            briefing_id="two",
        ),
        "thirty": b.thirty_actors(),
        "long-names": b.briefing(
            [
                b.actor(
                    "long",
                    LONG,
                    "Cautiously engaged in the talks but wary of the price",
                    relations=[("x", "supporter of")],
                ),
                b.actor(
                    "x",
                    "Supercalifragilisticexpialidociousland",
                    "Rejects the plan",
                    relations=[("long", "threatened by")],
                ),
                b.actor("y", "Ümraniye Çevre Koruma Derneği", "Not stated"),
            ],
            briefing_id="long-names",
        ),
        "no-relations": b.briefing(
            [b.actor(f"n{i}", f"Nation {i}", builders.STANCES[i][0]) for i in range(6)],
            briefing_id="no-relations",
        ),
    }
