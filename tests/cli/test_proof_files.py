"""A file that is not a proof is answered "not a proof bundle: ..." with exit 2, never a guess.

Random bytes, an empty file, a JSON list, a string or ``{}`` given where a proof is expected
used to reach the first field check that failed ("no checkpoint: give --checkpoint"), which
sends the user after the wrong problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app

GARBAGE = {
    "random.bin": (bytes(range(256)) * 8, "the file is not text"),
    "empty.json": (b"", "the file is empty"),
    "truncated.json": (b'{"type": "armsctl/proof-bundle/v1", "ind', "not JSON"),
    "list.json": (b"[1, 2]", "a JSON list, where a proof is a JSON object"),
    "string.json": (b'"proof"', "a JSON str, where a proof is a JSON object"),
    "empty-object.json": (b"{}", 'it has no "type"'),
    "other.json": (b'{"type": "armsctl/reveal/v1"}', "its type is 'armsctl/reveal/v1'"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[typer.Typer, Path]:
    """A log of three entries with a signed checkpoint, and a witness key."""
    app, w = build_app(), tmp_path_factory.mktemp("proofs")
    (w / "bodies.json").write_text(json.dumps([{"measure": "m", "value": i} for i in range(3)]))
    db = ["--db", str(w / "log.db")]
    for args in (
        ["keys", "generate", "example.org/log", "--dir", str(w / "keys")],
        ["keys", "generate", "US", "--dir", str(w / "keys")],
        ["keys", "generate", "w.example", "--dir", str(w / "keys")],
        ["ledger", "append", str(w / "bodies.json"), "--key", str(w / "keys/US.key"), "--kind",
         "aggregate", "--treaty", "new-start", "--party", "US", *db],
        ["ledger", "checkpoint", "--key", str(w / "keys/example.org_log.key"), "--out",
         str(w / "cp.txt"), *db],
    ):  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    for name, (data, _) in GARBAGE.items():
        (w / name).write_bytes(data)
    return app, w


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_verify_proof_says_not_a_proof_bundle(world: tuple[typer.Typer, Path], name: str) -> None:
    app, w = world
    result = CliRunner().invoke(
        app, ["ledger", "verify-proof", str(w / name), "--key", str(w / "keys/example.org_log.pub")]
    )
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {w / name}") and "not a proof bundle: " in line
    assert GARBAGE[name][1] in line and "--checkpoint" not in line


@pytest.mark.parametrize("name", ["random.bin", "empty.json", "list.json", "empty-object.json"])
def test_cosign_says_not_a_consistency_proof(world: tuple[typer.Typer, Path], name: str) -> None:
    app, w = world
    state = w / f"state-{name}.json"
    result = CliRunner().invoke(
        app,
        ["ledger", "cosign", str(w / "cp.txt"), "--key", str(w / "keys/w.example.key"),
         "--log-key", str(w / "keys/example.org_log.pub"), "--state", str(state),
         "--proof", str(w / name)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "not a consistency proof: " in line
    assert not state.exists()  # nothing written
