"""A sentence of the source as an author may quote it: its exact words and its paragraph.

Every candidate ``briefbot new`` offers carries one of these, so its quote validates as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.sentences import sentence_spans

__all__ = ["Quote", "Sentence", "sentences_of"]


@dataclass(frozen=True)
class Quote:
    """An exact sentence of the source and the paragraph (from 1) it is in."""

    text: str
    paragraph: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source: as written (line breaks kept) and as a quote."""

    paragraph: int
    raw: str
    quote: Quote


def sentences_of(paragraphs: Sequence[str]) -> list[Sentence]:
    """Every sentence of every paragraph, in order."""
    out: list[Sentence] = []
    for number, paragraph in enumerate(paragraphs, 1):
        for start, end in sentence_spans(paragraph):
            raw = paragraph[start:end]
            out.append(Sentence(number, raw, Quote(" ".join(raw.split()), number)))
    return out
