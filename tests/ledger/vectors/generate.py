"""Build the known-answer vectors of ``armsctl/proof-bundle/v1`` (``bundles.json``).

Python's ``tests/ledger/test_bundle.py`` and the browser's ``tests/web/test_verify_js.py`` read
the same file, so the two verifiers must agree on every case. Keys come from fixed seeds and
cosignatures from fixed times, so the file is byte-identical on every run; a test checks it.
Regenerate after a deliberate change with ``python tests/ledger/vectors/generate.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from armsctl.ledger.bundle import LEGACY_INCLUSION_TYPE, ProofBundle
from armsctl.ledger.checkpoint import Checkpoint
from armsctl.ledger.merkle import consistency_proof, inclusion_proof, root
from armsctl.ledger.note import SignerKey, add_signatures, sign_note

HERE = Path(__file__).resolve().parent
ORIGIN = "armsctl.local/log"
AT = 1_767_225_600  # 2026-01-01T00:00:00Z, the time of every cosignature


def _key(name: str, label: str) -> SignerKey:
    return SignerKey(name, hashlib.sha256(f"armsctl vectors {label}".encode()).digest())


LOG = _key(ORIGIN, "log")
FORGED = _key(ORIGIN, "forged")  # a fresh key that merely carries the log's name
W1, W2, W3 = (_key(f"witness-{n}.example", f"w{n}") for n in (1, 2, 3))
ENTRIES = [f'{{"entry":{i},"kind":"vector"}}'.encode() for i in range(8)]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _note(size: int, signer: SignerKey = LOG, *, cosigners: tuple[SignerKey, ...] = ()) -> str:
    head = Checkpoint(ORIGIN, size, root(ENTRIES[:size]))
    note = sign_note(head.text(), [signer])
    lines = [w.as_cosigner().signature_line(head.text(), at=AT) for w in cosigners]
    return add_signatures(note, lines) if lines else note


def _bundle(index: int = 3, size: int = 8, **changes: Any) -> dict[str, Any]:
    doc = ProofBundle(
        entry=ENTRIES[index] if index < len(ENTRIES) else b"",
        index=index,
        size=size,
        inclusion=tuple(inclusion_proof(ENTRIES[:size], index)) if index < size else (),
        checkpoint=_note(size),
    ).to_json()
    return {**doc, **changes}


def _trust(*witnesses: SignerKey, quorum: int = 0) -> dict[str, Any]:
    return {
        "log_key": str(LOG.verifier()),
        "witnesses": [str(w.as_cosigner().verifier()) for w in witnesses],
        "quorum": quorum,
    }


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 1
    return _b64(bytes(raw))


def _ok(
    name: str, bundle: Any, trust: dict[str, Any], result: dict[str, Any], **more: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "bundle": bundle,
        "trust": trust,
        "expect": "ok",
        "result": result,
        **more,
    }


def _fail(
    name: str, bundle: Any, trust: dict[str, Any], reason: str, **more: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "bundle": bundle,
        "trust": trust,
        "expect": "fail",
        "reason": reason,
        **more,
    }


def _malformed(name: str, bundle: Any) -> dict[str, Any]:
    return {"name": name, "bundle": bundle, "trust": _trust(), "expect": "malformed"}


def build() -> list[dict[str, Any]]:
    """Every vector, in a fixed order."""
    plain = _bundle()
    both = _bundle(checkpoint=_note(8, cosigners=(W1, W2)))
    only_w1 = _bundle(checkpoint=_note(8, cosigners=(W1,)))
    only_w3 = _bundle(checkpoint=_note(8, cosigners=(W3,)))
    w1_w3 = _bundle(checkpoint=_note(8, cosigners=(W1, W3)))
    forged = _bundle(checkpoint=_note(8, FORGED))
    bad_cosig = only_w1["checkpoint"].rsplit(" ", 1)
    tail = bytearray(base64.b64decode(bad_cosig[1]))
    tail[-1] ^= 1
    bad_witness = _bundle(checkpoint=bad_cosig[0] + " " + _b64(bytes(tail)) + "\n")
    other_origin = sign_note(Checkpoint("other.example/log", 8, root(ENTRIES)).text(), [LOG])
    small = _bundle(index=1, size=2)
    cons = ProofBundle.parse(_bundle(index=6)).to_json()
    cons["consistency"] = {
        "old_size": 5,
        "proof": [_b64(h) for h in consistency_proof(ENTRIES, 5)],
    }
    bad_cons = {**cons, "consistency": {**cons["consistency"]}}
    bad_cons["consistency"]["proof"] = [
        _flip(cons["consistency"]["proof"][0]),
        *cons["consistency"]["proof"][1:],
    ]
    legacy = {
        "type": LEGACY_INCLUSION_TYPE,
        "index": plain["index"],
        "entry": plain["entry"],
        "size": plain["size"],
        "proof": plain["inclusion"],
        "checkpoint": plain["checkpoint"],
    }
    ok3 = {"index": 3, "size": 8, "witnesses": [], "consistent_from": None}
    tampered_entry = bytearray(ENTRIES[3])
    tampered_entry[9] ^= 1
    cases = [
        _ok("valid", plain, _trust(), ok3),
        _ok(
            "valid-two-of-two-witnesses",
            both,
            _trust(W1, W2, quorum=2),
            {**ok3, "witnesses": [W1.name, W2.name]},
        ),
        _ok(
            "valid-cosigner-outside-policy-ignored",
            w1_w3,
            _trust(W1, W2, quorum=1),
            {**ok3, "witnesses": [W1.name]},
        ),
        _ok("legacy-inclusion-proof-v1", legacy, _trust(), ok3),
        _ok(
            "consistency-from-held-checkpoint",
            cons,
            _trust(),
            {"index": 6, "size": 8, "witnesses": [], "consistent_from": 5},
            previous=_note(5),
        ),
        _ok(
            "consistency-present-but-not-asked",
            cons,
            _trust(),
            {"index": 6, "size": 8, "witnesses": [], "consistent_from": None},
        ),
        _fail("forged-log-key", forged, _trust(), "signed by an unknown key"),
        _fail("quorum-short", only_w1, _trust(W1, W2, quorum=2), "found 1 of 2"),
        _fail("quorum-only-outside-witnesses", only_w3, _trust(W1, W2, quorum=1), "found 0 of 1"),
        _fail("witness-signature-broken", bad_witness, _trust(W1, quorum=1), "does not verify"),
        _fail("origin-not-the-log", _bundle(checkpoint=other_origin), _trust(), "origin"),
        _fail(
            "index-equals-size",
            _bundle(index=2, size=2, entry=small["entry"], inclusion=small["inclusion"]),
            _trust(),
            "index >= size",
        ),
        _fail(
            "index-beyond-size",
            _bundle(index=4, size=2, entry=small["entry"], inclusion=small["inclusion"]),
            _trust(),
            "index >= size",
        ),
        _fail(
            "size-not-the-checkpoint", _bundle(size=7, checkpoint=_note(8)), _trust(), "claims size"
        ),
        _fail(
            "entry-changed", {**plain, "entry": _b64(bytes(tampered_entry))}, _trust(), "wrong hash"
        ),
        _fail(
            "inclusion-hash-changed",
            {**plain, "inclusion": [_flip(plain["inclusion"][0]), *plain["inclusion"][1:]]},
            _trust(),
            "wrong hash",
        ),
        _fail(
            "inclusion-truncated",
            {**plain, "inclusion": plain["inclusion"][:-1]},
            _trust(),
            "wrong hash",
        ),
        _fail("index-moved", {**plain, "index": 2}, _trust(), "wrong hash"),
        _fail(
            "consistency-hash-changed", bad_cons, _trust(), "consistency proof", previous=_note(5)
        ),
        _fail("consistency-missing", plain, _trust(), "no consistency proof", previous=_note(5)),
        _malformed("not-an-object", []),
        _malformed("wrong-type", {**plain, "type": "armsctl/proof-bundle/v0"}),
        _malformed("missing-entry", {k: v for k, v in plain.items() if k != "entry"}),
        _malformed("entry-not-base64", {**plain, "entry": "not base64!"}),
        _malformed("index-negative", {**plain, "index": -1}),
        _malformed("index-boolean", {**plain, "index": True}),
        _malformed("index-text", {**plain, "index": "3"}),
        _malformed("hash-too-short", {**plain, "inclusion": ["AAAA"]}),
        _malformed("checkpoint-without-signatures", {**plain, "checkpoint": "x\n"}),
        _malformed("checkpoint-truncated", {**plain, "checkpoint": plain["checkpoint"][:-9]}),
        _malformed("consistency-not-object", {**plain, "consistency": [5]}),
    ]
    return cases


def render() -> str:
    """The vector file's exact text."""
    return (
        json.dumps(
            {"type": "armsctl/proof-bundle-vectors/v1", "vectors": build()},
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )


if __name__ == "__main__":
    (HERE / "bundles.json").write_text(render(), encoding="utf-8")
