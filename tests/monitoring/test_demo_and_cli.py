"""The demo step names exactly the planted problems; the CLI wraps the core with exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from armsctl.cli._monitoring_demo import demo_sections, demo_step, run_demo
from armsctl.cli.monitoring import register


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_demo_finds_exactly_the_planted_problems(demo) -> None:
    r = demo.reconciliation
    assert r.late.column("id").to_pylist() == demo.planted_late
    assert [(x["uid"], x["change"]) for x in r.uncovered] == demo.planted_unnotified
    assert r.counts["unsupported"] == 0 and r.counts["awaiting"] == 0
    decisive = [s.site for s in demo.fusion.ranking if s.log10_lr > 2]
    assert decisive == [demo.planted_site]
    assert all(s.log10_lr < 0 for s in demo.fusion.ranking if s.site != demo.planted_site)


def test_demo_step_prints_them(tmp_path: Path, demo) -> None:
    buffer = io.StringIO()
    demo_step(Console(file=buffer, width=200), tmp_path)
    text = buffer.getvalue()
    late_id = demo.planted_late[0]
    uid, change = demo.planted_unnotified[0]
    assert f"late: notification {late_id} " in text
    assert f"uncovered: USA item {uid} " in text and f") {change} (" in text
    assert f"contradicts the declaration: USA site {demo.planted_site}," in text
    assert text.count("contradicts the declaration:") == 1


def test_demo_sections_render_tables_and_svg(demo) -> None:
    sections = dict(demo_sections(demo))
    assert set(sections) == {
        "Overdue and late notifications",
        "Declarations against notifications",
        "Observations against declarations",
    }
    # Three charts, each drawn for desktop and for phone widths.
    body = sections["Observations against declarations"]
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="armsctl-chart wide"') == 3


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test app."""

    register(app)
    return app


def run(cli: typer.Typer, *args: str):
    return CliRunner().invoke(cli, list(args))


