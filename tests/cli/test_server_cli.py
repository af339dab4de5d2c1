"""The server's CLI: migrate, load, register, users, tokens, and the HTTP client."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _server import Server

from armsctl.cli.server import register
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey
from armsctl.store.schema import head_revision


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

    assert f"revision {head_revision()}" in run("db", "upgrade")
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
        for path in ("/me", "/api/v1/me", "me"):
            me = run("client", "get", path, "--server", server.base, "--token", token)
            assert json.loads(me)["name"] == "alice"
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


# The signed walk requests a New START inspection for this year and schedules its arrival
# ahead: it runs while the treaty is in force, on a pretended clock shared by the server and
# the CLI (the times a party signs must be within minutes of the server's), whatever today is.
PRETENDED = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def test_a_party_client_signs_everything_it_authors_and_the_log_verifies_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import armsctl.cli.server as server_cli
    from armsctl.ledger.envelope import open_entry
    from armsctl.service.entries import ENTRY_KINDS

    runner, app = CliRunner(), _app()
    db = str(tmp_path / "server.db")
    server = Server(f"sqlite:///{db}", Path(db + ".log.key"), signatures=True, now=PRETENDED)
    monkeypatch.setattr(server_cli, "_now", server.clock)
    monkeypatch.setattr(server_cli, "_clock", lambda: server.clock().replace(microsecond=0))

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--db", db] if args[0] != "client" else list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("db", "upgrade")
    run("db", "load-treaty", "new-start")
    keys: dict[str, SignerKey] = {}
    tokens: dict[str, str] = {}
    for n, code in enumerate(("USA", "RUS")):
        keys[code] = SignerKey.generate(code, seed=bytes([n + 1]) * 32)
        (tmp_path / f"{code}.key").write_text(str(keys[code]) + "\n")
        (tmp_path / f"{code}.pub").write_text(str(keys[code].verifier()) + "\n")
        # Each party's encryption key: what the server seals its confidential rows to.
        sealing = SealingKey.generate(bytes([7 + n]) * 32)
        (tmp_path / f"{code}.x25519.key").write_text(str(sealing) + "\n")
        (tmp_path / f"{code}.x25519.pub").write_text(str(sealing.public()) + "\n")
        run("parties", "add", "new-start", code, "--key", str(tmp_path / f"{code}.pub"),
            "--encryption-key", str(tmp_path / f"{code}.x25519.pub"))  # fmt: skip
        run("users", "add", code.lower(), "--role", "party", "--treaty", "new-start",
            "--party", code)  # fmt: skip
        tokens[code] = json.loads(run("tokens", "issue", code.lower(), "--format", "json"))["token"]
    run("users", "add", "usa-team", "--role", "inspector", "--treaty", "new-start",
        "--party", "USA")  # fmt: skip
    tokens["team"] = json.loads(run("tokens", "issue", "usa-team", "--format", "json"))["token"]
    files = {
        "aggregate.json": {"as_of": "2025-09-01", "figures": {"deployed-warheads": 1500}},
        "items.json": {
            "as_of": "2025-09-01",
            "items": [
                {
                    "uid": f"R-{i}",
                    "category": "icbm-launcher",
                    "status": "deployed",
                    "facility": "Site-A" if i < 3 else "Site-B",
                    "warheads": 1,
                }
                for i in range(5)
            ],
        },
        "message.json": {"point_of_entry": "Ulan-Ude"},
        "seen.json": {"launchers_on_pad": 2},
        "findings.json": [{"result": "no discrepancy"}],
    }
    for name, doc in files.items():
        (tmp_path / name).write_text(json.dumps(doc))
    server.start()
    try:

        def client(who: str, *args: str, signed: bool = True, code: int = 0) -> dict[str, Any]:
            key = ["--key", str(tmp_path / f"{'USA' if who == 'team' else who}.key")]
            common = ["--server", server.base, "--token", tokens[who], "--format", "json"]
            out = run("client", *args, *(key if signed else []), *common, code=code)
            return json.loads(out) if code == 0 else {"error": out}

        unsigned = client("USA", "submit", "new-start", str(tmp_path / "aggregate.json"),
                          signed=False, code=2)  # fmt: skip
        assert "requires party-signed entries" in unsigned["error"]
        client("USA", "submit", "new-start", str(tmp_path / "aggregate.json"))
        decl = client("RUS", "submit", "new-start", str(tmp_path / "items.json"),
                      "--seal-to", str(tmp_path / "RUS.x25519.pub"))  # fmt: skip
        assert decl["figures"]["deployed-warheads"] == 5
        back = json.loads(run("client", "items", str(decl["id"]), "--decrypt-key",
                              str(tmp_path / "RUS.x25519.key"), "--server", server.base,
                              "--token", tokens["RUS"]))  # fmt: skip
        assert [r["item"] for r in back["items"]] != [] and len(back["items"]) == 5
        assert sorted(r["item"]["uid"] for r in back["items"]) == [f"R-{i}" for i in range(5)]
        report = client("RUS", "check", "new-start", "--at", "2025-12-01", signed=False)
        assert {p["party"] for p in report["parties"]} == {"USA", "RUS"}
        note = client("USA", "notify", "new-start", "inspection-intent", "--to", "RUS",
                      "--body", str(tmp_path / "message.json"))  # fmt: skip
        client("RUS", "ack", "new-start", str(note["id"]))
        inbox = json.loads(run("client", "notifications", "new-start", "--decrypt-key",
                               str(tmp_path / "RUS.x25519.key"), "--server", server.base,
                               "--token", tokens["RUS"]))  # fmt: skip
        assert [r["body"] for r in inbox["results"]] == [{"point_of_entry": "Ulan-Ude"}]
        client("USA", "observe", "new-start", "--source", "satellite", "--subject", "RUS",
               "--observed-at", "2026-01-01T00:00:00Z", "--body", str(tmp_path / "seen.json"))  # fmt: skip
        insp = client("USA", "inspect", "request", "new-start", "--inspected", "RUS",
                      "--type", "type-one", "--site", "Site-A", "--inspector", "usa-team")  # fmt: skip
        iid = str(insp["id"])
        year = insp["year"]
        assert year == PRETENDED.year
        client("USA", "inspect", "schedule", iid, "--arrival", f"{year}-12-31T08:00:00+02:00")
        client("RUS", "inspect", "start", iid)
        revealed = client("RUS", "inspect", "reveal", iid, "--declaration", str(decl["id"]),
                          "--decrypt-key", str(tmp_path / "RUS.x25519.key"))  # fmt: skip
        assert revealed["verified"] == 3 and revealed["complete"] is True
        client("team", "inspect", "report", iid, "--findings", str(tmp_path / "findings.json"))
        size = json.loads(run("client", "get", "/log", "--server", server.base,
                              "--token", tokens["USA"]))["size"]  # fmt: skip
        entries = [
            json.loads(
                run(
                    "client",
                    "get",
                    f"/log/entries/{i}",
                    "--server",
                    server.base,
                    "--token",
                    tokens["USA"],
                )
            )["entry"]
            for i in range(size)
        ]
    finally:
        server.stop()
    # Offline, with nothing but the log and the parties' keys: every party-authored entry is
    # signed by its party's key, and the entries say nothing confidential.
    party_authored = 0
    for text in entries:
        entry = open_entry(text.encode("utf-8"))
        if ENTRY_KINDS[entry.kind] == "party":
            party_authored += 1
            assert entry.key.public_key == keys[entry.party].verifier().public_key, entry.kind
        for secret in ("Ulan-Ude", "Site-A", "R-1", "no discrepancy", "launchers_on_pad"):
            assert secret not in text, (secret, entry.kind)
    assert party_authored == 10
    # The items were sealed in RUS's client, and the reveal, the site, the notification body
    # and the findings are sealed at rest to the parties entitled to them: the raw database
    # file holds none of them in clear.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("server.db*") if p.is_file())
    for uid in ("R-0", "R-1", "R-2", "R-3", "R-4"):
        assert f'"{uid}"'.encode() not in raw
    for secret in (b"Site-A", b"Site-B", b"Ulan-Ude", b"no discrepancy"):
        assert secret not in raw, secret


def test_an_issued_token_is_printed_whole_on_its_own_line_at_any_width(tmp_path: Path) -> None:
    runner, app = CliRunner(), _app()
    db = str(tmp_path / "server.db")
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0
    added = runner.invoke(app, ["users", "add", "ops", "--role", "operator", "--db", db])
    assert added.exit_code == 0, added.output
    result = runner.invoke(app, ["tokens", "issue", "ops", "--db", db], env={"COLUMNS": "40"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("armsctl_")]
    assert len(lines) == 1 and len(lines[0]) > 40, result.output


def test_client_help_shows_no_markup() -> None:
    result = CliRunner().invoke(_app(), ["client", "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0 and "``" not in result.output


def test_a_database_in_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "x.db"
    for args in (["serve"], ["db", "upgrade"]):
        result = CliRunner().invoke(_app(), [*args, "--db", str(missing)])
        assert result.exit_code == 2, result.output
        assert f"directory {missing.parent} does not exist" in result.output.replace("\n", "")
        assert "Traceback" not in result.output
    assert not missing.parent.exists()
