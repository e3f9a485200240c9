"""The validator's messages: what went wrong, in plain words, and what to write instead.

``bot.core.loader`` finds the problems; this module words them. Nothing here runs while content
is valid, so the loader stays fast at start-up. No message carries a parser's, pydantic's or a
regular expression's own text:

- a quote that is not in the source gets the closest sentence of the source (rapidfuzz), with
  its paragraph and the differing words marked, or is named as a case, accent, punctuation or
  quote-mark slip when that is all that differs;
- an unknown field, actor id or kind gets "did you mean …?"; an actor's name where its id belongs
  gets "use the id …";
- a YAML syntax error is explained with the line to look at.
"""

from __future__ import annotations

import difflib
import itertools
import re
import types
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from rapidfuzz import fuzz, process

from bot.core.sentences import split_sentences
from bot.core.textnorm import fold, name_keys

if TYPE_CHECKING:
    from pydantic import BaseModel

# The schema (pydantic) is imported by the functions that word schema errors, so that
# `briefbot new`, which needs only TODO and slug_for, does not pay for it.

__all__ = [
    "TODO",
    "QuoteSlip",
    "actor_reference_message",
    "find_slip",
    "quote_not_found_message",
    "schema_message",
    "slug_for",
    "todo_fields",
    "yaml_error",
]

#: What ``briefbot new`` writes where the author has to write something; the loader refuses it.
TODO = "TODO"

FieldPath = tuple[str | int, ...]

# --- quotes ---------------------------------------------------------------------------------

#: Quote marks, apostrophes, dashes and dots an author may type differently from the source.
_TYPOGRAPHY = {
    **dict.fromkeys("'\"‘’‚‛“”„‟«»‹›`´ʼʹʺ′″〝〞＂＇", "'"),
    **dict.fromkeys("-‐‑‒–—―−﹘﹣－", "-"),
    "…": "...",
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u2060": "",  # word joiner
    "\ufeff": "",
}
_TYPOGRAPHY_TABLE = str.maketrans(_TYPOGRAPHY)


@dataclass(frozen=True)
class QuoteSlip:
    """A quote that is in the source once a slip is forgiven: what kind, where, and as written."""

    #: "typography", "case", "accents", "case and accents", "punctuation" or
    #: "case and punctuation" (accents may differ too in the last two).
    kind: str
    #: Paragraphs (from 1) where the forgiving match is found; the cited one first if there.
    paragraphs: tuple[int, ...]
    #: The source's own words for the quote (white space collapsed), from ``paragraphs[0]``.
    source: str


# (name, case-insensitive, accent-insensitive, punctuation-insensitive), tried in this order.
_LEVELS = (
    ("typography", False, False, False),
    ("case", True, False, False),
    ("accents", False, True, False),
    ("case and accents", True, True, False),
    ("punctuation", False, False, True),
    ("case and punctuation", True, True, True),
)
_SLIP_WORDS = {
    "typography": "only in its quote marks, apostrophes, dashes or dots",
    "case": "only in case",
    "accents": "only in accents",
    "case and accents": "only in case and accents",
    "punctuation": "only in punctuation",
    "case and punctuation": "only in case and punctuation",
}


def find_slip(quote: str, paragraphs: Sequence[str], cited: int) -> QuoteSlip | None:
    """The mildest slip that explains why ``quote`` is not in the source, if one does."""
    for name, case, accents, punctuation in _LEVELS:
        needle = _project(quote, case, accents, punctuation)[0].strip()
        if not needle:
            continue
        order = [cited - 1] if 1 <= cited <= len(paragraphs) else []
        order += [i for i in range(len(paragraphs)) if i != cited - 1]
        found: list[int] = []
        source = ""
        for index in order:
            hay, positions = _project(paragraphs[index], case, accents, punctuation)
            at = hay.find(needle)
            if at < 0:
                continue
            if not found:
                source = _source_words(
                    quote, paragraphs[index], positions[at], positions[at + len(needle) - 1] + 1
                )
            found.append(index + 1)
        if found:
            return QuoteSlip(name, tuple(found), source)
    return None


def _source_words(quote: str, paragraph: str, start: int, end: int) -> str:
    """The source's words from ``start`` to ``end``, with the punctuation the quote has around
    them (a forgiving match leaves it out)."""
    paragraph = unicodedata.normalize("NFC", paragraph)
    if quote.strip() and not quote.strip()[-1].isalnum():
        while (
            end < len(paragraph) and not paragraph[end].isalnum() and not paragraph[end].isspace()
        ):
            end += 1
    if quote.strip() and not quote.strip()[0].isalnum():
        while (
            start > 0 and not paragraph[start - 1].isalnum() and not paragraph[start - 1].isspace()
        ):
            start -= 1
    return " ".join(paragraph[start:end].split())


