"""IANA time zones: the canonical names, and the old names (links) that point at them.

Read from the ``tzdata`` package's ``tzdata.zi``: ``Z name …`` lines are zones, ``L target
link`` lines are aliases such as ``Asia/Istanbul`` → ``Europe/Istanbul`` or ``US/Pacific`` →
``America/Los_Angeles``.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], dict[str, str]]:
    try:
        data = (resources.files("tzdata") / "zoneinfo" / "tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset(zoneinfo.available_timezones()), {}
    zones: set[str] = set()
    links: dict[str, str] = {}
    for line in data.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "Z":
            zones.add(parts[1])
        elif len(parts) >= 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return frozenset(zones), links


def canonical(name: str) -> str:
    """The zone an alias points to (``US/Pacific`` → ``America/Los_Angeles``); else ``name``."""
    links = _table()[1]
    seen = 0
    while name in links and seen < 8:  # links may chain; tzdata keeps them short
        name, seen = links[name], seen + 1
    return "UTC" if name == "Etc/UTC" else name  # the spelling everyone knows


@lru_cache(maxsize=1)
def picker_zones() -> list[str]:
    """Canonical ``Area/City`` zones plus ``UTC``, sorted: what autocompletion offers."""
    zones = _table()[0]
    return [*sorted(z for z in zones if "/" in z and not z.startswith("Etc/")), "UTC"]
