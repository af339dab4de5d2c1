"""check, history and report on group limits, withdrawals and bad input: exit codes and text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.cli.compliance import history_table
from armsctl.compliance import history
from armsctl.inventory import read_declarations
from armsctl.treaty import load_treaty

runner = CliRunner()
BLOCS = str(Path(__file__).parents[1] / "compliance" / "blocs.toml")
ROWS = """party,as_of,measure,value
RED,2005-01-01,tank/active,12000
ROS,2005-01-01,tank/active,9000
RED,2005-01-01,tank/active@flank,30
ROS,2005-01-01,tank/active@flank,25
BLU,2005-01-01,tank/active,100
BLA,2005-01-01,tank/active,100
ROS,2011-01-01,tank/active,30000
BLU,2011-01-01,tank/active,100
"""


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


@pytest.fixture
def decl_file(tmp_path: Path) -> Path:
    path = tmp_path / "blocs.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_group_and_zone_violations_in_check_and_explain(app: typer.Typer, decl_file: Path) -> None:
    code, out, _ = run(app, "check", BLOCS, "-d", str(decl_file), "--at", "2005-01-01", "--explain")
    assert code == 1
    assert "group east (RED, ROS): violation" in out
    assert "group east: group-tank violated (21,000 > 20,000)" in out
    assert "group east (RED, ROS) flank-tank = RED:flank-tank (30) + ROS:flank-tank (25)" in out


def test_only_violator_withdrawn_exits_0(app: typer.Typer, decl_file: Path) -> None:
    # ROS declares 30,000 tanks in 2011, after its withdrawal took effect on 2010-01-01.
    code, out, _ = run(
        app, "check", BLOCS, "-d", str(decl_file), "--at", "2011-01-01", "--format", "json"
    )
    doc = json.loads(out)
    ros = next(p for p in doc["parties"] if p["party"] == "ROS")
    assert (ros["status"], ros["withdrawn_on"]) == ("withdrawn", "2010-01-01")
    # The east group now counts RED alone (12,000 tanks, 30 in the flank zone): compliant.
    east = next(g for g in doc["groups"] if g["group"] == "east")
    assert (east["covers"], east["withdrawn"], east["status"]) == (["RED"], ["ROS"], "compliant")
    flank = next(x for x in east["limits"] if x["id"] == "flank-tank")
    assert flank["value"] == 30
    assert (doc["status"], code) == ("compliant", 0)


def test_top_level_status_with_one_party_of_two(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "usa.csv"
    path.write_text(
        "party,as_of,uid,category,status,facility,warheads\n"
        "USA,2020-09-01,M1,icbm-launcher,deployed,F1,1\n",
        encoding="utf-8",
    )
    code, out, _ = run(app, "check", "new-start", "-d", str(path), "--format", "json")
    doc = json.loads(out)
    assert (code, doc["status"]) == (0, "compliant")
    rus = next(p for p in doc["parties"] if p["party"] == "RUS")
    assert rus["status"] == "no-data"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("party,as_of,measure,value\n", "nothing to check"),
        (
            "party,as_of,measure,value\nUSA,2020-09-01,deployed-warheads,inf\n",
            "line 2: value: 'inf' is not a finite number",
        ),
        (
            "party,as_of,measure,value\nUSA,2020-09-01,deployed-warheads,1e3\n",
            "line 2: value: '1e3' uses exponent notation",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    app: typer.Typer, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(app, "check", "new-start", "-d", str(path))
    assert code == 2
    assert message in err and str(path) in err
    assert "Traceback" not in err + out


def test_bad_treaty_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        Path(BLOCS).read_text(encoding="utf-8").replace('["03-01"]', "")
        + '\n[data_exchange]\ndata_dates = ["02-30"]\n',
        encoding="utf-8",
    )
    code, _, err = run(app, "treaty", "validate", str(path))
    assert code == 2
    assert "data_exchange.data_dates: data date '02-30' does not exist every year" in err


def test_history_reads_at_80_columns(decl_file: Path) -> None:
    treaty = load_treaty(BLOCS)
    reports = history(read_declarations([decl_file], treaty))
    console = Console(width=80, record=True, color_system=None)
    console.print(history_table(treaty.short_title, reports))
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    # Every row's status is the status of that row's figure; the carried-forward parties are said.
    row = next(line for line in lines if line.split()[:2] == ["east", "group-tank"])
    assert row.split()[-3:] == ["21,000", "20,000", "violation"]
    assert "2011-01-01" in text
    assert "overall, BLA, RED carried forward;" in text and "ROS withdrawn" in text


def test_cfe_history_at_80_columns_has_whole_identifiers(tmp_path: Path) -> None:
    cfe = load_treaty("cfe")
    path = tmp_path / "cfe.csv"
    path.write_text(
        "party,as_of,measure,value\nRUS,2020-01-01,battle-tank/active-unit,15000\n",
        encoding="utf-8",
    )
    reports = history(read_declarations([path], cfe))
    console = Console(width=80, record=True, color_system=None)
    console.print(history_table(cfe.short_title, reports))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for limit in cfe.limits:
        if limit.scope == "party":
            assert limit.id in text
    assert "zone-iv-2-battle-tank-active" in text
