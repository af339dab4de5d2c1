"""Schema 2: per-party dates, relative dates, phases, baselines, named states, formulas, weights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armsctl.compliance import evaluate, report_to_dict
from armsctl.errors import TreatyFileError
from armsctl.inventory import Declaration, DeclarationSet
from armsctl.inventory.model import ComponentKey, Figure
from armsctl.treaty import Treaty, load_treaty, parse_treaty
from armsctl.treaty.schema import add_calendar

V2 = Path(__file__).with_name("v2.toml")
TEXT = V2.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def v2() -> Treaty:
    return load_treaty(V2)


def decl(party: str, as_of: dt.date, agent: int = 0, mines: int = 0) -> Declaration:
    d = Declaration(party, as_of, "aggregate", "test")
    d.components[ComponentKey("agent", "held")] = Figure(agent)
    d.components[ComponentKey("mine", "held")] = Figure(mines)
    return d


def limit_of(treaty: Treaty, decls: list[Declaration], at: dt.date, party: str, limit: str) -> dict:  # type: ignore[type-arg]
    doc = report_to_dict(evaluate(treaty, DeclarationSet(treaty, decls, []), at))
    record = next(p for p in doc["parties"] if p["party"] == party)
    return next(x for x in record["limits"] if x["id"] == limit)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (dt.date(2000, 1, 31), "P1M", dt.date(2000, 2, 29)),
        (dt.date(2001, 1, 31), "P1M", dt.date(2001, 2, 28)),
        (dt.date(2000, 2, 29), "P1Y", dt.date(2001, 2, 28)),
        (dt.date(2012, 7, 1), "P4Y", dt.date(2016, 7, 1)),
        (dt.date(2000, 3, 31), "P18M", dt.date(2001, 9, 30)),
        (dt.date(2000, 1, 1), "P1Y2M3D", dt.date(2001, 3, 4)),
    ],
)
def test_calendar_durations(start: dt.date, duration: str, end: dt.date) -> None:
    assert add_calendar(start, duration) == end


def test_relative_dates_resolve_at_load(v2: Treaty) -> None:
    limit = v2.limit("agent-destruction")
    assert limit.effective == dt.date(2000, 4, 30)  # P1M after 2000-03-31
    assert limit.effective_rule == "P1M after entry-into-force"
    assert v2.phase_dates(limit) == [dt.date(2003, 3, 31), dt.date(2005, 3, 31)]
    assert limit.maximum == 0  # the final step's fraction 0


def test_party_relative_deadline_differs_per_party(v2: Treaty) -> None:
    stockpile = v2.limit("stockpile")
    assert v2.limit_effective(stockpile, "AAA") == dt.date(2004, 3, 31)
    assert v2.limit_effective(stockpile, "BBB") == dt.date(2008, 7, 1)  # its own entry into force
    assert v2.limit_effective(stockpile, "DDD") == dt.date(2006, 1, 1)  # extension granted


@pytest.mark.parametrize(
    ("at", "status"),
    [(dt.date(2008, 6, 30), "not-in-force"), (dt.date(2008, 7, 1), "violation")],
    ids=["day-before-relative-date", "day-of-relative-date"],
)
def test_relative_deadline_edges(v2: Treaty, at: dt.date, status: str) -> None:
    x = limit_of(v2, [decl("BBB", dt.date(2008, 1, 1), mines=3)], at, "BBB", "stockpile")
    assert x["status"] == status
    assert x["effective"] == "2008-07-01"


@pytest.mark.parametrize(
    ("at", "maximum", "status"),
    [
        (dt.date(2003, 3, 30), 1000, "compliant"),
        (dt.date(2003, 3, 31), 990, "violation"),
        (dt.date(2005, 3, 31), 0, "violation"),
    ],
    ids=["day-before-step", "day-of-step", "final-step"],
)
def test_phase_steps_against_the_baseline(
    v2: Treaty, at: dt.date, maximum: int, status: str
) -> None:
    decls = [
        decl("AAA", dt.date(2000, 3, 31), agent=1000),
        decl("AAA", dt.date(2002, 1, 1), agent=995),
    ]
    x = limit_of(v2, decls, at, "AAA", "agent-destruction")
    assert (x["max"], x["status"]) == (maximum, status)
    if at >= dt.date(2003, 3, 31):
        assert x["step"].startswith("step ") and "Annex, paragraph 1(" in x["step"]
        assert "of baseline 1,000" in x["step"]


def test_named_state_limit_and_fractional_weight(v2: Treaty) -> None:
    decls = [decl("AAA", dt.date(2001, 1, 1), mines=21), decl("BBB", dt.date(2005, 1, 1), mines=21)]
    doc = report_to_dict(evaluate(v2, DeclarationSet(v2, decls, []), dt.date(2001, 1, 1)))
    aaa = next(p for p in doc["parties"] if p["party"] == "AAA")
    bbb = next(p for p in doc["parties"] if p["party"] == "BBB")
    only = next(x for x in aaa["limits"] if x["id"] == "aaa-only")
    assert (only["value"], only["exact"], only["status"]) == (11, 10.5, "violation")
    assert "aaa-only" not in {x["id"] for x in bbb["limits"]}


def test_formula_allowance(v2: Treaty) -> None:
    small = limit_of(
        v2, [decl("AAA", dt.date(2001, 1, 1), agent=20)], dt.date(2001, 1, 1), "AAA", "allowance"
    )
    assert (small["max"], small["step"]) == (5, "max(2, 5)")
    big = limit_of(
        v2, [decl("AAA", dt.date(2001, 1, 1), agent=200)], dt.date(2001, 1, 1), "AAA", "allowance"
    )
    assert (big["max"], big["status"]) == (20, "violation")


@pytest.mark.parametrize(
    ("at", "withdrawn"),
    [(dt.date(2010, 11, 29), False), (dt.date(2010, 11, 30), True)],
    ids=["day-before-withdrawal", "withdrawal-effective-day"],
)
def test_withdrawal_notice_plus_period(v2: Treaty, at: dt.date, withdrawn: bool) -> None:
    assert v2.withdrawal_effective("CCC") == dt.date(2010, 11, 30)
    doc = report_to_dict(
        evaluate(v2, DeclarationSet(v2, [decl("CCC", dt.date(2009, 1, 1), mines=9)], []), at)
    )
    ccc = next(p for p in doc["parties"] if p["party"] == "CCC")
    assert (ccc["status"] == "withdrawn") is withdrawn
    assert ccc["withdrawn_on"] == ("2010-11-30" if withdrawn else None)


def test_party_suspension_is_flagged(v2: Treaty) -> None:
    doc = report_to_dict(
        evaluate(
            v2, DeclarationSet(v2, [decl("DDD", dt.date(2011, 1, 1))], []), dt.date(2011, 1, 1)
        )
    )
    ddd = next(p for p in doc["parties"] if p["party"] == "DDD")
    assert ddd["suspended_on"] == "2011-01-01" and ddd["status"] == "compliant"


def test_interpretation_since_is_honoured(v2: Treaty) -> None:
    decls = [
        decl("AAA", dt.date(2000, 3, 31), agent=1000),
        decl("AAA", dt.date(2002, 1, 1), agent=900, mines=200),
    ]
    treaty_set = DeclarationSet(v2, decls, [])

    def value(at: dt.date) -> int:
        report = evaluate(v2, treaty_set, at, interpretation="agent-counts-mines")
        aaa = next(p for p in report.parties if p.party == "AAA")
        return next(x.value for x in aaa.limits if x.id == "agent-destruction")  # type: ignore[return-value]

    assert value(dt.date(2002, 12, 31)) == 900
    assert value(dt.date(2003, 1, 1)) == 1100


def test_schema_1_refuses_schema_2_keys() -> None:
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(TEXT.replace("schema = 2\n", ""), where="t.toml")
    lines = [str(p) for p in exc.value.problems]
    assert "t.toml:party_dates: needs schema = 2 (add `schema = 2` at the top)" in lines
    assert any(line.startswith("t.toml:limits[0].phases: needs schema = 2") for line in lines)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'effective = "P1M after entry-into-force"',
            'effective = "three years after"',
            "limits[0](agent-destruction).effective: 'three years after' is not a date YYYY-MM-DD or a relative date",
        ),
        (
            "fraction = 0.99",
            "fraction = 0.99\nmaximum = 5",
            "limits[0](agent-destruction).phases[0]: give exactly one of maximum, fraction",
        ),
        (
            'baseline = { measure = "agent/held", as_of = "first" }\n',
            "",
            "limits[0](agent-destruction).baseline: a fraction needs the baseline it is a fraction of",
        ),
        (
            'parties = ["AAA"]\narticle = "Article 5"',
            'parties = ["ZZZ"]\narticle = "Article 5"',
            "limits[2].parties: ZZZ is not a member",
        ),
        (
            'limit = "stockpile"',
            'limit = "nothing"',
            "party_dates[2].extensions[0].limit: unknown limit 'nothing'",
        ),
        (
            'withdrawal_notice_period = "P6M"',
            'withdrawal_notice_period = "six months"',
            "dates.withdrawal_notice_period: 'six months' is not an ISO 8601 duration",
        ),
    ],
)
def test_v2_validation_names_the_key(old: str, new: str, message: str) -> None:
    assert old in TEXT
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(TEXT.replace(old, new), where="t.toml")
    lines = [str(p) for p in exc.value.problems]
    assert any(line.startswith(f"t.toml:{message}") for line in lines), lines


def test_v1_files_keep_loading() -> None:
    for treaty_id in ("new-start", "start-i", "open-skies"):
        assert load_treaty(treaty_id).schema_version == 1


@pytest.mark.parametrize(
    ("units", "passive", "from_one"),
    [(60, 1, 1), (240, 4, 1), (300, 5, 1), (600, 10, 2), (2000, 15, 3)],
)
def test_vienna_document_one_fifth_from_the_same_state(
    units: int, passive: int, from_one: int
) -> None:
    vd = load_treaty("vienna-document-2011")
    quota = next(q for q in vd.inspection_quotas if q.id == "evaluation-visits")
    assert quota.passive("DEU", units) == passive
    assert vd.quota_towards("evaluation-visits", "DEU", units=units) == from_one


QUOTAS = (
    TEXT
    + """