def quote_not_found_message(quote: str, paragraphs: Sequence[str], cited: int) -> str:
    """Why ``quote`` is not in the source: a named slip, or the closest sentence, marked."""
    slip = find_slip(quote, paragraphs, cited)
    if slip is not None:
        where = _paragraph_words(slip.paragraphs, cited)
        message = (
            f"quote differs from the source {_SLIP_WORDS[slip.kind]}: {where} reads "
            f"“{_short(slip.source, 120)}”"
        )
        changes = _word_changes(quote, slip.source)
        if changes:
            message += f" ({changes})"
        if slip.kind == "typography" and len(slip.paragraphs) == 1:
            message += "; `briefbot validate --fix` copies the source's characters"
        return message
    best = _closest(quote, paragraphs, cited)
    if best is None:
        return (
            f"quote not found in the source text, and no sentence of the source is close to "
            f"it: “{_short(quote)}”"
        )
    number, passage = best
    marked, changes = _mark_differences(quote, passage)
    message = f"quote not found in the source text; closest is paragraph {number}: “{marked}”"
    return f"{message} ({changes})" if changes else message


@lru_cache(maxsize=4096)
def _project(text: str, case: bool, accents: bool, punctuation: bool) -> tuple[str, list[int]]:
    """``text`` in a forgiving form, and for each of its characters the index it came from.

    Typographic forms and white space are always forgiven; with ``punctuation`` only letters and
    digits are kept (so "cost-effective" matches "cost effective").
    """
    out: list[str] = []
    positions: list[int] = []
    text = unicodedata.normalize("NFC", text)
    for index, char in enumerate(text):
        if char.isspace():
            if not punctuation and out and out[-1] != " ":
                out.append(" ")
                positions.append(index)
            continue
        mapped = char.translate(_TYPOGRAPHY_TABLE)
        if accents:
            mapped = "".join(
                c for c in unicodedata.normalize("NFD", mapped) if not unicodedata.combining(c)
            ).replace("ı", "i")
        if case:
            mapped = mapped.lower()
        for piece in mapped:
            if punctuation and not piece.isalnum():
                continue
            out.append(piece)
            positions.append(index)
    while out and out[-1] == " ":
        out.pop()
        positions.pop()
    return "".join(out), positions


