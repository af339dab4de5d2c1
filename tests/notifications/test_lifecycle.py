"""The notification lifecycle: drafted -> sent -> received -> acknowledged | rejected."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.errors import InputError, ParameterError
from armsctl.notifications import (
    TRANSITIONS,
    TransitionError,
    acknowledge,
    draft,
    receive,
    reject,
    send,
)
from armsctl.treaty import Treaty

T0 = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


def hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def drafted(new_start: Treaty):
    return draft(
        new_start,
        id="N1",
        type="movement",
        sender="USA",
        event_time=T0,
        at=hours(1),
        fields={
            "category": "icbm-launcher",
            "uid": "U1",
            "from_facility": "F1",
            "to_facility": "F2",
        },
    )


def test_a_draft_takes_the_only_trigger_and_the_other_parties(drafted) -> None:
    assert drafted.state == "drafted"
    assert drafted.event == "item-moved"
    assert drafted.recipients == ("RUS",)
    assert drafted.provided_at is None


def test_the_happy_path_records_every_time(drafted) -> None:
    n = acknowledge(receive(send(drafted, at=hours(2)), at=hours(3)), at=hours(4))
    assert n.state == "acknowledged"
    assert (n.sent_at, n.received_at, n.acknowledged_at) == (hours(2), hours(3), hours(4))
    assert n.provided_at == hours(3)


def test_rejection_needs_a_reason_and_withdraws_provision(drafted) -> None:
    received = receive(send(drafted, at=hours(2)), at=hours(3))
    with pytest.raises(ParameterError, match="reason"):
        reject(received, at=hours(4), reason="  ")
    n = reject(received, at=hours(4), reason="wrong facility")
    assert n.state == "rejected" and n.rejection_reason == "wrong facility"
    assert n.provided_at is None


@pytest.mark.parametrize(
    ("steps", "bad"),
    [
        ([], "receive"),
        ([], "acknowledge"),
        ([], "reject"),
        (["send"], "send"),
        (["send"], "acknowledge"),
        (["send", "receive"], "send"),
        (["send", "receive", "acknowledge"], "reject"),
        (["send", "receive", "acknowledge"], "acknowledge"),
        (["send", "receive", "reject"], "acknowledge"),
    ],
)
def test_illegal_transitions_are_refused(drafted, steps: list[str], bad: str) -> None:
    fns = {
        "send": send,
        "receive": receive,
        "acknowledge": acknowledge,
        "reject": lambda n, at: reject(n, at=at, reason="x"),
    }
    n = drafted
    for i, step in enumerate(steps):
        n = fns[step](n, at=hours(2 + i))
    with pytest.raises(TransitionError, match="cannot go from"):
        fns[bad](n, at=hours(10))


def test_the_transition_table_is_a_chain_with_two_ends() -> None:
    assert TRANSITIONS["acknowledged"] == () and TRANSITIONS["rejected"] == ()
    assert TRANSITIONS["received"] == ("acknowledged", "rejected")


def test_time_cannot_run_backwards(drafted) -> None:
    with pytest.raises(TransitionError, match="precedes"):
        send(drafted, at=hours(0.5))


def test_naive_times_are_refused(drafted, new_start: Treaty) -> None:
    with pytest.raises(ParameterError, match="no time zone"):
        send(drafted, at=dt.datetime(2024, 3, 2))
    with pytest.raises(ParameterError, match="event_time"):
        draft(
            new_start,
            id="N",
            type="six-monthly-update",
            sender="USA",
            event_time=dt.datetime(2024, 3, 1),
            at=T0,
            fields={"as_of": "x", "declaration": "y"},
        )


def test_other_offsets_are_normalised_to_utc(drafted) -> None:
    plus2 = dt.timezone(dt.timedelta(hours=2))
    n = send(drafted, at=dt.datetime(2024, 3, 1, 16, tzinfo=plus2))
    assert n.sent_at == hours(2) and n.sent_at.tzinfo == dt.UTC


def test_a_draft_is_checked_against_its_duty(new_start: Treaty) -> None:
    with pytest.raises(InputError) as info:
        draft(
            new_start,
            id="N",
            type="change-in-data",
            sender="FRA",
            event_time=T0,
            at=T0,
            event="item-moved",
            fields={"uid": "U1", "colour": "red"},
        )
    text = str(info.value)
    assert "sender: 'FRA' is not a party" in text
    assert "event: 'item-moved' does not trigger change-in-data" in text
    assert "fields.category: missing" in text
    assert "fields.colour: not a field of change-in-data" in text
    with pytest.raises(InputError, match="unknown notification type 'telegram'"):
        draft(new_start, id="N", type="telegram", sender="USA", event_time=T0, at=T0)
