"""Digest schedules: parse what people type into triggers that fire at local wall-clock times.

Accepted forms (case-insensitive; seconds are optional)::

    daily 09:00            every day
    weekdays 09:00         Monday to Friday
    weekly mon 09:00       one day (or ``mon,thu``) a week
    0 9 * * 1-5            a standard 5-field cron expression (also ``cron 0 9 * * 1-5``)
    @daily / @weekly       cron shorthands

Times are wall-clock times in the subscription's IANA zone: a 09:00 digest stays at 09:00 local
across DST changes. Two traps of APScheduler 3.x are handled here:

* its ``CronTrigger.from_crontab`` reads day-of-week 0 as Monday (cron: Sunday) and steps from
  Monday; we expand the day-of-week field ourselves and hand APScheduler day names;
* cron ORs day-of-month and day-of-week when both are restricted, APScheduler ANDs them; we
  combine two triggers;
* a wall-clock time that happens twice when clocks go back (01:30 in the repeated hour) fires
  once, not twice.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.core.errors import UserFacingError
from bot.digests.timezones import HINT

#: Digests may not run more often than this (a digest is not a chat message).
MIN_INTERVAL = timedelta(hours=1)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{d: d for d in DAYS},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_LONG_DAY = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
# Cron numbers days from Sunday = 0 (7 is Sunday too).
_CRON_DAY = {0: "sun", 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}
_CRON_DAY_NUMBER = {name: n for n, name in _CRON_DAY.items() if n < 7}
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule. ``text`` is its normal form, stored and shown to users."""

    text: str
    kind: str  # daily | weekdays | weekly | cron
    #: CronTrigger keyword sets; more than one means "fire when any fires" (cron's OR).
    fields: tuple[tuple[tuple[str, str], ...], ...]

    def trigger(self, zone: str | tzinfo) -> ScheduleTrigger:
        """An APScheduler trigger firing this schedule in ``zone``."""
        tz = ZoneInfo(zone) if isinstance(zone, str) else zone
        return ScheduleTrigger(
            [CronTrigger(timezone=tz, **dict(f)) for f in self.fields], tz, self.text
        )

    def describe(self) -> str:
        """Plain words, e.g. ``every weekday at 08:30``."""
        if self.kind == "cron":
            return f"cron “{self.text.removeprefix('cron ')}”"
        words = self.text.split()
        at = words[-1]
        if self.kind == "daily":
            return f"every day at {at}"
        if self.kind == "weekdays":
            return f"every weekday at {at}"
        days = [_LONG_DAY[d] for d in words[1].split(",")]
        return f"every {' and '.join(days)} at {at}"


