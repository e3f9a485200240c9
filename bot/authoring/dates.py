"""Dated sentences for the timeline: the most precise date each states, and its sort key.

A full date, a month and year, a season or part of a year ("mid-2023", "the summer of 2022") or
a year; the sort key is only as precise as that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.authoring.actors import ActorCandidate
from bot.authoring.quotes import Quote, Sentence
from bot.core.textnorm import fold

__all__ = ["DATE_PATTERNS", "MONTHS", "DatedCandidate", "find_dates"]

MAX_TIMELINE = 20


@dataclass(frozen=True)
class DatedCandidate:
    """A sentence with a date: the date as written, its sort key, and the actors it names."""

    when: str
    sort_key: str
    quote: Quote
    actors: tuple[str, ...]


MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|"
    r"November|December)"
)
_YEAR = r"(?P<year>1[5-9]\d\d|20\d\d)"
DATE_PATTERNS = (
    re.compile(rf"\b(?P<iso>{_YEAR}-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d))\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),
    re.compile(rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b(?:(?:early|mid|late)[- ])?{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.IGNORECASE),
    re.compile(
        rf"\b(?:the\s+)?(?:(?:early|late)\s+)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?"
        rf"{_YEAR}\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:early|mid|late)[- ]{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"(?<![\d$€£,.])\b{_YEAR}\b(?!\d|,\d|\s*(?:%|percent|per cent))"),
)


def find_dates(sentences: list[Sentence], actors: list[ActorCandidate]) -> list[DatedCandidate]:
    """The sentences that state a date, oldest first, with the actors each names."""
    out: list[DatedCandidate] = []
    for sentence in sentences:
        text = sentence.quote.text
        found = _first_date(text)
        if found is None:
            continue
        when, key = found
        named = tuple(a.id for a in actors if _names(text, a))
        out.append(DatedCandidate(when, key, sentence.quote, named))
    out.sort(key=lambda d: (d.sort_key, d.quote.paragraph))
    return out[:MAX_TIMELINE]


def _first_date(text: str) -> tuple[str, str] | None:
    """The most precise date of ``text`` as written, and its sort key."""
    for pattern in DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        year = groups.get("year") or ""
        if groups.get("iso"):
            return match.group(), match.group()
        when = match.group()
        when = re.sub(r"^the\s+", "", when, flags=re.IGNORECASE)
        when = when[0].upper() + when[1:]
        month = groups.get("month")
        month_number = MONTHS.get(month.lower()) if month else None
        if groups.get("day") and month_number:
            return when, f"{year}-{month_number:02d}-{int(groups['day']):02d}"
        if month_number and not re.match(r"(early|mid|late)", when, re.IGNORECASE):
            return when, f"{year}-{month_number:02d}"
        return when, year
    return None


def _names(text: str, actor: ActorCandidate) -> bool:
    words = f" {fold(text)} "
    return any(f" {fold(m)} " in words for m in actor.mentions)
