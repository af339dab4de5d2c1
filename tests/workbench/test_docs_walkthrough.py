"""docs/workbench.md runs as written: every command in its shell blocks, from a fresh folder."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "workbench.md"


def commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line.split(" #")[0].strip())
    return out


def test_every_documented_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    app = build_app()
    runner = CliRunner()
    seen = commands()
    assert len(seen) >= 12
    for line in seen:
        args = shlex.split(line)
        assert args[0] == "armsctl"
        result = runner.invoke(app, args[1:])
        expected = {"bad.toml": 2, "--capacity": 1}
        code = next((c for key, c in expected.items() if key in line), 0)
        assert result.exit_code == code, (line, result.stdout, result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit), line
    assert (tmp_path / "brief.html").is_file() and (tmp_path / "brief.md").is_file()
    assert not (tmp_path / "bad.toml").exists()
    assert os.path.exists(tmp_path / "draft-b.toml")
