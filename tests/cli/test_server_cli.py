"""The server's CLI: migrate, load, register, users, tokens, and the HTTP client."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _server import Server

from armsctl.cli.server import register
from armsctl.ledger.note import SignerKey


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    return app


def test_first_steps_then_the_client_talks_to_a_running_server(tmp_path: Path) -> None:
    runner, app = CliRunner(), _app()
    db = str(tmp_path / "server.db")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db] if args[0] != "client" else list(args))
        assert result.exit_code == 0, result.output
        return result.output

    assert "revision 0003" in run("db", "upgrade")
    run("db", "load-treaty", "new-start")
    pub = tmp_path / "USA.pub"
    pub.write_text(str(SignerKey.generate("USA", seed=bytes(32)).verifier()) + "\n")
    run("parties", "add", "new-start", "USA", "--key", str(pub))
    run("users", "add", "alice", "--role", "party", "--treaty", "new-start", "--party", "USA")
    assert "alice" in run("users", "list", "--format", "json")
    token = json.loads(run("tokens", "issue", "alice", "--format", "json"))["token"]
    assert token.startswith("armsctl_")
    decl = tmp_path / "decl.json"
    decl.write_text(json.dumps({"as_of": "2025-09-01", "figures": {"deployed-warheads": 1500}}))
    server = Server(f"sqlite:///{db}", Path(db + ".log.key")).start()
    try:
        common = ["--server", server.base, "--token", token, "--format", "json"]
        out = run("client", "submit", "new-start", str(decl), *common)
        assert json.loads(out)["figures"] == {"deployed-warheads": 1500}
        report = json.loads(run("client", "check", "new-start", "--at", "2025-12-01", *common))
        assert report["parties"][0]["party"] == "USA"
        token_id = token.split("_")[1]
        run("tokens", "revoke", token_id)
        denied = runner.invoke(app, ["client", "check", "new-start", *common])
        assert denied.exit_code == 2 and "401" in denied.output
        assert token not in run("tokens", "list", "--format", "json")
    finally:
        server.stop()


def test_a_user_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["users", "add", "bob", "--role", "king", "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 2
    assert "role must be one of" in result.output
