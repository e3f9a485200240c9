"""A question as typed, word by word: what each word is, how it folds, where it stands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.textnorm import fold

_WORD = re.compile(r"\w+")
_SENTENCE_END = frozenset('.?!:;"“”([\n')


@dataclass(frozen=True)
class Word:
    """One word of the question."""

    surface: str  # as typed
    folded: str  # lower case, no accents (fold)
    start: int  # offsets in the question
    end: int
    capital: bool  # typed with a capital first letter
    initial: bool  # the first word of a sentence

    @property
    def is_number(self) -> bool:
        return any(c.isdigit() for c in self.folded)


def read_words(question: str) -> list[Word]:
    """The words of ``question`` (letters and digits; punctuation splits words)."""
    out: list[Word] = []
    for match in _WORD.finditer(question):
        surface = match.group()
        before = question[: match.start()].rstrip()
        initial = not before or before[-1] in _SENTENCE_END
        for part in fold(surface).split():
            out.append(
                Word(
                    surface,
                    part,
                    match.start(),
                    match.end(),
                    surface[0].isupper(),
                    initial,
                )
            )
    return out


def span(question: str, words: list[Word]) -> str:
    """The stretch of the question the words cover, as typed."""
    return question[words[0].start : words[-1].end]


def capitals_mean_names(words: list[Word]) -> bool:
    """Whether a capital letter inside a sentence is a hint of a name here.

    Not in Title Case Or ALL CAPS questions, where nearly every word has one.
    """
    inner = [w for w in words if not w.initial and w.folded.isalpha()]
    if not inner:
        return False
    capitals = sum(w.capital for w in inner)
    return not (len(inner) >= 2 and capitals / len(inner) >= 0.6)
