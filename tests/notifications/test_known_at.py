"""A verdict at a past moment uses only what was known then: later steps had not happened."""

from __future__ import annotations

import datetime as dt

from armsctl.notifications import assess, draft, known_at, receive, reject, send
from armsctl.treaty import Treaty


def t(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC)


def moved(new_start: Treaty):  # type: ignore[no-untyped-def]
    fields = {"uid": "U1", "category": "icbm-launcher", "from_facility": "F1", "to_facility": "F2"}
    return draft(new_start, id="N1", type="movement", sender="USA", event_time=t(1, 8), at=t(1),
                 fields=fields)  # fmt: skip


def test_a_receipt_recorded_years_later_is_not_known_at_the_deadline(new_start: Treaty) -> None:
    sent = send(moved(new_start), at=t(2))
    years_later = receive(sent, at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    before = assess(years_later, new_start, at=t(7, 0))
    assert (before.verdict, before.state) == ("overdue", "sent")
    assert before.why == "sent in time but not received by the deadline"
    after = assess(years_later, new_start, at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert (after.verdict, after.why) == ("late", "received 999.7 days after the deadline")


def test_steps_are_dropped_in_order(new_start: Treaty) -> None:
    received = receive(send(moved(new_start), at=t(2)), at=t(3))
    refused = reject(received, at=t(4), reason="wrong facility")
    assert known_at(refused, t(5)) is refused  # everything known: the same object
    at_3 = known_at(refused, t(3, 12))
    assert (at_3.state, at_3.rejected_at, at_3.rejection_reason) == ("received", None, "")
    at_2 = known_at(refused, t(2, 12))
    assert (at_2.state, at_2.sent_at, at_2.received_at) == ("sent", t(2), None)
    at_1 = known_at(refused, t(1, 12))
    assert (at_1.state, at_1.sent_at) == ("drafted", None)


def test_on_time_when_judged_after_a_timely_receipt(new_start: Treaty) -> None:
    received = receive(send(moved(new_start), at=t(2)), at=t(3))
    assert assess(received, new_start, at=t(7)).verdict == "on-time"
    assert assess(received, new_start, at=t(2, 12)).verdict == "pending"
