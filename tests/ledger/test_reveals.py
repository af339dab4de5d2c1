"""A reveal is checked against the log: the entry it names, who signed it, and its checkpoint."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from armsctl.errors import InputError, IntegrityError
from armsctl.ledger.checkpoint import Checkpoint, sign_checkpoint
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.escrow import DECLARATION_KIND, commit_items, reveal_items
from armsctl.ledger.merkle import inclusion_proof, leaf_hash, root
from armsctl.ledger.note import SignerKey
from armsctl.ledger.reveals import check_reveal, logged_party, reveal_target

AT = dt.datetime(2026, 2, 5, tzinfo=dt.UTC)
PARTY = SignerKey.generate("usa", seed=bytes(range(32)))
OTHER = SignerKey.generate("usa", seed=bytes(range(1, 33)))
LOG = SignerKey.generate("log.example", seed=bytes(range(2, 34)))


def _logged(kind: str = DECLARATION_KIND) -> tuple[dict[str, Any], list[bytes]]:
    rng = random.Random(0)
    records = [
        {"uid": f"u{i}", "category": "icbm", "status": "deployed", "facility": "f1"}
        for i in range(4)
    ]
    made = commit_items(
        records, party="USA", date="2026-02-05", treaty="t", rng=lambda n: rng.randbytes(n)
    )
    other = seal_entry(kind="note", treaty="t", party="USA", at=AT, body={"n": 1}, signer=PARTY)
    entry = seal_entry(kind=kind, treaty="t", party="USA", at=AT, body=made.public, signer=PARTY)
    entries = [other, entry]
    where = {"index": 1, "entry_hash": leaf_hash(entry).hex()}
    return reveal_items(made.opening, uids=["u2"], declaration=where), entries


def test_a_reveal_verifies_against_the_entry_it_names_and_the_party_key() -> None:
    reveal, entries = _logged()
    assert reveal_target(reveal, where="r.json") == 1
    assert logged_party(entries[1], 1) == "USA"
    result = check_reveal(reveal, entries[1], trusted_keys=[PARTY.verifier()])
    assert (result.party, result.verified, result.under_signed_checkpoint) == ("USA", 1, False)
    assert result.to_dict()["completeness"] == "not asked"


def test_with_a_log_key_the_entry_must_be_under_the_signed_checkpoint() -> None:
    reveal, entries = _logged()
    note = sign_checkpoint(Checkpoint("log.example", 2, root(entries)), LOG)
    proof = inclusion_proof(entries, 1)
    result = check_reveal(
        reveal,
        entries[1],
        trusted_keys=[PARTY.verifier()],
        log_key=LOG.verifier(),
        checkpoint=note,
        inclusion=proof,
    )
    assert result.under_signed_checkpoint
    with pytest.raises(IntegrityError, match="no signed checkpoint covers log entry 1"):
        check_reveal(reveal, entries[1], trusted_keys=[PARTY.verifier()], log_key=LOG.verifier())
    with pytest.raises(IntegrityError, match="not under the signed checkpoint"):
        check_reveal(
            reveal,
            entries[1],
            trusted_keys=[PARTY.verifier()],
            log_key=LOG.verifier(),
            checkpoint=note,
            inclusion=[*proof[::-1], proof[0]],
        )


def test_a_reveal_fails_naming_the_first_check_that_fails() -> None:
    reveal, entries = _logged()
    with pytest.raises(IntegrityError, match="log entry 1 is not the declaration"):
        check_reveal(reveal, entries[0], trusted_keys=[PARTY.verifier()])
    with pytest.raises(IntegrityError, match="not signed by a key you trust for USA"):
        check_reveal(reveal, entries[1], trusted_keys=[OTHER.verifier()])
    note_reveal, note_entries = _logged(kind="note")
    with pytest.raises(IntegrityError, match="is a 'note', not a declaration"):
        check_reveal(note_reveal, note_entries[1], trusted_keys=[PARTY.verifier()])
    with pytest.raises(IntegrityError, match="log entry 7: "):
        logged_party(b"not an entry", 7)


def test_a_document_that_names_no_logged_declaration_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"r\.json:declaration: does not say where it is logged"):
        reveal_target({"items": [1]}, where="r.json")
    with pytest.raises(InputError, match=r"r\.json:items: must be a non-empty list"):
        reveal_target({"declaration": {"index": 0}, "items": []}, where="r.json")
