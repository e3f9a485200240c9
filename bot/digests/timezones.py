"""Time zones as people type them for a digest: IANA names (any case, old aliases), with
"did you mean" for a near miss, and abbreviations (EST) or UTC offsets (UTC+3) refused with the
city zone to use, since neither follows summer time. ``split_zone`` takes a trailing zone off a
schedule's text so the schedule is not blamed for it.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import UserFacingError
from bot.core.zones import canonical
from bot.digests.records import EXAMPLES

HINT = "Examples: " + " · ".join(EXAMPLES)


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone by name (case-insensitive); ``UserFacingError`` when there is none."""
    candidate = name.strip()
    if _OFFSET.match(candidate) and any(c in "123456789" for c in candidate):  # not GMT+0
        raise UserFacingError(
            f"“{candidate}” is a UTC offset, not a place's time zone: offsets do not follow "
            "summer time. Use the zone of a city, e.g. Europe/Istanbul (UTC+3 all year) or "
            "America/New_York.",
            hint=HINT,
        )
    places = _ABBREVIATIONS.get(candidate.upper())
    if places is not None:
        # tzdata keeps some of these (EST is a fixed UTC−5, linked to America/Panama): taken
        # as typed, "09:00 EST" in New York would be 10:00 all summer.
        raise UserFacingError(
            f"“{candidate}” is an abbreviation, not a place's time zone. Use the zone of a "
            f"city, e.g. {places}, so summer time is followed.",
            hint=HINT,
        )
    zone = _zone_names().get(candidate.lower())
    if zone is None:
        from rapidfuzz import fuzz, process  # only for a mistyped zone

        close = process.extractOne(candidate.lower(), list(_zone_names()), scorer=fuzz.WRatio)
        guess = f" Did you mean {_zone_names()[close[0]]}?" if close and close[1] >= 85 else ""
        raise UserFacingError(
            f"“{candidate}” is not a time zone I know.{guess} Use an IANA name such as "
            "Europe/Istanbul, America/New_York or UTC.",
            hint=HINT,
        )
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - tzdata mismatch
        raise UserFacingError(f"The time zone “{candidate}” could not be loaded.") from exc


#: A UTC offset as people type it: UTC+3, GMT-05:30, +03:00.
#: (A bare "-5" is left alone: it is a cron day-of-week range cut short.)
_OFFSET = re.compile(
    r"^(?:(?:UTC|GMT)\s*[+\-−]\d{1,2}(?::?\d{2})?|[+\-−]\d{2}:?\d{2})$", re.IGNORECASE
)

#: Abbreviations people type for a zone, with the city zones they usually mean.
_ABBREVIATIONS = {
    **dict.fromkeys(("EST", "EDT", "EST5EDT", "ET"), "America/New_York"),
    **dict.fromkeys(("CST", "CDT", "CST6CDT", "CT"), "America/Chicago"),
    **dict.fromkeys(("MST", "MDT", "MST7MDT", "MT"), "America/Denver or America/Phoenix"),
    **dict.fromkeys(("PST", "PDT", "PST8PDT", "PT"), "America/Los_Angeles"),
    "HST": "Pacific/Honolulu",
    **dict.fromkeys(("CET", "CEST", "MET", "MEST"), "Europe/Paris or Europe/Berlin"),
    **dict.fromkeys(("EET", "EEST"), "Europe/Athens or Europe/Kyiv"),
    **dict.fromkeys(("WET", "WEST"), "Europe/Lisbon"),
    "BST": "Europe/London",
    "IST": "Asia/Kolkata, Europe/Dublin or Asia/Jerusalem",
    "TRT": "Europe/Istanbul",
    "MSK": "Europe/Moscow",
    "JST": "Asia/Tokyo",
    **dict.fromkeys(("AEST", "AEDT"), "Australia/Sydney"),
}


def split_zone(text: str) -> tuple[str, str | None]:
    """Split a trailing IANA zone off ``daily 09:00 Europe/Istanbul`` → (schedule, zone)."""
    words = text.split()
    if len(words) >= 2 and (words[-1].upper() in _ABBREVIATIONS or _OFFSET.match(words[-1])):
        return " ".join(words[:-1]), words[-1]  # parse_timezone explains
    if len(words) >= 2 and words[-1].lower() in _zone_names():
        return " ".join(words[:-1]), _zone_names()[words[-1].lower()]
    if len(words) >= 2 and "/" in words[-1] and words[-1][0].isalpha():
        # Looks like a zone (Area/City) but is not one: let parse_timezone say so, rather
        # than blaming the schedule for an extra word. (Cron steps like */5 or 1-5/2 start
        # with "*" or a digit.)
        return " ".join(words[:-1]), words[-1]
    return text.strip(), None


_ZONES: dict[str, str] = {}


def _zone_names() -> dict[str, str]:
    if not _ZONES:
        # Old names resolve to the zone they alias, so one place has one spelling.
        _ZONES.update({z.lower(): canonical(z) for z in available_timezones()})
    return _ZONES
