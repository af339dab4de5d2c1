"""The proof bundle and its verifier, driven by the known-answer vectors the browser also uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from armsctl.errors import InputError, VerificationError
from armsctl.ledger.bundle import BUNDLE_TYPE, ProofBundle, TrustPolicy, verify_bundle
from armsctl.ledger.note import SignerKey

VECTORS = Path(__file__).parent / "vectors"
sys.path.insert(0, str(VECTORS))
import generate  # noqa: E402

CASES: list[dict[str, Any]] = json.loads((VECTORS / "bundles.json").read_text())["vectors"]


def _trust(doc: dict[str, Any]) -> TrustPolicy:
    return TrustPolicy.from_values(doc["log_key"], doc["witnesses"], doc["quorum"])


def test_the_vector_file_is_what_the_generator_writes() -> None:
    assert (VECTORS / "bundles.json").read_text() == generate.render()


def test_the_vectors_cover_every_outcome() -> None:
    assert {c["expect"] for c in CASES} == {"ok", "fail", "malformed"}
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_known_answer(case: dict[str, Any]) -> None:
    trust = _trust(case["trust"])
    previous = case.get("previous")
    if case["expect"] == "malformed":
        with pytest.raises(InputError):
            verify_bundle(case["bundle"] if isinstance(case["bundle"], dict) else {}, trust=trust)
        with pytest.raises(InputError):
            ProofBundle.parse(case["bundle"])
        return
    if case["expect"] == "fail":
        with pytest.raises(VerificationError, match=case["reason"]):
            verify_bundle(case["bundle"], trust=trust, previous=previous)
        return
    result = verify_bundle(case["bundle"], trust=trust, previous=previous).to_json()
    assert result["verified"] is True
    assert {k: result[k] for k in case["result"]} == case["result"]


def test_a_bundle_round_trips_and_keeps_its_type() -> None:
    doc = CASES[0]["bundle"]
    bundle = ProofBundle.parse(doc)
    assert bundle.to_json() == doc and doc["type"] == BUNDLE_TYPE


def test_extra_keys_are_allowed_none_renamed() -> None:
    doc = {**CASES[0]["bundle"], "note": "a later producer's addition"}
    verify_bundle(doc, trust=_trust(CASES[0]["trust"]))


def test_a_key_inside_the_bundle_is_never_trusted() -> None:
    forged = next(c for c in CASES if c["name"] == "forged-log-key")
    doc = {**forged["bundle"], "log_key": str(generate.FORGED.verifier())}
    with pytest.raises(VerificationError, match="signed by an unknown key"):
        verify_bundle(doc, trust=_trust(forged["trust"]))


def test_trust_file_reads_keys_witnesses_and_quorum() -> None:
    w1 = generate.W1.as_cosigner().verifier()
    text = f'log_key = "{generate.LOG.verifier()}"\nwitnesses = ["{w1}"]\nquorum = 1\n'
    policy = TrustPolicy.parse_toml(text)
    assert policy.quorum == 1 and policy.witnesses == (w1,)
    assert TrustPolicy.parse_toml(policy.to_toml()) == policy
    # A witness's plain note key is read as the same key's cosignature key.
    assert TrustPolicy.from_values(
        str(generate.LOG.verifier()), [str(generate.W1.verifier())]
    ).witnesses == (w1,)
    # Quorum defaults to every witness.
    assert TrustPolicy.parse_toml(text.replace("quorum = 1\n", "")).quorum == 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("log_key = ", "trust.toml: not valid TOML"),
        ("witnesses = []\n", "trust.toml:log_key: is missing"),
        ('log_key = "nope"\n', "trust.toml:log_key:"),
        ('log_key = "{log}"\nquorum = 1\n', "trust.toml:quorum: quorum 1 is not between"),
        ('log_key = "{log}"\nquorum = "2"\n', "trust.toml:quorum: must be a whole number"),
        ('log_key = "{log}"\nwitnesses = "w"\n', "trust.toml:witnesses: must be a list"),
        ('log_key = "{log}"\nwitness = []\n', "trust.toml:witness: is not a trust policy key"),
        ('log_key = "{log}"\nwitnesses = ["{w}", "{w}"]\n', "same witness key twice"),
    ],
)
def test_a_malformed_trust_file_names_the_key(text: str, where: str) -> None:
    filled = text.format(log=generate.LOG.verifier(), w=generate.W1.as_cosigner().verifier())
    with pytest.raises(InputError) as caught:
        TrustPolicy.parse_toml(filled)
    assert where in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_log_key_must_be_a_note_key() -> None:
    with pytest.raises(InputError, match="type 0x01"):
        TrustPolicy(generate.LOG.as_cosigner().verifier())


def test_every_single_byte_change_of_a_checkpoint_is_caught() -> None:
    case = next(c for c in CASES if c["name"] == "valid-two-of-two-witnesses")
    trust = _trust(case["trust"])
    note = case["bundle"]["checkpoint"]
    for at in range(len(note)):
        changed = note[:at] + chr(ord(note[at]) ^ 1) + note[at + 1 :]
        with pytest.raises((InputError, VerificationError)):
            verify_bundle({**case["bundle"], "checkpoint": changed}, trust=trust)


def test_a_fresh_key_is_unknown_even_with_the_logs_name() -> None:
    fresh = SignerKey.generate(generate.ORIGIN, seed=bytes(32))
    assert fresh.name == generate.LOG.name and fresh.verifier() != generate.LOG.verifier()


def test_a_consistency_document_verifies_between_the_checkpoints_it_joins() -> None:
    from armsctl.ledger.bundle import (
        CONSISTENCY_TYPE,
        consistency_document,
        verify_consistency_document,
    )
    from armsctl.ledger.checkpoint import Checkpoint, sign_checkpoint
    from armsctl.ledger.merkle import consistency_proof, root

    log = SignerKey.generate("log.example", seed=bytes(range(32)))
    entries = [f"e{i}".encode() for i in range(8)]
    old = sign_checkpoint(Checkpoint("log.example", 5, root(entries[:5])), log)
    new = sign_checkpoint(Checkpoint("log.example", 8, root(entries)), log)
    doc = consistency_document(5, 8, consistency_proof(entries, 5), new)
    assert doc["type"] == CONSISTENCY_TYPE
    trust = TrustPolicy(log.verifier())
    result = verify_consistency_document(doc, where="c.json", trust=trust, previous=old)
    assert result.to_json() == {"verified": True, "old_size": 5, "size": 8}
    with pytest.raises(InputError, match="needs --old-checkpoint"):
        verify_consistency_document(doc, where="c.json", trust=trust)
    with pytest.raises(VerificationError, match="the checkpoints are of sizes 8 and 8"):
        verify_consistency_document(doc, where="c.json", trust=trust, previous=new)
