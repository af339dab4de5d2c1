"""Verifiable random selection: known-answer vectors, an independent re-implementation, fallback."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

import pytest

from armsctl.errors import InputError, IntegrityError, ParameterError
from armsctl.verification.selection import (
    commit,
    derive_seed,
    draw_indices,
    new_nonce,
    select,
    select_from_log,
    verify_nonce_reveal,
    verify_selection,
)

# The known-answer vector printed in docs/verification.md.
USA_NONCE = "00" * 31 + "01"
RUS_NONCE = "ff" * 32
CHECKPOINT = (
    "example.org/armsctl-log\n7\nKbmV3hBvqwPi6kX9p1y7Zk8VmVwRF0hKoD4uY2iVx9I=\n\n"
    "— example.org/armsctl-log AAAA\n"
)
USA_COMMIT = "21828eebe1408f990c8e24ba4875ede6a12e180dd5c7931fe26b6914ae36608a"
RUS_COMMIT = "db1b30be56248e32e90462698158af18301f7c74d896aab29453d913d5ec21c3"
SEED = "af04ec2ded87adc7fb867e9105c71d7018d747a1910f5c74231f4e7dca161b84"
FALLBACK_SEED = "558972a3923fbf9f746d6550257d3a6c8343d28ae5905cbf4d57c2eb8d98b116"
SITES = [f"site-{i:02d}" for i in range(1, 21)]
GROUPS = {"type-one": (SITES, 5), "type-two": (["alpha", "bravo", "charlie", "delta"], 2)}
COMMITMENTS = {"USA": USA_COMMIT, "RUS": RUS_COMMIT}


def test_known_answer_vector() -> None:
    assert commit("USA", USA_NONCE) == USA_COMMIT
    assert commit("RUS", RUS_NONCE) == RUS_COMMIT
    seed = derive_seed(CHECKPOINT, {"USA": USA_NONCE, "RUS": RUS_NONCE})
    assert seed.hex() == SEED
    assert draw_indices(seed, "type-one", 20, 5) == [3, 9, 15, 4, 13]
    assert select(seed, GROUPS) == {
        "type-one": ["site-04", "site-10", "site-16", "site-05", "site-14"],
        "type-two": ["alpha", "bravo"],
    }


def _reference(seed: bytes, group: str, n: int, k: int) -> list[int]:
    """An independent implementation written from the specification in the docs."""
    items = list(range(n))
    counter = 0

    def uniform_below(r: int) -> int:
        nonlocal counter
        while True:
            msg = b"armsctl/selection/draw/v1\x00" + group.encode() + b"\x00"
            msg += counter.to_bytes(8, "big")
            counter += 1
            x = int.from_bytes(hmac.new(seed, msg, hashlib.sha256).digest()[:8], "big")
            if x < (2**64 // r) * r:
                return x % r

    for i in range(k):
        j = i + uniform_below(n - i)
        items[i], items[j] = items[j], items[i]
    return items[:k]


def test_independent_reimplementation_agrees() -> None:
    def field(b: bytes) -> bytes:
        return len(b).to_bytes(8, "big") + b

    seed = hashlib.sha256(
        b"armsctl/selection/seed/v1"
        + field(CHECKPOINT.encode())
        + field(b"RUS")
        + field(bytes.fromhex(RUS_NONCE))
        + field(b"USA")
        + field(bytes.fromhex(USA_NONCE))
    ).digest()
    assert seed.hex() == SEED
    c = hashlib.sha256(b"armsctl/selection/commit/v1\x00USA\x00" + bytes.fromhex(USA_NONCE))
    assert c.hexdigest() == USA_COMMIT
    for n, k in ((20, 5), (7, 7), (1000, 10), (3, 0)):
        assert draw_indices(seed, "g", n, k) == _reference(seed, "g", n, k)


def test_draw_is_uniform() -> None:
    counts: Counter[int] = Counter()
    for i in range(3000):
        seed = hashlib.sha256(i.to_bytes(4, "big")).digest()
        counts.update(draw_indices(seed, "g", 6, 2))
    # Each of 6 items is picked with probability 1/3: 1000 expected, sd about 26.
    assert all(880 < counts[i] < 1120 for i in range(6))


def test_candidate_order_does_not_matter() -> None:
    seed = bytes.fromhex(SEED)
    shuffled = {"type-one": (list(reversed(SITES)), 5), "type-two": GROUPS["type-two"]}
    assert select(seed, shuffled) == select(seed, GROUPS)


def test_select_and_verify_from_the_log() -> None:
    reveals = {"USA": USA_NONCE, "RUS": RUS_NONCE}
    sel = select_from_log(COMMITMENTS, reveals, CHECKPOINT, GROUPS)
    assert (sel.mode, sel.seed) == ("normal", SEED)
    verify_selection(sel.to_dict(), COMMITMENTS, reveals, CHECKPOINT, GROUPS)
    forged = sel.to_dict() | {"selected": {"type-one": SITES[:5], "type-two": ["alpha", "bravo"]}}
    with pytest.raises(IntegrityError, match="selection differs"):
        verify_selection(forged, COMMITMENTS, reveals, CHECKPOINT, GROUPS)
    with pytest.raises(IntegrityError, match="seed"):
        verify_selection(sel.to_dict(), COMMITMENTS, reveals, CHECKPOINT + "x", GROUPS)


def test_a_reveal_that_does_not_open_its_commitment_is_refused() -> None:
    assert verify_nonce_reveal("USA", USA_COMMIT, USA_NONCE)
    assert not verify_nonce_reveal("RUS", USA_COMMIT, USA_NONCE)  # the party is bound in
    with pytest.raises(IntegrityError, match="RUS"):
        select_from_log(COMMITMENTS, {"USA": USA_NONCE, "RUS": USA_NONCE}, CHECKPOINT, GROUPS)
    with pytest.raises(IntegrityError, match="without a commitment"):
        select_from_log({"USA": USA_COMMIT}, {"RUS": RUS_NONCE}, CHECKPOINT, GROUPS)


def test_fallback_when_a_party_withholds() -> None:
    reveals = {"USA": USA_NONCE}
    with pytest.raises(InputError, match="fallback"):
        select_from_log(COMMITMENTS, reveals, CHECKPOINT, GROUPS)
    later = CHECKPOINT.replace("\n7\n", "\n8\n")
    sel = select_from_log(COMMITMENTS, reveals, CHECKPOINT, GROUPS, fallback_checkpoint=later)
    assert (sel.mode, sel.withheld, sel.revealed) == ("fallback", ["RUS"], ["USA"])
    assert sel.seed == derive_seed(later, reveals, withheld={"RUS": RUS_COMMIT}).hex()
    assert derive_seed(CHECKPOINT, reveals, withheld={"RUS": RUS_COMMIT}).hex() == FALLBACK_SEED
    verify_selection(
        sel.to_dict(), COMMITMENTS, reveals, CHECKPOINT, GROUPS, fallback_checkpoint=later
    )


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError, match="64 lowercase hex"):
        commit("USA", "abc")
    with pytest.raises(ParameterError, match="exceeds"):
        select(bytes(32), {"g": (["a", "b"], 3)})
    with pytest.raises(ParameterError, match="repeat"):
        select(bytes(32), {"g": (["a", "a"], 1)})
    with pytest.raises(ParameterError, match="entropy"):
        new_nonce(b"short")
    assert len(new_nonce(bytes(range(32)))) == 64