def test_notify_lifecycle_through_the_cli(cli: typer.Typer, tmp_path: Path) -> None:
    f = str(tmp_path / "n.json")
    r = run(
        cli,
        "notify",
        "draft",
        "--file",
        f,
        "--treaty",
        "new-start",
        "--type",
        "movement",
        "--sender",
        "USA",
        "--event-time",
        "2024-03-01T00:00:00Z",
        "--field",
        "uid=U1",
        "--field",
        "category=icbm-launcher",
        "--field",
        "from_facility=F1",
        "--field",
        "to_facility=F2",
        "--at",
        "2024-03-01T01:00:00Z",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["id"] == "N-000001"
    assert (
        run(
            cli, "notify", "send", "N-000001", "--file", f, "--at", "2024-03-02T00:00:00Z"
        ).exit_code
        == 0
    )
    r = run(cli, "notify", "due", "--file", f, "--at", "2024-03-07T00:00:00Z", "--format", "json")
    assert json.loads(r.output)["deadlines"][0]["verdict"] == "overdue"
    assert (
        run(
            cli, "notify", "receive", "N-000001", "--file", f, "--at", "2024-03-05T00:00:00Z"
        ).exit_code
        == 0
    )
    r = run(cli, "notify", "ack", "N-000001", "--file", f, "--at", "2024-03-05T01:00:00Z")
    assert r.exit_code == 0
    r = run(cli, "notify", "list", "--file", f, "--format", "json")
    assert json.loads(r.output)[0]["state"] == "acknowledged"
    r = run(cli, "notify", "send", "N-000001", "--file", f)
    assert r.exit_code == 2 and "cannot go from acknowledged to sent" in r.output


def test_notify_bad_input_exits_2(cli: typer.Typer, tmp_path: Path) -> None:
    f = str(tmp_path / "n.json")
    r = run(
        cli,
        "notify",
        "draft",
        "--file",
        f,
        "--treaty",
        "new-start",
        "--type",
        "movement",
        "--sender",
        "USA",
        "--event-time",
        "2024-03-01T00:00:00",
    )
    assert (
        r.exit_code == 2 and "--event-time: time '2024-03-01T00:00:00' has no time zone" in r.output
    )
    assert not Path(f).exists()
    r = run(cli, "notify", "list", "--file", str(tmp_path / "missing.json"))
    assert r.exit_code == 2 and "no such notifications file" in r.output


def test_reconcile_fuse_and_anomalies_commands(cli: typer.Typer, demo) -> None:
    files = demo.files
    r = run(
        cli,
        "reconcile",
        "new-start",
        "-d",
        str(files["declarations"]),
        "-n",
        str(files["notifications"]),
        "--at",
        "2024-04-15T00:00:00Z",
        "--format",
        "json",
    )
    assert r.exit_code == 1  # findings present
    doc = json.loads(r.output)
    assert doc["results"][0]["counts"]["uncovered"] == 1
    r = run(
        cli,
        "fuse",
        "new-start",
        "-d",
        str(files["declarations"]),
        "-o",
        str(files["observations"]),
        "--sites",
        str(files["sites"]),
        "--now",
        "2024-04-15T00:00:00Z",
        "--format",
        "json",
    )
    assert r.exit_code == 1, r.output  # decisive evidence at the planted site: a finding
    assert json.loads(r.output)["sites"][0]["site"] == demo.planted_site
    r = run(
        cli,
        "observe",
        "import",
        "-o",
        str(files["observations"]),
        "--sites",
        str(files["sites"]),
        "--now",
        "2024-04-05T00:00:00Z",
    )
    assert r.exit_code == 2 and "is in the future" in r.output
    r = run(
        cli,
        "anomalies",
        "new-start",
        "-d",
        str(files["declarations"]),
        "-n",
        str(files["notifications"]),
        "--format",
        "json",
    )
    doc = json.loads(r.output)
    assert r.exit_code == (1 if doc["flags"] else 0), r.output  # a flag is a finding
    assert doc["cusum"]["arl0_periods"] == pytest.approx(465.4, rel=1e-3)


def test_reconcile_identical_declarations_exits_0(cli: typer.Typer, tmp_path: Path) -> None:
    decls = tmp_path / "items.csv"
    lines = ["party,as_of,uid,category,status,facility,warheads"]
    for day in ("2024-03-01", "2024-04-01"):
        lines += [
            f"USA,{day},U1,icbm-launcher,deployed,F1,1",
            f"RUS,{day},R1,icbm-launcher,deployed,G1,1",
        ]
    decls.write_text("\n".join(lines) + "\n")
    notes = tmp_path / "n.json"
    notes.write_text("[]")
    args = ["reconcile", "new-start", "-d", str(decls), "-n", str(notes)]
    r = run(cli, *args, "--at", "2024-05-01T00:00:00Z", "--format", "json")
    assert r.exit_code == 0, r.output
    counts = [x["counts"] for x in json.loads(r.output)["results"]]
    assert [c["changes"] for c in counts] == [0, 0]
    r = run(cli, *args, "--before", "2024-04-01", "--after", "2024-03-01")
    assert r.exit_code == 2 and "must be later" in r.output


def test_notify_works_on_the_documented_csv_format(cli: typer.Typer, tmp_path: Path) -> None:
    f = tmp_path / "n.csv"
    f.write_text(
        "id,type,event,sender,event_time,uid,category,from_facility,to_facility\n"
        "M1,movement,item-moved,USA,2024-03-01T08:00:00Z,U1,icbm-launcher,F1,F2\n",
        encoding="utf-8",
    )
    r = run(cli, "notify", "list", "--file", str(f), "--format", "json")
    assert r.exit_code == 2 and "names no treaty: give --treaty" in r.output
    r = run(cli, "notify", "list", "--file", str(f), "--treaty", "new-start", "--format", "json")
    assert r.exit_code == 0, r.output
    (n,) = json.loads(r.output)
    assert (n["id"], n["state"], n["fields"]["uid"]) == ("M1", "drafted", "U1")
    args = ["--file", str(f), "--treaty", "new-start"]
    assert run(cli, "notify", "send", "M1", *args, "--at", "2024-03-02T00:00:00Z").exit_code == 0
    assert f.read_text(encoding="utf-8").startswith("id,type,event,sender,event_time,")  # CSV
    r = run(cli, "notify", "due", *args, "--at", "2024-03-09T00:00:00Z", "--format", "json")
    assert r.exit_code == 1 and json.loads(r.output)["deadlines"][0]["verdict"] == "overdue"
    r = run(cli, "notify", "list", *args, "--format", "json")
    assert json.loads(r.output)[0]["state"] == "sent"
    assert json.loads(r.output)[0]["fields"] == n["fields"]
