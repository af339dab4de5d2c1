"""Build the zk test vectors shared by the Python and JavaScript tests.

Run ``python tests/zk/make_vectors.py`` to rewrite ``tests/zk/vectors/``; the tests check that
the files equal what this script builds, so the prover stays deterministic given its random
bytes, and that both verifiers reach each file's expected result.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from armsctl.zk import Context, Openings, commit_sites, derived_commitment, prove
from armsctl.zk import group as g
from armsctl.zk.range import _transcript

HERE = Path(__file__).parent / "vectors"
CONTEXT = Context("new-start", "deployed-warheads", 1550, "2026-02-05", "RUS", 16)
SITES = [("base-01", 400), ("base-02", 350), ("base-03", 420), ("base-04", 380)]


def seeded(seed: bytes) -> Callable[[int], bytes]:
    """Deterministic 'random' bytes: SHA-512(seed ‖ counter), for reproducible vectors only."""
    counter = 0

    def rng(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            out += hashlib.sha512(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        return out[:n]

    return rng


def _flip(hex_text: str) -> str:
    """Change one byte so the value stays well-formed but wrong (used on scalars)."""
    value = (int.from_bytes(bytes.fromhex(hex_text), "little") + 1) % g.ORDER
    return value.to_bytes(32, "little").hex()


def build() -> dict[str, Any]:
    rng = seeded(b"armsctl zk test vectors v1")
    openings = commit_sites(SITES, rng)
    proof = prove(CONTEXT, openings, rng)
    doc = proof.to_json()
    derived = derived_commitment(CONTEXT.maximum, proof.commitments)
    challenge = _transcript(
        CONTEXT,
        proof.labels,
        proof.commitments,
        derived,
        [(b.commitment, b.a0, b.a1) for b in proof.bits],
    )
    expected = CONTEXT.to_json()

    def case(name: str, why: str, document: Any, result: str | None, exp: Any = None) -> Any:
        return {
            "name": name,
            "why": why,
            "expected": exp if exp is not None else expected,
            "proof": document,
            "result": {"verified": result is None, "failed": result},
        }

    def edited(fn: Callable[[Any], None]) -> Any:
        d = copy.deepcopy(doc)
        fn(d)
        return d

    def other(**kw: Any) -> Any:
        return dataclasses.replace(CONTEXT, **kw).to_json()

    bits = doc["bits"]
    cases = [
        case("valid", "the party's own proof, checked in its own context", doc, None),
        case("other-party", "replayed for another party", doc, "context", other(party="USA")),
        case("other-date", "replayed for another date", doc, "context", other(as_of="2026-09-01")),
        case(
            "other-limit",
            "replayed for another limit",
            doc,
            "context",
            other(limit="total-launchers"),
        ),
        case(
            "other-maximum", "checked against another maximum", doc, "context", other(maximum=1500)
        ),
        case(
            "edited-context",
            "the context field rewritten to claim another party: the challenge no longer matches",
            edited(lambda d: d["context"].update(party="USA")),
            "bit-proofs",
            other(party="USA"),
        ),
        case(
            "dropped-site",
            "a site commitment removed from the set",
            edited(lambda d: d["sites"].pop()),
            "bit-sum",
        ),
        case(
            "extra-site",
            "a commitment to zero added to the set (D unchanged, the transcript differs)",
            edited(
                lambda d: d["sites"].append({"label": "base-05", "commitment": g.IDENTITY.hex()})
            ),
            "bit-proofs",
        ),
        case(
            "renamed-site",
            "a site label changed",
            edited(lambda d: d["sites"][0].update(label="base-99")),
            "bit-proofs",
        ),
        case(
            "swapped-bits",
            "two bit proofs exchanged",
            edited(lambda d: d["bits"].__setitem__(slice(0, 2), [bits[1], bits[0]])),
            "bit-sum",
        ),
        case(
            "tampered-response",
            "one response scalar changed",
            edited(lambda d: d["bits"][5].update(s1=_flip(bits[5]["s1"]))),
            "bit-proofs",
        ),
        case(
            "tampered-challenge-split",
            "one challenge share changed",
            edited(lambda d: d["bits"][0].update(c0=_flip(bits[0]["c0"]))),
            "bit-proofs",
        ),
        case(
            "fewer-bits",
            "a bit proof removed",
            edited(lambda d: d["bits"].pop()),
            "shape",
        ),
    ]
    order_le = g.ORDER.to_bytes(32, "little").hex()
    malformed = [
        case(
            "wrong-format",
            "an unknown format marker",
            edited(lambda d: d.update(format="armsctl-zk-range/0")),
            "malformed",
        ),
        case(
            "truncated-point",
            "a commitment cut short",
            edited(lambda d: d["sites"][1].update(commitment=d["sites"][1]["commitment"][:40])),
            "malformed",
        ),
        case(
            "invalid-point",
            "32 bytes that are not a ristretto255 encoding",
            edited(lambda d: d["bits"][2].update(a0="ff" * 32)),
            "malformed",
        ),
        case(
            "non-canonical-scalar",
            "a scalar equal to the group order (not reduced)",
            edited(lambda d: d["bits"][2].update(s0=order_le)),
            "malformed",
        ),
        case(
            "uppercase-hex",
            "hex in upper case (one document, one byte form)",
            edited(lambda d: d["bits"][0].update(c0=d["bits"][0]["c0"].upper())),
            "malformed",
        ),
        case(
            "missing-field",
            "a bit proof without a1",
            edited(lambda d: d["bits"][3].pop("a1")),
            "malformed",
        ),
        case(
            "impossible-date",
            "a date that is not on the calendar",
            edited(lambda d: d["context"].update(as_of="2023-02-30")),
            "malformed",
        ),
        case(
            "basic-format-date",
            "a date in the other ISO spelling (one spelling only)",
            edited(lambda d: d["context"].update(as_of="20260205")),
            "malformed",
        ),
        case("not-an-object", "a list instead of a proof", [], "malformed"),
    ]
    return {
        "generators": {
            "description": "G is the ristretto255 base point; H = from_hash(SHA-512(label))",
            "G": g.BASE.hex(),
            "H_label": g.H_LABEL.decode(),
            "H": g.GENERATOR_H.hex(),
            "commitment": {
                "value": 1550,
                "blinding": openings[0].blinding.hex(),
                "commitment": g.commit(g.scalar(1550), openings[0].blinding).hex(),
            },
        },
        "proof": {
            "description": "Four sites totalling 1,550 warheads against the 1,550 limit "
            "(synthetic figures). Openings are secret in use; published here to reproduce.",
            "openings": Openings(CONTEXT, openings).to_json(),
            "derived": derived.hex(),
            "challenge": challenge.hex(),
            "random_seed": "SHA-512('armsctl zk test vectors v1' ‖ u64be(counter)), test only",
        },
        "cases": cases + malformed,
    }


def files() -> dict[str, str]:
    data = build()
    return {
        "generators.json": json.dumps(data["generators"], indent=2) + "\n",
        "proof.json": json.dumps(data["proof"], indent=2, ensure_ascii=False) + "\n",
        "cases.json": json.dumps(data["cases"], indent=2, ensure_ascii=False) + "\n",
    }


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, text in files().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(HERE / name)
