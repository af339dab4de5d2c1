"""The ``exercise`` commands, through a local Typer app; the prompt through stdin and a pty."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.exercise import register
from armsctl.exercise import demo_hint

APP_CODE = """
import typer
from armsctl.cli.exercise import register
app = typer.Typer()
register(app)
@app.callback()
def main() -> None: ...
app()
"""

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None: ...

    return app


def test_list() -> None:
    result = runner.invoke(make_app(), ["exercise", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == [
        "cfe-holdings",
        "new-start-year",
        "step-by-step-reveal",
        "tutorial",
    ]


def test_run_with_a_policy_file_and_automatic_inspectors(tmp_path: Path) -> None:
    policy = tmp_path / "plan.txt"
    policy.write_text("inspect zulu\ninspect bravo inspection  # the observed depot\nend\n")
    record = tmp_path / "rec.json"
    result = runner.invoke(
        make_app(),
        [
            "exercise",
            "run",
            "tutorial",
            "--policy",
            str(policy),
            "--save",
            str(record),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["score"]["detections"] == 1
    assert "no site 'zulu'" in doc["refused"][0]
    assert json.loads(record.read_text())["finished"]
    for name in ("random", "greedy", "equilibrium"):
        result = runner.invoke(make_app(), ["exercise", "run", "tutorial", "--policy", name])
        assert result.exit_code == 0 and "Score" in result.stdout


def test_bad_inputs_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\ntitle = "x"\nturns = 0\n')
    result = runner.invoke(make_app(), ["exercise", "run", str(bad), "--policy", "random"])
    assert result.exit_code == 2
    assert "turns" in result.output and "Traceback" not in result.output
    result = runner.invoke(make_app(), ["exercise", "run", "tutorial", "--policy", "clever"])
    assert result.exit_code == 2 and "neither a file" in result.output
    result = runner.invoke(make_app(), ["exercise", "debrief", str(tmp_path / "none.json")])
    assert result.exit_code == 2


def test_a_plan_with_an_unknown_action_exits_2_naming_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "plan.txt"
    policy.write_text("# plan\ninspect bravo\nphotograph bravo\nend\n")
    record = tmp_path / "rec.json"
    result = runner.invoke(
        make_app(), ["exercise", "run", "tutorial", "--policy", str(policy), "--save", str(record)]
    )
    assert result.exit_code == 2
    assert f"{policy}:line 3: cannot read action 'photograph bravo'" in result.output.replace(
        "\n", ""
    )
    assert "Traceback" not in result.output
    assert not record.exists()


def test_play_by_stdin_save_resume_and_debrief(tmp_path: Path) -> None:
    record = tmp_path / "t.json"
    app = make_app()
    result = runner.invoke(
        app,
        ["exercise", "play", "tutorial", "--save", str(record)],
        input="help\nsites\ninspect zulu\ninspect bravo\nend\nquit\n",
    )
    assert result.exit_code == 0, result.output
    assert "refused by sites" in result.stdout and "DISCREPANCY" in result.stdout
    saved = json.loads(record.read_text())
    assert not saved["finished"] and saved["turn"] == 2
    result = runner.invoke(app, ["exercise", "resume", str(record)], input="end\nend\nend\n")
    assert result.exit_code == 0, result.output
    assert "The exercise is over" in result.stdout
    assert json.loads(record.read_text())["finished"]
    html, js = tmp_path / "d.html", tmp_path / "d.json"
    result = runner.invoke(
        app,
        [
            "exercise",
            "debrief",
            str(record),
            "--html",
            str(html),
            "--json",
            str(js),
            "--seeds",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert page.count("<svg") >= 2 and "http://" not in page.split("<svg")[0]
    doc = json.loads(js.read_text())
    assert doc["score"]["detections"] == 1
    assert set(doc["same_seed"]) == {"random", "greedy", "equilibrium"}
    assert doc["distribution"]["greedy"]["seeds"] == 5


def test_play_through_a_subprocess_stdin(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", APP_CODE, "exercise", "play", "tutorial"],
        input="inspect bravo\nend\nend\nend\nend\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "The exercise is over" in proc.stdout


def test_play_through_a_pseudo_terminal(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-c", APP_CODE, "exercise", "play", "tutorial"],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    child.expect("turn 1.*action")
    child.sendline("inspect nowhere")
    child.expect("refused by sites")
    child.sendline("inspect bravo")
    child.expect("DISCREPANCY")
    for turn in (1, 2, 3, 4):
        child.expect(f"turn {turn}.*action")
        child.sendline("end")
    child.expect("The exercise is over")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_demo_hint() -> None:
    assert "armsctl exercise play tutorial" in demo_hint()
