"""Schedule parsing and validation, time zones and DST."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.digests.schedule import next_runs, parse_schedule, runs_between
from bot.digests.timezones import parse_timezone, split_zone

ZONES = ["Europe/Istanbul", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC"]
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local_runs(text: str, zone: str, after: datetime, count: int) -> list[datetime]:
    tz = ZoneInfo(zone)
    return [
        r.astimezone(tz) for r in next_runs(parse_schedule(text), zone, after=after, count=count)
    ]


@pytest.mark.parametrize(
    ("text", "normal", "described"),
    [
        ("daily 09:00", "daily 09:00", "every day at 09:00"),
        ("Daily 9:05", "daily 09:05", "every day at 09:05"),
        ("weekdays 08:30", "weekdays 08:30", "every weekday at 08:30"),
        ("weekly Monday 09:00", "weekly mon 09:00", "every Monday at 09:00"),
        ("weekly thu,mon 18:15", "weekly mon,thu 18:15", "every Monday and Thursday at 18:15"),
        ("0 9 * * 1-5", "weekdays 09:00", "every weekday at 09:00"),
        ("cron 30 7 * * *", "daily 07:30", "every day at 07:30"),
        ("@daily", "daily 00:00", "every day at 00:00"),
        ("0 9 * * 0,6", "weekly sat,sun 09:00", "every Saturday and Sunday at 09:00"),
        ("weekly fri,thu,wed,tue,mon 9:00", "weekdays 09:00", "every weekday at 09:00"),
        ("0 9,17 * * 1-5", "cron 0 9,17 * * 1-5", "cron “0 9,17 * * 1-5”"),
        ("0 9 1 * *", "cron 0 9 1 * *", "cron “0 9 1 * *”"),
    ],
)
def test_accepted_forms_are_normalised(text: str, normal: str, described: str) -> None:
    schedule = parse_schedule(text)
    assert schedule.text == normal
    assert schedule.describe() == described
    assert parse_schedule(schedule.text) == schedule  # the stored form parses to itself


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Give a schedule"),
        ("daily", "takes a time"),
        ("daily 24:00", "not a time of day"),
        ("daily 9am", "not a time"),
        ("weekly funday 09:00", "not a day"),
        ("weekly 09:00", "takes a day and a time"),
        ("0 9 * *", "not a schedule I know"),
        ("0 9 * * 8", "not a day of the week"),
        ("0 9 * * 1-", "not a valid day-of-week range"),
        ("0 9 * * -5", "not a valid day-of-week range"),
        ("61 9 * * *", "its minute “61” is not one; minutes go from 0 to 59"),
        ("0 24 * * *", "its hour “24” is not one; hours go from 0 to 23"),
        ("0 9 32 * *", "its day “32” is not one; days of the month go from 1 to 31"),
        ("0 9 * 13 *", "its month “13” is not one; months go from 1 to 12"),
        ("0 9/x * * *", "its hour “9/x” is not one"),
        ("0 9 30 2 *", "never runs"),
        ("* * * * *", "at most once an hour"),
        ("*/15 9 * * *", "at most once an hour"),
        ("every morning", "not a schedule I know"),
    ],
)
def test_invalid_schedules_explain_with_an_example(text: str, says: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_schedule(text)
    assert says in caught.value.message
    assert "Error validating" not in caught.value.message  # APScheduler's own text
    assert caught.value.hint and "daily 09:00 Europe/Istanbul" in caught.value.hint


def test_time_zones_are_validated_and_canonicalised() -> None:
    assert parse_timezone("europe/istanbul").key == "Europe/Istanbul"
    with pytest.raises(UserFacingError) as caught:
        parse_timezone("Mars/Olympus")
    assert "IANA" in caught.value.message and caught.value.hint


@pytest.mark.parametrize(
    ("typed", "means"),
    [("EST", "America/New_York"), ("pst", "America/Los_Angeles"), ("CET", "Europe/Paris")],
)
def test_a_zone_abbreviation_is_refused_with_the_city_zone_it_means(typed: str, means: str) -> None:
    # tzdata's EST is a fixed UTC-5 (America/Panama): "09:00 EST" would miss New York's summer.
    with pytest.raises(UserFacingError) as caught:
        parse_timezone(typed)
    assert f"“{typed}” is an abbreviation" in caught.value.message and means in caught.value.message
    assert split_zone(f"daily 09:00 {typed}") == ("daily 09:00", typed)
    assert parse_timezone("UTC").key == "UTC" and parse_timezone("GMT").key.endswith("GMT")


@pytest.mark.parametrize("typed", ["UTC+3", "GMT-5", "+03:00", "utc-05:30"])
def test_a_utc_offset_is_refused_as_an_offset_not_blamed_on_the_schedule(typed: str) -> None:
    assert split_zone(f"daily 09:00 {typed}") == ("daily 09:00", typed)
    with pytest.raises(UserFacingError) as caught:
        parse_timezone(typed)
    assert f"“{typed}” is a UTC offset" in caught.value.message
    assert "Europe/Istanbul" in caught.value.message


def test_a_trailing_zone_is_split_off_the_schedule_text() -> None:
    assert split_zone("daily 09:00 europe/istanbul") == ("daily 09:00", "Europe/Istanbul")
    assert split_zone("0 9 * * 1-5 UTC") == ("0 9 * * 1-5", "UTC")
    assert split_zone("weekly mon 09:00") == ("weekly mon 09:00", None)


def test_cron_weekday_numbers_mean_what_cron_means() -> None:
    # APScheduler 3 reads 0 as Monday; cron (and we) read it as Sunday, 1-5 as Monday–Friday.
    after = datetime(2025, 6, 1, tzinfo=UTC)  # a Sunday
    assert [r.strftime("%a") for r in local_runs("0 9 * * 0", "UTC", after, 2)] == ["Sun", "Sun"]
    days = [r.strftime("%a") for r in local_runs("0 9 * * 1-5", "UTC", after, 5)]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert [r.strftime("%a") for r in local_runs("0 9 * * 5-7", "UTC", after, 4)] == [
        "Sun",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_cron_day_of_month_or_day_of_week_like_cron() -> None:
    # cron runs "on the 1st OR on Mondays" when both fields are restricted.
    runs = local_runs("0 9 1 * 1", "UTC", datetime(2025, 8, 28, tzinfo=UTC), 3)
    assert [r.date().isoformat() for r in runs] == ["2025-09-01", "2025-09-08", "2025-09-15"]
    runs = local_runs("0 9 1 * 3", "UTC", datetime(2025, 8, 28, tzinfo=UTC), 2)
    assert [r.date().isoformat() for r in runs] == ["2025-09-01", "2025-09-03"]


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin"])
def test_nine_o_clock_stays_nine_o_clock_across_dst(zone: str) -> None:
    tz = ZoneInfo(zone)
    for start in (datetime(2025, 3, 5, tzinfo=UTC), datetime(2025, 10, 22, tzinfo=UTC)):
        runs = local_runs("daily 09:00", zone, start, 40)
        assert {(r.hour, r.minute) for r in runs} == {(9, 0)}
        offsets = {r.utcoffset() for r in runs}
        assert len(offsets) == 2, "the 40 days must cross a DST change"
        assert all(r.tzinfo == tz or r.tzname() for r in runs)
        assert all(
            b - a in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
            for a, b in itertools.pairwise(runs)
        )


def test_a_zone_without_dst_keeps_a_fixed_utc_time() -> None:
    runs = next_runs(
        parse_schedule("daily 09:00"),
        "Europe/Istanbul",
        after=datetime(2025, 3, 1, tzinfo=UTC),
        count=60,
    )
    assert {r.astimezone(UTC).strftime("%H:%M") for r in runs} == {"06:00"}


def test_a_repeated_wall_time_fires_once_when_clocks_go_back() -> None:
    # New York, 2 Nov 2025: 01:30 happens twice. One digest, not two.
    runs = local_runs("daily 01:30", "America/New_York", datetime(2025, 11, 1, 12, tzinfo=UTC), 3)
    assert [r.strftime("%m-%d %H:%M") for r in runs] == [
        "11-02 01:30",
        "11-03 01:30",
        "11-04 01:30",
    ]
    hourly = local_runs("0 * * * *", "America/New_York", datetime(2025, 11, 2, 4, tzinfo=UTC), 3)
    assert [r.strftime("%H:%M") for r in hourly] == ["01:00", "02:00", "03:00"]


def test_a_skipped_wall_time_still_runs_that_day() -> None:
    # New York, 9 Mar 2025: 02:30 does not exist; the digest still goes out that morning.
    runs = local_runs("daily 02:30", "America/New_York", datetime(2025, 3, 8, 12, tzinfo=UTC), 2)
    assert [r.date().isoformat() for r in runs] == ["2025-03-09", "2025-03-10"]


def test_runs_between_is_exclusive_then_inclusive() -> None:
    trigger = parse_schedule("daily 09:00").trigger("UTC")
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    runs = runs_between(trigger, start, start + timedelta(days=2))
    assert runs == [start + timedelta(days=1), start + timedelta(days=2)]


times = st.tuples(st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=60, deadline=None)
@given(clock=times, zone=st.sampled_from(ZONES), days=st.integers(0, 400))
def test_daily_runs_at_its_local_time_every_day(
    clock: tuple[int, int], zone: str, days: int
) -> None:
    hour, minute = clock
    after = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=days)
    runs = local_runs(f"daily {hour:02d}:{minute:02d}", zone, after, 4)
    dates = [r.date() for r in runs]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(dates))
    for r in runs:
        # Either the exact wall time, or (on a spring-forward day) the same instant an hour on.
        assert (r.hour, r.minute) == (hour, minute) or (r.hour - 1, r.minute) == (hour, minute)
    assert runs[0] > after


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.sampled_from(WEEK), min_size=1, max_size=7),
    clock=times,
    zone=st.sampled_from(ZONES),
)
def test_weekly_runs_only_on_its_days(days: list[str], clock: tuple[int, int], zone: str) -> None:
    hour, minute = clock
    text = f"weekly {','.join(days)} {hour:02d}:{minute:02d}"
    runs = local_runs(text, zone, datetime(2025, 5, 1, tzinfo=UTC), 10)
    assert {r.strftime("%a").lower() for r in runs} <= set(days)
    assert runs == sorted(runs) and len(set(runs)) == len(runs)


def _cron_reference(minute: int, hour: int, dow: set[int], moment: datetime) -> bool:
    """Does a cron line with these fields fire at ``moment`` (cron numbering, 0 = Sunday)?"""
    return moment.minute == minute and moment.hour == hour and (moment.isoweekday() % 7) in dow


@settings(max_examples=60, deadline=None)
@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    first=st.integers(0, 6),
    length=st.integers(0, 6),
)
def test_cron_weekday_ranges_match_a_reference(
    minute: int, hour: int, first: int, length: int
) -> None:
    last = min(first + length, 7)
    dow = {d % 7 for d in range(first, last + 1)}
    runs = local_runs(
        f"{minute} {hour} * * {first}-{last}", "UTC", datetime(2025, 1, 1, tzinfo=UTC), 8
    )
    assert all(_cron_reference(minute, hour, dow, r) for r in runs)
    # and nothing in between was skipped: every matching day in the span is there
    span = {(runs[0] + timedelta(days=i)).date() for i in range((runs[-1] - runs[0]).days + 1)}
    expected = {d for d in span if (d.isoweekday() % 7) in dow}
    assert expected == {r.date() for r in runs}


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_parsed_or_refused_politely(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except UserFacingError as exc:
        assert exc.message and exc.hint
    else:
        assert schedule.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily 09:00 Mars/Olympus", ("daily 09:00", "Mars/Olympus")),
        ("0 9 * * */2", ("0 9 * * */2", None)),
        ("0 9 * * 1-5 UTC", ("0 9 * * 1-5", "UTC")),
    ],
)
def test_a_trailing_zone_like_word_is_treated_as_the_zone(
    text: str, expected: tuple[str, str | None]
) -> None:
    assert split_zone(text) == expected


def test_a_misspelt_zone_gets_did_you_mean() -> None:
    with pytest.raises(UserFacingError, match="Did you mean Europe/Istanbul"):
        parse_timezone("Europe/Istambul")


@pytest.mark.parametrize(
    ("alias", "zone"),
    [
        ("US/Pacific", "America/Los_Angeles"),
        ("asia/istanbul", "Europe/Istanbul"),
        ("Etc/UTC", "UTC"),
    ],
)
def test_old_zone_names_resolve_to_one_spelling(alias: str, zone: str) -> None:
    assert parse_timezone(alias).key == zone


def test_no_day_is_skipped_after_clocks_go_forward() -> None:
    # APScheduler 3.11 alone fires a daily 00:00 in New York on 9 and 11 March 2025, not 10.
    ny = ZoneInfo("America/New_York")
    runs = next_runs(
        parse_schedule("daily 00:00"), ny, after=datetime(2025, 3, 7, 12, tzinfo=ny), count=5
    )
    assert [r.astimezone(ny).day for r in runs] == [8, 9, 10, 11, 12]
    assert {r.astimezone(ny).hour for r in runs} == {0}
