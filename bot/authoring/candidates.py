"""Candidates for a briefing, found in an article's paragraphs.

Every candidate carries an exact sentence of the source and its paragraph number
(``bot.authoring.quotes``), so its quote validates as written; none carries a claim — the
author writes those.

- **Actors** (``bot.authoring.actors``): proper names (capitalised words, "al-Assad", "UN High
  Commissioner for Refugees"; a sentence's first word only if it is capitalised elsewhere too),
  grouped where they are obviously one: a country with its demonym, capital and other spellings
  ("Turkey", "Turkish", "Ankara"), a full name with its last word ("Recep Tayyip Erdoğan",
  "Erdoğan"), a name with its initials ("United States", "US"). The groups are suggestions.
- **Dated sentences** for the timeline (``bot.authoring.dates``): a full date, a month and
  year, a season or part of a year ("mid-2023", "the summer of 2022") or a year; the sort key
  is only as precise as that.
- **Figures** (``bot.authoring.figures``): numbers with a unit, a scale or a currency ("around
  4 million Syrian refugees", "$5", "12%").
- **Key points** (each paragraph's opening sentence), **what to watch** (sentences about what
  will, may or is scheduled to happen) and the **summary**'s evidence (the standfirst), here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.authoring.actors import ActorCandidate, find_actors
from bot.authoring.dates import DatedCandidate, find_dates
from bot.authoring.figures import FigureCandidate, find_figures
from bot.authoring.quotes import Quote, Sentence, sentences_of
from bot.core.textnorm import fold

__all__ = [
    "ActorCandidate",
    "Candidates",
    "DatedCandidate",
    "FigureCandidate",
    "Quote",
    "Sentence",
    "find_candidates",
    "sentences_of",
]


MAX_KEY_POINTS = 8
MAX_WATCH = 6


@dataclass
class Candidates:
    """Everything ``briefbot new`` offers the author."""

    actors: list[ActorCandidate] = field(default_factory=list)
    #: Names mentioned too rarely to be offered as actors, with their counts.
    other_names: list[tuple[str, int]] = field(default_factory=list)
    timeline: list[DatedCandidate] = field(default_factory=list)
    figures: list[FigureCandidate] = field(default_factory=list)
    key_points: list[Quote] = field(default_factory=list)
    watch: list[Quote] = field(default_factory=list)
    summary: Quote | None = None


def find_candidates(
    paragraphs: Sequence[str], *, title: str | None = None, author: str | None = None
) -> Candidates:
    """The candidates of an article whose paragraphs are ``paragraphs`` (numbered from 1)."""
    sentences = sentences_of(paragraphs)
    front = _front_matter(paragraphs, title, author)
    body = [s for s in sentences if s.paragraph not in front]
    candidates = Candidates()
    candidates.actors, candidates.other_names = find_actors(body, author)
    candidates.timeline = find_dates(body, candidates.actors)
    candidates.figures = find_figures(body)
    candidates.key_points = _key_points(body)
    used = {q.text for q in candidates.key_points}
    candidates.watch = [q for q in _watch(body) if q.text not in used][:MAX_WATCH]
    candidates.summary = _summary(sentences, front, paragraphs) or (body[0].quote if body else None)
    return candidates


def _front_matter(paragraphs: Sequence[str], title: str | None, author: str | None) -> set[int]:
    """Paragraphs that are not the article's body: its title, byline and the author's note."""
    front: set[int] = set()
    for number, paragraph in enumerate(paragraphs, 1):
        words = fold(paragraph)
        is_title = bool(title) and words == fold(title or "")
        is_byline = number <= 5 and re.match(
            r"(by|words|written by|author|pictures|photos?)\b", words
        )
        is_note = (
            bool(author) and number > len(paragraphs) - 2 and words.startswith(fold(author or "-"))
        )
        if is_title or is_byline or is_note:
            front.add(number)
    return front


# --- key points, what to watch, summary -----------------------------------------------------

_FUTURE = re.compile(
    r"\b(will|would|could|may|might|likely|unlikely|upcoming|scheduled|remains to be seen|"
    r"expected to|plans? to|next|future|whether)\b"
)


def _key_points(sentences: list[Sentence]) -> list[Quote]:
    """The opening sentence of each paragraph of two sentences or more."""
    counts = Counter(s.paragraph for s in sentences)
    out: list[Quote] = []
    seen: set[int] = set()
    for sentence in sentences:
        if sentence.paragraph in seen or counts[sentence.paragraph] < 2:
            continue
        seen.add(sentence.paragraph)
        out.append(sentence.quote)
    return out[:MAX_KEY_POINTS]


def _watch(sentences: Iterable[Sentence]) -> list[Quote]:
    return [s.quote for s in sentences if _FUTURE.search(s.quote.text)]


def _summary(sentences: list[Sentence], front: set[int], paragraphs: Sequence[str]) -> Quote | None:
    """The standfirst: a one-sentence paragraph right after the title, if there is one."""
    if 1 not in front or len(paragraphs) < 2 or 2 in front:
        return None
    second = [s for s in sentences if s.paragraph == 2]
    if len(second) == 1 and len(second[0].quote.text) <= 300:
        return second[0].quote
    return None
