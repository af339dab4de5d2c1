"""The one quota calculator, against the bundled treaties' own quota entries."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.errors import InputError, ParameterError
from armsctl.treaty import load_treaty
from armsctl.verification.planning import Quota
from armsctl.verification.quotas import allowance, refusal
from armsctl.verification.sites import quotas_for_year


def test_new_start_quotas_start_after_entry_into_force_and_end_with_the_treaty() -> None:
    t = load_treaty("new-start")
    for year, expected in ((2010, 0), (2011, 10), (2015, 10), (2026, 10), (2027, 0)):
        rule = allowance(t, "type-one", year, inspecting="USA", inspected="RUS")
        assert rule.allowed == expected, year
        assert rule.counted_by == "inspecting"  # an active quota: the inspector's right
    assert allowance(t, "type-two", 2015).allowed == 8
    assert "applies from 2011-04-06" in allowance(t, "type-one", 2010).basis
    early = allowance(t, "type-one", 2011)
    assert refusal(early, used=0, when=dt.date(2011, 3, 1)) == (
        "the type-one quota applies from 2011-04-06"
    )
    assert refusal(early, used=0, when=dt.date(2011, 4, 6)) is None
    assert "spent (10/10" in (refusal(early, used=10) or "")
    late = allowance(t, "type-one", 2027)
    assert "no longer applies from 2026-02-05" in (refusal(late, used=0) or "")
    # The planner asks the same calculator.
    assert quotas_for_year(t, 2010) == [Quota("type-one", 0), Quota("type-two", 0)]
    assert quotas_for_year(t, 2015) == [Quota("type-one", 10), Quota("type-two", 8)]


@pytest.mark.parametrize(
    ("units", "visits"), [(0, 0), (1, 1), (60, 1), (61, 2), (600, 10), (900, 15), (5000, 15)]
)
def test_vienna_document_evaluation_visits_follow_the_declared_units(
    units: int, visits: int
) -> None:
    """One visit per 60 reported units or portion thereof, at most 15 a year (para 107)."""
    t = load_treaty("vienna-document-2011")
    rule = allowance(t, "evaluation-visits", 2015, inspected="DEU", declared_units=units)
    assert rule.allowed == visits
    assert rule.counted_by == "inspected"  # passive: what the inspected State must accept


def test_vienna_document_needs_the_units_and_caps_visits_from_one_state() -> None:
    t = load_treaty("vienna-document-2011")
    with pytest.raises(InputError, match="needs the inspected party's declared units"):
        allowance(t, "evaluation-visits", 2015, inspected="DEU")
    inspections = allowance(t, "inspections", 2015, inspecting="RUS", inspected="DEU")
    assert (inspections.allowed, inspections.max_from_same_party) == (3, 1)
    assert refusal(inspections, used=1, used_from_same_party=0) is None
    assert refusal(inspections, used=1, used_from_same_party=1) == (
        "at most 1 inspections a year from the same party (1 already)"
    )
    assert "spent (3/3" in (refusal(inspections, used=3) or "")
    planned = quotas_for_year(t, 2015, party="DEU", items=600)
    assert planned == [Quota("evaluation-visits", 10), Quota("inspections", 3)]


def test_open_skies_passive_quotas_per_inspected_party_and_group() -> None:
    t = load_treaty("open-skies")
    usa = allowance(t, "passive-quota", 2015, inspecting="DEU", inspected="USA")
    assert (usa.allowed, usa.counted_by) == (42, "inspected")
    rus = allowance(t, "passive-quota", 2015, inspecting="DEU", inspected="RUS")
    assert rus.allowed == 42 and "group blr-rus" in rus.basis
    blr = allowance(t, "passive-quota", 2015, inspected="BLR")
    assert blr.allowed == 42
    assert allowance(t, "first-distribution", 2002, inspected="USA").allowed == 31
    assert allowance(t, "first-distribution", 2001, inspected="USA").allowed == 0
    with pytest.raises(InputError, match="give the inspected party"):
        allowance(t, "passive-quota", 2015, inspecting="DEU")
    with pytest.raises(ParameterError, match="passive-quota"):
        quotas_for_year(t, 2015)


def test_every_bundled_quota_has_an_answer() -> None:
    """Each bundled treaty's quotas, for a year it is in force, with the figures they need."""
    for ref in ("new-start", "vienna-document-2011", "open-skies", "start-i", "cfe", "inf"):
        t = load_treaty(ref)
        year = t.dates.entry_into_force.year + 1
        party = sorted(t.parties.members)[0] if t.parties.members else "DEU"
        for q in t.inspection_quotas:
            try:
                rule = allowance(
                    t, q.id, year, inspecting=party, inspected=party, declared_units=120
                )
            except InputError:
                assert q.per_party and party not in q.per_party  # a group member or absent
                continue
            assert rule.allowed >= 0 and rule.basis


def test_unknown_quota() -> None:
    with pytest.raises(InputError, match="unknown inspection type"):
        allowance(load_treaty("new-start"), "type-three", 2015)