def _closest(quote: str, paragraphs: Sequence[str], cited: int) -> tuple[int, str] | None:
    """The paragraph and passage of the source most like ``quote`` (None if nothing is close)."""
    needle = _comparable(quote)
    best: tuple[float, int, str] | None = None
    for number, paragraph in enumerate(paragraphs, 1):
        sentences = split_sentences(paragraph)
        candidates = sentences + [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
        for sentence in candidates:
            hay = _comparable(sentence)
            if len(needle) < 0.9 * len(hay):
                score = fuzz.partial_ratio(needle, hay)
            else:
                score = fuzz.ratio(needle, hay)
            score += 0.5 if number == cited else 0.0  # ties go to the cited paragraph
            if best is None or score > best[0]:
                best = (score, number, sentence)
    if best is None or best[0] < 60:
        return None
    _, number, sentence = best
    return number, _aligned_passage(quote, sentence)


def _comparable(text: str) -> str:
    return _project(text, True, True, False)[0]


def _aligned_passage(quote: str, sentence: str) -> str:
    """The part of ``sentence`` that ``quote`` tries to be, widened to whole words."""
    if len(quote) >= 0.9 * len(sentence):
        return sentence
    alignment = fuzz.partial_ratio_alignment(_comparable(quote), _comparable(sentence))
    if alignment is None:
        return sentence
    # _comparable keeps the sentence's length (it is already white-space collapsed) except for
    # the few characters accents and ellipses expand or drop: close enough to widen to words.
    start, end = alignment.dest_start, alignment.dest_end
    while start > 0 and not sentence[start - 1].isspace():
        start -= 1
    while end < len(sentence) and not sentence[end].isspace():
        end += 1
    passage = sentence[start:end].strip()
    return ("…" if start > 0 else "") + passage + ("…" if end < len(sentence) else "")


_TOKEN = re.compile(r"\w+(?:[’'-]\w+)*|[^\w\s]")


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _mark_differences(quote: str, passage: str) -> tuple[str, str]:
    """``passage`` with the words the quote gets wrong in [brackets], and those changes listed."""
    q, p = _tokens(quote), _tokens(passage.strip("…"))
    offset = 1 if passage.startswith("…") else 0
    matcher = difflib.SequenceMatcher(
        None, [_comparable(t.group()) for t in q], [_comparable(t.group()) for t in p], False
    )
    marks: list[tuple[int, int]] = []
    changes: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        written = quote[q[i1].start() : q[i2 - 1].end()] if i2 > i1 else ""
        source = passage[offset + p[j1].start() : offset + p[j2 - 1].end()] if j2 > j1 else ""
        if source:
            marks.append((offset + p[j1].start(), offset + p[j2 - 1].end()))
        if written and source:
            changes.append(f"“{_short(written, 40)}” → “{_short(source, 40)}”")
        elif source:
            changes.append(f"missing “{_short(source, 40)}”")
        else:
            changes.append(f"“{_short(written, 40)}” is not in the source")
    marked = passage
    for start, end in reversed(marks):
        marked = f"{marked[:start]}[{marked[start:end]}]{marked[end:]}"
    listed = ", ".join(changes[:3]) + (f", and {len(changes) - 3} more" if len(changes) > 3 else "")
    return _short(marked, 240), listed


def _word_changes(quote: str, source: str) -> str:
    """Which words of ``quote`` are written differently in ``source``: "Unless → unless"."""
    q, s = quote.split(), source.split()
    if len(q) != len(s):
        return ""
    pairs = [f"{a} → {b}" for a, b in zip(q, s, strict=True) if a != b]
    return ", ".join(pairs[:3]) + (", …" if len(pairs) > 3 else "")


def _paragraph_words(found: tuple[int, ...], cited: int) -> str:
    if found[0] == cited:
        return f"paragraph {cited}"
    return f"paragraph {found[0]} (not {cited})"


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


# --- YAML syntax errors ---------------------------------------------------------------------

_KEY = re.compile(r"""([A-Za-z_][\w-]*|"[^"]*"|'[^']*')[ \t]*:(?:[ \t]|$)""")


def yaml_error(exc: Any, text: str) -> tuple[int, str, str]:
    """A PyYAML error as ``(line, field, message)`` in plain words; ``line`` counts from 1."""
    problem = f"{exc.context or ''} {exc.problem or ''}" if hasattr(exc, "problem") else str(exc)
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    lines = text.splitlines()
    if mark is None:
        return 1, "(root)", "malformed YAML: " + _FALLBACK
    line, column = mark.line, mark.column
    message = _FALLBACK
    here = lines[line] if line < len(lines) else ""
    if "mapping values are not allowed" in problem:
        key = _KEY.match(here.lstrip(" -"))
        key_colon = len(here) - len(here.lstrip(" -")) + (key.end(1) if key else -9)
        if key and column in {key_colon, key_colon + 1}:
            message = "this line is indented more than the field above it; line them up"
        else:
            message = _colon_message(here)
    elif "cannot start any token" in problem or "tab character" in problem:
        char = here[column] if column < len(here) else ""
        if char == "\t" or "tab" in problem:
            message = "a tab character: indent with spaces only"
        else:
            message = f"a value cannot start with {char!r}: put the whole value in quotes"
    elif "quoted scalar" in problem and "end of stream" in problem and context_mark:
        line, column = context_mark.line, context_mark.column
        message = "the quote that opens this value is never closed"
    elif "escape character" in problem:
        message = (
            "a backslash in a double-quoted value starts an escape: write \\\\ for a "
            "backslash, or put the value in single quotes"
        )
    elif "could not find expected ':'" in problem and context_mark:
        line, column = context_mark.line, context_mark.column
        message = (
            "this line is neither a field (name: value) nor a list item (- …); if it "
            "continues the value above, indent it more than that field's name"
        )
    elif "flow sequence" in problem or "flow mapping" in problem or "flow node" in problem:
        opened = _opening_bracket(lines, line, column)
        if opened is not None:
            line, column = opened
        bracket = lines[line][column] if line < len(lines) and column < len(lines[line]) else "["
        closing = {"[": "]", "{": "}"}.get(bracket, "]")
        message = (
            f"the {bracket} opened here is never closed with {closing} (a value that starts "
            f"with {bracket} must be a whole list, or be put in quotes)"
        )
    elif "expected key" in problem or "block end" in problem or "expected '-'" in problem:
        before = here[:column].rstrip()
        opened = _unbalanced_quote_before(lines, line, before)
        if opened is not None:
            line, column = opened
            message = (
                "the quote that opens this value is not closed on its line, so the value runs "
                f"on to the next quote mark (line {mark.line + 1})"
            )
        elif before.endswith(("'", '"')) and _KEY.match(here.lstrip(" -")):
            message = (
                "the value's closing quote is followed by more text: to use quote marks inside "
                "a value, put it in the other kind of quotes (or use “curly” ones)"
            )
        elif here.lstrip().startswith("-"):
            message = "this list item does not line up with the items or fields above it"
        else:
            message = "this line is not indented like the fields above it"
    elif "sequence entries are not allowed" in problem:
        message = "a list cannot start on the same line as its field: put each '- item' below it"
    elif "alias" in problem or "anchor" in problem:
        message = "a value cannot start with '*' or '&': put the whole value in quotes"
    elif "constructor for the tag" in problem:
        message = "a value cannot start with '!': put the whole value in quotes"
    elif "another document" in problem:
        message = "a second document ('---') starts here; a briefing file holds one"
    elif "comment or line break" in problem:
        message = "unexpected text after the value on this line"
    field = _path_at_line(lines, line)
    return line + 1, field, f"malformed YAML (column {column + 1}): {message}"


_FALLBACK = "the file cannot be read here: check this line's quotes, colons and indentation"


def _colon_message(line: str) -> str:
    key = _KEY.match(line.lstrip(" -"))
    message = "the value contains a colon and a space: put the whole value in quotes"
    if key:
        value = line.lstrip(" -")[key.end() :].strip()
        if value and '"' not in value:
            message += f', like {key.group(1)}: "{_short(value, 50)}"'
    return message


def _unbalanced_quote_before(lines: list[str], line: int, before: str) -> tuple[int, int] | None:
    """Where a quoted value opened when the quote closing it on ``line`` has no opener there."""
    if not before.endswith(('"', "'")):
        return None
    char = before[-1]
    if before.count(char) % 2 == 0:
        return None  # opened and closed on this line
    for number in range(line - 1, -1, -1):
        text = lines[number]
        item = text.lstrip(" -")
        key = _KEY.match(item)
        value = item[key.end() :].lstrip() if key else item
        if value.startswith(char) and value.count(char) % 2 == 1:
            return number, text.index(char)
    return None


def _opening_bracket(lines: list[str], line: int, column: int) -> tuple[int, int] | None:
    """Where the unclosed ``[`` or ``{`` before ``line``/``column`` is (outside quotes)."""
    for number in range(min(line, len(lines) - 1), -1, -1):
        text = lines[number][: column if number == line else None]
        depth, in_quote = 0, ""
        last: int | None = None
        for index, char in enumerate(text):
            if in_quote:
                in_quote = "" if char == in_quote else in_quote
            elif char in "'\"" and (index == 0 or text[index - 1] in " :[{,-"):
                in_quote = char
            elif char == "#" and (index == 0 or text[index - 1] == " "):
                break
            elif char in "[{":
                depth += 1
                last = index
            elif char in "]}":
                depth -= 1
        if depth > 0 and last is not None:
            return number, last
    return None


def _path_at_line(lines: list[str], line: int) -> str:
    """The dotted field path a block-style YAML line belongs to, read from indentation alone.

    Good enough to say where a syntax error is when the file cannot be parsed; ``(root)`` when
    the line belongs to no field.
    """
    frames: list[tuple[int, str | int]] = []  # (column, key or list index), outermost first
    block_scalar_of: int | None = None
    for number, raw in enumerate(lines[: line + 1]):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        column = len(raw) - len(raw.lstrip(" "))
        if block_scalar_of is not None and column > block_scalar_of:
            continue  # the text of a | or > value
        block_scalar_of = None
        rest = raw[column:]
        placed = False
        while rest == "-" or rest.startswith("- "):
            while frames and frames[-1][0] > column:
                frames.pop()
            index = 0
            if frames and frames[-1][0] == column and isinstance(frames[-1][1], int):
                index = int(frames.pop()[1]) + 1
            frames.append((column, index))
            placed = True
            after = rest[1:]
            column += 1 + len(after) - len(after.lstrip(" "))
            rest = after.lstrip(" ")
        key = _KEY.match(rest)
        if key:
            while frames and frames[-1][0] >= column:
                frames.pop()
            frames.append((column, key.group(1).strip("'\"")))
            if rest[key.end() :].strip().startswith(("|", ">")):
                block_scalar_of = column
        elif number == line and not placed and (not frames or column <= frames[-1][0]):
            while frames and frames[-1][0] >= column:
                frames.pop()  # not a continuation of the field above: it belongs to a parent
    out = ""
    for _, part in frames:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


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
        return f" (got {_short(repr(value))})"
    return f" (got {_short(str(value))})"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
