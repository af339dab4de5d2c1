"""Go's sumdb/note and sumdb/tlog read our served tiles and agree with our proofs, byte for byte."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _server import Server
from _world import LOG_KEY, NOW, fresh_database

from armsctl.ledger import merkle
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.note import SignerKey
from armsctl.service import log

PARTY = SignerKey.generate("USA", seed=b"\x71" * 32)
SIZE = 700  # crosses level-0 tiles and makes a partial level-1 tile


def _entries(n: int) -> list[bytes]:
    return [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party="USA",
            at=NOW + dt.timedelta(seconds=i),
            body={"n": i},
            signer=PARTY,
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("interop")
    url = f"sqlite:///{work / 'log.db'}"
    db = fresh_database(url)
    entries = _entries(SIZE)
    with db.write() as (_session, conn):
        for lo in range(0, SIZE, 97):  # many appends: tiles made of chunks and full rows
            db.ledger.append(conn, entries[lo : lo + 97])
    log.sign_checkpoint(db)
    key_file = work / "log.key"
    key_file.write_text(str(LOG_KEY) + "\n")
    server = Server(url, key_file).start()
    try:
        yield {"db": db, "base": f"{server.base}/tlog/", "entries": entries, "work": work}
    finally:
        server.stop()
        db.dispose()


def _go(binary: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(binary), "-vkey", str(LOG_KEY.verifier()), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@pytest.mark.parametrize(("index", "old"), [(0, 1), (255, 256), (256, 300), (517, 699), (699, 512)])
def test_go_proves_from_the_served_tiles_exactly_what_we_prove(
    tlogcheck: Path, served: dict[str, Any], index: int, old: int
) -> None:
    out = _go(tlogcheck, "-url", served["base"], "-index", str(index), "-old", str(old))
    db = served["db"]
    with db.read() as session:
        conn = session.connection()
        ours_inclusion = db.ledger.inclusion_proof(conn, index, SIZE)
        ours_consistency = db.ledger.consistency_proof(conn, old, SIZE)
        root = db.ledger.root(conn, SIZE)
    assert out["origin"] == LOG_KEY.name and out["size"] == SIZE
    assert out["root"] == base64.b64encode(root).decode()
    assert out["inclusion"] == _b64(ours_inclusion)
    assert out["consistency"] == _b64(ours_consistency)
    assert (
        bytes.fromhex(out["entry_sha256"])
        == __import__("hashlib").sha256(served["entries"][index]).digest()
    )


def _bundle(db: Any, index: int) -> dict[str, Any]:
    """A bundle from the one producer the CLI, the API and the web pages use."""
    from armsctl.service.log import build_proof_bundle

    with db.read() as session:
        conn = session.connection()
        bundle = build_proof_bundle(conn, db.ledger, index=index, log_key=LOG_KEY.verifier())
    doc = bundle.to_json()
    assert doc["type"] == "armsctl/proof-bundle/v1" and doc["size"] == SIZE
    return doc


def test_go_checks_a_proof_bundle_and_refuses_a_changed_one(
    tlogcheck: Path, served: dict[str, Any]
) -> None:
    path = served["work"] / "bundle.json"
    bundle = _bundle(served["db"], 300)
    path.write_text(json.dumps(bundle))
    assert _go(tlogcheck, "-bundle", str(path)) == {"bundle_ok": True}
    bundle["index"] = 301
    path.write_text(json.dumps(bundle))
    assert _go(tlogcheck, "-bundle", str(path))["bundle_ok"] is False
    # The same checkpoint signed by a key of the same name that is not the log's.
    from armsctl.ledger.note import sign_note

    other = SignerKey.generate(LOG_KEY.name, seed=b"\x72" * 32)
    bundle = _bundle(served["db"], 300)
    bundle["checkpoint"] = sign_note(bundle["checkpoint"].split("\n\n")[0] + "\n", [other])
    path.write_text(json.dumps(bundle))
    refused = _go(tlogcheck, "-bundle", str(path))
    assert refused["bundle_ok"] is False
    assert "no verifiable signatures" in refused["bundle_error"]


def test_go_reads_our_root_byte_identical_to_the_reference(
    tlogcheck: Path, served: dict[str, Any]
) -> None:
    out = _go(tlogcheck, "-url", served["base"], "-index", "5", "-old", "1")
    assert base64.b64decode(out["root"]) == merkle.root(served["entries"])
