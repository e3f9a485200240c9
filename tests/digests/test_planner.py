"""The planner on plain values: what is due, what is missed, what may be taken over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digests.planner import Tracked, first_cursor, next_after, plan, plan_takeover
from bot.digests.records import CLAIMED, RETRY, Delivery, Subscription
from bot.digests.schedule import stored_trigger

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GRACE = timedelta(hours=2)


def sub(sub_id: str = "s1", schedule: str = "cron 0 * * * *", **kw: object) -> Subscription:
    created = kw.pop("created", NOW - timedelta(days=1))
    values: dict[str, object] = {
        "id": sub_id,
        "platform": "console",
        "workspace_id": "w",
        "channel_id": "c",
        "channel_name": "c",
        "schedule": schedule,
        "timezone": "UTC",
        "briefing_id": None,
        "status": "active",
        "status_reason": None,
        "created_by": "u",
        "created_at": created,
        "updated_at": created,
        "active_since": created,
        **kw,
    }
    return Subscription(**values)  # type: ignore[arg-type]


def tracked(s: Subscription) -> Tracked:
    return Tracked(s, stored_trigger(s.schedule, s.timezone))


def row(occurrence: datetime, **kw: object) -> Delivery:
    values: dict[str, object] = {
        "subscription_id": "s1",
        "occurrence": occurrence,
        "status": CLAIMED,
        "attempts": 1,
        "reason": None,
        "message_id": None,
        "manual": False,
        "holder": "dead",
        "claim_expires_at": NOW - timedelta(seconds=1),
        "updated_at": NOW - timedelta(minutes=5),
        "created_at": NOW - timedelta(minutes=6),
        **kw,
    }
    return Delivery(**values)  # type: ignore[arg-type]


def hours(*values: int) -> list[datetime]:
    return [NOW.replace(hour=h) for h in values]


def test_occurrences_inside_the_grace_are_due_older_ones_missed_and_known_ones_skipped() -> None:
    s = sub()
    due, missed = plan(
        {"s1": tracked(s)},
        {"s1": NOW - timedelta(hours=4, minutes=30)},
        {("s1", NOW.replace(hour=11))},
        NOW,
        GRACE,
    )
    assert [d.occurrence for d in due] == hours(10, 12)  # 10:00 is exactly at the grace edge
    assert all(d.subscription == s and not d.uncertain for d in due)
    assert [m.occurrence for m in missed] == hours(8, 9)
    assert missed[0].reason == (
        "not posted: the bot was not running at Mon 02 Mar 2026 08:00 UTC and came back more "
        "than 120 minutes later"
    )


def test_nothing_is_owed_up_to_the_cursor_and_missed_runs_are_bounded() -> None:
    s = sub()
    assert plan({"s1": tracked(s)}, {"s1": NOW}, set(), NOW, GRACE) == ([], [])
    # After a month down, only the latest five occurrences are looked at (and recorded).
    due, missed = plan(
        {"s1": tracked(s)}, {"s1": NOW - timedelta(days=30)}, set(), NOW, GRACE, limit=5
    )
    assert [m.occurrence for m in missed] + [d.occurrence for d in due] == hours(8, 9, 10, 11, 12)


def test_the_first_cursor_looks_back_over_the_grace_or_to_the_watermark() -> None:
    s = sub(created=NOW - timedelta(days=3))
    assert first_cursor(s, None, now=NOW, grace=GRACE) == s.active_since
    mark = NOW - timedelta(minutes=30)
    assert first_cursor(s, mark, now=NOW, grace=GRACE) == NOW - GRACE  # recheck the window
    old = NOW - timedelta(days=1)
    assert first_cursor(s, old, now=NOW, grace=GRACE) == old
    young = sub(created=NOW - timedelta(minutes=10))
    assert first_cursor(young, old, now=NOW, grace=GRACE) == young.active_since
    assert next_after(tracked(s).trigger, NOW) == NOW + timedelta(hours=1)


def test_take_overs_are_due_with_their_progress_and_an_unknown_outcome() -> None:
    s = sub()
    rows = [
        row(NOW.replace(hour=11), pages_sent=2, message_id="m1"),
        row(NOW.replace(hour=9), status=RETRY, reason="503 (after 5 attempts)", attempts=5),
        row(NOW.replace(hour=8)),
        row(NOW - timedelta(days=2), manual=True),
        row(NOW.replace(hour=11), subscription_id="not-ours"),
    ]
    due, stale = plan_takeover(rows, {"s1": s}, NOW, GRACE)
    assert [(d.occurrence, d.manual) for d in due] == [
        (NOW.replace(hour=11), False),
        (NOW - timedelta(days=2), True),  # sent on request: no grace applies
    ]
    assert due[0].progress is not None and due[0].progress.pages_sent == 2
    assert due[0].progress.message_id == "m1" and due[0].uncertain
    assert due[0].first_claimed == NOW - timedelta(minutes=6)
    assert [(m.occurrence, m.reason) for m in stale] == [
        (NOW.replace(hour=9), "503 (after 5 attempts); gave up after 5 attempts"),
        (
            NOW.replace(hour=8),
            "not posted: the bot was not running at Mon 02 Mar 2026 08:00 UTC and came back "
            "more than 120 minutes later",
        ),
    ]
