"""Deadline rules: due, pending, overdue, on time, late, each naming its rule."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from armsctl.notifications import (
    Notification,
    assess,
    deadline_of,
    due,
    duty_of,
    periodic_obligations,
    thresholds_met,
)
from armsctl.treaty import Treaty, load_treaty

EVENT = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
DEADLINE = EVENT + dt.timedelta(days=5)


def note(**kw: object) -> Notification:
    base = Notification(
        id="N1",
        treaty="new-start",
        type="movement",
        sender="USA",
        recipients=("RUS",),
        event="item-moved",
        event_time=EVENT,
        fields={"uid": "U1"},
        drafted_at=EVENT,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_after_and_before_rules(new_start: Treaty) -> None:
    assert deadline_of(duty_of(new_start, "movement"), EVENT) == DEADLINE
    assert deadline_of(duty_of(new_start, "heavy-bomber-abroad"), EVENT) == EVENT + dt.timedelta(
        hours=24
    )
    assert deadline_of(duty_of(new_start, "six-monthly-update"), EVENT) == EVENT + dt.timedelta(
        days=30
    )
    assert deadline_of(duty_of(new_start, "inspection-intent"), EVENT) == EVENT - dt.timedelta(
        hours=32
    )
    vienna = load_treaty("vienna-document-2011")
    assert deadline_of(duty_of(vienna, "prior-notification"), EVENT) == EVENT - dt.timedelta(
        days=42
    )


@pytest.mark.parametrize(
    ("kw", "at_hours", "verdict"),
    [
        ({}, 0, "due"),
        ({}, 121, "overdue"),
        ({"state": "sent", "sent_at": EVENT}, 1, "pending"),
        ({"state": "sent", "sent_at": EVENT}, 121, "overdue"),
        ({"state": "sent", "sent_at": DEADLINE + dt.timedelta(hours=1)}, 130, "late"),
        ({"state": "received", "sent_at": EVENT, "received_at": DEADLINE}, 200, "on-time"),
        (
            {
                "state": "received",
                "sent_at": EVENT,
                "received_at": DEADLINE + dt.timedelta(seconds=1),
            },
            200,
            "late",
        ),
        (
            {
                "state": "acknowledged",
                "sent_at": EVENT,
                "received_at": EVENT,
                "acknowledged_at": EVENT,
            },
            200,
            "on-time",
        ),
        (
            {
                "state": "rejected",
                "sent_at": EVENT,
                "received_at": EVENT,
                "rejected_at": EVENT,
                "rejection_reason": "x",
            },
            10,
            "due",
        ),
        (
            {
                "state": "rejected",
                "sent_at": EVENT,
                "received_at": EVENT,
                "rejected_at": EVENT,
                "rejection_reason": "x",
            },
            200,
            "overdue",
        ),
    ],
)
def test_each_verdict(
    new_start: Treaty, kw: dict[str, object], at_hours: float, verdict: str
) -> None:
    status = assess(note(**kw), new_start, at=EVENT + dt.timedelta(hours=at_hours))
    assert status.verdict == verdict
    assert status.deadline == DEADLINE
    assert "movement: received within P5D after the event" in status.rule
    assert status.article.startswith("Protocol Part Four")
    assert status.explanation.startswith("N1 (movement")


def test_provided_when_received_not_when_sent(new_start: Treaty) -> None:
    # Sent a minute before the deadline, received an hour after it: late.
    n = note(
        state="received",
        sent_at=DEADLINE - dt.timedelta(minutes=1),
        received_at=DEADLINE + dt.timedelta(hours=1),
    )
    status = assess(n, new_start, at=DEADLINE + dt.timedelta(days=1))
    assert status.verdict == "late"
    assert status.lateness == dt.timedelta(hours=1)
    assert "received 1.0 hours after the deadline" in status.explanation


def test_unverified_deadlines_say_so(new_start: Treaty) -> None:
    n = note(type="heavy-bomber-abroad", event="bomber-abroad")
    assert "[unverified deadline]" in assess(n, new_start, at=EVENT).rule


def test_due_lists_only_what_needs_action(new_start: Treaty) -> None:
    notes = [
        note(id="A"),
        note(id="B", state="received", sent_at=EVENT, received_at=EVENT),
        note(id="C", state="sent", sent_at=EVENT),
    ]
    assert [s.notification_id for s in due(notes, new_start, at=EVENT)] == ["A", "C"]


def test_six_monthly_updates_are_owed_after_each_data_date(new_start: Treaty) -> None:
    done = note(
        id="U",
        type="six-monthly-update",
        event="data-date",
        event_time=dt.datetime(2019, 3, 1, tzinfo=dt.UTC),
        state="received",
        sent_at=dt.datetime(2019, 3, 20, tzinfo=dt.UTC),
        received_at=dt.datetime(2019, 3, 20, tzinfo=dt.UTC),
    )
    out = periodic_obligations(
        new_start,
        [done],
        start=dt.date(2019, 1, 1),
        end=dt.date(2019, 12, 31),
        at=dt.datetime(2019, 9, 15, tzinfo=dt.UTC),
    )
    usa = [o for o in out if o.sender == "USA"]
    assert [(o.event_time.date(), o.met_by, o.verdict) for o in usa] == [
        (dt.date(2019, 3, 1), "U", "on-time"),
        (dt.date(2019, 9, 1), None, "due"),
    ]
    rus = [o for o in out if o.sender == "RUS"]
    assert rus[0].verdict == "overdue" and rus[0].deadline == dt.datetime(
        2019, 3, 31, tzinfo=dt.UTC
    )


def test_vienna_thresholds() -> None:
    duty = duty_of(load_treaty("vienna-document-2011"), "prior-notification")
    assert [t.measure for t in thresholds_met(duty, {"troops": 9000, "battle_tanks": 249})] == [
        "troops"
    ]
    assert thresholds_met(duty, {"troops": 8999}) == []
    assert [t.measure for t in thresholds_met(duty, {"battle-tanks": 250})] == ["battle-tanks"]
