"""The bundled New START record reproduces the public history of the treaty."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.compliance import evaluate, history
from armsctl.inventory import DeclarationSet, read_declarations
from armsctl.treaty import Treaty, public_record_path

EFFECTIVE = dt.date(2018, 2, 5)


@pytest.fixture(scope="module")
def record(new_start: Treaty) -> DeclarationSet:
    path = public_record_path(new_start)
    assert path is not None
    return read_declarations([path], new_start)


def test_every_exchange_from_2018_is_within_every_limit(record: DeclarationSet) -> None:
    reports = [r for r in history(record) if r.at >= EFFECTIVE]
    assert len(reports) == 11
    for r in reports:
        for p in r.parties:
            assert p.status == "compliant", (r.at, p.party)
            assert all(x.status == "compliant" and x.in_force for x in p.limits)


def test_over_limit_figures_before_2018_are_not_in_force(record: DeclarationSet) -> None:
    reports = {r.at: r for r in history(record) if r.at < EFFECTIVE}
    usa_2011 = {x.id: x for x in reports[dt.date(2011, 2, 5)].parties[0].limits}
    assert (usa_2011["deployed-warheads"].value, usa_2011["deployed-warheads"].margin) == (
        1800,
        -250,
    )
    assert usa_2011["deployed-delivery-vehicles"].margin == 700 - 882
    assert usa_2011["total-launchers"].margin == 800 - 1124
    assert all(x.status == "not-in-force" for x in usa_2011.values())
    rus_2016 = {x.id: x for x in reports[dt.date(2016, 9, 1)].parties[1].limits}
    assert (rus_2016["deployed-warheads"].value, rus_2016["deployed-warheads"].status) == (
        1796,
        "not-in-force",
    )
    # Russia above 1,550 warheads at every exchange from 2014-09 to 2017-09 (and 1,566 in 2011-09).
    over = [at for at, r in reports.items() if r.parties[1].limits[1].margin < 0]  # type: ignore[operator]
    assert over[0] == dt.date(2011, 9, 1)
    assert over[1:] == [at for at in reports if dt.date(2014, 9, 1) <= at <= dt.date(2017, 9, 1)]
    assert all(r.status == "not-in-force" for r in reports.values())


def test_russia_did_not_provide_2023_data(new_start: Treaty, record: DeclarationSet) -> None:
    report = evaluate(new_start, record, dt.date(2023, 3, 1))
    rus = next(p for p in report.parties if p.party == "RUS")
    assert rus.not_provided == dt.date(2023, 3, 1)
    assert rus.declaration_as_of == dt.date(2022, 9, 1)
    assert "deployed-warheads" in rus.unverified  # the 2022-09-01 figures are unverified
    assert any("suspension" in note for note in report.notes)


def test_us_launchers_at_exactly_800(record: DeclarationSet) -> None:
    for r in history(record):
        if r.at >= dt.date(2017, 9, 1):
            usa = r.parties[0]
            if usa.declaration_as_of == r.at:
                assert next(x for x in usa.limits if x.id == "total-launchers").margin == 0


def test_dispute_mode_on_the_2020_breakdown(new_start: Treaty, record: DeclarationSet) -> None:
    report = evaluate(new_start, record, dt.date(2020, 9, 1), interpretation="counts-converted")
    usa = {x.id: x for x in report.parties[0].limits}
    assert (usa["total-launchers"].value, usa["total-launchers"].status) == (897, "violation")
    assert usa["total-launchers"].basis == "adjusted"
    assert usa["deployed-warheads"].value == 1457


def test_after_expiry_everything_is_expired(new_start: Treaty, record: DeclarationSet) -> None:
    report = evaluate(new_start, record, dt.date(2026, 3, 1))
    assert report.status == "expired"
    assert {p.status for p in report.parties} == {"expired"}
