"""Items sealed to their owning party: only its key opens them, and only in their context."""

from __future__ import annotations

import copy
import os

import pytest

from armsctl.errors import IntegrityError
from armsctl.ledger.escrow import commit_items
from armsctl.ledger.sealing import (
    SealingKey,
    SealingPublicKey,
    open_private,
    open_rows,
    seal_rows,
)

CONTEXT = {"party": "USA", "treaty": "new-start", "date": "2026-02-05"}


def _opening() -> list[dict[str, object]]:
    items = [
        {
            "uid": f"SECRET-UID-{i}",
            "category": "icbm-launcher",
            "status": "deployed",
            "facility": "Facility-Secret",
        }
        for i in range(5)
    ]
    made = commit_items(items, party="USA", date="2026-02-05", treaty="new-start", rng=os.urandom)
    return list(made.opening["items"])


def test_the_owner_opens_what_was_sealed_to_it_and_nothing_is_in_clear() -> None:
    key = SealingKey.generate(os.urandom(32))
    rows = _opening()
    private = {"facilities": {"Facility-Secret": "00" * 32}, "pad_salt": "11" * 32}
    sealed = seal_rows(rows, to=key.public(), **CONTEXT, rng=os.urandom, private=private)
    assert "SECRET-UID" not in str(sealed) and "Facility-Secret" not in str(sealed)
    assert open_rows(sealed, key=key, **CONTEXT) == rows
    assert open_private(sealed, key=key, **CONTEXT) == private
    assert SealingKey.parse(str(key)) == key
    assert SealingPublicKey.parse(str(key.public())) == key.public()


def test_another_key_or_context_or_a_moved_row_does_not_open() -> None:
    key = SealingKey.generate(os.urandom(32))
    sealed = seal_rows(_opening(), to=key.public(), **CONTEXT, rng=os.urandom)
    with pytest.raises(IntegrityError, match="does not open"):
        open_rows(sealed, key=SealingKey.generate(os.urandom(32)), **CONTEXT)
    for change in ({"party": "RUS"}, {"treaty": "inf"}, {"date": "2026-02-06"}):
        with pytest.raises(IntegrityError, match="does not open"):
            open_rows(sealed, key=key, **{**CONTEXT, **change})
    swapped = copy.deepcopy(sealed)
    swapped["rows"][0]["ciphertext"], swapped["rows"][1]["ciphertext"] = (
        sealed["rows"][1]["ciphertext"],
        sealed["rows"][0]["ciphertext"],
    )
    with pytest.raises(IntegrityError, match="moved or altered"):
        open_rows(swapped, key=key, **CONTEXT)
    truncated = copy.deepcopy(sealed)
    truncated["rows"][2]["ciphertext"] = truncated["rows"][2]["ciphertext"][:-8]
    with pytest.raises(IntegrityError):
        open_rows(truncated, key=key, **CONTEXT)
    for bad in ("x25519:short", "ed25519:AAAA", "x25519:" + "A" * 44):
        with pytest.raises(IntegrityError):
            SealingPublicKey.parse(bad)
