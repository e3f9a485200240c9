"""What the schema cannot check field by field: a raw briefing's actor references and its ids.

``bot.core.loader`` runs these on the parsed YAML, whatever the schema check found, and reports
each problem at the line of its location:

- an actor reference (a relation's ``actor``, a timeline event's ``actors``) that names no
  actor's id (an actor's name instead of its id gets the id), and a relation of an actor to
  itself;
- a name or alias shared by two actors (compared the way ``bot.core.library`` resolves names:
  case-, accent- and punctuation-insensitively) and a duplicate actor id;
- a duplicate id among the claims, timeline events and figures, which share one id space.

Each check yields ``(location, message)`` in file order; ``first(location)`` words where a
duplicate was first seen ("first at line 12, actors[0].id"), which only the loader knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bot.core.textnorm import name_keys

__all__ = ["FieldPath", "actor_problems", "id_problems"]

FieldPath = tuple[str | int, ...]
Problem = tuple[FieldPath, str]


def actor_problems(data: dict[str, Any], first: Callable[[FieldPath], str]) -> Iterator[Problem]:
    """Duplicate actor ids, names shared by actors, and references that name no actor."""
    actors = data.get("actors")
    if not isinstance(actors, list):
        return
    ids: dict[str, FieldPath] = {}
    names: dict[str, tuple[str, FieldPath]] = {}  # folded name -> (actor id, where)
    for index, actor in enumerate(actors):
        if not isinstance(actor, dict) or not isinstance(actor.get("id"), str):
            continue
        actor_id: str = actor["id"]
        where: FieldPath = ("actors", index, "id")
        if actor_id in ids:
            yield where, f"duplicate actor id {actor_id!r} ({first(ids[actor_id])})"
            continue
        ids[actor_id] = where
        for location, label in _actor_labels(actor, index):
            for key in name_keys(label):
                owner = names.setdefault(key, (actor_id, location))
                if owner[0] != actor_id:
                    yield (
                        location,
                        f"{label!r} also names actor {owner[0]!r} ({first(owner[1])}); "
                        "names and aliases must be unique across actors",
                    )
                    break
    for index, actor in enumerate(actors):
        if not isinstance(actor, dict) or not isinstance(actor.get("relations"), list):
            continue
        for r, relation in enumerate(actor["relations"]):
            target = relation.get("actor") if isinstance(relation, dict) else None
            where = ("actors", index, "relations", r, "actor")
            if isinstance(target, str) and target not in ids:
                yield where, _unknown_actor(target, actors)
            elif target == actor.get("id"):
                yield where, "an actor cannot have a relation to itself"
    timeline = data.get("timeline")
    for index, event in enumerate(timeline if isinstance(timeline, list) else []):
        refs = event.get("actors") if isinstance(event, dict) else None
        for a, target in enumerate(refs if isinstance(refs, list) else []):
            if isinstance(target, str) and target not in ids:
                yield ("timeline", index, "actors", a), _unknown_actor(target, actors)


def id_problems(data: dict[str, Any], first: Callable[[FieldPath], str]) -> Iterator[Problem]:
    """Claims, timeline events and figures share one id space per briefing."""
    seen: dict[str, FieldPath] = {}
    for location, item in _identified_items(data):
        claim_id = item.get("id")
        if not isinstance(claim_id, str):
            continue
        where = (*location, "id")
        if claim_id in seen:
            yield where, f"duplicate id {claim_id!r} ({first(seen[claim_id])})"
        else:
            seen[claim_id] = where


def _unknown_actor(target: str, actors: list[Any]) -> str:
    from bot.core.loader_messages import actor_reference_message

    return actor_reference_message(target, actors)


def _identified_items(data: dict[str, Any]) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    if isinstance(data.get("summary"), dict):
        yield ("summary",), data["summary"]
    for section in ("key_points", "timeline", "figures", "watch"):
        yield from _dicts(data.get(section), (section,))
    actors = data.get("actors")
    for index, actor in enumerate(actors if isinstance(actors, list) else []):
        if isinstance(actor, dict):
            for section in ("interests", "constraints", "actions"):
                yield from _dicts(actor.get(section), ("actors", index, section))


def _dicts(items: Any, location: FieldPath) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield (*location, i), item


def _actor_labels(actor: dict[str, Any], index: int) -> Iterator[tuple[FieldPath, str]]:
    yield ("actors", index, "id"), actor["id"]
    if isinstance(actor.get("name"), str):
        yield ("actors", index, "name"), actor["name"]
    aliases = actor.get("aliases")
    for a, alias in enumerate(aliases if isinstance(aliases, list) else []):
        if isinstance(alias, str):
            yield ("actors", index, "aliases", a), alias
