from __future__ import annotations

import dataclasses
import json

import pytest

from armsctl.errors import InputError
from armsctl.zk import (
    Context,
    LimitExceeded,
    Openings,
    RangeProof,
    commit_sites,
    derived_commitment,
    prove,
    verify,
)
from armsctl.zk import group as g

CTX = Context("new-start", "deployed-warheads", 1550, "2026-02-05", "RUS", 16)


def _proof(counts: list[int], ctx: Context = CTX) -> RangeProof:
    return prove(ctx, commit_sites([(f"site-{i}", v) for i, v in enumerate(counts)]))


@pytest.mark.parametrize("counts", [[0], [1550], [400, 350, 420, 380], [1] * 100, [1549, 0]])
def test_a_total_within_the_limit_is_proven(counts: list[int]) -> None:
    result = verify(_proof(counts), CTX)
    assert result.ok, result.to_json()
    assert [c.name for c in result.checks] == ["context", "shape", "bit-sum", "bit-proofs"]


def test_a_32_bit_range_is_proven() -> None:
    ctx = dataclasses.replace(CTX, bits=32, maximum=3_000_000_000)
    assert verify(_proof([2_999_999_999, 1], ctx), ctx).ok


@pytest.mark.parametrize("counts", [[1551], [800, 751], [1] * 1551])
def test_the_prover_refuses_a_total_above_the_limit(counts: list[int]) -> None:
    with pytest.raises(LimitExceeded, match="above the deployed-warheads limit of 1550"):
        _proof(counts)


def test_a_maximum_that_does_not_fit_the_range_is_refused() -> None:
    with pytest.raises(InputError, match="needs a range of at least 11 bits"):
        _proof([1], dataclasses.replace(CTX, bits=10))


@pytest.mark.parametrize(
    "field,value",
    [
        ("party", "USA"),
        ("as_of", "2026-09-01"),
        ("limit", "total-launchers"),
        ("treaty", "start-i"),
        ("maximum", 1600),
    ],
)
def test_a_proof_replayed_in_another_context_fails_even_with_its_context_rewritten(
    field: str, value: object
) -> None:
    proof = _proof([700, 800])
    other = dataclasses.replace(CTX, **{field: value})
    assert verify(proof, other).failed is not None
    assert verify(proof, other).failed.name == "context"  # type: ignore[union-attr]
    forged = dataclasses.replace(proof, context=other)
    failed = verify(forged, other).failed
    assert failed is not None and failed.name in {"bit-proofs", "bit-sum"}


def test_a_proof_replayed_over_another_set_of_commitments_fails() -> None:
    proof = _proof([700, 800])
    others = commit_sites([("site-0", 700), ("site-1", 800)])
    moved = dataclasses.replace(proof, commitments=tuple(o.commitment() for o in others))
    assert verify(moved, CTX).failed.name == "bit-sum"  # type: ignore[union-attr]
    # Same D, different split: one commitment moved into another keeps the sum, not the proof.
    c0, c1 = proof.commitments
    split = dataclasses.replace(proof, commitments=(g.add(c0, c1), g.IDENTITY))
    assert derived_commitment(1550, split.commitments) == derived_commitment(
        1550, proof.commitments
    )
    assert verify(split, CTX).failed.name == "bit-proofs"  # type: ignore[union-attr]


def test_an_honest_looking_proof_for_a_total_above_the_limit_does_not_verify() -> None:
    # A cheater with 1,600 warheads commits honestly and forges a proof for D of a wrapped value.
    cheat = commit_sites([("site-0", 1600)])
    fake_ctx = dataclasses.replace(CTX, maximum=1650)
    proof = prove(fake_ctx, cheat)  # a valid proof for a limit of 1,650...
    assert verify(dataclasses.replace(proof, context=CTX), CTX).ok is False  # ...not of 1,550


def test_documents_round_trip_and_the_openings_reproduce_the_commitments() -> None:
    openings = commit_sites([("a", 3), ("b", 4)])
    proof = prove(CTX, openings)
    again = RangeProof.from_json(json.loads(json.dumps(proof.to_json())))
    assert again == proof
    read = Openings.from_json(json.loads(json.dumps(Openings(CTX, openings).to_json())))
    assert tuple(o.commitment() for o in read.sites) == proof.commitments


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d.update(format="x"), "proof.format: expected 'armsctl-zk-range/1'"),
        (lambda d: d["context"].update(bits=0), "proof.context.bits: must be 1 to 64"),
        (lambda d: d["context"].update(as_of="5 Feb"), "proof.context.as_of: not an ISO date"),
        (lambda d: d["context"].update(as_of="20260205"), "proof.context.as_of: not an ISO date"),
        (lambda d: d["context"].update(maximum=True), "proof.context.maximum: expected an integer"),
        (lambda d: d["sites"].clear(), "proof.sites: expected a list"),
        (
            lambda d: d["sites"][0].update(commitment="00" * 31),
            "proof.sites[0].commitment: expected 64",
        ),
        (
            lambda d: d["bits"][1].update(a1="ff" * 32),
            "proof.bits[1].a1: not a canonical ristretto255",
        ),
        (
            lambda d: d["bits"][1].update(s0="ff" * 32),
            "proof.bits[1].s0: the scalar is not reduced",
        ),
        (lambda d: d["bits"][1].update(extra=1), "proof.bits[1]: unknown field extra"),
        (lambda d: d["sites"].append(dict(d["sites"][0])), "proof.sites[1].label: 'a' repeats"),
        (lambda d: d["sites"][0].update(label="\ud800"), "proof.sites[0].label: not valid Unicode"),
    ],
)
def test_malformed_documents_name_the_field(edit: object, message: str) -> None:
    doc = prove(CTX, commit_sites([("a", 3)])).to_json()
    edit(doc)  # type: ignore[operator]
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        RangeProof.from_json(doc)


def test_site_inputs_are_checked() -> None:
    with pytest.raises(InputError, match="repeats"):
        commit_sites([("a", 1), ("a", 2)])
    with pytest.raises(InputError, match=r"sites\[0\].count: must be 0"):
        commit_sites([("a", -1)])
    with pytest.raises(InputError, match="between 1 and"):
        commit_sites([])
