"""The fast canonical form of an item record is byte for byte RFC 8785's."""

from __future__ import annotations

import random

import pytest

from armsctl.ledger.envelope import canonical
from armsctl.ledger.escrow import canonical_record

TRICKY = ['"', "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "/", "é", "€", "😀",
          "\u2028", "\ufeff", "a b", ""]  # fmt: skip


def _value(rng: random.Random) -> object:
    pick = rng.random()
    if pick < 0.4:
        return "".join(rng.choice([*TRICKY, "x", "7"]) for _ in range(rng.randint(0, 6)))
    if pick < 0.8:
        return rng.choice([0, 1, -1, 2**53, -(2**53), 2**53 + 1, 10**18, rng.randint(-999, 999)])
    return rng.choice([True, False, None, 1.5, 1e21, -0.0, "x"])


def _outcome(encode: object, record: dict[str, object]) -> object:
    from armsctl.errors import IntegrityError

    try:
        return encode(record)  # type: ignore[operator]
    except IntegrityError:
        return "refused"


def test_fast_and_general_forms_agree_on_many_records() -> None:
    rng = random.Random(8785)
    keys = ["uid", "category", "status", "facility", "zone", "warheads", "Z", "a_b", "été", "😀"]
    for _ in range(5_000):
        record = {rng.choice(keys): _value(rng) for _ in range(rng.randint(1, 7))}
        assert _outcome(canonical_record, record) == _outcome(canonical, record), record


@pytest.mark.parametrize("bad", [{"uid": "\ud800"}, {"x": float("nan")}])
def test_what_rfc_8785_refuses_is_still_refused(bad: dict[str, object]) -> None:
    from armsctl.errors import IntegrityError

    with pytest.raises(IntegrityError):
        canonical_record(bad)
