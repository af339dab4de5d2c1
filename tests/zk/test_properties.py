"""Properties: every honest proof verifies; every single-character change to a proof is caught."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armsctl.errors import InputError
from armsctl.zk import Context, RangeProof, commit_sites, prove, verify

CTX = Context("new-start", "deployed-warheads", 1550, "2026-02-05", "RUS", 12)
HEX = "0123456789abcdef"
PROOF = prove(CTX, commit_sites([("a", 600), ("b", 700), ("c", 250)])).to_json()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 1550), min_size=1, max_size=8).filter(lambda xs: sum(xs) <= 1550))
def test_any_total_within_the_limit_is_proven(counts: list[int]) -> None:
    proof = prove(CTX, commit_sites([(f"s{i}", c) for i, c in enumerate(counts)]))
    assert verify(proof, CTX).ok


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_changing_any_hex_digit_of_a_proof_makes_it_fail_or_malformed(data: st.DataObject) -> None:
    doc = json.loads(json.dumps(PROOF))
    fields = [("sites", i, "commitment") for i in range(len(doc["sites"]))] + [
        ("bits", j, name)
        for j in range(len(doc["bits"]))
        for name in ("commitment", "a0", "a1", "c0", "s0", "s1")
    ]
    group, index, name = data.draw(st.sampled_from(fields))
    value = doc[group][index][name]
    at = data.draw(st.integers(0, len(value) - 1))
    new = data.draw(st.sampled_from([h for h in HEX if h != value[at]]))
    doc[group][index][name] = value[:at] + new + value[at + 1 :]
    try:
        proof = RangeProof.from_json(doc)
    except InputError:
        return  # malformed: refused before any check
    assert not verify(proof, CTX).ok
