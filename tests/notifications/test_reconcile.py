"""Reconciliation: every change covered by a notification of the right type in time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from armsctl.errors import InputError
from armsctl.inventory import DeclarationSet, read_declarations, read_party_items
from armsctl.notifications import Notification, Reconciliation, notifications_table, reconcile
from armsctl.notifications.synthetic import notifications_from_table, synthetic_exchange
from armsctl.treaty import Treaty

BEFORE, AFTER = dt.date(2024, 3, 1), dt.date(2024, 4, 1)
AT = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
HEADER = ["party", "as_of", "uid", "category", "status", "facility", "warheads"]


def reconciled(
    decls: DeclarationSet,
    notes: Sequence[Notification] | pa.Table,
    *,
    party: str,
    before: dt.date,
    after: dt.date,
    at: dt.datetime,
) -> Reconciliation:
    """Reconcile as the command does: the party's items read by the one item reader, then passed."""
    items = read_party_items(decls, party=party, dates=(before, after))
    return reconcile(decls, items, notes, party=party, before=before, after=after, at=at)


def t(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC)


def received(
    id: str, type: str, event: str, uid: str, at: dt.datetime, delay_h: float = 24, **fields: str
) -> Notification:
    got = at + dt.timedelta(hours=delay_h)
    return Notification(
        id=id,
        treaty="new-start",
        type=type,
        sender="USA",
        recipients=("RUS",),
        event=event,
        event_time=at,
        fields={"uid": uid, "category": "icbm-launcher", **fields},
        state="received",
        sent_at=got,
        received_at=got,
    )


@pytest.fixture
def decls(write_csv, new_start: Treaty):
    rows = [HEADER]
    before = {
        "U1": ("deployed", "F1"),
        "U2": ("deployed", "F1"),
        "U3": ("deployed", "F2"),
        "U4": ("deployed", "F2"),
        "U5": ("non-deployed", "F3"),
    }
    after = {
        "U1": ("deployed", "F9"),
        "U2": ("non-deployed", "F1"),
        "U4": ("deployed", "F2"),
        "U5": ("non-deployed", "F3"),
        "U6": ("deployed", "F4"),
    }
    for day, items in ((BEFORE, before), (AFTER, after)):
        for uid, (status, fac) in items.items():
            rows.append(
                [
                    "USA",
                    day.isoformat(),
                    uid,
                    "icbm-launcher",
                    status,
                    fac,
                    1 if status == "deployed" else 0,
                ]
            )
    return read_declarations([write_csv(rows)], new_start)


def all_good() -> list[Notification]:
    return [
        received("M1", "movement", "item-moved", "U1", t(5)),
        received("S2", "change-in-data", "status-changed", "U2", t(6)),
        received("R3", "conversion-elimination", "item-eliminated", "U3", t(7)),
        received("A6", "change-in-data", "item-added", "U6", t(8)),
    ]


def test_everything_covered(decls) -> None:
    r = reconciled(decls, all_good(), party="USA", before=BEFORE, after=AFTER, at=AT)
    assert r.counts == {
        "changes": 4,
        "covered": 4,
        "covered-late": 0,
        "uncovered": 0,
        "awaiting": 0,
        "notifications": 4,
        "late": 0,
        "unsupported": 0,
    }
    assert r.findings() == []


def test_an_uncovered_change(decls) -> None:
    notes = [n for n in all_good() if n.id != "M1"]
    r = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert r.counts["uncovered"] == 1
    (u,) = r.uncovered
    assert (u["uid"], u["change"], u["was"], u["now"]) == ("U1", "moved", "F1", "F9")
    assert "no notification of item-moved was provided" in r.findings()[0]["explanation"]


def test_a_late_notification_covers_late(decls) -> None:
    notes = [
        received("M1", "movement", "item-moved", "U1", t(5), delay_h=24 * 5 + 1),
        *all_good()[1:],
    ]
    r = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert (r.counts["covered-late"], r.counts["late"], r.counts["uncovered"]) == (1, 1, 0)
    late = r.late.to_pylist()[0]
    assert (
        late["id"] == "M1"
        and late["verdict"] == "late"
        and late["why"] == "received 1.0 hours late"
    )
    assert "rule movement: received within P5D" in r.findings()[0]["explanation"]


def test_the_wrong_type_does_not_cover(decls) -> None:
    notes = [received("M1", "change-in-data", "status-changed", "U1", t(5)), *all_good()[1:]]
    r = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert [x["uid"] for x in r.uncovered] == ["U1"]
    assert [x["id"] for x in r.unsupported.to_pylist()] == ["M1"]


