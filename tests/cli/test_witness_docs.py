"""The offline witness walk-through of docs/ledger.md runs as written, in order, in one folder.

``armsctl`` lines run through the real application; the few shell lines of the walk-through
(``echo ... >``, ``mkdir``, ``cp``, ``cd``, joined by ``&&``) are carried out as the shell
would. A line's ``# exit N`` comment is its expected exit code (0 otherwise).
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


def _commands(heading: str) -> list[tuple[str, int]]:
    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", text.split(heading, 1)[1], re.S)
    assert block is not None, f"no console block under {heading}"
    out: list[tuple[str, int]] = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        command, _, comment = line.removeprefix("$ ").partition("  #")
        code = re.search(r"exit (\d)", comment)
        out.append((command.strip(), int(code.group(1)) if code else 0))
    return out


def _shell(words: list[str], cwd: Path) -> Path:
    """Carry out one plain shell command; return the new working folder."""
    name, args = words[0], words[1:]
    if name == "cd":
        return (cwd / args[0]).resolve()
    if name == "mkdir":
        for arg in (a for a in args if not a.startswith("-")):
            (cwd / arg).mkdir(parents=True, exist_ok="-p" in args)
    elif name == "cp":
        *sources, target = args
        for source in sources:
            shutil.copy(cwd / source, cwd / target)
    elif name == "echo" and len(args) == 3 and args[1] == ">":
        (cwd / args[2]).write_text(args[0] + "\n", encoding="utf-8")
    else:
        raise AssertionError(f"the walk-through uses a shell command this test lacks: {words}")
    return cwd


def test_offline_witness_walkthrough_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)
    app, runner, cwd = build_app(), CliRunner(), tmp_path
    commands = _commands("### Offline: `armsctl ledger cosign`")
    assert len(commands) > 10
    for line, code in commands:
        for part in line.split(" && "):
            words = shlex.split(part)
            if words[0] != "armsctl":
                cwd = _shell(words, cwd)
                continue
            monkeypatch.chdir(cwd)
            result = runner.invoke(app, words[1:])
            assert result.exit_code == code, f"{part}:\n{result.output}"
            assert "Traceback" not in result.output
    cosigned = (tmp_path / "witness" / "cp-3.cosigned.txt").read_text()
    assert cosigned.count("\u2014 w1.example ") == 1
    assert not list(tmp_path.glob("**/armsctl.db"))  # the witness never made a database
