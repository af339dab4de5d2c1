"""The ledger walk-throughs of docs/ledger.md and the README run as written.

Each ``armsctl`` line of the block runs through the real application in one folder, in order;
a line's ``# exit N`` comment is its expected exit code (0 otherwise).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app

ROOT = Path(__file__).resolve().parents[2]


def _commands(markdown: str, heading: str) -> list[tuple[list[str], int]]:
    section = markdown.split(heading, 1)[1]
    block = re.search(r"```(?:console|sh)\n(.*?)```", section, re.S)
    assert block is not None, f"no command block under {heading}"
    joined = block.group(1).replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip().removeprefix("$ ")
        if not line.startswith("armsctl "):
            continue
        command, _, comment = line.partition("#")
        code = re.search(r"exit (\d)", comment)
        out.append((shlex.split(command)[1:], int(code.group(1)) if code else 0))
    return out


def _inputs(folder: Path) -> None:
    # The walk-throughs name their files by their path from the repository root.
    shutil.copytree(ROOT / "docs" / "examples", folder / "docs" / "examples")


@pytest.mark.parametrize(
    ("doc", "heading"),
    [("docs/ledger.md", "## Command line"), ("README.md", "### Integrity")],
)
def test_the_walkthrough_runs_as_written(
    doc: str, heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)
    _inputs(tmp_path)
    app, runner = build_app(), CliRunner()
    commands = _commands((ROOT / doc).read_text(), heading)
    assert len(commands) > 10
    for args, code in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == code, f"armsctl {shlex.join(args)}:\n{result.output}"
        assert "Traceback" not in result.output
