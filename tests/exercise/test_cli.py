"""The ``exercise`` commands, through a local Typer app; the prompt through stdin and a pty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.exercise import clean_line, register
from armsctl.exercise import demo_hint, resume
from armsctl.exercise.debrief import debrief_exercise

UP, DOWN, RIGHT, LEFT = "\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D"

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
        "new-start-2011-2023",
        "new-start-2011-2023-hidden",
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
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
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


def spawn_play(pexpect, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    """``exercise play`` in a pseudo-terminal of 40 x 120, as a trainee's terminal."""
    return pexpect.spawn(
        sys.executable,
        ["-c", APP_CODE, "exercise", "play", *args],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
        # No reply to prompt_toolkit's cursor-position query is coming from pexpect.
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )


def test_arrow_keys_edit_and_recall_and_are_never_recorded(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn_play(pexpect, tmp_path, "tutorial", "--save", "rec.json")
    child.expect("turn 1 action")
    child.sendline("inspect alpha")
    child.expect("as declared")
    child.expect("turn 1 action")
    # Up recalls "inspect alpha" from the session's history; five backspaces and "bravo" edit it.
    child.send(UP + "\x7f" * 5 + "bravo\r")
    child.expect("DISCREPANCY")
    child.expect("turn 1 action")
    # Left and right move in the line: "ed", Left, "n", Right gives "end".
    child.send("ed" + LEFT + "n" + RIGHT + "\r")
    for turn in (2, 3, 4):
        child.expect(f"turn {turn} action")
        child.send(UP + DOWN + "end\r")  # Up then Down is back to an empty line
    child.expect("Timeline")
    child.expect("The exercise is over|saved to")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    record = json.loads((tmp_path / "rec.json").read_text())
    assert record["actions"] == ["inspect alpha", "inspect bravo", "end", "end", "end", "end"]
    assert not [e for e in record["events"] if e["kind"] == "refused"]
    assert "\x1b" not in json.dumps(record, ensure_ascii=False)
    doc = debrief_exercise(resume(record), seeds=0)
    texts = [ev["text"] for turn in doc["turns"] for ev in turn["events"]]
    assert not [t for t in texts if "refused" in t or "\x1b" in t]


def test_escape_sequences_in_piped_input_are_not_actions(tmp_path: Path) -> None:
    record = tmp_path / "rec.json"
    result = runner.invoke(
        make_app(),
        ["exercise", "play", "tutorial", "--save", str(record)],
        input="\x1b[A\n\x1b[Binspect bravo\x1b[C\nend\nend\nend\nend\n",
    )
    assert result.exit_code == 0, result.output
    saved = json.loads(record.read_text())
    assert saved["actions"] == ["inspect bravo", "end", "end", "end", "end"]
    assert clean_line("\x1bOA\x1b[1;5Dend\x07") == "end"


def test_play_and_run_end_with_the_turn_by_turn_timeline(tmp_path: Path) -> None:
    result = runner.invoke(
        make_app(),
        ["exercise", "play", "tutorial"],
        input="inspect bravo\nconcern charlie\nend\nend\nend\nend\n",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("The exercise is over") < out.index("Timeline") < out.index("Score: 5")
    # Piped output is 100 columns wide: a long cell wraps onto the next row of the table, so
    # read the table's text with its borders and line breaks removed.
    flat = " ".join(out.replace("\u2502", " ").replace("\u2503", " ").split())
    for text in ("bravo declared: 2 launcher, 12 missile", "initial placement", "unfounded"):
        assert text in flat
    plan = tmp_path / "plan.txt"
    plan.write_text("inspect bravo\nend\nnotify alpha inspection\ninspect alpha\n")
    result = runner.invoke(make_app(), ["exercise", "run", "tutorial", "--policy", str(plan)])
    assert result.exit_code == 0, result.output
    assert "Timeline" in result.stdout and "on-site inspection of alpha" in result.stdout
    result = runner.invoke(
        make_app(), ["exercise", "run", "tutorial", "--policy", str(plan), "--format", "json"]
    )
    doc = json.loads(result.stdout)
    assert {"scenario", "seed", "policy", "score", "refused"} <= set(doc)  # the shape stays
    turns = doc["timeline"]
    assert [t["turn"] for t in turns] == [0, 1, 2, 3, 4]
    assert [t["score"] for t in turns] == [None, 13.5, 13.0, 13.0, 13.0]
    assert turns[1]["findings"] == [{"site": "bravo", "type": "inspection", "found": True}]
    assert [e["kind"] for e in turns[2]["events"]] == ["observation", "notification", "inspection"]


def test_demo_hint() -> None:
    assert "armsctl exercise play tutorial" in demo_hint()
