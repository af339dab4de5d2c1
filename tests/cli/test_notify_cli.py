"""The notifications walkthrough of docs/notifications.md, through the CLI, with its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app

DRAFT = ["notify", "draft", "--file", "notes.json", "--treaty", "new-start", "--type", "movement",
         "--sender", "USA", "--event-time", "2024-03-01T08:00:00Z", "--field", "uid=U1",
         "--field", "category=icbm-launcher", "--field", "from_facility=F1", "--field",
         "to_facility=F2"]  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    app: typer.Typer = build_app()

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_the_walkthrough_runs_as_documented(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*DRAFT, "--at", "2024-03-01T12:00:00Z")
    cli("notify", "send", "N-000001", "--file", "notes.json", "--at", "2024-03-02T09:00:00Z")
    cli("notify", "receive", "N-000001", "--file", "notes.json", "--at", "2024-03-02T10:00:00Z")
    cli("notify", "ack", "N-000001", "--file", "notes.json", "--at", "2024-03-03T09:00:00Z")
    listed = json.loads(cli("notify", "list", "--file", "notes.json", "--state", "acknowledged",
                            "--format", "json"))  # fmt: skip
    assert [n["id"] for n in listed] == ["N-000001"]
    out = cli("notify", "due", "--file", "notes.json", "--at", "2024-03-07T00:00:00Z")
    assert "1 on-time (on-time ones shown with --all)" in out
    doc = json.loads(cli("notify", "due", "--file", "notes.json", "--at", "2024-03-07T00:00:00Z",
                         "--all", "--format", "json"))  # fmt: skip
    assert [r["why"] for r in doc["deadlines"]] == [
        "received 2024-03-02T10:00:00+00:00, by the deadline"
    ]


def test_a_backdated_step_after_an_undated_draft_says_what_to_do(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*DRAFT)  # stamped now
    out = cli("notify", "send", "N-000001", "--file", "notes.json", "--at",
              "2024-03-02T09:00:00Z", code=2)  # fmt: skip
    assert "precedes the notification's latest step" in out
    assert "give --at on every step, the draft included" in out


def test_due_judges_as_of_at_and_shows_late_ones_by_default(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*DRAFT, "--at", "2024-03-01T12:00:00Z")
    cli("notify", "send", "N-000001", "--file", "notes.json", "--at", "2024-03-02T09:00:00Z")
    cli("notify", "receive", "N-000001", "--file", "notes.json")  # received now, years late
    doc = json.loads(cli("notify", "due", "--file", "notes.json", "--at", "2024-03-07T00:00:00Z",
                         "--format", "json", code=1))  # fmt: skip
    [row] = doc["deadlines"]
    assert (row["verdict"], row["state"]) == ("overdue", "sent")
    assert row["why"] == "sent in time but not received by the deadline"
    doc = json.loads(cli("notify", "due", "--file", "notes.json", "--format", "json", code=1))
    [row] = doc["deadlines"]  # now: late, and shown without --all
    assert row["verdict"] == "late" and row["why"].endswith("days after the deadline")
    assert "1 late" in cli("notify", "due", "--file", "notes.json", code=1)


def test_due_exits_0_while_nothing_is_overdue(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*DRAFT, "--at", "2024-03-01T12:00:00Z")
    out = cli("notify", "due", "--file", "notes.json", "--at", "2024-03-05T00:00:00Z")
    assert "1 due" in out and "hours left" in out
