"""The validator's messages: what went wrong, in plain words, and what to write instead.

``bot.core.loader`` finds the problems; the message modules word them. Nothing here runs while
content is valid, so the loader stays fast at start-up. No message carries a parser's,
pydantic's or a regular expression's own text:

- a schema error (missing, unknown or wrong-typed field) is worded here: an unknown field, actor
  id or kind gets "did you mean …?"; an actor's name where its id belongs gets "use the id …";
  a ``TODO`` that ``briefbot new`` left says what to write;
- a quote that is not in the source is worded by ``bot.core.quote_messages`` (the closest
  sentence of the source, or the slip that explains it);
- a YAML syntax error is worded by ``bot.core.yaml_messages`` (the line to look at).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from rapidfuzz import fuzz, process

from bot.core.textnorm import fold, name_keys

if TYPE_CHECKING:
    from pydantic import BaseModel

# The schema (pydantic) is imported by the functions that word schema errors, so that
# `briefbot new`, which needs only TODO and slug_for, does not pay for it.

__all__ = [
    "TODO",
    "actor_reference_message",
    "schema_message",
    "shorten",
    "slug_for",
    "todo_fields",
    "todo_message",
]

#: What ``briefbot new`` writes where the author has to write something; the loader refuses it.
TODO = "TODO"

FieldPath = tuple[str | int, ...]

# --- schema errors --------------------------------------------------------------------------

_NOUNS = {
    "Briefing": "a briefing",
    "Source": "the source",
    "Claim": "a claim",
    "Evidence": "an evidence item",
    "Stance": "a stance",
    "Relation": "a relation",
    "Actor": "an actor",
    "TimelineEvent": "a timeline event",
    "Figure": "a figure",
    "SourceNote": "a source note",
}
NOTE_KINDS = ("slip", "repetition", "gap", "boilerplate", "other")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}


def schema_message(error: dict[str, Any], data: dict[str, Any]) -> str | None:
    """A pydantic error of the briefing schema in plain words (None: reported elsewhere).

    ``data`` is the raw briefing, for suggestions (the missing field an unknown one may be, the
    actors an id may name).
    """
    kind, value = str(error["type"]), error.get("input")
    location: FieldPath = tuple(error["loc"])
    last = location[-1] if location else ""
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field_message(location, data)
    if kind == "string_pattern_mismatch":
        return _pattern_message(location, value, data)
    if kind == "string_type":
        if isinstance(value, date):
            return f'must be text, not a date: put it in quotes: "{value}"'
        if value is None:
            return "is empty: write a value"
        if isinstance(value, bool | int | float):
            return f'must be text, not a number: put it in quotes: "{value}"'
        return f"must be text, not {_kind(value)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        noun = "the paragraph's number, counted from 1" if last == "paragraph" else "a whole number"
        return f"must be {noun}{_got(value)}"
    if kind == "list_type":
        return f"must be a list (one '- ' line per item){_got(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if location and location[-2:-1] == ("evidence",):
            return f"each evidence item needs a quote and a paragraph{_got(value)}"
        return f"must be a mapping of fields (name: value lines){_got(value)}"
    if kind == "literal_error":
        return _choice_message(location, value)
    if kind == "too_short":
        return f"needs at least one {_item_noun(location)}, and it is empty"
    if kind == "string_too_short":
        return "is empty: write a value"
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        size = len(value) if isinstance(value, str) else None
        return f"is too long: at most {limit} characters" + (f" (it has {size})" if size else "")
    if kind in {"greater_than_equal", "greater_than"}:
        if last == "paragraph":
            return "must be 1 or more: paragraphs are counted from 1"
        return f"is too small{_got(value)}"
    return f"is not a valid value here{_got(value)}"


def _unknown_field_message(location: FieldPath, data: dict[str, Any]) -> str:
    field = str(location[-1])
    model = _model_at(location[:-1])
    allowed = list(model.model_fields) if model else []
    guess = _suggest(field, allowed)
    if guess:
        return f"unknown field {field!r}; did you mean {guess!r}?"
    parent = _value_at(data, location[:-1])
    missing = [
        name
        for name, info in (model.model_fields.items() if model else [])
        if info.is_required() and isinstance(parent, dict) and name not in parent
    ]
    if len(missing) == 1:
        return f"unknown field {field!r}; is it {missing[0]!r}, which is missing?"
    noun = _NOUNS.get(model.__name__, "this") if model else "this"
    return f"unknown field {field!r} ({noun} has: {', '.join(allowed)})"


def _pattern_message(location: FieldPath, value: Any, data: dict[str, Any]) -> str | None:
    last = location[-1] if location else ""
    text = str(value)
    if _is_actor_reference(location):
        # The actor check (which knows every actor) words this one.
        return None if isinstance(data.get("actors"), list) else "must be an actor's id"
    if last == "added":
        return f'must be a date written "YYYY-MM-DD", in quotes (e.g. "2026-01-31"){_got(value)}'
    if last == "sort_key":
        guess = _sort_key_for(text)
        hint = f'; for {text!r} write "{guess}"' if guess else ""
        return (
            'must be the date as a sort key, as precise as the article: "2022", "2022-12" or '
            f'"2022-12-05", in quotes{hint}'
        )
    if last == "kind" and "source_notes" in location:
        guess = _suggest(text, NOTE_KINDS)
        known = ", ".join(NOTE_KINDS)
        if guess:
            return f"unknown kind {text!r}; did you mean {guess!r}? (one of: {known})"
        return f"unknown kind {text!r} (one of: {known})"
    suggestion = slug_for(text)
    hint = f"; try {suggestion!r}" if suggestion and suggestion != text else ""
    return (
        "must be an id: lower-case letters, digits and hyphens, starting with a letter or "
        f"digit{hint}"
    )


def _choice_message(location: FieldPath, value: Any) -> str:
    """A value outside a field's fixed set: the closest one, and the set."""
    model = _model_at(location[:-1])
    field = model.model_fields.get(str(location[-1])) if model else None
    choices = [str(c) for c in _literal_values(field.annotation)] if field else []
    name = location[-1] if location else "value"
    text = str(value)
    known = ", ".join(choices)
    guess = _suggest(text, choices)
    if guess:
        return f"unknown {name} {text!r}; did you mean {guess!r}? (one of: {known})"
    return f"unknown {name} {text!r} (one of: {known})" if known else f"unknown {name} {text!r}"


