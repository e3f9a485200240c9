"""Sentences of a paragraph, as exact spans of its text.

Used to suggest the closest sentence for a quote that is not in the source, and by the authoring
tools to offer quotes that validate as written. A sentence ends at ``.``, ``!``, ``?`` or ``…``
(with any closing quote marks or brackets after it) followed by white space and the start of
another sentence (a capital letter, a digit or an opening quote mark); an abbreviation such as
"Mr." or "U.S." or an initial ("George W. Bush") does not end one. A line break ends a sentence
only after such a mark, so a hard-wrapped paragraph is not cut at its line ends.
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans", "split_sentences"]

# End mark, then optional closing quotes/brackets, then white space, then what starts a sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]*[^\W_a-z])")
_WORD_BEFORE = re.compile(r"([\w.'’-]+)$")
_ABBREVIATIONS = frozenset(
    (
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "rev",
        "hon",
        "amb",
        "messrs",
        "mme",
        "mlle",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "cf",
        "al",
        "nos",
        "vol",
        "pp",
        "eds",
        "fig",
        "approx",
        "dept",
        "univ",
        "inc",
        "ltd",
        "co",
        "corp",
        "bros",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.s.a",
        "a.m",
        "p.m",
    )
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence of ``text``, in order, without surrounding spaces."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end <= start or _is_abbreviation(text, match.start()):
            continue
        spans.append((start, end))
        start = _skip_space(text, end)
    tail = text[start:].rstrip()
    if tail:
        spans.append((start, start + len(tail)))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its white space collapsed to single spaces."""
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _is_abbreviation(text: str, mark: int) -> bool:
    """Whether the full stop at ``mark`` belongs to an abbreviation or an initial."""
    if text[mark] != ".":
        return False
    found = _WORD_BEFORE.search(text, 0, mark)
    if found is None:
        return False
    word = found.group(1).strip("'’-")
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "George W. Bush"
    return word.lower() in _ABBREVIATIONS
