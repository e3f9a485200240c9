"""Text normalisation shared by actor resolution, retrieval and quote checks."""

from __future__ import annotations

import re
import unicodedata

_TYPOGRAPHIC = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "\u00a0": " ",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents (Erdoğan → erdogan), keep letters and digits, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHIC).casefold())
    # ı (dotless i) has no decomposition; Turkish names use it.
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i")
    return _NON_WORD.sub(" ", stripped).strip()


def name_keys(name: str) -> tuple[str, ...]:
    """The keys a name is looked up by: folded, then without a leading "the" (never empty)."""
    key = fold(name)
    return tuple(dict.fromkeys(k for k in (key, key.removeprefix("the ")) if k))


def normalise_quote(text: str) -> str:
    """Whitespace and typographic quotes/dashes normalised; case and wording kept."""
    return " ".join(text.translate(_TYPOGRAPHIC).split())
