"""Which country a name stands for: "Turkish", "Ankara", "Turks" and "Turkey" are one.

From countryinfo's data (country names, other spellings, demonyms and capitals), plus the one
rule the data leaves out: a people's or adjective form that shares the country name's first
four letters or more ("Turks", "Syrians"). Loaded on first use (about 20 ms).
"""

from __future__ import annotations

from functools import cache

from bot.core.textnorm import fold

__all__ = ["country_of", "is_country_name"]

_DEMONYM_ENDINGS = ("ish", "ian", "ians", "an", "ans", "i", "is", "ese", "s")


@cache
def _index() -> tuple[dict[str, str], dict[str, str]]:
    """(folded spelling → country name, folded country name → country name)."""
    from countryinfo import all_countries

    spellings: dict[str, str] = {}
    weight: dict[str, float] = {}  # a spelling shared by several (American) goes to the largest
    names: dict[str, str] = {}
    for country in all_countries():
        try:
            name = country.name()
            info = country.info()
        except Exception:  # an incomplete entry of the data set: skip it
            continue
        if not isinstance(name, str) or not name:
            continue
        name = name.title() if name.islower() else name
        names[fold(name)] = name
        forms = [name, *(info.get("altSpellings") or [])]
        demonym = info.get("demonym")
        if isinstance(demonym, str) and demonym:
            forms += [demonym, demonym + "s"]
        capital = info.get("capital")
        if isinstance(capital, str) and capital:
            forms += [capital, capital.split(" D.C.")[0].split(",")[0]]
        population = info.get("population")
        size = float(population) if isinstance(population, int | float) else 0.0
        for form in forms:
            if not isinstance(form, str) or not (len(form) >= 4 or form.isupper()):
                continue
            key = fold(form)
            if key not in spellings or size > weight[key]:
                spellings[key], weight[key] = name, size
    return spellings, names


def country_of(mention: str) -> str | None:
    """The country ``mention`` names (its name, demonym, capital or other spelling), if any."""
    spellings, names = _index()
    key = fold(mention)
    if not key:
        return None
    found = spellings.get(key)
    if found is not None:
        return found
    if " " in key or len(key) < 5:
        return None
    for country_key, name in names.items():
        if " " in country_key or len(country_key) < 4:
            continue
        shared = _shared_prefix(key, country_key)
        if shared >= 4 and key[shared:] in _DEMONYM_ENDINGS and key != country_key:
            return name
    return None


def is_country_name(mention: str) -> bool:
    """Whether ``mention`` is a country's own name ("Turkey", not "Turkish")."""
    return fold(mention) in _index()[1]


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count
