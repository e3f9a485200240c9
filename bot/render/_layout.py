"""Fitting text into platform limits: cutting long text and packing pieces into pages.

Everything here works on *raw* text and a ``render`` function (escaping for one platform), so
limits are measured on what is actually sent and a cut never falls inside an escape sequence.
Cuts prefer, in order: line and sentence boundaries (no marker), word boundaries (the piece
ends with "…"), and, for a single word longer than the limit, character boundaries ("…").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from bot.core.answers import Citation, Item, Section

ELLIPSIS = "…"
Render = Callable[[str], str]
T = TypeVar("T")

# Whitespace after a sentence end, optionally followed by a closing quote or bracket.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"”’')\]])\s+")
_MIN_LIMIT = 8


def plain(text: str) -> str:
    """The identity render, for text sent without escaping."""
    return text


def strip_controls(text: str) -> str:
    """Drop control characters (terminal escapes, NUL, …) except newlines; tabs become spaces."""
    if text.isprintable():
        return text
    text = text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def has_text(text: str) -> bool:
    """Whether ``text`` has anything to show besides whitespace and control characters."""
    return bool(strip_controls(text).strip())


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space."""
    return " ".join(strip_controls(text).split())


def fit(text: str, limit: int, render: Render = plain) -> list[str]:
    """Render ``text`` as pieces of at most ``limit`` characters each.

    Text that fits comes back as one piece. Otherwise pieces are packed from lines and
    sentences; a sentence longer than ``limit`` is cut at words, a word at characters, and
    each piece cut that way ends with "…". Leading and trailing whitespace is dropped, and so
    are blank lines inside oversized text.
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit {limit} is too small to fit text into")
    text = strip_controls(text).strip()
    whole = render(text)
    if len(whole) <= limit:
        return [whole]
    pieces: list[str] = []
    current = ""
    for sep, unit in _units(text):
        rendered = render(unit)
        if len(rendered) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.extend(cut_words(unit, limit, render))
        elif not current:
            current = rendered
        elif len(current) + len(sep) + len(rendered) <= limit:
            current += sep + rendered
        else:
            pieces.append(current)
            current = rendered
    if current:
        pieces.append(current)
    return pieces


def shorten(text: str, limit: int, render: Render = plain) -> str:
    """Render ``text`` cut to ``limit`` characters at a word boundary, ending with "…" if cut."""
    whole = render(text)
    if len(whole) <= limit:
        return whole
    return cut_words(text, limit, render)[0]


def cut_words(text: str, limit: int, render: Render = plain) -> list[str]:
    """Render ``text`` as pieces of at most ``limit`` characters, cut at words.

    Every piece but the last ends with "…"; whitespace between words becomes one space.
    """
    room = limit - len(ELLIPSIS)
    pieces: list[str] = []
    current = ""
    for word in text.split():
        rendered = render(word)
        if current and len(current) + 1 + len(rendered) <= room:
            current += " " + rendered
            continue
        if current:
            pieces.append(current + ELLIPSIS)
        if len(rendered) <= room:
            current = rendered
        else:
            *full, current = _cut_chars(word, room, render)
            pieces.extend(chunk + ELLIPSIS for chunk in full)
    if current or not pieces:
        pieces.append(current)
    return pieces


def _cut_chars(word: str, room: int, render: Render) -> list[str]:
    """Render one long word as chunks of at most ``room`` characters (rendering never shrinks)."""
    chunks: list[str] = []
    rest = word
    while len(render(rest)) > room:
        lo, hi = 1, min(len(rest), room)
        while lo < hi:  # the longest prefix whose rendering fits
            mid = (lo + hi + 1) // 2
            if len(render(rest[:mid])) <= room:
                lo = mid
            else:
                hi = mid - 1
        chunks.append(render(rest[:lo]))
        rest = rest[lo:]
    chunks.append(render(rest))
    return chunks


def _units(text: str) -> Iterator[tuple[str, str]]:
    """(separator, sentence) pairs: a newline before each line's first sentence, else a space."""
    for line in text.split("\n"):
        sentences = [s for s in _SENTENCE_BREAK.split(line.strip()) if s]
        for i, sentence in enumerate(sentences):
            yield ("\n" if i == 0 else " "), sentence


