"""When a word is a typo of a name the briefing has — and when it is another name.

Fuzzy matching is only for typos: "Rusia", "Erdgan", "Damscus", "Syira". Real names that are
close to a briefing's names are not typos — Iraq and Israel are not Iran, Serbia is not Syria —
so callers first rule out every name in the gazetteer, and the threshold below is strict:

- names of up to 3 letters never match fuzzily;
- 4-letter names match only a swap of two neighbouring letters ("Irna" → Iran, not "Iraq");
- 5–7 letters: one edit (a letter added, dropped, changed, or two neighbours swapped);
- 8 or more letters: two edits;
- and the first letter must be right, unless the typo only swaps letters.
"""

from __future__ import annotations


def is_typo(word: str, name: str) -> bool:
    """Whether ``word`` (folded, one word) is plausibly ``name`` (folded, one word) mistyped."""
    if word == name or len(name) <= 3 or abs(len(word) - len(name)) > 2:
        return False
    from rapidfuzz.distance import OSA  # imported on the first question, not at start-up

    swap_only = sorted(word) == sorted(name)
    distance = OSA.distance(word, name)
    if len(name) == 4:
        return distance == 1 and swap_only
    if distance > (1 if len(name) <= 7 else 2):
        return False
    return word[0] == name[0] or (distance == 1 and swap_only)


def best_typo(word: str, names: list[str]) -> str | None:
    """The one name ``word`` is a typo of, or None (also when two names fit equally well)."""
    from rapidfuzz.distance import OSA

    fits = sorted((OSA.distance(word, n), n) for n in names if is_typo(word, n))
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0] and fits[0][1] != fits[1][1]):
        return None
    return fits[0][1]
