"""The ledger commands end to end, through a local Typer app (as the lead's app will wire them)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.ledger import register


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test app."""

    register(app)
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


def setup_log(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("keys", "generate", "example.org/log")
    cli("keys", "generate", "US")
    (tmp_path / "bodies.json").write_text(
        json.dumps([{"measure": "deployed_warheads", "value": 1419 + i} for i in range(5)])
    )
    cli(
        "ledger", "append", "bodies.json", "--key", "keys/US.key", "--kind", "aggregate",
        "--treaty", "new-start", "--party", "US", "--time", "2023-03-01T00:00:00+00:00",
    )  # fmt: skip
    cli("ledger", "checkpoint", "--key", "keys/example.org_log.key", "--out", "cp.txt")


def test_keys_are_private_and_never_printed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("keys", "generate", "party-a", "--format", "json")
    private = tmp_path / "keys" / "party-a.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    secret = private.read_text().strip()
    assert secret.startswith("PRIVATE+KEY+party-a+")
    # PRIVATE+KEY+<name>+<hash>+<key>: the key's base64 may itself hold "+" signs.
    assert secret.split("+", 4)[4] not in out
    assert (
        json.loads(out)["verifier_key"] == (tmp_path / "keys" / "party-a.pub").read_text().strip()
    )
    cli("keys", "generate", "party-a", code=2)  # never overwrites


def test_append_checkpoint_prove_and_verify_offline(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    assert (tmp_path / "armsctl.db").exists()
    cli("ledger", "prove", "--index", "3", "--out", "proof.json")
    (tmp_path / "armsctl.db").unlink()  # offline: no database from here on
    out = cli(
        "ledger",
        "verify-proof",
        "proof.json",
        "--key",
        "keys/example.org_log.pub",
        "--format",
        "json",
    )
    assert json.loads(out)["verified"] is True
    out = cli(
        "ledger",
        "verify-proof",
        "proof.json",
        "--key",
        "keys/example.org_log.pub",
        "--checkpoint",
        "cp.txt",
    )
    assert "verified" in out


def test_prove_by_entry_hash_and_consistency(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    (tmp_path / "cp1.txt").write_text((tmp_path / "cp.txt").read_text())
    out = cli("ledger", "append", "bodies.json", "--key", "keys/US.key", "--kind", "aggregate",
              "--treaty", "new-start", "--party", "US", "--format", "json")  # fmt: skip
    entry_hash = json.loads(out)["entry_hashes"][0]
    cli("ledger", "checkpoint", "--key", "keys/example.org_log.key", "--out", "cp2.txt")
    cli("ledger", "prove", "--entry-hash", entry_hash, "--out", "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["index"] == 5
    cli("ledger", "verify-proof", "p.json", "--key", "keys/example.org_log.pub")
    cli("ledger", "prove", "--from-size", "5", "--out", "c.json")
    cli(
        "ledger",
        "verify-proof",
        "c.json",
        "--key",
        "keys/example.org_log.pub",
        "--old-checkpoint",
        "cp1.txt",
    )
    cli(
        "ledger",
        "verify-proof",
        "c.json",
        "--key",
        "keys/example.org_log.pub",
        "--old-checkpoint",
        "cp2.txt",
        code=1,
    )


def mutate(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    path.write_text(fn(path.read_text()))


def _edit(**changes):  # type: ignore[no-untyped-def]
    return lambda d: json.dumps({**json.loads(d), **changes})


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (lambda d: json.dumps({**json.loads(d), "inclusion": json.loads(d)["inclusion"][:-1]}), 1),
        (_edit(index=2), 1),
        (_edit(index=5), 1),  # index >= size
        (lambda d: d.replace("\\n5\\n", "\\n4\\n"), 1),  # the signed size
        (_edit(entry="AAAA"), 1),
        (_edit(inclusion=["not base64!"]), 2),
        (
            lambda d: json.dumps({**json.loads(d), "checkpoint": json.loads(d)["checkpoint"][:-9]}),
            2,
        ),
        (_edit(type="armsctl/proof-bundle/v9"), 2),
        (lambda d: d[: len(d) // 2], 2),
        (lambda d: "[]", 2),
    ],
)
def test_a_tampered_bundle_exits_1_a_malformed_one_2(cli, tmp_path: Path, damage, code) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    cli("ledger", "prove", "--index", "3", "--out", "proof.json")
    mutate(tmp_path / "proof.json", damage)
    out = cli(
        "ledger", "verify-proof", "proof.json", "--key", "keys/example.org_log.pub", code=code
    )
    assert out.startswith("error:") and out.count("\n") == 1, out


def test_wrong_key_exits_1_and_bad_keys_or_notes_exit_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    cli("keys", "generate", "example.org/log", "--dir", "other")
    cli("ledger", "prove", "--index", "0", "--out", "proof.json")
    out = cli("ledger", "verify-proof", "proof.json", "--key", "other/example.org_log.pub", code=1)
    assert "signed by an unknown key" in out
    out = cli(
        "ledger", "verify-proof", "proof.json", "--key", "other/example.org_log.pub",
        "--format", "json", code=1,
    )  # fmt: skip
    assert json.loads(out[out.index("{") : out.rindex("}") + 1])["verified"] is False
    cli("ledger", "verify-proof", "proof.json", "--key", "nonsense+1234+AAAA", code=2)
    cli("ledger", "verify-proof", "proof.json", "--key", "missing.pub", code=2)
    cli("ledger", "verify-proof", "missing.json", "--key", "keys/example.org_log.pub", code=2)
    cli("ledger", "verify-proof", "proof.json", code=2)  # no trust policy at all
    mutate(tmp_path / "cp.txt", lambda t: t[:-10])
    cli(
        "ledger",
        "verify-proof",
        "proof.json",
        "--key",
        "keys/example.org_log.pub",
        "--checkpoint",
        "cp.txt",
        code=2,
    )
    cli("ledger", "checkpoint", "--key", "keys/US.pub", code=2)  # a public key is not a signer
    cli("ledger", "checkpoint", "--key", "other/example.org_log.key", code=2)  # not the log's key


def test_trust_file_witnesses_and_quorum(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from armsctl.ledger.note import SignerKey, VerifierKey, add_signatures

    setup_log(cli, tmp_path)
    log_pub = (tmp_path / "keys/example.org_log.pub").read_text().strip()
    cli("keys", "generate", "w1.example")
    cli("keys", "generate", "w2.example")
    w = [SignerKey.parse((tmp_path / f"keys/w{i}.example.key").read_text()) for i in (1, 2)]
    cosig = [str(k.as_cosigner().verifier()) for k in w]
    cli("ledger", "prove", "--index", "1", "--out", "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    text = doc["checkpoint"].split("\n\n")[0] + "\n"
    line = w[0].as_cosigner().signature_line(text, at=1_767_225_600)
    doc["checkpoint"] = add_signatures(doc["checkpoint"], [line])
    (tmp_path / "p.json").write_text(json.dumps(doc))
    (tmp_path / "trust.toml").write_text(
        f'log_key = "{log_pub}"\nwitnesses = ["{cosig[0]}", "{cosig[1]}"]\nquorum = 1\n'
    )
    out = cli("ledger", "verify-proof", "p.json", "--trust", "trust.toml", "--format", "json")
    assert json.loads(out)["witnesses"] == ["w1.example"]
    (tmp_path / "trust.toml").write_text(
        f'log_key = "{log_pub}"\nwitnesses = ["{cosig[0]}", "{cosig[1]}"]\nquorum = 2\n'
    )
    out = cli("ledger", "verify-proof", "p.json", "--trust", "trust.toml", code=1)
    assert "found 1 of 2" in out
    (tmp_path / "w2.cosig.pub").write_text(cosig[1] + "\n")
    args = ["ledger", "verify-proof", "p.json", "--key", "keys/example.org_log.pub"]
    cli(*args, "--witness", cosig[0], "--witness", "w2.cosig.pub", "--quorum", "1")
    out = cli(*args, "--witness", cosig[0], "--witness", "w2.cosig.pub", code=1)
    assert "found 1 of 2" in out  # the quorum defaults to every witness
    cli(*args, "--witness", cosig[0], "--quorum", "3", code=2)
    cli("ledger", "verify-proof", "p.json", "--trust", "trust.toml", "--key", log_pub, code=2)
    (tmp_path / "bad.toml").write_text("log_key = 12\n")
    out = cli("ledger", "verify-proof", "p.json", "--trust", "bad.toml", code=2)
    assert "bad.toml:log_key" in out
    assert VerifierKey.parse(cosig[0]).alg == 0x04


def test_old_inclusion_proof_files_keep_verifying(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    cli("ledger", "prove", "--index", "2", "--out", "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    old = {
        "type": "armsctl/inclusion-proof/v1",
        "index": doc["index"],
        "entry": doc["entry"],
        "size": doc["size"],
        "proof": doc["inclusion"],
        "checkpoint": None,
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    args = ["ledger", "verify-proof", "old.json", "--key", "keys/example.org_log.pub"]
    cli(*args, code=2)  # no checkpoint in the file and none given
    cli(*args, "--checkpoint", "cp.txt")


def test_prove_refuses_a_proof_from_a_damaged_node(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    setup_log(cli, tmp_path)
    cli("ledger", "prove", "--index", "0", "--format", "json")
    with sqlite3.connect(tmp_path / "armsctl.db") as db:
        db.execute("DROP TRIGGER ledger_tiles_no_update")
        # Every stored leaf hash (tiles of level 0) zeroed: entry 0's proof needs leaf 1.
        db.execute("UPDATE ledger_tiles SET hashes = zeroblob(length(hashes)) WHERE level = 0")
    out = cli("ledger", "prove", "--index", "0", code=1)
    assert "refusing to hand out a proof of entry 0" in out
    assert not (tmp_path / "p.json").exists()


def test_audit_names_a_changed_origin(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    setup_log(cli, tmp_path)
    with sqlite3.connect(tmp_path / "armsctl.db") as db:
        db.execute("DROP TRIGGER ledger_meta_no_update")
        db.execute("UPDATE ledger_meta SET value = 'evil.example/log' WHERE key = 'origin'")
    out = cli("ledger", "audit", "--format", "json", code=1)
    assert "origin 'evil.example/log'" in json.loads(out)["first_problem"]
    out = cli("ledger", "audit", "--key", "keys/example.org_log.pub", "--format", "json", code=1)
    assert "origin" in json.loads(out)["first_problem"]


def test_audit_clean_then_names_the_tampered_entry(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    setup_log(cli, tmp_path)
    out = cli("ledger", "audit", "--key", "keys/example.org_log.pub", "--format", "json")
    assert json.loads(out)["ok"] is True
    with sqlite3.connect(tmp_path / "armsctl.db") as db:
        db.execute("DROP TRIGGER ledger_entries_no_update")
        db.execute("UPDATE ledger_entries SET data = replace(data, '1421', '1321') WHERE seq = 2")
    out = cli("ledger", "audit", "--key", "keys/example.org_log.pub", "--format", "json", code=1)
    assert json.loads(out)["first_problem"].startswith("entry 2:")


def test_witness_cosigns_then_refuses_a_fork(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_log(cli, tmp_path)
    cli("keys", "generate", "w.example")
    args = [
        "--key",
        "keys/w.example.key",
        "--log-key",
        "keys/example.org_log.pub",
        "--state",
        "w.json",
    ]
    out = cli("ledger", "cosign", "cp.txt", *args)
    assert "\u2014 w.example " in out
    cli("ledger", "append", "bodies.json", "--key", "keys/US.key", "--kind", "aggregate",
        "--treaty", "new-start", "--party", "US")  # fmt: skip
    cli("ledger", "checkpoint", "--key", "keys/example.org_log.key", "--out", "cp2.txt")
    cli("ledger", "prove", "--from-size", "5", "--out", "c.json")
    cli("ledger", "cosign", "cp2.txt", "--proof", "c.json", *args)
    out = cli("ledger", "cosign", "cp.txt", *args, code=1)  # rollback to the older view
    assert "rollback" in out


def _items_csv(tmp_path: Path, n: int = 30, date: str = "2026-02-05") -> None:
    rows = ["uid,category,status,facility,warheads,as_of,model"] + [
        f"u{i},{'icbm-launcher' if i % 3 else 'slbm-launcher'},deployed,"
        f"{'f1' if i % 2 else 'f2'},{i % 4},{date},m{i}"
        for i in range(n)
    ]
    (tmp_path / "items.csv").write_text("\n".join(rows) + "\n")


COMMIT = ["--party", "US", "--date", "2026-02-05", "--treaty", "new-start"]


def test_commit_reveal_verify(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("keys", "generate", "example.org/log")
    cli("keys", "generate", "US")
    _items_csv(tmp_path)
    mine = ["--party-key", "keys/US.pub"]
    out = cli("commit", "items.csv", *COMMIT, "--key", "keys/US.key", *mine,
              "--opening", "opening.json", "--format", "json")  # fmt: skip
    public = json.loads(out)
    assert public["counts"] == {"icbm-launcher": 20, "slbm-launcher": 10} and "u1" not in out
    assert stat.S_IMODE((tmp_path / "opening.json").stat().st_mode) == 0o600
    cli("ledger", "checkpoint", "--key", "keys/example.org_log.key")
    cli("reveal", "--opening", "opening.json", "--uid", "u4", "--uid", "u9", "--out", "r.json")
    out = cli("verify-reveal", "r.json", "--log-key", "keys/example.org_log.pub", *mine,
              "--format", "json")  # fmt: skip
    assert json.loads(out)["verified_items"] == 2
    assert json.loads(out)["under_signed_checkpoint"] is True
    cli("reveal", "--opening", "opening.json", "--facility", "f1", "--out", "f.json")
    whole = json.loads(cli("verify-reveal", "f.json", *mine, "--format", "json"))
    assert whole["verified_items"] == 15 and whole["completeness"] == "proven"
    # One of the facility's items withheld: the committed count shows it.
    mutate(
        tmp_path / "f.json",
        lambda t: json.dumps({**json.loads(t), "items": json.loads(t)["items"][1:]}),
    )
    assert "holds 14 of its 15" in cli("verify-reveal", "f.json", *mine, code=1)
    # A forged item is a failed verification (exit 1), not bad input.
    mutate(tmp_path / "r.json", lambda t: t.replace('"deployed"', '"non-deployed"', 1))
    assert cli("verify-reveal", "r.json", *mine, code=1).startswith("error:")  # a forged item
    (tmp_path / "junk.json").write_text('{"items": []}')
    cli("verify-reveal", "junk.json", *mine, code=2)  # not a reveal
    cli("reveal", "--opening", "opening.json", "--uid", "nope", "--out", "x.json", code=2)
    cli("commit", "missing.csv", "--party", "US", "--date", "d", "--treaty", "new-start",
        "--key", "keys/US.key", *mine, "--opening", "o2.json", code=2)  # fmt: skip


def test_verify_reveal_refuses_a_declaration_signed_by_an_impostor(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("keys", "generate", "US")
    cli("keys", "generate", "impostor", "--dir", "evil")
    _items_csv(tmp_path, 6)
    # The impostor commits in US's name with its own key, trusting itself.
    cli("commit", "items.csv", *COMMIT, "--key", "evil/impostor.key",
        "--party-key", "evil/impostor.pub", "--opening", "o.json")  # fmt: skip
    cli("reveal", "--opening", "o.json", "--uid", "u1", "--out", "r.json")
    out = cli("verify-reveal", "r.json", "--party-key", "keys/US.pub", code=1)
    assert "not signed by a key you trust for US" in out
    trust = {
        "format": "armsctl/trust/v1",
        "parties": {"US": [(tmp_path / "keys/US.pub").read_text().strip()]},
    }
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    assert "not signed" in cli("verify-reveal", "r.json", "--trust", "trust.json", code=1)
    assert "give US's verifier key" in cli("verify-reveal", "r.json", code=2)
    (tmp_path / "bad.json").write_text('{"format": "armsctl/trust/v1", "parties": {"US": ["x"]}}')
    assert "bad.json:parties.US.0" in cli("verify-reveal", "r.json", "--trust", "bad.json", code=2)


def test_commit_refuses_another_partys_key_and_items_the_treaty_does_not_know(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli("keys", "generate", "US")
    cli("keys", "generate", "RU")
    trust = {
        "format": "armsctl/trust/v1",
        "parties": {
            name: [(tmp_path / f"keys/{name}.pub").read_text().strip()] for name in ("US", "RU")
        },
    }
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    _items_csv(tmp_path, 4)
    base = ["commit", "items.csv", "--treaty", "new-start", "--date", "2026-02-05",
            "--trust", "trust.json", "--opening", "o.json"]  # fmt: skip
    out = cli(*base, "--party", "RU", "--key", "keys/US.key", code=2)
    assert "is not a key of party 'RU'" in out
    assert "give US's verifier key" in cli("commit", "items.csv", *COMMIT, "--key",
                                           "keys/US.key", "--opening", "o.json", code=2)  # fmt: skip
    for bad, message in (
        ("icbm-launcher", "unknown category 'tank'"),
        (",deployed,", "has no status 'parked'"),
        (",2026-02-05,", "as_of 2020-03-01 is not --date 2026-02-05"),
    ):
        text = (tmp_path / "items.csv").read_text()
        changed = {
            "icbm-launcher": text.replace("icbm-launcher", "tank", 1),
            ",deployed,": text.replace(",deployed,", ",parked,", 1),
            ",2026-02-05,": text.replace(",2026-02-05,", ",2020-03-01,", 1),
        }[bad]
        (tmp_path / "bad.csv").write_text(changed)
        out = cli("commit", "bad.csv", *base[2:], "--party", "US", "--key", "keys/US.key", code=2)
        assert message in out, out
    (tmp_path / "twice.csv").write_text((tmp_path / "items.csv").read_text().replace("u2,", "u1,"))
    out = cli("commit", "twice.csv", *base[2:], "--party", "US", "--key", "keys/US.key", code=2)
    assert "repeats item" in out
    (tmp_path / "extra.csv").write_text(
        "uid,category,status,facility,warhead\nu1,icbm-launcher,deployed,f,1\n"
    )
    out = cli("commit", "extra.csv", *base[2:], "--party", "US", "--key", "keys/US.key", code=2)
    assert "'warhead' is not an attribute" in out
    assert not (tmp_path / "o.json").exists()


def test_db_url_and_env(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    cli("keys", "generate", "US")
    (tmp_path / "b.json").write_text('{"v": 1}')
    base = [
        "ledger",
        "append",
        "b.json",
        "--key",
        "keys/US.key",
        "--kind",
        "k",
        "--treaty",
        "t",
        "--party",
        "US",
    ]
    cli(*base, "--db", "one.db")
    monkeypatch.setenv("ARMSCTL_DATABASE_URL", f"sqlite:///{tmp_path / 'two.db'}")
    cli(*base)
    assert (tmp_path / "one.db").exists() and (tmp_path / "two.db").exists()
    cli(*base, "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", code=2)


def test_on_a_server_database_the_cli_takes_the_servers_path(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from armsctl.ledger.envelope import seal_entry
    from armsctl.ledger.note import SignerKey
    from armsctl.service import Database
    from armsctl.service.log import audit_log
    from armsctl.store.schema import upgrade

    log = SignerKey.generate("server.example/log", seed=bytes(range(32)))
    (tmp_path / "log.key").write_text(str(log) + "\n")
    (tmp_path / "log.pub").write_text(str(log.verifier()) + "\n")
    db = Database(f"sqlite:///{tmp_path / 'server.db'}", log)
    upgrade(db.engine)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with db.write() as (_session, conn):
        db.append(conn, kind="k", treaty="new-start", party="USA", at=at, body={"n": 1})
    cli("keys", "generate", "USA")
    (tmp_path / "b.json").write_text('{"v": 1}')
    out = cli("ledger", "append", "b.json", "--key", "keys/USA.key", "--kind", "aggregate",
              "--treaty", "new-start", "--party", "USA", "--db", "server.db", code=2)  # fmt: skip
    assert "server's" in out and out.count("\n") == 1
    out = cli("ledger", "checkpoint", "--key", "log.key", "--db", "server.db", "--format", "json")
    assert json.loads(out)["size"] == 1
    report = json.loads(cli("ledger", "audit", "--db", "server.db", "--format", "json"))
    assert report["ok"] and report["server_database"] and report["operator_sealed"] == 1
    # An entry in USA's name by a key nobody registered, written past the server.
    forged = SignerKey.generate("USA", seed=bytes(32))
    entry = seal_entry(kind="k", treaty="new-start", party="USA", at=at, body={}, signer=forged)
    with db.write() as (_session, conn):
        db.ledger.append(conn, [entry])
    out = cli("ledger", "audit", "--key", "log.pub", "--db", "server.db", "--format", "json",
              code=1)  # fmt: skip
    cli_report = json.loads(out)
    assert "entry 1: signed by neither the log key" in cli_report["first_problem"]
    assert cli_report == audit_log(db).to_json_dict()  # one audit: the server's says the same
    db.dispose()
