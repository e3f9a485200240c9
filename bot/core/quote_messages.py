"""The validator's words for a quote that is not in the source.

``bot.core.loader`` finds that a quote is not where it is cited; this module says why, without
a fuzzy matcher's own text: a quote that is in the source once a slip is forgiven is named as a
case, accent, punctuation or quote-mark slip, with the source's own words; otherwise it gets the
closest sentence of the source (rapidfuzz), with its paragraph and the differing words marked.
``find_slip`` is also what ``briefbot validate --fix`` corrects typographic slips with.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.core.loader_messages import shorten
from bot.core.sentences import split_sentences

__all__ = ["QuoteSlip", "find_slip", "quote_not_found_message"]


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
            f"“{shorten(slip.source, 120)}”"
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
            f"it: “{shorten(quote)}”"
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
            changes.append(f"“{shorten(written, 40)}” → “{shorten(source, 40)}”")
        elif source:
            changes.append(f"missing “{shorten(source, 40)}”")
        else:
            changes.append(f"“{shorten(written, 40)}” is not in the source")
    marked = passage
    for start, end in reversed(marks):
        marked = f"{marked[:start]}[{marked[start:end]}]{marked[end:]}"
    listed = ", ".join(changes[:3]) + (f", and {len(changes) - 3} more" if len(changes) > 3 else "")
    return shorten(marked, 240), listed


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
