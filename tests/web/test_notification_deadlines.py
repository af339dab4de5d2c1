"""The web judges a stored notification's deadline exactly as ``armsctl notify due`` does.

Both read times with ``armsctl.notifications.parse_time`` and judge with
``armsctl.notifications.assess``: the same facts give the same verdict and deadline, and a time
without a zone is refused by both (it is never taken to be UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.errors import InputError
from armsctl.notifications import from_record, rule_sentence
from armsctl.treaty import Treaty
from armsctl.web.pages_activity import _assessed

AT = dt.datetime(2024, 3, 20, 12, tzinfo=dt.UTC)

#: As the server stores them: duty as ``kind``, accepted (= received) at ``sent_at``.
STORED: list[dict[str, Any]] = [
    {  # received two days after the event: on time (5 days)
        "id": 1,
        "kind": "movement",
        "sender": "USA",
        "recipient": "RUS",
        "sent_at": "2024-03-03T10:00:00+00:00",
        "acknowledged_at": None,
        "body": {
            "uid": "U1",
            "category": "icbm-launcher",
            "from_facility": "F1",
            "to_facility": "F2",
            "event_time": "2024-03-01T10:00:00+00:00",
        },
    },
    {  # received nine days after the event: late
        "id": 2,
        "kind": "conversion-elimination",
        "sender": "RUS",
        "recipient": "USA",
        "sent_at": "2024-03-10T09:30:00+02:00",
        "acknowledged_at": "2024-03-11T08:00:00+00:00",
        "body": {
            "uid": "R9",
            "category": "icbm-launcher",
            "facility": "F7",
            "procedure": "elimination",
            "event_time": "2024-03-01T00:00:00Z",
        },
    },
    {  # no event time given: the event is the sending itself, so on time
        "id": 3,
        "kind": "six-monthly-update",
        "sender": "USA",
        "recipient": None,
        "sent_at": "2024-03-15T12:00:00+00:00",
        "acknowledged_at": None,
        "body": {"as_of": "2024-03-01", "declaration": "17"},
    },
]


def _as_cli_file(tmp_path: Path, rows: list[dict[str, Any]], treaty: Treaty) -> Path:
    """The same notifications written as a user writes a CSV file for ``armsctl notify``."""
    path = tmp_path / "notes.csv"
    columns = ["id", "type", "sender", "recipients", "event", "event_time", "sent_at"]
    columns += ["received_at", "acknowledged_at"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        fields = sorted({f for d in treaty.notifications for f in d.fields} - set(columns))
        writer = csv.DictWriter(handle, columns + fields)
        writer.writeheader()
        for r in rows:
            duty = next(d for d in treaty.notifications if d.id == r["kind"])
            others = [m for m in treaty.parties.members if m != r["sender"]]
            writer.writerow(
                {
                    "id": r["id"],
                    "type": r["kind"],
                    "sender": r["sender"],
                    "recipients": r["recipient"] or ";".join(others),
                    "event": duty.triggers[0],
                    "event_time": r["body"].get("event_time") or r["sent_at"],
                    "sent_at": r["sent_at"],
                    "received_at": r["sent_at"],
                    "acknowledged_at": r["acknowledged_at"] or "",
                    **{f: r["body"].get(f, "") for f in duty.fields if f in fields},
                }
            )
    return path


def _cli_due(path: Path) -> Any:
    result = CliRunner().invoke(
        build_app(),
        [
            *("notify", "due", "--file", str(path), "--treaty", "new-start", "--all"),
            *("--at", AT.isoformat(), "--format", "json"),
        ],
    )
    return result


def test_web_and_command_line_give_the_same_verdicts(tmp_path: Path, new_start: Treaty) -> None:
    result = _cli_due(_as_cli_file(tmp_path, STORED, new_start))
    assert result.exit_code in (0, 1), result.output
    cli = {d["notification"]: d for d in json.loads(result.stdout)["deadlines"]}
    web = {str(r["id"]): r["deadline"] for r in _assessed(STORED, new_start, AT)}
    assert set(cli) == set(web) == {"1", "2", "3"}
    for key, standing in web.items():
        assert standing is not None
        for field in ("verdict", "deadline", "rule", "lateness_hours", "event_time"):
            assert standing[field] == cli[key][field], (key, field)
    assert [web[k]["verdict"] for k in ("1", "2", "3")] == ["on-time", "late", "on-time"]


def test_a_time_without_a_zone_is_refused_by_both(tmp_path: Path, new_start: Treaty) -> None:
    naive = [{**STORED[0], "body": {**STORED[0]["body"], "event_time": "2024-03-01T10:00:00"}}]
    result = _cli_due(_as_cli_file(tmp_path, naive, new_start))
    assert result.exit_code == 2
    assert "has no time zone" in result.output
    (row,) = _assessed(naive, new_start, AT)
    assert row["deadline"] is None
    assert "body.event_time" in row["problem"] and "has no time zone" in row["problem"]
    with pytest.raises(InputError) as caught:
        from_record(naive[0], new_start)
    assert [p.location for p in caught.value.problems] == ["notification 1"]


def test_an_unknown_duty_is_named(new_start: Treaty) -> None:
    (row,) = _assessed([{**STORED[0], "kind": "telegram"}], new_start, AT)
    assert row["deadline"] is None and "kind: 'telegram'" in row["problem"]


def test_rules_read_in_words_beside_the_treaty_notation(new_start: Treaty) -> None:
    words = {d.id: rule_sentence(d) for d in new_start.notifications}
    assert words["six-monthly-update"].startswith("received within 30 days after the event (")
    assert words["heavy-bomber-abroad"].startswith("received within 24 hours after the event")
    assert "P30D" not in words["six-monthly-update"]
    (row,) = _assessed([STORED[2]], new_start, AT)
    assert row["deadline"]["rule_words"] == words["six-monthly-update"]
    assert "P30D" in row["deadline"]["rule"]  # the scripts' form stays as it was
