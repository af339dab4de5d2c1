"""Group and zone limits, lower bounds, withdrawal and suspension, and the top-level status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armsctl.compliance import evaluate, report_to_dict
from armsctl.inventory import Declaration, DeclarationSet
from armsctl.inventory.model import ComponentKey, Figure
from armsctl.treaty import Treaty, load_treaty

BLOCS = Path(__file__).with_name("blocs.toml")
DAY = dt.date(2005, 1, 1)


@pytest.fixture(scope="module")
def blocs() -> Treaty:
    return load_treaty(BLOCS)


def decl(party: str, tanks: int, flank: int = 0, as_of: dt.date = DAY) -> Declaration:
    d = Declaration(party, as_of, "items", "test")
    d.components[ComponentKey("tank", "active")] = Figure(tanks)
    d.components[ComponentKey("tank", "active", "count", "flank")] = Figure(flank)
    return d


def run(treaty: Treaty, decls: list[Declaration], at: dt.date = DAY) -> dict:  # type: ignore[type-arg]
    return report_to_dict(evaluate(treaty, DeclarationSet(treaty, decls, []), at))


def group_limit(doc: dict, group: str, limit: str) -> dict:  # type: ignore[type-arg]
    g = next(g for g in doc["groups"] if g["group"] == group)
    return next(x for x in g["limits"] if x["id"] == limit)  # type: ignore[no-any-return]


def test_group_limit_violated_is_named_in_the_members_records(blocs: Treaty) -> None:
    doc = run(blocs, [decl("RED", 12000), decl("ROS", 9000), decl("BLU", 1), decl("BLA", 1)])
    x = group_limit(doc, "east", "group-tank")
    assert (x["value"], x["max"], x["status"], x["parties"]) == (
        21000,
        20000,
        "violation",
        ["RED", "ROS"],
    )
    assert doc["status"] == "violation"
    red = next(p for p in doc["parties"] if p["party"] == "RED")
    assert red["status"] == "compliant"  # its own limits
    assert "group east: group-tank violated (21,000 > 20,000)" in red["flags"]


def test_zone_limit_is_evaluated(blocs: Treaty) -> None:
    doc = run(blocs, [decl("RED", 100, 30), decl("ROS", 100, 25), decl("BLU", 1), decl("BLA", 1)])
    x = group_limit(doc, "east", "flank-tank")
    assert (x["value"], x["status"]) == (55, "violation")
    assert doc["status"] == "violation"


def test_group_member_missing_lower_bound_exceeds(blocs: Treaty) -> None:
    doc = run(blocs, [decl("RED", 25500), decl("BLU", 1), decl("BLA", 1)])
    x = group_limit(doc, "east", "group-tank")
    assert (x["value"], x["status"], x["lower_bound"], x["missing"]) == (
        25500,
        "violation",
        True,
        ["ROS"],
    )
    assert "no data for ROS; declared members total 25,500" in x["note"]
    assert "lower bound" in x["note"]


def test_group_member_missing_below_the_limit_is_no_data(blocs: Treaty) -> None:
    doc = run(blocs, [decl("RED", 5000), decl("BLU", 1), decl("BLA", 1)])
    x = group_limit(doc, "east", "group-tank")
    assert (x["value"], x["status"], x["lower_bound"]) == (None, "no-data", False)
    assert "declared members total 5,000" in x["note"]


@pytest.mark.parametrize(
    ("at", "status"),
    [(dt.date(2009, 12, 31), "violation"), (dt.date(2010, 1, 1), "withdrawn")],
    ids=["day-before-withdrawal", "withdrawal-effective-day"],
)
def test_withdrawal_takes_effect_on_its_date(blocs: Treaty, at: dt.date, status: str) -> None:
    decls = [decl("RED", 1), decl("ROS", 25000), decl("BLU", 1), decl("BLA", 1)]
    doc = run(blocs, decls, at)
    ros = next(p for p in doc["parties"] if p["party"] == "ROS")
    assert ros["status"] == status
    if status == "withdrawn":
        assert ros["withdrawn_on"] == "2010-01-01"
        assert {x["status"] for x in ros["limits"]} == {"withdrawn"}
        # Its only violator gone, the check is not a violation; the group counts RED alone.
        assert doc["status"] == "compliant"
        east = next(g for g in doc["groups"] if g["group"] == "east")
        assert (east["covers"], east["withdrawn"]) == (["RED"], ["ROS"])
    else:
        assert ros["withdrawn_on"] is None
        assert doc["status"] == "violation"


def test_suspension_is_evaluated_and_flagged(blocs: Treaty) -> None:
    at = dt.date(2010, 2, 1)
    doc = run(blocs, [decl("BLU", 30000), decl("BLA", 1), decl("RED", 1)], at)
    blu = next(p for p in doc["parties"] if p["party"] == "BLU")
    assert (blu["status"], blu["suspended_on"]) == ("violation", "2010-02-01")
    assert any(
        f.startswith("suspended: BLU declared a suspension effective 2010-02-01")
        for f in blu["flags"]
    )
    before = run(blocs, [decl("BLU", 1)], dt.date(2010, 1, 31))
    assert next(p for p in before["parties"] if p["party"] == "BLU")["suspended_on"] is None


def test_cfe_russia_withdrawn_after_2023_11_07() -> None:
    cfe = load_treaty("cfe")
    rus = Declaration("RUS", dt.date(2023, 1, 1), "items", "test")
    rus.components[ComponentKey("battle-tank", "active-unit")] = Figure(15000)
    decls = DeclarationSet(cfe, [rus], [])
    before = report_to_dict(evaluate(cfe, decls, dt.date(2023, 11, 6)))
    after = report_to_dict(evaluate(cfe, decls, dt.date(2024, 6, 1)))
    assert before["status"] == "violation"
    record = next(p for p in after["parties"] if p["party"] == "RUS")
    assert (record["status"], record["withdrawn_on"]) == ("withdrawn", "2023-11-07")
    assert after["status"] != "violation"
