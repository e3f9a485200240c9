"""Figures: numbers with a unit, a scale or a currency ("around 4 million Syrian refugees",
"$5", "12%"), each with the phrase around it; dates and bare counts are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.authoring.dates import DATE_PATTERNS, MONTHS
from bot.authoring.quotes import Quote, Sentence

__all__ = ["FigureCandidate", "find_figures"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_FIGURES = 12


@dataclass(frozen=True)
class FigureCandidate:
    """A number with its unit: the value as written and the phrase around it."""

    value: str
    phrase: str
    quote: Quote


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:thousand|million|billion|trillion|bn)\b"
_ABOUT = (
    r"(?i:(?:around|about|roughly|nearly|almost|over|more than|less than|fewer than|at least|"
    r"some|up to|an estimated|approximately|just over|just under)\s+)?"
)
_UNIT_WORD = r"(?:[A-Za-zÀ-ÿğışçöüĞİŞÇÖÜ’'-]+)"
_STOP = _words(
    """a an the of and or in on at to for from by with as that which who than is are was were
    be been has have had per each every this these those it its their his her"""
)
_FIGURE = re.compile(
    rf"(?P<value>{_ABOUT}(?:[$€£¥]\s?(?:{_NUMBER})(?:\s?{_SCALE})?|(?:{_NUMBER})\s?"
    rf"(?:%|percent\b|per cent\b)|(?:{_NUMBER})\s+{_SCALE}|(?:{_NUMBER})(?=\s+{_UNIT_WORD})))"
    rf"(?P<unit>(?:\s+{_UNIT_WORD}){{0,3}})"
)


def find_figures(sentences: list[Sentence]) -> list[FigureCandidate]:
    """The figures of ``sentences``, in order."""
    out: list[FigureCandidate] = []
    for sentence in sentences:
        text = sentence.quote.text
        dates = [m.span() for pattern in DATE_PATTERNS for m in pattern.finditer(text) if m.group()]
        for match in _FIGURE.finditer(text):
            start, end = match.span("value")
            if any(a < end and start < b for a, b in dates):
                continue
            value = match.group("value").strip()
            unit = _unit(match.group("unit"))
            bare = re.sub(_ABOUT, "", value).strip()
            if not unit and not re.search(rf"[$€£¥%]|percent|per cent|{_SCALE}", bare):
                continue  # a bare number: a count of something unnamed, or a list item
            if re.fullmatch(r"[0-3]?\d", bare) and unit.lower() in MONTHS:
                continue
            phrase = f"{value} {unit}".strip()
            out.append(FigureCandidate(value, phrase, sentence.quote))
    return out[:MAX_FIGURES]


def _unit(words: str) -> str:
    kept: list[str] = []
    for word in words.split():
        if word.lower() in _STOP:
            break
        kept.append(word.rstrip(",.;:"))
        if word.endswith((",", ".", ";", ":")):
            break
    return " ".join(kept)