[[inspection_quotas]]
id = "passive"
title = "Inspections a party must accept"
kind = "passive"
per_party = { AAA = 10, BBB = 4 }
article = "Protocol 1"

[[inspection_quotas]]
id = "active-share"
title = "Inspections one party may conduct: half the host's passive quota"
kind = "active"
share_of = { quota = "passive", fraction = 0.5 }
article = "Protocol 2"

[[inspection_quotas]]
id = "mutual"
title = "Reciprocal inspections"
per_party = { AAA = 10, BBB = 4 }
reciprocal = true
article = "Protocol 3"
"""
)


def test_quota_shares_and_reciprocal_quotas() -> None:
    t = parse_treaty(QUOTAS)
    assert t.quota_towards("active-share", "AAA") == 5
    assert t.quota_towards("active-share", "BBB") == 2
    # Reciprocal: BBB may not conduct more in AAA than it must itself accept.
    assert t.quota_towards("mutual", "AAA", conductor="BBB") == 4
    assert t.quota_towards("mutual", "BBB", conductor="AAA") == 4
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(
            QUOTAS.replace('quota = "passive", fraction', 'quota = "nope", fraction'),
            where="q.toml",
        )
    assert "q.toml:inspection_quotas[1].share_of.quota: unknown quota 'nope'" in [
        str(p) for p in exc.value.problems
    ]