def _literal_values(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    values: list[Any] = []
    for arg in get_args(annotation):
        values += _literal_values(arg)
    return values


def _is_actor_reference(location: FieldPath) -> bool:
    if len(location) >= 2 and location[-1] == "actor" and location[-3:-2] == ("relations",):
        return True
    return len(location) >= 3 and location[0] == "timeline" and location[-2] == "actors"


def actor_reference_message(target: str, actors: Sequence[Any]) -> str:
    """An actor reference that names no actor's id: the id it means, or the ids there are."""
    unique: dict[str, dict[str, Any]] = {}  # a duplicate id is reported on its own
    for actor in actors:
        if isinstance(actor, dict) and isinstance(actor.get("id"), str):
            unique.setdefault(actor["id"], actor)
    ids = list(unique)
    keys = set(name_keys(target))
    for actor in unique.values():
        labels = [actor.get("name"), *(actor.get("aliases") or [])]
        if any(isinstance(n, str) and keys & set(name_keys(n)) for n in labels):
            return f"use the id {actor['id']!r}, not the name {target!r}"
    known = ", ".join(ids) or "none"
    guess = _suggest(target, ids)
    if guess:
        return f"unknown actor {target!r}; did you mean {guess!r}? (actors: {known})"
    return f"unknown actor {target!r} (actors: {known})"


def _model_at(location: FieldPath) -> type[BaseModel] | None:
    """The schema model that the mapping at ``location`` is validated as."""
    from bot.core.briefing import Briefing

    model: type[BaseModel] = Briefing
    for part in location:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _inner_model(field.annotation) if field else None
        if inner is None:
            return None
        model = inner
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in {list, Union, types.UnionType}:
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _value_at(data: Any, location: FieldPath) -> Any:
    for part in location:
        if isinstance(part, int) and isinstance(data, list) and part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def _item_noun(location: FieldPath) -> str:
    last = location[-1] if location else ""
    return {
        "evidence": "evidence item (a quote and its paragraph)",
        "key_points": "key point",
        "actors": "actor",
    }.get(str(last), "item")


def _sort_key_for(when: str) -> str | None:
    """ "Dec 2022" → "2022-12"; "2022/12/05" → "2022-12-05"; None if no year is in it."""
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", when)
    if year is None:
        return None
    numbers = re.fullmatch(r"\s*(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?\s*", when)
    if numbers:
        parts = [numbers.group(1), numbers.group(2).zfill(2)]
        if numbers.group(3):
            parts.append(numbers.group(3).zfill(2))
        return "-".join(parts)
    for word in re.findall(r"[a-z]+", when.lower()):
        if word in _MONTHS:
            return f"{year.group(1)}-{_MONTHS[word]:02d}"
    return year.group(1)


def slug_for(text: str) -> str:
    """An id made from ``text``: "Recep Tayyip Erdoğan" → "recep-tayyip-erdogan"."""
    return fold(text).replace(" ", "-")[:64].strip("-")


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    if not choices or not word:
        return None
    found = process.extractOne(
        word.casefold(), [c.casefold() for c in choices], scorer=fuzz.ratio, score_cutoff=70
    )
    return choices[found[2]] if found else None


def todo_fields(data: Any, location: FieldPath = ()) -> Iterator[FieldPath]:
    """Every field of the raw briefing still holding a ``TODO`` from ``briefbot new``."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key != "quote":
                yield from todo_fields(value, (*location, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from todo_fields(item, (*location, index))
    elif isinstance(data, str) and data.lstrip().startswith(TODO):
        yield location


def todo_message(location: FieldPath) -> str:
    """What to do about a ``TODO`` left at ``location``."""
    last = location[-1] if location else ""
    if last == "text" and location[:1] != ("source",):
        return (
            "still a TODO from `briefbot new`: write the claim its evidence supports, in your "
            "own words, or delete this candidate"
        )
    return "still a TODO from `briefbot new`: write it"


# --- small helpers --------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else "something else"
    )


def _got(value: Any) -> str:
    if value is None:
        return " (the value is empty)"
    if isinstance(value, dict | list):
        return f" (got {_kind(value)})"
    if isinstance(value, str):
        return f" (got {shorten(repr(value))})"
    return f" (got {shorten(str(value))})"


def shorten(text: str, limit: int = 60) -> str:
    """``text``, cut to at most ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
