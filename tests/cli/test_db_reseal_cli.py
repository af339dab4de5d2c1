"""``armsctl db reseal`` and the operator's key commands, on a database file of their own.

Rows a server stored in clear (here: a notification planted the old way) are sealed once both
parties have encryption keys; while one has none the command says which row waits for whose
key and exits 1; a second run seals nothing. A missing key file is refused before anything is
created.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey, open_value
from armsctl.service import Database
from armsctl.store.models import Notification, Party

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def _setup(tmp_path: Path) -> tuple[str, dict[str, SealingKey]]:
    db = str(tmp_path / "server.db")
    assert _run("db", "load-treaty", "new-start", "--db", db)[0] == 0
    keys = {}
    for code in ("USA", "RUS"):
        signer = SignerKey.generate(code, seed=os.urandom(32))
        (tmp_path / f"{code}.pub").write_text(str(signer.verifier()), encoding="utf-8")
        keys[code] = SealingKey.generate(os.urandom(32))
        (tmp_path / f"{code}.x25519.pub").write_text(str(keys[code].public()), encoding="utf-8")
        code_, out = _run("parties", "add", "new-start", code, "--key", str(tmp_path / f"{code}.pub"),
                          "--db", db)  # fmt: skip
        assert code_ == 0, out
    return db, keys


def _plant_clear_notification(db: str) -> int:
    from armsctl.settings import Settings, load_signer

    settings = Settings(database_url=f"sqlite:///{db}")
    database = Database(settings.database_url, load_signer(settings))
    try:
        with database.write() as (session, _conn):
            ids = {p.code: p.id for p in session.scalars(select(Party)).all()}
            row = Notification(
                treaty_id="new-start",
                sender_id=ids["USA"],
                recipient_id=ids["RUS"],
                kind="inspection-intent",
                body={"point_of_entry": "Old-Ulan-Ude"},
                body_salt=os.urandom(32),
                sent_at=NOW,
                log_index=0,
            )
            session.add(row)
            session.flush()
            return row.id
    finally:
        database.dispose()


def test_reseal_exits_1_while_a_party_lacks_a_key(tmp_path: Path) -> None:
    db, keys = _setup(tmp_path)
    note = _plant_clear_notification(db)
    code, out = _run("db", "reseal", "--db", db, "--format", "json")
    assert code == 1, out
    report = json.loads(out)
    assert report["still_clear"] == [
        {"record": "notification", "id": note, "parts": ["body"], "missing_keys": ["RUS", "USA"]}
    ]
    code, out = _run("parties", "set-encryption-key", "new-start", "USA", "--encryption-key",
                     str(tmp_path / "USA.x25519.pub"), "--db", db)  # fmt: skip
    assert code == 0, out
    code, out = _run("db", "reseal", "--db", db)
    assert code == 1 and "still in clear: notification" in out and "RUS" in out, out
    code, out = _run("parties", "set-encryption-key", "new-start", "RUS", "--encryption-key",
                     str(tmp_path / "RUS.x25519.pub"), "--db", db)  # fmt: skip
    assert code == 0, out
    code, out = _run("db", "reseal", "--db", db, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["sealed"]["notifications"] == 1 and json.loads(out)["scrubbed"]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("server.db*"))
    assert b"Old-Ulan-Ude" not in raw
    # Idempotent: nothing left, nothing sealed twice.
    code, out = _run("db", "reseal", "--db", db, "--format", "json")
    assert code == 0 and set(json.loads(out)["sealed"].values()) == {0}, out
    from armsctl.settings import Settings, load_signer

    settings = Settings(database_url=f"sqlite:///{db}")
    database = Database(settings.database_url, load_signer(settings))
    try:
        with database.read() as session:
            stored = session.get(Notification, note)
            assert stored is not None and stored.sealed_body is not None
            sealed = stored.sealed_body["sealed"]
    finally:
        database.dispose()
    for party in ("USA", "RUS"):
        body = open_value(sealed, reader=party, key=keys[party])
        assert body["value"] == {"point_of_entry": "Old-Ulan-Ude"}


def test_a_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    db, _keys = _setup(tmp_path)
    _plant_clear_notification(db)
    for code in ("USA", "RUS"):
        assert _run("parties", "set-encryption-key", "new-start", code, "--encryption-key",
                    str(tmp_path / f"{code}.x25519.pub"), "--db", db)[0] == 0  # fmt: skip
    code, out = _run("db", "reseal", "--dry-run", "--db", db)
    assert code == 0 and "would seal" in out and "1 notifications" in out, out
    code, out = _run("db", "reseal", "--db", db, "--format", "json")
    assert json.loads(out)["sealed"]["notifications"] == 1, out


def test_a_missing_or_malformed_key_file_is_refused_before_any_database_file_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)
    for args in (
        ("parties", "set-encryption-key", "new-start", "USA", "--encryption-key", "nope.pub"),
        ("parties", "set-encryption-key", "new-start", "USA", "--encryption-key", "nope.pub",
         "--db", str(tmp_path / "named.db")),
        ("parties", "add", "new-start", "USA", "--key", "nope.pub"),
    ):  # fmt: skip
        code, out = _run(*args)
        assert code == 2, out
        assert "nope.pub" in out and "cannot read" in out and "Traceback" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # A key file that is not an X25519 public key (here a signing key) creates nothing either.
    (tmp_path / "USA.pub").write_text(str(SignerKey.generate("USA", seed=bytes(32)).verifier()))
    for args in (
        ("parties", "set-encryption-key", "new-start", "USA", "--encryption-key", "USA.pub"),
        ("parties", "add", "new-start", "USA", "--key", "USA.pub", "--encryption-key", "USA.pub"),
    ):
        code, out = _run(*args)
        assert code == 2 and "USA.pub" in out and "x25519:" in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["USA.pub"]
