"""The witness state file: strict reads, atomic replacement, nothing saved on a refusal."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from armsctl.errors import InputError
from armsctl.ledger.checkpoint import Checkpoint, sign_checkpoint
from armsctl.ledger.merkle import consistency_proof, root
from armsctl.ledger.note import SignerKey
from armsctl.ledger.witness import (
    AddCheckpoint,
    WitnessRefusal,
    WitnessState,
    add_checkpoint,
)
from armsctl.store.witness_state import WitnessStateFile

LOG = SignerKey.generate("example.org/log", seed=b"\x01" * 32)
WITNESS = SignerKey.generate("w.example", seed=b"\x02" * 32)
ENTRIES = [f"e{i}".encode() for i in range(40)]


def request(old: int, n: int) -> AddCheckpoint:
    note = sign_checkpoint(Checkpoint(LOG.name, n, root(ENTRIES[:n])), LOG)
    proof = consistency_proof(ENTRIES[:n], old) if old else []
    return AddCheckpoint(old, tuple(proof), note)


def cosign(store: WitnessStateFile, old: int, n: int) -> str:
    def decide(state: WitnessState) -> tuple[WitnessState, str]:
        done = add_checkpoint(
            state, request(old, n), log_keys=[LOG.verifier()], signer=WITNESS, at=1
        )
        return done.state, done.line

    return store.update(decide)


def test_absent_file_is_the_empty_state_and_is_created_on_first_cosign(tmp_path: Path) -> None:
    store = WitnessStateFile(tmp_path / "w.json")
    assert store.load() == WitnessState()
    cosign(store, 0, 3)
    assert store.load().size_of(LOG.name) == 3
    assert json.loads((tmp_path / "w.json").read_text())["logs"][LOG.name]["size"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]  # no temporary file left


def test_a_refusal_saves_nothing(tmp_path: Path) -> None:
    store = WitnessStateFile(tmp_path / "w.json")
    cosign(store, 0, 3)
    before = (tmp_path / "w.json").read_bytes()
    with pytest.raises(WitnessRefusal):
        cosign(store, 0, 5)  # stale old size
    assert (tmp_path / "w.json").read_bytes() == before


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = WitnessStateFile(tmp_path / "w.json")
    cosign(store, 0, 3)
    before = (tmp_path / "w.json").read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("armsctl.store.witness_state.os.fsync", disk_full)
    with pytest.raises(InputError, match=r"cannot write state: .*No space left"):
        cosign(store, 3, 5)
    assert (tmp_path / "w.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]  # temporary file removed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "line 1"),
        ("[]", "not a JSON object"),
        ('{"type": "armsctl/witness-state/v1", "logs": {"o": {"size": 1}}}', "'root'"),
    ],
)
def test_malformed_files_name_the_file(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "w.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        WitnessStateFile(path).load()
    assert str(path) in str(info.value) and says in str(info.value)


def test_concurrent_updates_never_roll_the_witness_back(tmp_path: Path) -> None:
    """Each request is checked and saved under one lock: sizes only grow, none is lost."""
    store = WitnessStateFile(tmp_path / "w.json")
    cosign(store, 0, 1)
    outcomes: list[str] = []
    cosigned: list[int] = []

    def worker(n: int) -> None:
        old = store.load().size_of(LOG.name)
        if old > n:
            return
        try:
            cosign(store, old, n)
            outcomes.append("ok")
            cosigned.append(n)
        except WitnessRefusal as exc:
            outcomes.append(str(exc.status))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "ok" in outcomes and set(outcomes) <= {"ok", "409", "400"}
    final = store.load().size_of(LOG.name)
    assert final == max(cosigned)  # the largest tree cosigned is the one remembered
    # whatever interleaving happened, the state still accepts the honest continuation
    cosign(store, final, 40)
