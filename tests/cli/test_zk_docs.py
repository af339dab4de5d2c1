"""docs/zk.md stays true: its counts example and its prove / verify lines run as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app

DOC = Path(__file__).parents[2] / "docs" / "zk.md"


def test_the_documented_commands_run_with_the_documented_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DOC.read_text(encoding="utf-8")
    commands = text.split("## Commands", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    counts = text.split("`counts.json` holds", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    # The page shows the format (two sites); its commands run on the shipped example file.
    assert set(json.loads(counts)) == {"sites"}
    shipped = DOC.parent / "examples" / "counts.json"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    (tmp_path / "docs" / "examples" / "counts.json").write_bytes(shipped.read_bytes())
    runner, app = CliRunner(), build_app()
    ran = 0
    for line in commands.replace("\\\n", " ").splitlines():
        command, _, comment = line.partition("#")
        args = shlex.split(command)
        if args[:2] != ["armsctl", "zk"] or args[2] == "publish":  # publish needs a server
            continue
        expected = int(m.group(1)) if (m := re.search(r"exit (\d)", comment)) else 0
        result = runner.invoke(app, args[1:])
        assert result.exit_code == expected, f"{line}\n{result.output}"
        assert "Traceback" not in result.output
        ran += 1
    assert ran == 3
