"""Fixture briefings for the stance map, built from the schema (quotes are not checked here)."""

from __future__ import annotations

from typing import Any

from bot.core.briefing import Briefing

STANCES = (
    ("Driving the deal", "driving"),
    ("Supports it", "driving"),
    ("Facilitating", "engaged"),
    ("Cautiously engaged", "engaged"),
    ("Opposed", "opposed"),
    ("Rejects the plan", "opposed"),
    ("Not stated", "unclear"),
    ("Unclear", "unclear"),
    ("Wants a better price", "unclear"),  # no rule knows it: unclear, never a guessed side
)
KINDS = ("backs", "courted by", "warns", "opposed by", "at odds with", "partner of", "hosts")


def evidence(n: int = 1, paragraph: int = 1) -> list[dict[str, Any]]:
    return [{"quote": f"Sentence {paragraph}.{i}.", "paragraph": paragraph} for i in range(n)]


def actor(
    actor_id: str,
    name: str,
    label: str,
    *,
    relations: list[tuple[str, str]] = (),  # type: ignore[assignment]
    claims: int = 0,
) -> dict[str, Any]:
    return {
        "id": actor_id,
        "name": name,
        "kind": "state",
        "stance": {"label": label, "explanation": f"{name} says so.", "evidence": evidence()},
        "interests": [
            {"text": f"Interest {i}", "evidence": evidence(1, 2 + i)} for i in range(claims)
        ],
        "relations": [
            {
                "actor": other,
                "kind": kind,
                "text": f"{name} {kind} {other}.",
                "evidence": evidence(),
            }
            for other, kind in relations
        ],
    }


def briefing(actors: list[dict[str, Any]], *, briefing_id: str = "fixture") -> Briefing:
    return Briefing.model_validate(
        {
            "id": briefing_id,
            "title": "A fixture briefing",
            "added": "2026-01-01",
            "question": "Will it happen?",
            "source": {
                "title": "A fixture article",
                "publisher": "Fixture Press",
                "author": "A. Author",
                "text_file": "fixture.txt",
                "attribution": "Written for the tests.",
            },
            "summary": {"text": "Summary.", "evidence": evidence()},
            "key_points": [{"text": "Point.", "evidence": evidence()}],
            "actors": actors,
        }
    )


def thirty_actors() -> Briefing:
    """30 actors over every band, a ring of relations plus a hub, in every relation family."""
    people = []
    for i in range(30):
        label = STANCES[i % len(STANCES)][0]
        relations = [(f"a{(i + 1) % 30}", KINDS[i % len(KINDS)])]
        if i % 5 == 0 and i:
            relations.append(("a0", KINDS[(i + 3) % len(KINDS)]))
        people.append(actor(f"a{i}", f"Actor number {i}", label, relations=relations, claims=i % 4))
    return briefing(people, briefing_id="thirty")


def expected_band(label: str) -> str:
    return dict(STANCES)[label]
