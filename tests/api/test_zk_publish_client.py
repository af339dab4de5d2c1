"""``armsctl zk publish --key``: the party signs the proof's log entry; another key is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

from _server import Server
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.note import SignerKey


def test_a_party_publishes_its_proof_signed_with_its_own_key(tmp_path: Path) -> None:
    runner, app = CliRunner(), build_app()
    db = str(tmp_path / "server.db")

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("db", "upgrade", "--db", db)
    run("db", "load-treaty", "new-start", "--db", db)
    signers = {
        c: SignerKey.generate(c, seed=bytes([i + 5]) * 32) for i, c in enumerate(("USA", "RUS"))
    }
    for code, signer in signers.items():
        (tmp_path / f"{code}.pub").write_text(str(signer.verifier()) + "\n")
        run("parties", "add", "new-start", code, "--key", str(tmp_path / f"{code}.pub"), "--db", db)
        (tmp_path / f"{code}.key").write_text(str(signer) + "\n")
        os.chmod(tmp_path / f"{code}.key", 0o600)
    run(
        "users",
        "add",
        "rus",
        "--role",
        "party",
        "--treaty",
        "new-start",
        "--party",
        "RUS",
        "--db",
        db,
    )
    token = json.loads(run("tokens", "issue", "rus", "--format", "json", "--db", db))["token"]
    counts = tmp_path / "counts.json"
    counts.write_text(
        json.dumps({"sites": [{"label": "s1", "count": 700}, {"label": "s2", "count": 800}]})
    )
    proof = tmp_path / "proof.json"
    run(
        "zk", "prove", str(counts), "--treaty", "new-start", "--limit", "deployed-warheads",
        "--party", "RUS", "--date", "2023-09-01", "--proof", str(proof),
        "--openings", str(tmp_path / "openings.json"),
    )  # fmt: skip
    server = Server(f"sqlite:///{db}", Path(db + ".log.key")).start()
    try:
        common = ["--server", server.base, "--token", token]
        wrong = run(
            "zk", "publish", str(proof), "--key", str(tmp_path / "USA.key"), *common, code=2
        )
        assert "403" in wrong
        made = json.loads(
            run(
                "zk",
                "publish",
                str(proof),
                "--key",
                str(tmp_path / "RUS.key"),
                *common,
                "--format",
                "json",
            )
        )
        assert made["party"] == "RUS" and made["maximum"] == 1550
        entry = json.loads(run("client", "get", f"/log/entries/{made['log_index']}", *common))
        opened = open_entry(entry["entry"].encode(), trusted={"RUS": signers["RUS"].verifier()})
        assert opened.kind == "zk-range-proof" and opened.party == "RUS"
        assert opened.body["document"] == json.loads(proof.read_text())
        again = run("zk", "publish", str(proof), *common)  # unsigned: sealed by the server
        assert "sealed by the server" in again
    finally:
        server.stop()
