"""A plain list of names (countries, places, organisations, people, months) a question may use.

It only tells "this word names a thing" from ordinary words, so that a question about Israel is
told the briefing does not mention Israel instead of being answered with whatever matches its
other words. The list is ``names.txt`` beside this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.core.textnorm import fold


@dataclass(frozen=True)
class Name:
    """One thing: the name to show and every way of writing it (folded)."""

    display: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    names: tuple[Name, ...]
    #: folded variant (words joined by spaces) → index into ``names``
    index: dict[str, int]
    #: folded variants that count only when typed with exactly this case
    exact: dict[str, str]
    longest: int

    def find(self, folded: Sequence[str], surfaces: Sequence[str], start: int) -> tuple[int, int]:
        """The longest name starting at word ``start``: (name index, word count), or (-1, 0)."""
        for size in range(min(self.longest, len(folded) - start), 0, -1):
            key = " ".join(folded[start : start + size])
            found = self.index.get(key)
            if found is None:
                continue
            required = self.exact.get(key)
            if required is not None and " ".join(surfaces[start : start + size]) != required:
                continue
            return found, size
        return -1, 0


def parse(text: str) -> Gazetteer:
    """Read the names list format (see ``names.txt``)."""
    names: list[Name] = []
    index: dict[str, int] = {}
    exact: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        written = [part.strip() for part in line.split("|") if part.strip()]
        display = written[0].lstrip("=")
        variants = []
        for form in written:
            case_sensitive = form.startswith("=")
            form = form.lstrip("=")
            key = fold(form).removeprefix("the ")
            if not key:
                continue
            variants.append(key)
            index.setdefault(key, len(names))
            if case_sensitive:
                exact[key] = " ".join(_words(form))
        names.append(Name(display, tuple(dict.fromkeys(variants))))
    longest = max((len(k.split()) for k in index), default=0)
    return Gazetteer(tuple(names), index, exact, longest)


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text)


@cache
def gazetteer() -> Gazetteer:
    """The names shipped with Briefbot."""
    text = resources.files(__package__).joinpath("names.txt").read_text(encoding="utf-8")
    return parse(text)
