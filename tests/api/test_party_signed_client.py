"""The documented first steps with ``--key``: the CLI client signs, the log shows the party."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from _server import Server
from typer.testing import CliRunner

from armsctl.cli.server import register
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    return app


def test_client_submit_and_notify_with_a_key_produce_party_signed_entries(tmp_path: Path) -> None:
    runner, app = CliRunner(), _app()
    db = str(tmp_path / "server.db")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db] if args[0] != "client" else list(args))
        assert result.exit_code == 0, result.output
        return result.output

    run("db", "upgrade")
    run("db", "load-treaty", "new-start")
    keys = {code: SignerKey.generate(code, seed=bytes([i + 3]) * 32) for i, code in enumerate("AB")}
    signers = {"USA": keys["A"], "RUS": keys["B"]}
    for code, signer in signers.items():
        pub = tmp_path / f"{code}.pub"
        pub.write_text(str(signer.verifier()) + "\n")
        sealing = tmp_path / f"{code}.x25519.pub"
        sealing.write_text(str(SealingKey.generate(os.urandom(32)).public()) + "\n")
        run(
            "parties", "add", "new-start", code, "--key", str(pub), "--encryption-key", str(sealing)
        )
        private = tmp_path / f"{code}.key"
        private.write_text(str(signer) + "\n")
        os.chmod(private, 0o600)
    run("users", "add", "usa", "--role", "party", "--treaty", "new-start", "--party", "USA")
    token = json.loads(run("tokens", "issue", "usa", "--format", "json"))["token"]
    decl = tmp_path / "decl.json"
    decl.write_text(json.dumps({"as_of": "2025-09-01", "figures": {"deployed-warheads": 1500}}))
    message = tmp_path / "note.json"
    message.write_text(json.dumps({"point_of_entry": "Moscow"}))
    server = Server(f"sqlite:///{db}", Path(db + ".log.key")).start()
    try:
        common = ["--server", server.base, "--token", token, "--format", "json"]
        usa_key = str(tmp_path / "USA.key")
        out = json.loads(run("client", "submit", "new-start", str(decl), "--key", usa_key, *common))
        sent = json.loads(
            run(
                "client", "notify", "new-start", "inspection-intent", "--to", "RUS",
                "--body", str(message), "--key", usa_key, "--recording-history", *common,
            )
        )  # fmt: skip
        trusted = {"USA": signers["USA"].verifier()}
        for index in (out["log_index"], sent["log_index"]):
            entry = json.loads(run("client", "get", f"/log/entries/{index}", *common[:4]))
            assert open_entry(entry["entry"].encode(), trusted=trusted).party == "USA"
        # The server's clock is the real one: New START expired on 2026-02-05, so the
        # notification is entered as history, and its party-signed entry says so.
        entry = json.loads(run("client", "get", f"/log/entries/{sent['log_index']}", *common[:4]))
        assert open_entry(entry["entry"].encode(), trusted=trusted).body["recording_history"]
        decl.write_text(json.dumps({"as_of": "2025-10-01", "figures": {"deployed-warheads": 1}}))
        rus_key = str(tmp_path / "RUS.key")
        wrong = runner.invoke(
            app, ["client", "submit", "new-start", str(decl), "--key", rus_key, *common]
        )
        assert wrong.exit_code == 2 and "403" in wrong.output
    finally:
        server.stop()
