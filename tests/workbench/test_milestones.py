"""Milestones: a draft's phased limits, ``--set LIMIT@DATE=MAX``, and schedules that honour them."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest

from armsctl.errors import ParameterError
from armsctl.treaty import Treaty, load_treaty, parse_treaty
from armsctl.workbench import (
    Options,
    analyse,
    apply_changes,
    derive_draft,
    draft_toml,
    parse_set,
    resolve_baseline,
)

D = dt.date


def _steps(treaty: Treaty, limit: str) -> list[tuple[dt.date, int | None]]:
    x = treaty.limit(limit)
    return [(x.effective, x.maximum)] + [(p.date, p.maximum) for p in x.phases]


def test_set_at_date_writes_a_phase_step_and_keeps_the_other_forms(new_start: Treaty) -> None:
    change = parse_set("deployed-warheads@2014-02-05=1,700")
    assert (change.field, change.value, change.at) == ("phase", 1700, D(2014, 2, 5))
    assert parse_set("deployed-warheads=1000").field == "maximum"
    assert parse_set("deployed-warheads.effective=2019-01-01").field == "effective"
    # Typed in any order: the final maximum and date first, then the steps on the way.
    draft, notes = apply_changes(
        new_start,
        [
            parse_set("deployed-warheads@2014-02-05=1700"),
            parse_set("deployed-warheads=1000"),
            parse_set("deployed-warheads@2016-02-05=1300"),
        ],
    )
    assert _steps(draft, "deployed-warheads") == [
        (D(2014, 2, 5), 1700),
        (D(2016, 2, 5), 1300),
        (D(2018, 2, 5), 1000),
    ]
    assert notes == [
        "limit deployed-warheads.maximum: 1550 -> 1000",
        "limit deployed-warheads milestone 2014-02-05: (no step) -> 1700",
        "limit deployed-warheads milestone 2016-02-05: (no step) -> 1300",
    ]
    # The draft file loads again with the same loader, phases and all (schema 2).
    again = parse_treaty(draft_toml(*derive_draft(draft, [])))
    assert _steps(again, "deployed-warheads") == _steps(draft, "deployed-warheads")
    # A milestone after the final step is a new, lower final step; on a step's date it
    # replaces that step's maximum.
    later, _ = apply_changes(new_start, [parse_set("deployed-warheads@2020-02-05=1200")])
    assert _steps(later, "deployed-warheads") == [(D(2018, 2, 5), 1550), (D(2020, 2, 5), 1200)]
    same, _ = apply_changes(new_start, [parse_set("deployed-warheads@2018-02-05=1400")])
    assert _steps(same, "deployed-warheads") == [(D(2018, 2, 5), 1400)]


def test_the_compliance_engine_judges_the_draft_as_the_schedule_does(new_start: Treaty) -> None:
    from armsctl.compliance import evaluate
    from armsctl.inventory.io import DeclarationSet
    from armsctl.inventory.model import Declaration, Figure

    draft, _ = apply_changes(
        new_start,
        [parse_set("deployed-warheads=1000"), parse_set("deployed-warheads@2014-02-05=1700")],
    )

    def ceiling(at: dt.date) -> tuple[int, str]:
        decl = Declaration(
            party="USA",
            as_of=at,
            kind="aggregate",
            limits={"deployed-warheads": Figure(1650)},
            origin="test",
        )
        report = evaluate(draft, DeclarationSet(draft, [decl], []), at)
        row = next(x for x in report.parties[0].limits if x.id == "deployed-warheads")
        return row.max, row.status

    assert ceiling(D(2015, 1, 1)) == (1700, "compliant")
    assert ceiling(D(2019, 1, 1)) == (1000, "violation")


def test_milestones_that_would_loosen_a_limit_are_refused(new_start: Treaty) -> None:
    with pytest.raises(ParameterError, match="raises the maximum 1,550"):
        apply_changes(new_start, [parse_set("deployed-warheads@2019-02-05=1600")])
    with pytest.raises(ParameterError, match="below the later step's maximum 1,550"):
        apply_changes(new_start, [parse_set("deployed-warheads@2014-02-05=1500")])
    with pytest.raises(ParameterError, match="unknown limit 'nope'"):
        apply_changes(new_start, [parse_set("nope@2014-02-05=1")])
    for bad in ("deployed-warheads@2014-13-01=5", "deployed-warheads@2014-02-05=-1", "@2014=1"):
        with pytest.raises(ParameterError):
            parse_set(bad)


def test_an_inserted_step_keeps_each_partys_extension_on_the_step_it_moved() -> None:
    cwc = load_treaty("cwc")
    before = cwc.phase_dates(cwc.limit("category-1-destruction"), "USA")
    assert before[-1] == D(2012, 4, 29)  # the final step, extended for the USA
    draft, _ = apply_changes(cwc, [parse_set("category-1-destruction@2005-04-29=20000")])
    dates = draft.phase_dates(draft.limit("category-1-destruction"), "USA")
    assert dates == [*before[:3], D(2005, 4, 29), D(2012, 4, 29)]


def test_schedule_honours_the_drafts_milestones(new_start: Treaty) -> None:
    """Hand computation: 1,800 warheads on 2011-02-05; at most 1,600 by 2013-02-05 (200 in two
    years) and 1,000 by 2018-02-05 (800 in seven). The front-loaded milestone does not raise
    the peak above ceil(800 / 7) = 115; at most 1,200 by 2013-02-05 does: ceil(600 / 2) = 300."""
    usa = resolve_baseline(new_start, "USA", "record@2011-02-05")
    for step, peak in (("1600", 115), ("1200", 300)):
        draft, _ = apply_changes(
            new_start,
            [
                parse_set("deployed-warheads=1000"),
                parse_set(f"deployed-warheads@2013-02-05={step}"),
            ],
        )
        party = analyse(draft, [usa])["parties"][0]
        dw = next(x for x in party["limits"] if x["id"] == "deployed-warheads")
        assert (dw["max"], dw["required_cut"], dw["due"]) == (1000, 800, "2018-02-05")
        assert [(m["date"], m["max"], m["required_cut"]) for m in dw["milestones"]] == [
            ("2013-02-05", int(step), 1800 - int(step)),
            ("2018-02-05", 1000, 800),
        ]
        per_year = [row["eliminations"]["deployed-warheads"] for row in party["schedule"]]
        assert len(per_year) == 7 and sum(per_year) == 800
        assert sum(per_year[:2]) >= 1800 - int(step)
        assert party["peak_per_year"]["deployed-warheads"] == peak == max(per_year)
        # Minimal: no schedule of seven whole years meeting both milestones peaks lower.
        assert peak == max(math.ceil((1800 - int(step)) / 2), math.ceil(800 / 7))


def test_phased_fractions_of_the_baseline_are_milestones_cwc() -> None:
    """CWC category 1 for the USA from 31,000 t (1997-04-29): at most 99 %, 80 %, 55 % after 3,
    5 and 7 years and nothing by the extended deadline 2012-04-29 (15 years). Requirements
    310, 6,200, 13,950 and 31,000 by years 3, 5, 7 and 15: peak max(ceil(310/3), ceil(6200/5),
    ceil(13950/7), ceil(31000/15)) = 2,067."""
    cwc = load_treaty("cwc")
    usa = resolve_baseline(cwc, "USA", "record@1997-04-29")
    party = analyse(cwc, [usa])["parties"][0]
    (row,) = party["limits"]
    assert (row["baseline"], row["max"], row["required_cut"], row["due"]) == (
        31000,
        0,
        31000,
        "2012-04-29",
    )
    assert [m["required_cut"] for m in row["milestones"]] == [0, 310, 6200, 13950, 31000]
    assert row["unverified"]  # the record's stockpile figure is tagged unverified
    per_year = [r["eliminations"]["category-1-destruction"] for r in party["schedule"]]
    assert len(per_year) == 15 and sum(per_year) == 31000
    for year, need in ((3, 310), (5, 6200), (7, 13950)):
        assert sum(per_year[:year]) >= need
    assert max(per_year) == 2067 == max(math.ceil(n / t) for t, n in ((3, 310), (5, 6200),
                                                                      (7, 13950), (15, 31000)))  # fmt: skip


def test_an_unreachable_milestone_is_a_finding_naming_it_and_the_shortfall(
    new_start: Treaty,
) -> None:
    draft, _ = apply_changes(
        new_start,
        [parse_set("deployed-warheads=1000"), parse_set("deployed-warheads@2013-02-05=1400")],
    )
    usa = resolve_baseline(draft, "USA", "record@2011-02-05")
    doc = analyse(draft, [usa], Options(capacity={"deployed-warheads": 150}))
    (finding,) = doc["findings"]
    assert (
        finding["milestone"] == "deployed-warheads <= 1,400 by 2013-02-05 (milestone of the draft)"
    )
    assert (finding["required"], finding["achievable"], finding["shortfall"]) == (400, 300, 100)
    # Due before the first year after the baseline ends: nothing can be done by then.
    early, _ = apply_changes(new_start, [parse_set("deployed-warheads@2011-12-31=1700")])
    (f,) = analyse(early, [usa])["findings"]
    assert (f["due"], f["required"], f["achievable"]) == ("2011-12-31", 100, 0)


@pytest.mark.parametrize("n_years", [1, 2, 3, 4])
def test_small_schedules_with_a_milestone_match_brute_force(
    new_start: Treaty, n_years: int
) -> None:
    """Every yearly split of a small cut, with the CLI milestone, against the chosen peak."""
    usa = resolve_baseline(new_start, "USA", "record@2011-02-05")
    draft, _ = apply_changes(new_start, [parse_set("deployed-warheads=1790")])  # cut 10
    for when in range(1, n_years + 1):
        for cap in range(0, 11):
            day = D(2011 + when, 2, 5)
            opts = Options(years=n_years, milestones=[("deployed-warheads", day, 1800 - cap)])
            party = analyse(draft, [usa], opts)["parties"][0]
            per_year = [r["eliminations"].get("deployed-warheads", 0) for r in party["schedule"]]
            best = min(
                max(split)
                for split in itertools.product(range(11), repeat=n_years)
                if sum(split) == 10 and sum(split[:when]) >= cap
            )
            assert sum(per_year) == 10 and sum(per_year[:when]) >= cap
            assert max(per_year) == best, (when, cap, per_year)
