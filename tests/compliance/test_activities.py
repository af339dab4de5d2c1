"""Activity obligations: bans and prior-notification thresholds, judged with their notifications."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.compliance import evaluate, report_to_dict
from armsctl.compliance.activities import Activity, evaluate_activities
from armsctl.compliance.activity_io import read_activities
from armsctl.errors import InputError
from armsctl.inventory import DeclarationSet
from armsctl.notifications.model import Notification
from armsctl.treaty import load_treaty

UTC = dt.UTC


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


def notice(received: str | None, uid: str = "EX1") -> Notification:
    return Notification(
        id="N1",
        treaty="vienna-document-2011",
        type="prior-notification",
        sender="DEU",
        recipients=("FRA",),
        event="military-activity",
        event_time=at("2020-06-01"),
        fields={"uid": uid},
        state="received" if received else "sent",
        received_at=at(received) if received else None,
    )


EXERCISE = Activity("DEU", "military-activity", at("2020-06-01"), "EX1", {"troops": 12000})
SMALL = Activity("DEU", "military-activity", at("2020-06-01"), "EX2", {"troops": 8999})


@pytest.mark.parametrize(
    ("received", "status"),
    [
        ("2020-04-19", "compliant"),
        ("2020-04-20", "compliant"),
        ("2020-04-21", "violation"),
        (None, "violation"),
    ],
    ids=["early", "on-the-deadline", "a-day-late", "never-received"],
)
def test_prior_notification_deadline(received: str | None, status: str) -> None:
    vd = load_treaty("vienna-document-2011")
    (result,) = evaluate_activities(vd, [EXERCISE], [notice(received)], dt.date(2020, 6, 1))
    assert result.status == status
    assert "troops 12,000 >= 9,000" in result.reason
    assert result.notification == "N1"


def test_no_notification_at_all_and_below_threshold() -> None:
    vd = load_treaty("vienna-document-2011")
    results = evaluate_activities(vd, [EXERCISE, SMALL], [], dt.date(2020, 6, 1))
    assert [(r.uid, r.status) for r in results] == [("EX1", "violation")]
    assert "no prior-notification notification received by 2020-04-20" in results[0].reason


def test_ban_applies_from_its_date_and_makes_the_check_a_violation() -> None:
    inf = load_treaty("inf")
    before = Activity("USA", "intermediate-range-flight-test", at("1991-05-31"), "T1")
    after = Activity("USA", "intermediate-range-flight-test", at("1991-06-01"), "T2")
    results = evaluate_activities(inf, [before, after], [], dt.date(1991, 12, 31))
    assert [(r.uid, r.status) for r in results] == [("T2", "violation")]
    report = evaluate(inf, DeclarationSet(inf, [], []), dt.date(1991, 12, 31), activities=[after])
    doc = report_to_dict(report)
    assert doc["status"] == "violation"
    assert doc["activities"][0]["rule"] == "no-flight-tests" and doc["activities"][0]["unverified"]


def test_cli_check_with_activities(tmp_path: Path) -> None:
    acts = tmp_path / "acts.csv"
    acts.write_text(
        "party,event,time,uid\nUSA,intermediate-range-flight-test,1992-01-10,T9\n", encoding="utf-8"
    )
    decl = tmp_path / "decl.csv"
    decl.write_text(
        "party,as_of,measure,value\nUSA,1992-01-01,intermediate-range-missiles,0\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        build_app(),
        [
            "check",
            "inf",
            "-d",
            str(decl),
            "--at",
            "1992-01-31",
            "--activities",
            str(acts),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["activities"][0]["uid"] == "T9"


def test_bad_activity_files(tmp_path: Path) -> None:
    inf = load_treaty("inf")
    path = tmp_path / "acts.csv"
    path.write_text("party,event,time,uid,troops\nUSA,x,1992-02-30,T1,1e3\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_activities(path, inf)
    lines = [str(p) for p in exc.value.problems]
    assert f"{path}:line 2: time: bad time '1992-02-30' (ISO 8601)" in lines
    assert any("troops: '1e3' uses exponent notation" in line for line in lines)
    path.write_text("party,event,time,uid\n", encoding="utf-8")
    with pytest.raises(InputError, match="nothing to check"):
        read_activities(path, inf)


def test_activity_times_a_day_is_its_utc_start_and_a_time_of_day_needs_its_zone(
    tmp_path: Path,
) -> None:
    inf = load_treaty("inf")
    path = tmp_path / "acts.csv"
    path.write_text(
        "party,event,time,uid\nUSA,x,1992-01-10,T1\nUSA,x,1992-01-10T12:00:00+02:00,T2\n",
        encoding="utf-8",
    )
    first, second = read_activities(path, inf)
    assert first.time == dt.datetime(1992, 1, 10, tzinfo=UTC)
    assert second.time == dt.datetime(1992, 1, 10, 10, tzinfo=UTC)
    path.write_text("party,event,time,uid\nUSA,x,1992-01-10T12:00:00,T1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_activities(path, inf)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:line 2: time: time '1992-01-10T12:00:00' has no time zone (add Z or +00:00)"
    ]
