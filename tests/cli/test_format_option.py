"""Every command that prints a result offers ``--format json``; the exceptions say why.

The command tree is walked, so a new command without ``--format`` fails here until it gets one
or joins ``NO_RESULT`` with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.cli.reference import leaf_commands

NO_RESULT = {
    "serve": "runs the API server until stopped: it prints a banner, not a result",
    "witness serve": "runs the witness server until stopped: it prints a banner, not a result",
    "exercise play": "an interactive session at a prompt; `exercise debrief --format json` "
    "gives the record's result",
    "exercise resume": "continues an interactive session; see `exercise play`",
    "demo": "a guided tour that narrates and writes its files to --output-dir; each of its "
    "steps is a command with --format json",
    "workbench draft": "writes the draft given by -o and says so in one line: the file is the "
    "result",
    "estimates observations": "writes the observation file given by -o and says so in one "
    "line: the file is the result",
}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


def test_every_result_printing_command_has_format_json(app: typer.Typer) -> None:
    leaves = leaf_commands(app)
    assert set(NO_RESULT) <= set(leaves), set(NO_RESULT) - set(leaves)
    missing = []
    for name, command in sorted(leaves.items()):
        option = next((p for p in command.params if "--format" in getattr(p, "opts", ())), None)
        if name in NO_RESULT:
            assert option is None, f"{name} has --format now: drop it from NO_RESULT"
            continue
        if option is None:
            missing.append(name)
            continue
        choices = [str(getattr(c, "value", c)) for c in option.type_descriptor.choices or ()]
        assert "json" in choices, f"{name}: --format offers {choices}"
    assert missing == []


def _json(app: typer.Typer, *args: str) -> object:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_commands_that_lacked_it_print_one_json_document(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)
    toml = Path(__file__).parents[2] / "src/armsctl/treaty/data/new-start.toml"
    doc = _json(app, "treaty", "validate", str(toml), "--format", "json")
    assert doc == {"file": str(toml), "valid": True, "id": "new-start", "limits": 3,
                   "categories": 3}  # fmt: skip
    (tmp_path / "bad.toml").write_text("id = 3\n")
    bad = CliRunner().invoke(app, ["treaty", "validate", "bad.toml", "--format", "json"])
    assert bad.exit_code == 2
    refused = json.loads(bad.stdout)
    assert refused["valid"] is False
    assert {"where": "bad.toml", "location": "id", "message": "Input should be a valid string"} in (
        refused["problems"]
    )
    for name in ("example.org/log", "US", "w.example"):
        _json(app, "keys", "generate", name, "--format", "json")
    (tmp_path / "bodies.json").write_text(
        json.dumps([{"measure": "m", "value": i} for i in range(3)])
    )
    _json(app, "ledger", "append", "bodies.json", "--key", "keys/US.key", "--kind", "aggregate",
          "--treaty", "new-start", "--party", "US", "--format", "json")  # fmt: skip
    checkpoint = _json(app, "ledger", "checkpoint", "--key", "keys/example.org_log.key",
                       "--out", "cp.txt", "--format", "json")  # fmt: skip
    assert isinstance(checkpoint, dict) and checkpoint["size"] == 3
    assert checkpoint["checkpoint"] == (tmp_path / "cp.txt").read_text()
    proof = _json(app, "ledger", "prove", "--index", "1", "--out", "p.json", "--format", "json")
    assert proof == {"type": "armsctl/proof-bundle/v1", "index": 1, "size": 3, "file": "p.json"}
    cosigned = _json(app, "ledger", "cosign", "cp.txt", "--key", "keys/w.example.key",
                     "--log-key", "keys/example.org_log.pub", "--state", "w.json",
                     "--format", "json")  # fmt: skip
    assert isinstance(cosigned, dict) and "\u2014 w.example " in cosigned["cosigned"]
    trust = _json(app, "ledger", "trust", "--key", "keys/example.org_log.pub", "--format", "json")
    assert isinstance(trust, dict) and "log_key" in trust["trust"]
    from armsctl.store.schema import head_revision

    assert _json(app, "db", "upgrade", "--db", "s.db", "--format", "json") == {
        "revision": head_revision()
    }
