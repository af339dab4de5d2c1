"""Notification files: CSV and JSON, validated all or nothing, each problem located."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armsctl.errors import InputError
from armsctl.notifications import draft, read_notifications, send, write_notifications
from armsctl.treaty import Treaty

HEADER = "id,type,event,sender,event_time,sent_at,received_at,uid,category,from_facility,to_facility,facility,status\n"
GOOD = "N1,movement,item-moved,USA,2024-03-02T10:00:00Z,2024-03-03T10:00:00Z,2024-03-03T11:00:00Z,U1,icbm-launcher,F1,F2,,\n"


def write(tmp_path: Path, text: str, name: str = "n.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip_through_json(tmp_path: Path, new_start: Treaty) -> None:
    notes = read_notifications(write(tmp_path, HEADER + GOOD), new_start)
    assert len(notes) == 1
    n = notes[0]
    assert n.state == "received"  # implied by the times
    assert n.fields == {
        "uid": "U1",
        "category": "icbm-launcher",
        "from_facility": "F1",
        "to_facility": "F2",
    }
    assert n.received_at == dt.datetime(2024, 3, 3, 11, tzinfo=dt.UTC)
    out = write_notifications(tmp_path / "n.json", new_start, notes)
    assert read_notifications(out, new_start) == notes


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "N1,movement,item-moved,USA,2024-03-02T10:00:00,,,U1,icbm-launcher,F1,F2,,",
            "line 2: event_time: time '2024-03-02T10:00:00' has no time zone",
        ),
        (
            "N1,movement,item-moved,USA,yesterday,,,U1,icbm-launcher,F1,F2,,",
            "line 2: event_time: bad time 'yesterday'",
        ),
        (
            "N1,telegram,item-moved,USA,2024-03-02T10:00:00Z,,,U1,icbm-launcher,F1,F2,,",
            "line 2: type: unknown notification type 'telegram'",
        ),
        (
            "N1,movement,item-moved,XXX,2024-03-02T10:00:00Z,,,U1,icbm-launcher,F1,F2,,",
            "line 2: sender: 'XXX' is not a party",
        ),
        (
            "N1,movement,item-moved,USA,2024-03-02T10:00:00Z,,,U1,icbm-launcher,F1,,,",
            "line 2: fields.to_facility: missing",
        ),
        (
            "N1,movement,item-moved,USA,2024-03-02T10:00:00Z,,,U1,icbm-launcher,F1,F2,F3,",
            "line 2: fields.facility: not a field of movement",
        ),
        (
            "N1,movement,item-moved,USA,2024-03-02T10:00:00Z,,2024-03-03T10:00:00Z,U1,icbm-launcher,F1,F2,,",
            "line 2: sent_at: missing for state received",
        ),
        (
            "N1,movement,item-moved,USA,2024-03-02T10:00:00Z,2024-03-04T10:00:00Z,2024-03-03T10:00:00Z,U1,icbm-launcher,F1,F2,,",
            "line 2: received_at: 2024-03-03T10:00:00+00:00 precedes sent_at",
        ),
        (
            "N1,change-in-data,,USA,2024-03-02T10:00:00Z,,,U1,icbm-launcher,,,F1,deployed",
            "line 2: event: give one of item-added, item-removed, status-changed",
        ),
    ],
)
def test_bad_rows_name_file_line_and_field(
    tmp_path: Path, new_start: Treaty, row: str, message: str
) -> None:
    path = write(tmp_path, HEADER + row + "\n")
    with pytest.raises(InputError) as info:
        read_notifications(path, new_start)
    assert any(
        str(p) == f"{path}:{message}" or str(p).startswith(f"{path}:{message}")
        for p in info.value.problems
    ), info.value


def test_all_or_nothing_and_duplicates(tmp_path: Path, new_start: Treaty) -> None:
    bad = "N2,movement,item-moved,USA,2024-03-02T10:00:00,,,U1,icbm-launcher,F1,F2,,\n"
    path = write(tmp_path, HEADER + GOOD + bad + GOOD)
    with pytest.raises(InputError) as info:
        read_notifications(path, new_start)
    messages = [str(p) for p in info.value.problems]
    assert any("line 3: event_time" in m for m in messages)
    assert any("line 4: id: 'N1' already used at line 2" in m for m in messages)


def test_json_problems_name_the_record(tmp_path: Path, new_start: Treaty) -> None:
    path = write(
        tmp_path,
        '[{"id": "N1", "type": "movement", "sender": "USA", "event_time": "2024-03-02", "fields": {}}]',
        "n.json",
    )
    with pytest.raises(InputError) as info:
        read_notifications(path, new_start)
    assert f"{path}:record 1: event_time: time '2024-03-02' has no time zone" in str(info.value)
    other = write(tmp_path, '{"treaty": "cfe", "notifications": []}', "o.json")
    with pytest.raises(InputError, match="file is for 'cfe'"):
        read_notifications(other, new_start)
    broken = write(tmp_path, "[{", "b.json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_notifications(broken, new_start)


def test_write_is_atomic_and_keeps_lifecycle(tmp_path: Path, new_start: Treaty) -> None:
    t = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    n = draft(
        new_start,
        id="A",
        type="six-monthly-update",
        sender="RUS",
        event_time=t,
        at=t,
        fields={"as_of": "2024-03-01", "declaration": "sha256:00"},
    )
    n = send(n, at=t)
    path = write_notifications(tmp_path / "store.json", new_start, [n])
    assert not (tmp_path / "store.json.tmp").exists()
    assert read_notifications(path, new_start) == [n]
