"""Witnesses over HTTP: the tlog-witness server, and the log server gathering cosignatures.

The witnesses here are real: ``create_witness_app`` served by uvicorn on loopback ports, each
with its own state file and no access to the log's database.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from _server import free_port
from _world import BACKENDS, LOG_KEY, NOW, build_world, fresh_database, fresh_url, postgres_for

from armsctl.api.witness import create_witness_app
from armsctl.errors import ParameterError
from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from armsctl.ledger.merkle import consistency_proof, root
from armsctl.ledger.note import SignerKey, parse_note
from armsctl.ledger.witness import AddCheckpoint, WitnessState
from armsctl.server import create_app
from armsctl.service import Database
from armsctl.service import log as log_service
from armsctl.settings import Settings
from armsctl.store.witness_state import WitnessStateFile

W1 = SignerKey.generate("w1.example", seed=b"\x11" * 32)
W2 = SignerKey.generate("w2.example", seed=b"\x12" * 32)
STAMP = 1_764_000_000


def cosig_key(signer: SignerKey) -> str:
    return str(signer.as_cosigner().verifier())


class LiveWitness:
    """A witness served by uvicorn in a thread on 127.0.0.1."""

    def __init__(self, signer: SignerKey, state: Path) -> None:
        self.signer, self.state = signer, WitnessStateFile(state)
        app = create_witness_app(
            signer=signer, log_keys=[LOG_KEY.verifier()], state=self.state, clock=lambda: STAMP
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveWitness:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("witness did not start")
            self.thread.join(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def size(self) -> int:
        return self.state.load().size_of(LOG_KEY.name)

    def config(self, signer: SignerKey | None = None) -> str:
        return f"{self.url} {cosig_key(signer or self.signer)}"


# -- the witness server on its own ---------------------------------------------------------


ENTRIES = [f"e{i}".encode() for i in range(16)]


def note_at(n: int, entries: list[bytes] = ENTRIES, key: SignerKey = LOG_KEY) -> str:
    return sign_checkpoint(Checkpoint(key.name, n, root(entries[:n])), key)


@pytest.fixture
def witness_client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_witness_app(
        signer=W1,
        log_keys=[LOG_KEY.verifier()],
        state=WitnessStateFile(tmp_path / "w.json"),
        clock=lambda: STAMP,
    )
    with TestClient(app) as client:
        yield client


def post(client: TestClient, old: int, n: int, **kw: object):  # type: ignore[no-untyped-def]
    proof = kw["proof"] if "proof" in kw else consistency_proof(ENTRIES[:n], old) if old else []
    note = kw["note"] if "note" in kw else note_at(n)
    body = AddCheckpoint(old, tuple(proof), note).body()  # type: ignore[arg-type]
    return client.post("/add-checkpoint", content=body)


def test_witness_answers_every_case_with_the_protocol_status(witness_client: TestClient) -> None:
    ok = post(witness_client, 0, 4)
    assert ok.status_code == 200
    (line,) = ok.text.splitlines(keepends=True)
    cosigned = note_at(4) + line
    open_checkpoint(cosigned, LOG_KEY.verifier(), witnesses=[W1.verifier()], quorum=1)

    stale = post(witness_client, 0, 9)
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "text/x.tlog.size"
    assert stale.content == b"4\n"

    assert post(witness_client, 4, 9, proof=[b"\x00" * 32]).status_code == 422
    forked = [b"forged", *ENTRIES[1:]]
    fork = post(witness_client, 4, 4, note=note_at(4, forked), proof=[])
    assert fork.status_code == 409 and "split view" in fork.text
    impostor = SignerKey.generate(LOG_KEY.name, seed=b"\x77" * 32)
    assert post(witness_client, 4, 9, note=note_at(9, key=impostor)).status_code == 403
    other = SignerKey.generate("other.example/log", seed=b"\x78" * 32)
    assert post(witness_client, 0, 9, note=note_at(9, key=other)).status_code == 404
    assert post(witness_client, 10, 9, proof=[]).status_code == 400

    assert post(witness_client, 4, 9).status_code == 200  # the honest continuation


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 1",
        b"old x\n\ncp\n",
        b"\xff\n\n",
        b"old 0\n\nexample\n1\nAAAA\n\n\xe2\x80\x94 x\n",
    ],
)
def test_malformed_requests_are_400_with_a_reason(witness_client: TestClient, body: bytes) -> None:
    answer = witness_client.post("/add-checkpoint", content=body)
    assert answer.status_code == 400
    assert answer.text.endswith("\n") and len(answer.text.splitlines()) == 1


def test_oversized_requests_and_other_methods_are_refused(witness_client: TestClient) -> None:
    assert witness_client.post("/add-checkpoint", content=b"x" * 70_000).status_code == 413
    assert witness_client.get("/add-checkpoint").status_code == 405


def test_a_malformed_state_file_stops_the_witness_from_starting(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("{not json")
    with pytest.raises(Exception, match=r"w\.json:line 1"):
        create_witness_app(signer=W1, log_keys=[LOG_KEY.verifier()], state=WitnessStateFile(path))


# -- the log server gathering cosignatures -------------------------------------------------


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        build_world(db, with_inspection=False)
        yield url, db
        db.dispose()


def server(url: str, witnesses: str) -> Database:
    app = create_app(
        Settings(database_url=url, witnesses=witnesses, witness_timeout=5),
        signer=LOG_KEY,
        clock=lambda: NOW,
        migrate=False,
    )
    db = app.state.armsctl.db
    assert isinstance(db, Database)
    return db


def grow(db: Database, n: int) -> None:
    with db.write() as (_session, conn):
        for i in range(n):
            db.append(conn, kind="note", treaty="new-start", party="USA", at=NOW, body={"i": i})


def witnesses_of(note: str) -> list[str]:
    return [s.name for s in parse_note(note)[1][1:]]


def test_the_server_gathers_cosignatures_from_two_witnesses(
    database: tuple[str, Database], tmp_path: Path
) -> None:
    url, _ = database
    with LiveWitness(W1, tmp_path / "w1.json") as w1, LiveWitness(W2, tmp_path / "w2.json") as w2:
        db = server(url, f"{w1.config()},\n{w2.config()}")
        first = log_service.sign_checkpoint(db)
        keys = [W1.verifier(), W2.verifier()]
        head = open_checkpoint(first.checkpoint, LOG_KEY.verifier(), witnesses=keys, quorum=2)
        assert witnesses_of(first.checkpoint) == ["w1.example", "w2.example"]
        assert w1.size() == w2.size() == head.size
        # the head everybody reads carries them
        assert log_service.log_status(db).checkpoint == first.checkpoint

        grow(db, 3)
        second = log_service.sign_checkpoint(db)
        grown = open_checkpoint(second.checkpoint, LOG_KEY.verifier(), witnesses=keys, quorum=2)
        assert grown.size == head.size + 3 == w1.size() == w2.size()
        assert witnesses_of(second.checkpoint) == ["w1.example", "w2.example"]
        # nothing new: signing again neither asks the witnesses again nor adds lines
        assert log_service.sign_checkpoint(db).checkpoint == second.checkpoint
        assert log_service.audit_log(db).ok
        db.dispose()


def test_a_restarted_server_follows_the_witness_size_after_a_409(
    database: tuple[str, Database], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = database
    with LiveWitness(W1, tmp_path / "w1.json") as w1:
        db = server(url, w1.config())
        log_service.sign_checkpoint(db)
        db.dispose()
        before = w1.size()
        restarted = server(url, w1.config())  # knows nothing: asks with old 0 first
        grow(restarted, 2)
        with caplog.at_level(logging.WARNING, logger="armsctl.witnessing"):
            note = log_service.sign_checkpoint(restarted).checkpoint
        assert not caplog.records
        head = open_checkpoint(note, LOG_KEY.verifier(), witnesses=[W1.verifier()], quorum=1)
        assert head.size == before + 2 == w1.size()
        restarted.dispose()


def test_failing_witnesses_cost_only_their_own_cosignature(
    database: tuple[str, Database], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = database
    forked = WitnessState.from_json(
        {LOG_KEY.name: {"size": 1, "root": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}
    )
    WitnessStateFile(tmp_path / "w2.json").save(forked)  # w2 saw another history of size 1
    down = f"http://127.0.0.1:{free_port()} {cosig_key(SignerKey.generate('w3', seed=b'3' * 32))}"
    with LiveWitness(W1, tmp_path / "w1.json") as w1, LiveWitness(W2, tmp_path / "w2.json") as w2:
        liar = SignerKey.generate("w1.example", seed=b"\x99" * 32)  # configured key is not w1's
        db = server(url, ",".join([down, w2.config(), w1.config(liar)]))
        with caplog.at_level(logging.WARNING, logger="armsctl.witnessing"):
            note = log_service.sign_checkpoint(db).checkpoint
        messages = " | ".join(r.getMessage() for r in caplog.records)
        assert "w3" not in messages and "failed" in messages  # down: a connection error
        assert "422" in messages  # w2: inconsistent with what it saw
        assert "does not verify" in messages or "not signed" in messages  # wrong key's answer
        assert witnesses_of(note) == []  # served, signed by the log, without cosignatures
        open_checkpoint(note, LOG_KEY.verifier())
        assert w2.size() == 1
        db.dispose()


def test_bad_witness_configuration_stops_the_server_with_the_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for config, says in [
        ("127.0.0.1:8101 w1+00000000+AAAA", "witness 1: expected"),
        ("http://a.example w1+00000000+AAAA", "witness 1:"),
        (f"http://a.example {cosig_key(W1)}, http://b.example", "witness 2: expected"),
        ("http://a.example missing.pub", "witness key file missing.pub"),
    ]:
        with pytest.raises(ParameterError, match=says):
            server(url, config)
    assert not (tmp_path / "x.db").exists()


def test_witness_keys_may_come_from_files(tmp_path: Path) -> None:
    from armsctl.service.witnessing import parse_witnesses

    path = tmp_path / "w1.cosig.pub"
    path.write_text(cosig_key(W1) + "\n")
    (endpoint,) = parse_witnesses(f"http://127.0.0.1:1/ {path}")
    assert endpoint.url == "http://127.0.0.1:1"
    assert endpoint.key == W1.as_cosigner().verifier()
    (plain,) = parse_witnesses(f"http://127.0.0.1:1 {W1.verifier()}")  # a 0x01 key is read as 0x04
    assert plain.key == endpoint.key
    assert json.dumps(str(plain.key))


def test_witnesses_are_asked_at_once(database: tuple[str, Database], tmp_path: Path) -> None:
    """Both requests are in flight together (else the barrier breaks)."""
    from armsctl.service.witnessing import Answer, WitnessEndpoint, Witnessing

    url, _ = database
    clients = {
        signer.name: TestClient(
            create_witness_app(
                signer=signer,
                log_keys=[LOG_KEY.verifier()],
                state=WitnessStateFile(tmp_path / f"{signer.name}.json"),
                clock=lambda: STAMP,
            )
        )
        for signer in (W1, W2)
    }
    barrier = threading.Barrier(2, timeout=120)

    def post(base: str, body: bytes) -> Answer:
        barrier.wait()
        answer = clients[base.removeprefix("http://")].post("/add-checkpoint", content=body)
        return Answer(answer.status_code, answer.headers["content-type"], answer.content)

    db = server(url, "")
    endpoints = [WitnessEndpoint(f"http://{s.name}", s.as_cosigner().verifier()) for s in (W1, W2)]
    db.witnessing = Witnessing(endpoints, post)
    note = log_service.sign_checkpoint(db).checkpoint
    assert witnesses_of(note) == ["w1.example", "w2.example"]
    assert not barrier.broken
    db.dispose()
