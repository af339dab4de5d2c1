"""``armsctl workbench`` and ``armsctl estimates``: the contract JSON, briefs and bad input."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.treaty import load_treaty

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def draft(app: typer.Typer, tmp_path: Path) -> Path:
    path = tmp_path / "draft.toml"
    code, out, _ = run(
        app, "workbench", "draft", "new-start", "--set", "deployed-warheads=1000", "-o", str(path)
    )
    assert code == 0 and "deployed-warheads.maximum: 1550 -> 1000" in out
    assert load_treaty(path).limit("deployed-warheads").maximum == 1000
    return path


def test_new_start_at_1000_from_the_2011_record(app: typer.Typer, draft: Path) -> None:
    code, out, _ = run(
        app, "workbench", "cuts", str(draft),
        "--baseline", "USA=record@2011-02-05", "--baseline", "RUS=record@2011-02-05",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["draft"] == "new-start-draft"
    usa, rus = doc["parties"]
    assert (usa["party"], usa["baseline_source"], usa["baseline_as_of"]) == (
        "USA",
        "record@2011-02-05",
        "2011-02-05",
    )
    # Hand computation: USA 882/1800/1124 and Russia 521/1537/865 against 700/1000/800.
    cuts = {p["party"]: {x["id"]: x["required_cut"] for x in p["limits"]} for p in doc["parties"]}
    assert cuts == {
        "USA": {
            "deployed-delivery-vehicles": 182,
            "deployed-warheads": 800,
            "total-launchers": 324,
        },
        "RUS": {"deployed-delivery-vehicles": 0, "deployed-warheads": 537, "total-launchers": 65},
    }
    dw = next(x for x in usa["limits"] if x["id"] == "deployed-warheads")
    assert dw == dw | {"baseline": 1800, "max": 1000, "required_cut": 800, "binding": True}
    assert not next(x for x in rus["limits"] if x["id"] == "deployed-delivery-vehicles")["binding"]
    # Seven years to the effective date 2018-02-05: minimal peak ceil(cut / 7).
    assert [row["year"] for row in usa["schedule"]] == list(range(2012, 2019))
    assert usa["schedule"][0]["eliminations"]["deployed-warheads"] == 115
    assert usa["peak_per_year"] == {
        "deployed-delivery-vehicles": 26,
        "deployed-warheads": 115,
        "total-launchers": 47,
    }
    assert rus["peak_per_year"] == {"deployed-warheads": 77, "total-launchers": 10}
    for party in doc["parties"]:
        for x in party["limits"]:
            total = sum(row["eliminations"].get(x["id"], 0) for row in party["schedule"])
            assert total == x["required_cut"]


def test_years_option_spreads_over_n_years(app: typer.Typer) -> None:
    code, out, _ = run(
        app, "workbench", "cuts", "new-start", "--set", "deployed-warheads=1000",
        "--baseline", "USA=record@2011-02-05", "--years", "3", "--format", "json",
    )  # fmt: skip
    assert code == 0
    usa = json.loads(out)["parties"][0]
    assert len(usa["schedule"]) == 3
    assert usa["peak_per_year"]["deployed-warheads"] == math.ceil(800 / 3)
    assert [r["year"] for r in usa["schedule"]] == [2012, 2013, 2014]
    for x in usa["limits"]:  # every limit: ceil(cut / N) at most, adding up to the cut
        per_year = [r["eliminations"].get(x["id"], 0) for r in usa["schedule"]]
        assert sum(per_year) == x["required_cut"]
        assert max(per_year) == math.ceil(x["required_cut"] / 3)
        assert usa["peak_per_year"].get(x["id"], 0) == max(per_year)


def test_the_cuts_document_has_the_contract_shape(app: typer.Typer) -> None:
    code, out, _ = run(
        app, "workbench", "cuts", "new-start", "--set", "deployed-warheads=1000",
        "-b", "USA=record@2011-02-05", "-b", "RUS=estimate:fas-2025-rus-deployed",
        "--years", "7", "--format", "json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert isinstance(doc["draft"], str) and isinstance(doc["parties"], list)
    for party in doc["parties"]:
        assert {"party", "baseline_source", "baseline_as_of", "limits", "schedule",
                "peak_per_year"} <= set(party)  # fmt: skip
        assert dt.date.fromisoformat(party["baseline_as_of"])
        for x in party["limits"]:
            assert {"id", "baseline", "max", "required_cut", "binding"} <= set(x)
            assert all(isinstance(x[k], int) for k in ("baseline", "max", "required_cut"))
            assert isinstance(x["binding"], bool)
            assert x["required_cut"] == max(0, x["baseline"] - x["max"])
        for row in party["schedule"]:
            assert isinstance(row["year"], int) and isinstance(row["eliminations"], dict)
        assert all(isinstance(v, int) for v in party["peak_per_year"].values())
    rus = doc["parties"][1]
    assert rus["baseline_source"] == "estimate:fas-2025-rus-deployed"
    assert any("bomber" in n for n in rus["counting_notes"])  # the estimate's counting rule


def test_infeasible_capacity_is_a_finding_with_exit_1(app: typer.Typer, draft: Path) -> None:
    code, out, _ = run(
        app, "workbench", "cuts", str(draft), "--baseline", "USA=record@2011-02-05",
        "--capacity", "deployed-warheads=100", "--format", "json",
    )  # fmt: skip
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["limit"] == "deployed-warheads"
    assert (finding["required"], finding["achievable"], finding["shortfall"]) == (800, 700, 100)


def test_component_baseline_uses_the_integer_program(
    app: typer.Typer, draft: Path, write_csv: Callable[..., Path]
) -> None:
    rows = [["party", "as_of", "measure", "value"]]
    figures = {
        "icbm-launcher/deployed": 450, "icbm-launcher/deployed/warheads": 500,
        "icbm-launcher/non-deployed": 100, "slbm-launcher/deployed": 240,
        "slbm-launcher/deployed/warheads": 1000, "slbm-launcher/non-deployed": 40,
        "heavy-bomber/deployed": 60, "heavy-bomber/non-deployed": 30,
    }  # fmt: skip
    rows += [["USA", "2026-03-01", k, str(v)] for k, v in figures.items()]
    path = write_csv(rows)
    code, out, _ = run(
        app, "workbench", "cuts", str(draft), "--baseline", f"USA={path}", "--years", "5",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    usa = json.loads(out)["parties"][0]
    assert usa["optimisation"]["model"] == "components"
    limits = {x["id"]: x for x in usa["limits"]}
    # deployed 750 (cut 50), warheads 500 + 1000 + 60 = 1560 (cut 560), launchers 920 (cut 120).
    assert [limits[i]["required_cut"] for i in ("deployed-delivery-vehicles", "deployed-warheads", "total-launchers")] == [50, 560, 120]  # fmt: skip
    assert all(x["after"] <= x["max"] for x in usa["limits"])


COMPONENTS = Path(__file__).resolve().parents[2] / "docs/examples/workbench/usa-components.csv"


def test_category_capacity_steers_the_optimiser_or_is_a_finding(
    app: typer.Typer, draft: Path
) -> None:
    costs = (
        "--set",
        "total-launchers=700",
        "--cost",
        "icbm-launcher=2",
        "--cost",
        "heavy-bomber=5",
    )

    def cuts(*extra: str) -> tuple[int, dict[str, Any]]:
        code, out, _ = run(
            app, "workbench", "cuts", str(draft), "-b", f"USA={COMPONENTS}", "--years", "5",
            "--format", "json", *costs, *extra,
        )  # fmt: skip
        return code, json.loads(out)

    def items(doc: dict[str, Any], category: str) -> int:
        cells = doc["parties"][0]["optimisation"]["cuts"]
        return sum(
            v for k, v in cells.items() if k.startswith(f"{category}/") and k.count("/") == 1
        )

    code, free = cuts()
    # SLBM launchers are the cheapest: the 100 launchers to cut are all SLBM launchers.
    assert code == 0 and items(free, "slbm-launcher") == 100
    # At most 10 SLBM launchers a year for 5 years: the other 50 become ICBM launchers (cost 2).
    code, capped = cuts("--capacity", "slbm-launcher=10")
    usa = capped["parties"][0]
    assert code == 0 and not capped["findings"]
    assert items(capped, "slbm-launcher") == 50 and items(capped, "icbm-launcher") == 50
    assert usa["category_peak_per_year"]["slbm-launcher"] == 10
    assert usa["optimisation"]["objective"] == free["parties"][0]["optimisation"]["objective"] + 50
    assert all(x["after"] <= x["max"] for x in usa["limits"])
    # One item a year in every category cannot carry the cuts: findings name the shortfalls.
    code, tight = cuts(
        *(f"--capacity={c}=1" for c in ("icbm-launcher", "slbm-launcher", "heavy-bomber"))
    )
    assert code == 1
    assert {f["limit"] for f in tight["findings"]} == {"slbm-launcher"}
    (finding,) = tight["findings"]
    assert (finding["required"], finding["achievable"], finding["shortfall"]) == (100, 5, 95)


def test_bad_input_exits_2_with_one_line(app: typer.Typer, draft: Path, tmp_path: Path) -> None:
    cases = [
        (["workbench", "draft", "new-start", "--set", "nope=1", "-o", str(tmp_path / "x.toml")], "unknown limit"),
        (["workbench", "draft", "new-start", "--set", "deployed-warheads=-1", "-o", str(tmp_path / "x.toml")], "negative"),
        (["workbench", "cuts", str(draft), "--baseline", "USA=estimate:sipri-2025-usa-total"], "not a limit"),
        (["workbench", "cuts", str(draft), "--baseline", "USA=record@soon"], "bad date"),
        (["workbench", "cuts", str(draft), "--baseline", "USA"], "PARTY=SOURCE"),
        (["workbench", "cuts", str(draft)], "--baseline"),
        (["workbench", "cuts", str(draft), "-b", "USA=record@2011-02-05", "--milestone", "x@2012-01-01=3"], "unknown limit"),
        (["estimates", "show", "nothing"], "unknown estimate"),
    ]  # fmt: skip
    for args, message in cases:
        code, out, err = run(app, *args)
        assert code == 2, args
        assert message in err and "Traceback" not in err + out, args
    assert not (tmp_path / "x.toml").exists()


def test_compare_two_drafts(app: typer.Typer, draft: Path) -> None:
    code, out, _ = run(
        app, "workbench", "compare", "new-start", str(draft),
        "--baseline", "USA=record@2011-02-05", "--format", "json",
    )  # fmt: skip
    assert code == 0
    rows = {r["limit"]: r for r in json.loads(out)["rows"]}
    assert rows["deployed-warheads"] | {} == rows["deployed-warheads"]
    assert (rows["deployed-warheads"]["cut_a"], rows["deployed-warheads"]["cut_b"]) == (250, 800)
    assert (rows["deployed-warheads"]["max_a"], rows["deployed-warheads"]["max_b"]) == (1550, 1000)


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_brief_is_self_contained(app: typer.Typer, draft: Path, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"brief.{fmt}"
    code, _, _ = run(
        app, "workbench", "brief", str(draft), "-b", "USA=record@2011-02-05",
        "-b", "RUS=estimate:fas-2025-rus-deployed", "--years", "7", "--cheat", "2",
        "-o", str(path),
        "--format", fmt,
    )  # fmt: skip
    assert code == 0
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert doc["changes"] == ["limit deployed-warheads.maximum: 1550 -> 1000"]
        assert doc["burden"][0]["types"]
        return
    plain = html.unescape(text)
    assert "1550 -> 1000" in plain and "bomber bases" in plain and "insidedefense" in text
    if fmt == "html":
        assert "<svg" in text
        # Offline: no external scripts, styles, images or fonts.
        assert not re.search(r"<(script|link|img|iframe)\b", text)
        assert "src=" not in text and "@import" not in text


def test_burden_uses_exact_detection(app: typer.Typer, draft: Path) -> None:
    from armsctl.verification.sampling import detection_probability

    code, out, _ = run(
        app, "workbench", "burden", str(draft), "--party", "USA", "--cheat", "3",
        "--checks", "5", "--site-items", "800", "--format", "json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    one = next(t for t in doc["types"] if t["type"] == "type-one")
    visit = detection_probability(80, 3, 5)
    assert one["visit_detection"] == pytest.approx(visit)
    assert one["per_year_detection"] == pytest.approx(visit)  # 10 inspections, 10 sites
    assert one["life_detection"] == pytest.approx(1 - (1 - visit) ** doc["years"])
    assert one["inspector_days"] == 10 * 10
    assert doc["years"] == 15  # 2011-02-05 to the extended expiry 2026-02-05


def test_estimates_list_json_contract(app: typer.Typer) -> None:
    code, out, _ = run(app, "estimates", "list", "--format", "json")
    assert code == 0
    records = json.loads(out)
    keys = {"id", "party", "value", "as_of", "publisher", "url", "counting_rule", "verified"}
    assert records and all(keys <= set(r) for r in records)
    code, out, _ = run(app, "estimates", "show", "fas-2025-usa-deployed")
    assert code == 0 and "bomber bases" in " ".join(out.split())  # wrapped at 100 columns


def test_estimates_as_monitoring_observations(app: typer.Typer, tmp_path: Path) -> None:
    import datetime as dt

    from armsctl.monitoring import read_observations

    path = tmp_path / "obs.json"
    code, out, _ = run(
        app, "estimates", "observations", "fas-2025-usa-deployed", "--treaty", "new-start",
        "--category", "icbm-launcher", "-o", str(path),
    )  # fmt: skip
    assert code == 0 and "bomber bases" in " ".join(out.split())  # wrapped at 100 columns
    (obs,) = read_observations([path], load_treaty("new-start"), now=dt.datetime.now(dt.UTC))
    assert (obs.party, obs.count, obs.source) == ("USA", 1700, "open-source")
    assert obs.se == pytest.approx(85.0)
    code, _, err = run(
        app, "estimates", "observations", "fas-2025-usa-deployed", "--treaty", "new-start",
        "--category", "tank", "-o", str(tmp_path / "bad.json"),
    )  # fmt: skip
    assert code == 2 and "not a category" in err and not (tmp_path / "bad.json").exists()
