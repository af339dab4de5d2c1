"""The command line: exit codes, the JSON contract, clear errors and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.inventory.io import write_items
from armsctl.inventory.synthetic import generate_items

runner = CliRunner()
ITEM_HEADER = ["party", "as_of", "uid", "category", "status", "facility", "warheads"]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_json_shape(app: typer.Typer) -> None:
    code, out, _ = run(app, "check", "new-start", "--at", "2018-02-05", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (
        doc["treaty"] == "new-start" and doc["at"] == "2018-02-05" and doc["status"] == "compliant"
    )
    usa = doc["parties"][0]
    assert (
        usa["party"] == "USA"
        and usa["declaration_as_of"] == "2018-02-05"
        and usa["status"] == "compliant"
    )
    warheads = next(x for x in usa["limits"] if x["id"] == "deployed-warheads")
    assert {k: warheads[k] for k in ("id", "value", "max", "margin", "in_force", "status")} == {
        "id": "deployed-warheads",
        "value": 1350,
        "max": 1550,
        "margin": 200,
        "in_force": True,
        "status": "compliant",
    }
    assert [x["id"] for x in usa["limits"]] == [
        "deployed-delivery-vehicles",
        "deployed-warheads",
        "total-launchers",
    ]


def test_check_exit_1_on_violation(app: typer.Typer) -> None:
    code, out, _ = run(
        app,
        "check",
        "new-start",
        "--at",
        "2020-09-01",
        "--interpretation",
        "counts-converted",
        "--format",
        "json",
    )
    assert code == 1
    assert json.loads(out)["status"] == "violation"


def test_check_before_limits_is_not_in_force(app: typer.Typer) -> None:
    code, out, _ = run(app, "check", "new-start", "--at", "2016-09-01", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "not-in-force"
    rus = doc["parties"][1]["limits"][1]
    assert (rus["value"], rus["margin"], rus["in_force"]) == (1796, -246, False)


def test_check_table_and_explain(app: typer.Typer) -> None:
    code, out, _ = run(app, "check", "new-start", "--explain")
    assert code == 0
    assert "Overall at 2023-03-01" in out
    assert "not provided" in out


def test_check_item_file(app: typer.Typer, tmp_path: Path) -> None:
    path = write_items(tmp_path / "items.parquet", generate_items(3000, seed=3))
    code, out, _ = run(
        app, "check", "new-start", "-d", str(path), "--at", "2020-09-01", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["parties"][0]["declaration_kind"] == "items"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nope"], "unknown treaty 'nope'"),
        (["check", "new-start", "--at", "2020-02-30"], "--at: bad date '2020-02-30'"),
        (["check", "new-start", "-d", "missing.csv"], "missing.csv: no such file or folder"),
        (["check", "new-start", "--interpretation", "mine"], "no interpretation 'mine'"),
        (["treaty", "show", "nope"], "unknown treaty"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    app: typer.Typer, args: list[str], message: str
) -> None:
    code, out, err = run(app, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_bad_declaration_lines_are_named(app: typer.Typer, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            ITEM_HEADER,
            ["USA", "2020-09-01", "A", "icbm-launcher", "deployed", "F", "1"],
            ["USA", "2020-09-01", "A", "icbm-launcher", "bogus", "F", "-1"],
        ]
    )
    code, _, err = run(app, "check", "new-start", "-d", str(path))
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 2
    assert f"{path}:line 3: status: unknown status 'bogus'" in err
    assert f"{path}:line 3: warheads: -1 is negative" in err


def test_treaty_commands(app: typer.Typer, tmp_path: Path) -> None:
    code, out, _ = run(app, "treaty", "list", "--format", "json")
    assert code == 0 and "new-start" in {t["id"] for t in json.loads(out)}
    code, out, _ = run(app, "treaty", "show", "new-start")
    assert code == 0 and "deployed-warheads" in out and "type-one" in out
    code, out, _ = run(app, "treaty", "show", "new-start", "--format", "json")
    assert json.loads(out)["limits"][1]["maximum"] == 1550
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad Id"\n')
    code, _, err = run(app, "treaty", "validate", str(bad))
    assert code == 2
    assert f"{bad}:id: String should match pattern" in err
    assert f"{bad}:title: required key is missing" in err


def test_history_and_report(app: typer.Typer, tmp_path: Path) -> None:
    code, out, _ = run(app, "history", "new-start", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 25
    for fmt in ("html", "md", "json"):
        target = tmp_path / f"report.{fmt}"
        code, out, _ = run(app, "report", "new-start", "-o", str(target), "--format", fmt)
        assert code == 0 and target.exists()
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.split("<svg")[0] and "<script src" not in html
    assert "unverified" in html


def test_diff(app: typer.Typer, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            ITEM_HEADER,
            ["USA", "2020-03-01", "A", "icbm-launcher", "deployed", "F1", "1"],
            ["USA", "2020-03-01", "B", "icbm-launcher", "deployed", "F1", "1"],
            ["USA", "2020-09-01", "A", "icbm-launcher", "non-deployed", "F2", "0"],
            ["USA", "2020-09-01", "C", "slbm-launcher", "deployed", "F3", "4"],
        ]
    )
    code, out, _ = run(
        app,
        "diff",
        "new-start",
        "-d",
        str(path),
        "--party",
        "USA",
        "--from",
        "2020-03-01",
        "--to",
        "2020-09-01",
        "--format",
        "json",
    )
    assert code == 0
    changes = {c["uid"]: c for c in json.loads(out)}
    assert changes["B"]["change"] == "removed" and changes["C"]["change"] == "added"
    assert changes["A"]["fields"]["status"] == {"before": "deployed", "after": "non-deployed"}
    assert changes["A"]["fields"]["facility"] == {"before": "F1", "after": "F2"}


def test_every_command_has_help(app: typer.Typer) -> None:
    command = typer.main.get_command(app)
    names = list(command.commands)  # type: ignore[attr-defined]
    assert {"check", "history", "diff", "report", "demo", "treaty"} <= set(names)
    for name in names:
        code, out, _ = run(app, name, "--help")
        assert code == 0 and "Usage" in out


def test_demo(app: typer.Typer, tmp_path: Path) -> None:
    code, out, _ = run(app, "demo", "--output-dir", str(tmp_path))
    assert code == 0
    assert "central limits take effect" in out
    assert (tmp_path / "new-start-report.html").exists()


def test_version_and_no_traceback_in_a_real_process() -> None:
    exe = Path(sys.executable).with_name("armsctl")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("armsctl ")
    bad = subprocess.run([str(exe), "check", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_check_lists_the_items_behind_each_figure(
    app: typer.Typer, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        [
            ITEM_HEADER,
            ["USA", "2020-09-01", "A", "icbm-launcher", "deployed", "F1", "1"],
            ["USA", "2020-09-01", "B", "heavy-bomber", "deployed", "F2", "12"],
            ["USA", "2020-09-01", "C", "heavy-bomber", "converted", "F2", "0"],
        ]
    )
    code, out, _ = run(
        app, "check", "new-start", "-d", str(path), "--items", "5", "--format", "json"
    )
    assert code == 0
    warheads = next(
        x for x in json.loads(out)["parties"][0]["limits"] if x["id"] == "deployed-warheads"
    )
    by_measure = {
        p["measure"]: [i["uid"] for i in p.get("items", [])] for p in warheads["explanation"]
    }
    assert by_measure["heavy-bomber/deployed"] == ["B"]
    assert by_measure["icbm-launcher/deployed/warheads"] == ["A"]
    assert by_measure["slbm-launcher/deployed/warheads"] == []
