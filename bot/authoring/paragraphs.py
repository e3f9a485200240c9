"""Paragraphs of an article's text, normalised, and the publisher boilerplate around them.

A source text file holds one paragraph per blank-line-separated block (``bot.core.loader``
counts them from 1). Normalising plain text:

- Unicode NFC, Windows line ends and tabs replaced, runs of spaces collapsed, trailing spaces
  dropped; runs of blank lines become one;
- a block written one paragraph per line (lines over 100 characters that end a sentence) is cut
  into those paragraphs — hard wrapping never makes such lines;
- a hard-wrapped paragraph (lines of 50 characters or more) is joined into one line; short
  lines (a byline, an address) keep their line breaks.

Boilerplate is recognised only at the edges of the text, where publishers put it: a "Skip to
content" or menu link at the top; at the bottom, a donation, membership or newsletter appeal
written to the reader ("you", "we") and the short heading before it ("Hey there!").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["LeftOut", "drop_boilerplate", "normalise_text"]

_LONG_LINE = 100
_WRAPPED_LINE = 50
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_FURNITURE = re.compile(
    r"^(skip to (the )?(main )?content|skip navigation|menu|search|home|share( this( article)?)?|"
    r"advertisement|sign in|log in|subscribe|close)$",
    re.IGNORECASE,
)
_APPEAL = re.compile(
    r"\b(donat(e|ion|ions|ing)|tax-deductible|support (us|our (work|journalism|mission))|"
    r"become a (member|patron|supporter|subscriber)|subscribe to|sign up for (our|the)|"
    r"newsletter)\b",
    re.IGNORECASE,
)
_TO_THE_READER = re.compile(r"\b(you|your|we|our|us)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LeftOut:
    """Text of the article file that is not in the source text, and why."""

    text: str
    reason: str

    def summary(self, limit: int = 90) -> str:
        """“Hey there! You made it to …” (a donation appeal)."""
        text = self.text if len(self.text) <= limit else self.text[: limit - 1].rstrip() + "…"
        return f"“{text}” ({self.reason})"


def normalise_text(text: str) -> list[str]:
    """The paragraphs of a plain-text article (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t\u00a0]*\n", text):
        lines = [" ".join(line.replace("\t", " ").split()) for line in block.split("\n")]
        lines = [line for line in lines if line]
        current: list[str] = []
        for line in lines:
            current.append(line)
            if len(line) > _LONG_LINE and _ENDS_SENTENCE.search(line):
                paragraphs.append(_join(current))
                current = []
        if current:
            paragraphs.append(_join(current))
    return [p for p in paragraphs if p]


def _join(lines: list[str]) -> str:
    out = lines[0]
    for before, line in itertools.pairwise(lines):
        out += (" " if len(before) >= _WRAPPED_LINE else "\n") + line
    return out


def drop_boilerplate(paragraphs: list[str]) -> tuple[list[str], list[LeftOut]]:
    """``paragraphs`` without the publisher boilerplate at their edges, and what was dropped."""
    start = 0
    left_out: list[LeftOut] = []
    while start < min(3, len(paragraphs)) and _FURNITURE.match(paragraphs[start].strip()):
        left_out.append(LeftOut(paragraphs[start], "a navigation link"))
        start += 1
    end = len(paragraphs)
    for index in range(max(start, len(paragraphs) - 4), len(paragraphs)):
        text = paragraphs[index]
        if _APPEAL.search(text) and _TO_THE_READER.search(text):
            end = index
            if index > start and _looks_like_heading(paragraphs[index - 1]):
                end = index - 1
            break
    if end < len(paragraphs):
        appeal = " ".join(" ".join(p.split()) for p in paragraphs[end:])
        kind = "a newsletter appeal" if "newsletter" in appeal.lower() else "a donation appeal"
        if re.search(r"\bdonat|tax-deductible", appeal, re.IGNORECASE):
            kind = "a donation appeal"
        left_out.append(LeftOut(appeal, kind))
    return paragraphs[start:end], left_out


def _looks_like_heading(paragraph: str) -> bool:
    return len(paragraph) <= 40 and "\n" not in paragraph and not paragraph.endswith(".")