def paginate(
    groups: Sequence[Sequence[T]],
    cost: Callable[[T], tuple[int, ...]],
    capacity: tuple[int, ...],
) -> list[list[T]]:
    """Pack units into pages whose summed ``cost`` stays within ``capacity``.

    A group (e.g. an item and its citations, or a heading and its first item) goes whole onto
    the current page if it fits there, else whole onto a fresh page if it fits on one, else it
    flows unit by unit. Every single unit must fit on an empty page.
    """
    pages: list[list[T]] = [[]]
    used = [0] * len(capacity)

    def fits(extra: Sequence[int], base: Sequence[int]) -> bool:
        return all(b + e <= c for b, e, c in zip(base, extra, capacity, strict=True))

    def add(unit: T, unit_cost: Sequence[int]) -> None:
        pages[-1].append(unit)
        for i, e in enumerate(unit_cost):
            used[i] += e

    def new_page() -> None:
        pages.append([])
        used[:] = [0] * len(capacity)

    for group in groups:
        costs = [cost(unit) for unit in group]
        total = [sum(parts) for parts in zip(*costs, strict=True)] if costs else []
        if costs and not fits(total, used) and pages[-1] and fits(total, [0] * len(capacity)):
            new_page()
        for unit, unit_cost in zip(group, costs, strict=True):
            if not fits(unit_cost, used) and pages[-1]:
                new_page()
            if not fits(unit_cost, used):
                raise ValueError(f"a unit costing {unit_cost} exceeds page capacity {capacity}")
            add(unit, unit_cost)
    return [page for page in pages if page] or [[]]


def markers(item: Item) -> str:
    """The paragraphs an item cites, in order and once each: ``¶9 ¶10``."""
    seen = dict.fromkeys(c.paragraph for c in item.citations)
    return " ".join(f"¶{p}" for p in seen)


def marked(item: Item) -> str:
    """The item's text followed by its paragraph markers (how compact views cite)."""
    tags = markers(item)
    return f"{item.text} {tags}" if tags and has_text(item.text) else (item.text or tags)


def section_lines(
    section: Section,
    *,
    limit: int,
    render: Render,
    bold: Callable[[str], str],
    spacer: bool,
    quotes: bool = True,
) -> list[list[str]]:
    """A section as line groups that must stay together on one page.

    The first group is the heading, the section text and the first item (a heading is never
    left alone at the bottom of a page); then one group per item with its citations. Every line
    is ``render``-ed and at most ``limit`` characters long.
    """
    head = [""] if spacer else []
    if heading := one_line(section.heading):
        head += [bold(p) for p in fit(heading, limit - 4, render)]
    if has_text(section.text):
        head += fit(section.text, limit, render)
    items = [
        lines for item in section.items if (lines := item_lines(item, limit, render, quotes=quotes))
    ]
    if not items:
        return [head] if head else []
    return [head + items[0], *items[1:]]


def item_lines(item: Item, limit: int, render: Render, *, quotes: bool = True) -> list[str]:
    """``• text`` followed by its citations (or, with ``quotes=False``, ``• text ¶7 ¶9``)."""
    lines: list[str] = []
    text = item.text if quotes else marked(item)
    if has_text(text):
        first, *rest = fit(text, limit - 2, render)
        lines += [f"• {first}", *rest]
    if not quotes:
        return lines
    for citation in item.citations:
        lines += citation_lines(citation, limit, render)
    return lines


def citation_lines(citation: Citation, limit: int, render: Render) -> list[str]:
    """``> “quote” (¶N)``, the quote split over several quoted lines if it is very long."""
    tail = f"” (¶{citation.paragraph})"
    pieces = fit(one_line(citation.quote), limit - len(tail) - 3, render)
    lines = [f"> {p}" for p in pieces]
    lines[0] = "> “" + lines[0][2:]
    lines[-1] += tail
    return lines