def test_unsupported_notification(decls) -> None:
    notes = [*all_good(), received("X", "movement", "item-moved", "U5", t(9))]
    r = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert r.counts["unsupported"] == 1
    assert r.findings()[0]["explanation"].endswith("show no such change")


def test_drafts_and_rejections_do_not_cover(decls) -> None:
    m1 = all_good()[0]
    for n in (
        dataclasses.replace(m1, state="drafted", sent_at=None, received_at=None),
        dataclasses.replace(m1, state="rejected", rejected_at=m1.received_at, rejection_reason="x"),
    ):
        r = reconciled(decls, [n, *all_good()[1:]], party="USA", before=BEFORE, after=AFTER, at=AT)
        assert [x["uid"] for x in r.uncovered] == ["U1"]
        assert r.uncovered[0]["note"].startswith("only M1")


def test_sent_not_received_is_pending_then_overdue(decls) -> None:
    m1 = dataclasses.replace(all_good()[0], state="sent", received_at=None)
    notes = [m1, *all_good()[1:]]
    early = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=t(6))
    assert early.counts["covered"] == 4 - 0 - early.counts["awaiting"] - early.counts["uncovered"]
    late = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert late.counts["covered-late"] == 1 and late.late.to_pylist()[0]["verdict"] == "overdue"


def test_awaiting_when_a_notification_may_still_arrive(decls) -> None:
    notes = [n for n in all_good() if n.id != "A6"]
    soon = reconciled(
        decls,
        notes,
        party="USA",
        before=BEFORE,
        after=AFTER,
        at=dt.datetime(2024, 4, 3, tzinfo=dt.UTC),
    )
    assert soon.counts["awaiting"] == 1 and soon.counts["uncovered"] == 0
    later = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert later.counts["uncovered"] == 1


def test_events_outside_the_window_do_not_count(decls) -> None:
    notes = [
        received("M1", "movement", "item-moved", "U1", dt.datetime(2024, 4, 1, tzinfo=dt.UTC)),
        *all_good()[1:],
    ]
    r = reconciled(decls, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert [x["uid"] for x in r.uncovered] == ["U1"]


def test_bad_arguments(decls) -> None:
    with pytest.raises(InputError, match="no item-level declaration of RUS"):
        reconciled(decls, [], party="RUS", before=BEFORE, after=AFTER, at=AT)
    with pytest.raises(InputError, match="must be later"):
        reconciled(decls, [], party="USA", before=AFTER, after=BEFORE, at=AT)


def test_synthetic_exchange_plants_exactly_what_it_says(tmp_path: Path, new_start: Treaty) -> None:
    ex = synthetic_exchange(2000, 300, late=2, unnotified=3, seed=1)
    path = tmp_path / "items.parquet"
    pq.write_table(ex.items, path)
    decls = read_declarations([path], new_start)
    r = reconciled(decls, ex.notifications, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert sorted(r.late.column("id").to_pylist()) == sorted(ex.late_ids)
    assert sorted((x["uid"], x["change"]) for x in r.uncovered) == sorted(ex.unnotified)
    assert r.counts["changes"] == 300 and r.counts["unsupported"] == 0
    # The object path and the Arrow path agree.
    objs = notifications_from_table(ex.notifications, "new-start", ("RUS",))
    again = reconciled(
        decls, notifications_table(objs), party="USA", before=BEFORE, after=AFTER, at=AT
    )
    assert again.counts == r.counts


@pytest.fixture
def unchanged(write_csv, new_start: Treaty):
    """Two declarations with the same items: the most compliant case there is."""
    rows = [HEADER]
    for day in (BEFORE, AFTER):
        rows += [
            ["USA", day.isoformat(), "U1", "icbm-launcher", "deployed", "F1", 1],
            ["USA", day.isoformat(), "U2", "icbm-launcher", "non-deployed", "F2", 0],
        ]
    return read_declarations([write_csv(rows)], new_start)


def test_identical_declarations_reconcile_to_nothing(unchanged) -> None:
    r = reconciled(unchanged, [], party="USA", before=BEFORE, after=AFTER, at=AT)
    assert r.counts == dict.fromkeys(r.counts, 0)
    assert r.findings() == []


def test_identical_declarations_with_a_notification_report_it_unsupported(unchanged) -> None:
    notes = [received("M1", "movement", "item-moved", "U1", t(5))]
    r = reconciled(unchanged, notes, party="USA", before=BEFORE, after=AFTER, at=AT)
    assert r.counts["changes"] == 0 and r.counts["covered"] == 0
    assert r.counts["unsupported"] == 1
