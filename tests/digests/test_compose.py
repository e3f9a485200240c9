"""What a digest says: rotation, key points, "What changed"."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.briefing import Claim
from bot.digests.compose import (
    DigestState,
    compose_digest,
    plan_digest,
    rotate,
    snapshot,
    what_changed,
)
from bot.render.text import to_text


def digests(loaded, count: int, state: DigestState | None = None):  # type: ignore[no-untyped-def]
    state = state or DigestState()
    out = []
    for _ in range(count):
        out.append(compose_digest(loaded, state, None))
        state = plan_digest(loaded, state).next_state
    return out, state


def spotlight(answer) -> str:  # type: ignore[no-untyped-def]
    return next(s.heading for s in answer.sections if s.heading.startswith("Spotlight: "))


def points(answer) -> list[str]:  # type: ignore[no-untyped-def]
    section = next(s for s in answer.sections if s.heading == "Key points")
    return [i.text for i in section.items]


def test_a_digest_has_every_part(river) -> None:  # type: ignore[no-untyped-def]
    [answer], _ = digests(river, 1)
    text = to_text(answer)
    briefing = river.briefing
    assert answer.title == f"Digest: {briefing.title}"
    assert answer.summary == briefing.summary.text
    headings = [s.heading for s in answer.sections]
    assert headings == ["Spotlight: Northland", "Key points", "What to watch"]
    assert briefing.watch[0].text in text
    assert briefing.source.attribution in answer.footer
    assert "digest list" in answer.footer  # a hint to the commands
    assert answer.citations, "every statement carries its quote"


def test_spotlight_rotates_through_every_actor_before_repeating(river) -> None:  # type: ignore[no-untyped-def]
    answers, _ = digests(river, 7)
    names = [spotlight(a).removeprefix("Spotlight: ") for a in answers]
    assert names == [
        "Northland",
        "Southland",
        "River Commission",
        "Northland",
        "Southland",
        "River Commission",
        "Northland",
    ]


def test_rotation_is_deterministic_and_survives_a_json_round_trip(river) -> None:  # type: ignore[no-untyped-def]
    _, state = digests(river, 2)
    again = DigestState.from_json(state.to_json())
    assert again == state
    assert spotlight(compose_digest(river, again, None)) == "Spotlight: River Commission"


def test_key_points_are_not_repeated_until_all_were_shown(river) -> None:  # type: ignore[no-untyped-def]
    answers, _ = digests(river, 3)
    shown = [points(a) for a in answers]
    assert all(len(p) == 2 for p in shown)
    kp = [c.text for c in river.briefing.key_points]
    assert shown[0] == [kp[0], kp[1]]
    # The third point completes the first round; the next round starts from the top.
    assert shown[1] == [kp[2], kp[0]]
    assert shown[2] == [kp[1], kp[2]]


@settings(deadline=None)
@given(
    keys=st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=8, unique=True),
    count=st.integers(1, 3),
    runs=st.integers(1, 30),
)
def test_rotate_never_repeats_within_a_round(keys: list[str], count: int, runs: int) -> None:
    seen: tuple[str, ...] = ()
    history: list[str] = []
    for _ in range(runs):
        picked, seen = rotate(keys, seen, count)
        assert len(picked) == min(count, len(keys)) and len(set(picked)) == len(picked)
        history.extend(picked)
    # Read in rounds of len(keys): each round is a permutation of the keys.
    for start in range(0, len(history) - len(keys) + 1, len(keys)):
        assert sorted(history[start : start + len(keys)]) == sorted(keys)


def _edit(loaded, **changes):  # type: ignore[no-untyped-def]
    briefing = loaded.briefing.model_copy(update=changes)
    return dataclasses.replace(loaded, briefing=briefing, fingerprint=loaded.fingerprint + "-v2")


def test_what_changed_lists_added_changed_and_removed_claims_per_actor(river) -> None:  # type: ignore[no-untyped-def]
    northland, southland, commission = river.briefing.actors
    evidence = northland.interests[0].evidence
    new_northland = northland.model_copy(
        update={
            "interests": [
                northland.interests[0].model_copy(
                    update={"text": "Northland now wants a bigger cap."}
                ),
                Claim(id="northland-power", text="Northland wants hydro power.", evidence=evidence),
            ]
        }
    )
    new_southland = southland.model_copy(update={"actions": []})
    edited = _edit(river, actors=[new_northland, new_southland, commission])
    _, state = digests(river, 1)  # the channel's last digest was of the original

    answer = compose_digest(edited, state, snapshot(river.briefing))

    changed = {
        s.heading: [i.text for i in s.items]
        for s in answer.sections
        if s.heading.startswith("What changed")
    }
    assert list(changed) == ["What changed: Northland", "What changed: Southland"]
    north = changed["What changed: Northland"]
    assert any(t.startswith("Changed interest: Northland now wants a bigger cap.") for t in north)
    assert "(was: " + northland.interests[0].text + ")" in " ".join(north)
    assert "Added interest: Northland wants hydro power." in north
    assert changed["What changed: Southland"] == [
        f"Removed action: {c.text}" for c in southland.actions
    ]
    assert answer.sections[0].heading.startswith("What changed"), "changes come first"


def test_no_what_changed_when_the_briefing_is_the_same(river) -> None:  # type: ignore[no-untyped-def]
    _, state = digests(river, 1)
    answer = compose_digest(river, state, snapshot(river.briefing))
    assert not any(s.heading.startswith("What changed") for s in answer.sections)


def test_no_what_changed_on_a_channels_first_digest(river) -> None:  # type: ignore[no-untyped-def]
    edited = _edit(river, key_points=river.briefing.key_points[:1])
    answer = compose_digest(edited, DigestState(), snapshot(river.briefing))
    assert not any(s.heading.startswith("What changed") for s in answer.sections)


def test_overall_changes_are_listed_too(river) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(river.briefing)
    after = snapshot(
        river.briefing.model_copy(update={"key_points": river.briefing.key_points[:2]})
    )
    [group] = what_changed(before, after)
    assert group.name == "Overall"
    assert [(c.kind, c.label) for c in group.changes] == [("removed", "key point")]