class ScheduleTrigger(BaseTrigger):
    """Fires when any of its cron triggers fires, once per local wall-clock time."""

    def __init__(self, triggers: list[CronTrigger], tz: tzinfo, text: str) -> None:
        self.triggers = triggers
        self.timezone = tz
        self.text = text
        # Thousands of subscriptions share one trigger and ask it the same question at the
        # same moment (APScheduler firing them, the catch-up); the answer never changes.
        self._memo: dict[tuple[datetime | None, datetime], datetime | None] = {}

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        key = (previous_fire_time, now)
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) >= 1024:
            self._memo.clear()
        fire = self._memo[key] = self._next(previous_fire_time, now)
        return fire

    def _next(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        while True:
            candidates = [
                t
                for t in (self._first(tr, previous_fire_time, now) for tr in self.triggers)
                if t is not None
            ]
            if not candidates:
                return None
            fire = min(candidates)
            repeat = _repeat_gap(fire, self.timezone)
            if not repeat:
                return fire
            # The second 01:30 of a night when clocks go back: that wall time already fired.
            # Jump past the repeated hour (APScheduler would hand back the same time again);
            # nothing legitimate is skipped because runs are at least MIN_INTERVAL apart.
            previous_fire_time = fire
            now = fire + repeat

    def _first(
        self, trigger: CronTrigger, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """``trigger``'s next fire time, without APScheduler 3's skipped day after a DST change.

        APScheduler 3.11 steps a day across a clock change by 24 hours of wall time and can
        land a day late (a daily 00:00 in New York fires on 9 and 11 March 2025, not 10). So
        look again from the start of each local day it jumped over.
        """
        fire = trigger.get_next_fire_time(previous_fire_time, now)
        if fire is None:
            return None
        day = now.astimezone(self.timezone).date() + timedelta(days=1)
        last = fire.astimezone(self.timezone).date()
        while day < last:
            start = datetime.combine(day, time(0), tzinfo=self.timezone)
            earlier = trigger.get_next_fire_time(None, start)
            if earlier is not None and now < earlier < fire:
                return earlier
            day += timedelta(days=1)
        return fire

    def __str__(self) -> str:
        return f"schedule[{self.text}]"

    def __repr__(self) -> str:
        return f"<ScheduleTrigger {self.text!r} tz={self.timezone}>"


def _repeat_gap(moment: datetime, tz: tzinfo) -> timedelta:
    """How far clocks went back if ``moment`` is the second pass of a repeated wall time."""
    local = moment.astimezone(tz)
    wall = local.replace(tzinfo=None)
    first = wall.replace(tzinfo=tz, fold=0).utcoffset()
    second = wall.replace(tzinfo=tz, fold=1).utcoffset()
    if first is None or second is None or first <= second or local.utcoffset() != second:
        return timedelta(0)
    return first - second


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule; raise ``UserFacingError`` with examples when it is not one."""
    schedule = _parse(text)
    _check_interval(schedule)
    return schedule


@lru_cache(maxsize=4096)
def stored_schedule(text: str) -> Schedule:
    """A schedule as stored (already validated when it was subscribed); cached."""
    return _parse(text)


@lru_cache(maxsize=4096)
def stored_trigger(text: str, zone: str) -> ScheduleTrigger:
    """The trigger of a stored schedule in ``zone``; shared, since triggers are stateless."""
    return stored_schedule(text).trigger(zone)


def _parse(text: str) -> Schedule:
    words = text.strip().lower().split()
    if not words:
        raise _bad("Give a schedule.")
    head = words[0]
    if head in {"daily", "weekdays"}:
        if len(words) != 2:
            raise _bad(f"“{head}” takes a time, like “{head} 09:00”.")
        clock = _parse_time(words[1])
        schedule = _wall_clock(head, "*" if head == "daily" else "mon-fri", clock)
    elif head == "weekly":
        if len(words) != 3:
            raise _bad("“weekly” takes a day and a time, like “weekly mon 09:00”.")
        schedule = _on_days(_parse_days(words[1]), _parse_time(words[2]))
    else:
        if head == "cron":
            words = words[1:]
        if len(words) == 1 and words[0] in _MACROS:
            words = _MACROS[words[0]].split()
        if len(words) != 5 or not all(_CRON_WORD.match(w) for w in words):
            raise _bad(f"“{text.strip()}” is not a schedule I know.")
        schedule = _cron(words)
    return schedule


def next_runs(
    schedule: Schedule, zone: str | tzinfo, *, after: datetime, count: int = 3
) -> list[datetime]:
    """The next ``count`` run times strictly after ``after``, in the schedule's zone."""
    return list(_take(iter_runs(schedule.trigger(zone), after), count))


def iter_runs(trigger: ScheduleTrigger, after: datetime) -> Iterator[datetime]:
    """Every fire time strictly after ``after`` (aware), in order."""
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            return
        yield fire
        previous, now = fire, fire + timedelta(microseconds=1)


def runs_between(
    trigger: ScheduleTrigger, start: datetime, end: datetime, *, limit: int = 10_000
) -> list[datetime]:
    """Fire times in ``(start, end]`` (both aware), at most the last ``limit`` of them."""
    out: list[datetime] = []
    for fire in iter_runs(trigger, start):
        if fire > end:
            break
        out.append(fire)
        if len(out) > limit:
            del out[0]
    return out


# -- helpers -------------------------------------------------------------------------------------

_CRON_WORD = re.compile(r"^[0-9a-z*/,\-]+$")


def _bad(message: str) -> UserFacingError:
    return UserFacingError(message, hint=HINT)


def _parse_time(word: str) -> tuple[int, int, int]:
    match = _TIME.match(word)
    if not match:
        raise _bad(f"“{word}” is not a time; use 24-hour HH:MM, like 09:00 or 17:30.")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _bad(f"“{word}” is not a time of day; use 00:00 to 23:59.")
    return hour, minute, second


def _format_time(clock: tuple[int, int, int]) -> str:
    hour, minute, second = clock
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def _parse_days(word: str) -> list[str]:
    days: list[str] = []
    for part in word.split(","):
        day = _DAY_NAMES.get(part)
        if day is None:
            raise _bad(f"“{part}” is not a day; use mon, tue, wed, thu, fri, sat or sun.")
        if day not in days:
            days.append(day)
    return sorted(days, key=DAYS.index)


def _wall_clock(kind: str, day_of_week: str, clock: tuple[int, int, int]) -> Schedule:
    hour, minute, second = clock
    at = _format_time(clock)
    text = {"daily": f"daily {at}", "weekdays": f"weekdays {at}"}.get(
        kind, f"weekly {day_of_week} {at}"
    )
    fields = (
        ("day_of_week", day_of_week),
        ("hour", str(hour)),
        ("minute", str(minute)),
        ("second", str(second)),
    )
    return Schedule(text=text, kind=kind, fields=(fields,))


def _on_days(days: list[str], clock: tuple[int, int, int]) -> Schedule:
    """``days`` (day names) at ``clock``, in the plainest form that says it."""
    days = sorted(set(days), key=DAYS.index)
    if len(days) == len(DAYS):
        return _wall_clock("daily", "*", clock)
    if days == list(DAYS[:5]):
        return _wall_clock("weekdays", "mon-fri", clock)
    return _wall_clock("weekly", ",".join(days), clock)


def _cron(words: list[str]) -> Schedule:
    minute, hour, day, month, dow = words
    days = _expand_cron_days(dow)
    if day == month == "*" and _TIME.match(f"{hour}:{minute:0>2}"):
        # "0 9 * * 1-5" is "weekdays 09:00": one normal form, so the same schedule typed
        # either way is recognised as an existing subscription rather than added twice.
        with contextlib.suppress(UserFacingError):
            clock = _parse_time(f"{hour}:{minute:0>2}")
            return _on_days([_CRON_DAY[d] for d in days], clock)
    dow_field = "*" if len(days) == 7 else ",".join(_CRON_DAY[d] for d in days)
    base = (("minute", minute), ("hour", hour), ("month", month), ("second", "0"))
    fields: tuple[tuple[tuple[str, str], ...], ...]
    if day != "*" and dow != "*":
        # cron: "day-of-month OR day-of-week" when both are restricted.
        fields = ((*base, ("day", day)), (*base, ("day_of_week", dow_field)))
    else:
        fields = ((*base, ("day", day), ("day_of_week", dow_field)),)
    schedule = Schedule(text="cron " + " ".join(words), kind="cron", fields=fields)
    try:
        schedule.trigger("UTC")
    except ValueError as exc:
        # APScheduler's own words ("Error validating expression …") never reach the user.
        raise _bad(_cron_problem(words)) from exc
    return schedule


#: A cron field's name in a sentence and the values it takes (day of week is checked apart).
_CRON_FIELDS = (
    ("minute", "minutes", 0, 59),
    ("hour", "hours", 0, 23),
    ("day", "days of the month", 1, 31),
    ("month", "months", 1, 12),
)


def _cron_problem(words: list[str]) -> str:
    """Which field of a cron line APScheduler refused, in plain words."""
    whole = f"“{' '.join(words)}” is not a valid cron expression"
    for (name, plural, low, high), value in zip(_CRON_FIELDS, words[:4], strict=True):
        try:
            CronTrigger(**{name: value}, timezone="UTC")
        except ValueError:
            return (
                f"{whole}: its {name} “{value}” is not one; {plural} go from {low} to {high} "
                "(“*”, “5”, “1-5”, “*/2” or “1,15”)."
            )
    return f"{whole} (minute hour day month weekday, e.g. “0 9 * * 1-5”)."


def _expand_cron_days(field: str) -> list[int]:
    """Cron day-of-week field → sorted day numbers (0 = Sunday … 6 = Saturday)."""
    days: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise _bad(f"“{part}” is not a valid day-of-week step.")
            step = int(step_text)
        if body == "*":
            first, last = 0, 6
        else:
            low, dash, high = body.partition("-")
            if dash and not (low and high):
                raise _bad(f"“{part}” is not a valid day-of-week range.")
            first = _cron_day_number(low)
            last = _cron_day_number(high) if high else (6 if step_text else first)
            if high and last == 0 and first > 0:
                last = 7  # "5-7", "fri-sun": up to Sunday at the end of the week
            if last < first:
                raise _bad(f"“{part}” is not a valid day-of-week range.")
        days.update(d % 7 for d in range(first, last + 1, step))
    return sorted(days)


def _cron_day_number(word: str) -> int:
    """0–7 (0 and 7 are Sunday) or a day name → 0–6, keeping 7 so ranges can end on Sunday."""
    if word.isdigit() and int(word) <= 7:
        return int(word) % 7 if word != "7" else 0
    name = _DAY_NAMES.get(word)
    if name is None:
        raise _bad(f"“{word}” is not a day of the week (0–7 or sun–sat).")
    return _CRON_DAY_NUMBER[name]


def _check_interval(schedule: Schedule) -> None:
    start = datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC"))
    runs = list(_take(iter_runs(schedule.trigger("UTC"), start), 48))
    if not runs:
        raise _bad("That schedule never runs.")
    for earlier, later in itertools.pairwise(runs):
        if later - earlier < MIN_INTERVAL:
            raise _bad("Digests run at most once an hour; pick a schedule with longer gaps.")


def _take(it: Iterator[datetime], count: int) -> Iterator[datetime]:
    for n, value in enumerate(it):
        if n >= count:
            return
        yield value
