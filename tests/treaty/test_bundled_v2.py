"""The schema-2 bundled treaties: CWC phases and record, Ottawa per-party deadlines, CFE flank."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.compliance import evaluate, history, report_to_dict
from armsctl.inventory import Declaration, DeclarationSet, read_declarations
from armsctl.inventory.model import ComponentKey, Figure
from armsctl.treaty import load_treaty, public_record_path


def cwc_record() -> DeclarationSet:
    cwc = load_treaty("cwc")
    path = public_record_path(cwc)
    assert path is not None
    return read_declarations([path], cwc)


def status_at(decls: DeclarationSet, at: dt.date) -> dict[str, tuple[str, int | None]]:
    report = evaluate(decls.treaty, decls, at)
    return {p.party: (p.limits[0].status, p.limits[0].max) for p in report.parties}


def test_cwc_phase_steps_and_extended_deadline() -> None:
    cwc = load_treaty("cwc")
    limit = cwc.limit("category-1-destruction")
    assert [p.fraction for p in limit.phases] == [0.99, 0.80, 0.55, 0.0]
    assert cwc.phase_dates(limit) == [
        dt.date(2000, 4, 29),
        dt.date(2002, 4, 29),
        dt.date(2004, 4, 29),
        dt.date(2007, 4, 29),
    ]
    for party in ("USA", "RUS"):
        assert cwc.phase_dates(limit, party)[-1] == dt.date(2012, 4, 29)
    assert all(
        p.article.startswith("Verification Annex, Part IV(A), paragraph 17(a)")
        for p in limit.phases
    )


def test_cwc_record_reproduces_the_completion_dates() -> None:
    decls = cwc_record()
    # The day before the extended deadline the 45 % step applies; on it, everything must be gone.
    before = status_at(decls, dt.date(2012, 4, 28))
    assert before["RUS"][1] == 22000 and before["USA"][1] == 17050
    assert status_at(decls, dt.date(2012, 4, 29)) == {
        "USA": ("violation", 0),
        "RUS": ("violation", 0),
    }
    at_2017 = status_at(decls, dt.date(2017, 9, 27))
    assert at_2017 == {"USA": ("violation", 0), "RUS": ("compliant", 0)}
    assert status_at(decls, dt.date(2023, 7, 6))["USA"][0] == "violation"
    assert status_at(decls, dt.date(2023, 7, 7)) == {
        "USA": ("compliant", 0),
        "RUS": ("compliant", 0),
    }
    statuses = {r.at: r.status for r in history(decls)}
    assert statuses[dt.date(2023, 7, 7)] == "compliant"
    assert statuses[dt.date(2012, 4, 29)] == "violation"


def test_cwc_unverified_figures_stay_marked() -> None:
    report = report_to_dict(evaluate(cwc_record().treaty, cwc_record(), dt.date(2012, 4, 29)))
    assert all(x["unverified"] for p in report["parties"] for x in p["limits"])


def test_ottawa_gives_each_state_its_own_deadline() -> None:
    ottawa = load_treaty("ottawa")
    stockpile = ottawa.limit("stockpile-destruction")
    clearance = ottawa.limit("mined-area-clearance")
    assert ottawa.limit_effective(stockpile, "FIN") == dt.date(2016, 7, 1)
    assert ottawa.limit_effective(stockpile, "GRC") == dt.date(2008, 3, 1)
    assert ottawa.limit_effective(stockpile, "UKR") == dt.date(2010, 6, 1)
    assert ottawa.limit_effective(stockpile, "NOR") == dt.date(2003, 3, 1)  # an original party
    assert ottawa.limit_effective(clearance, "UKR") == dt.date(2021, 6, 1)  # extended
    assert ottawa.limit_effective(clearance, "GBR") == dt.date(2024, 4, 1)  # extended
    assert ottawa.limit_effective(clearance, "FIN") == dt.date(2022, 7, 1)


def test_ottawa_finland_met_its_deadline() -> None:
    ottawa = load_treaty("ottawa")
    path = public_record_path(ottawa)
    assert path is not None
    decls = read_declarations([path], ottawa)
    assert evaluate(ottawa, decls, dt.date(2016, 7, 1)).status == "compliant"
    # One mine still held on the deadline day would have been a violation; the day before, not.
    late = Declaration("FIN", dt.date(2016, 6, 1), "aggregate", "test")
    late.components[ComponentKey("anti-personnel-mine", "stockpiled")] = Figure(1)
    late.components[ComponentKey("anti-personnel-mine", "emplaced")] = Figure(0)
    held = DeclarationSet(ottawa, [late], [])
    assert evaluate(ottawa, held, dt.date(2016, 6, 30)).status == "not-in-force"
    assert evaluate(ottawa, held, dt.date(2016, 7, 1)).status == "violation"


def test_cfe_flank_document_limits_only_russia() -> None:
    cfe = load_treaty("cfe")
    rus = Declaration("RUS", dt.date(2000, 1, 1), "items", "test")
    rus.components[ComponentKey("battle-tank", "active-unit", "count", "flank")] = Figure(1900)
    rus.components[ComponentKey("battle-tank", "active-unit")] = Figure(1900)
    pol = Declaration("POL", dt.date(2000, 1, 1), "items", "test")
    pol.components[ComponentKey("battle-tank", "active-unit", "count", "flank")] = Figure(1900)
    doc = report_to_dict(evaluate(cfe, DeclarationSet(cfe, [rus, pol], []), dt.date(2000, 1, 1)))
    by_party = {p["party"]: {x["id"]: x for x in p["limits"]} for p in doc["parties"]}
    flank = by_party["RUS"]["rus-flank-battle-tank"]
    assert (flank["value"], flank["max"], flank["status"]) == (1900, 1800, "violation")
    assert flank["limit_unverified"]  # the date it applies from is unverified
    assert "rus-flank-battle-tank" not in by_party["POL"]


def test_treaty_show_json_lists_every_step_and_party_date() -> None:
    result = CliRunner().invoke(build_app(), ["treaty", "show", "cwc", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema"] == 2
    steps = doc["per_party"]["USA"]["limits"]["category-1-destruction"]["phases"]
    assert [s["date"] for s in steps] == ["2000-04-29", "2002-04-29", "2004-04-29", "2012-04-29"]
    assert [p["date"] for p in doc["limits"][0]["phases"]][-1] == "2007-04-29"
    result = CliRunner().invoke(build_app(), ["treaty", "show", "ottawa", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["per_party"]["FIN"]["entry_into_force"] == "2012-07-01"
    assert doc["per_party"]["FIN"]["limits"]["stockpile-destruction"]["effective"] == "2016-07-01"


@pytest.mark.parametrize("treaty_id", ["cwc", "ottawa"])
def test_every_limit_cites_a_known_source(treaty_id: str) -> None:
    treaty = load_treaty(treaty_id)
    sources = {s.id for s in treaty.sources}
    for limit in treaty.limits:
        assert limit.source in sources
        for phase in limit.phases:
            assert phase.source in sources


def test_inf_range_band_counts_only_500_to_5500_km(tmp_path: Path) -> None:
    inf = load_treaty("inf")
    path = tmp_path / "inf.csv"
    path.write_text(
        "party,as_of,uid,category,status,facility,range-km,warheads\n"
        "USA,1991-06-01,M1,ground-launched-missile,deployed,F1,499,\n"
        "USA,1991-06-01,M2,ground-launched-missile,deployed,F1,500,\n"
        "USA,1991-06-01,M3,ground-launched-missile,non-deployed,F1,5500,\n"
        "USA,1991-06-01,M4,ground-launched-missile,deployed,F1,5501,\n",
        encoding="utf-8",
    )
    decls = read_declarations([path], inf)
    band = inf.limit("range-band-missiles")
    assert band.effective == dt.date(1991, 6, 1)
    report = evaluate(inf, decls, dt.date(1991, 6, 1))
    usa = next(p for p in report.parties if p.party == "USA")
    x = next(y for y in usa.limits if y.id == "range-band-missiles")
    assert (x.value, x.status) == (2, "violation")
    assert {p.measure for p in x.parts} == {
        "ground-launched-missile/deployed[range-km>=500<=5500]",
        "ground-launched-missile/non-deployed[range-km>=500<=5500]",
    }
    # The same band from an aggregate declaration that names the condition.
    agg = tmp_path / "agg.csv"
    agg.write_text(
        "party,as_of,measure,value\n"
        "USA,1991-05-01,ground-launched-missile/deployed[range-km>=500<=5500],1\n"
        "USA,1991-05-01,ground-launched-missile/non-deployed[range-km>=500<=5500],0\n",
        encoding="utf-8",
    )
    report = evaluate(inf, read_declarations([agg], inf), dt.date(1991, 5, 31))
    usa = next(p for p in report.parties if p.party == "USA")
    x = next(y for y in usa.limits if y.id == "range-band-missiles")
    assert (x.value, x.status) == (1, "not-in-force")
