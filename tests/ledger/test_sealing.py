"""Items sealed to their owning party: only its key opens them, and only in their context."""

from __future__ import annotations

import base64
import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import IntegrityError
from armsctl.ledger.envelope import canonical
from armsctl.ledger.escrow import commit_items
from armsctl.ledger.sealing import (
    ROW_FLOOR,
    SEALING_SCHEME,
    VALUE_FLOOR,
    SealingKey,
    SealingPublicKey,
    _AadMaker,
    canonical_row,
    open_private,
    open_rows,
    open_value,
    pad,
    padded_length,
    reader_view,
    seal_rows,
    seal_value,
    unpad,
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


_scalars = st.one_of(
    st.text(),
    st.booleans(),
    st.none(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(),
        st.one_of(_scalars, st.dictionaries(st.text(), _scalars, max_size=5)),
        max_size=8,
    )
)
def test_the_fast_row_encoding_is_byte_for_byte_rfc_8785_or_fails_alike(value: dict) -> None:
    try:
        expected: object = canonical(value)
    except Exception as exc:
        expected = type(exc)
    try:
        got: object = canonical_row(value)
    except Exception as exc:
        got = type(exc)
    assert got == expected


@pytest.mark.parametrize("position", [-1, 0, 7, 99_999, 2**40])
def test_the_spliced_associated_data_is_the_canonical_context(position: int) -> None:
    context = {"scheme": SEALING_SCHEME, **CONTEXT}
    label: object = "private" if position < 0 else position
    assert _AadMaker(context)(position) == canonical({**context, "position": label})


def test_a_value_sealed_to_readers_opens_for_each_reader_in_its_context_only() -> None:
    keys = {code: SealingKey.generate(bytes([n + 1]) * 32) for n, code in enumerate("AB")}
    context = {"kind": "notification-body", "treaty": "t", "notification": 3}
    sealed = seal_value(
        {"point_of_entry": "X"},
        to={c: k.public() for c, k in keys.items()},
        context=context,
        rng=os.urandom,
    )
    for code, key in keys.items():
        assert open_value(sealed, reader=code, key=key, context=context) == {"point_of_entry": "X"}
        view = reader_view(sealed, code)
        assert view is not None and set(view["keys"]) == {code}
    with pytest.raises(IntegrityError, match="does not open"):
        open_value(sealed, reader="A", key=keys["B"])
    moved = {**sealed, "context": {**context, "notification": 4}}
    with pytest.raises(IntegrityError, match="does not open"):
        open_value(moved, reader="A", key=keys["A"])
    with pytest.raises(IntegrityError, match="another context"):
        open_value(sealed, reader="A", key=keys["A"], context={**context, "notification": 4})
    with pytest.raises(IntegrityError, match="no key for C"):
        open_value(sealed, reader="C", key=keys["A"])
    with pytest.raises(IntegrityError, match="unknown scheme"):
        open_value({"scheme": "x"}, reader="A", key=keys["A"])
    assert reader_view(sealed, "C") is None and reader_view(sealed, None) is None


# -- padding and the shared known-answer vectors ----------------------------------------------

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "sealing.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_every_known_answer_vector_opens_to_its_plaintext_padded_or_not(case: dict) -> None:
    key = SealingKey.parse(VECTORS["key"])
    assert str(key.public()) == VECTORS["public"]
    if case["kind"] == "items":
        assert open_rows(case["sealed"], key=key, **case["context"]) == case["rows"]
        assert open_private(case["sealed"], key=key, **case["context"]) == case["private"]
        if "row_ciphertext_bytes" in case:
            sizes = {len(base64.b64decode(r["ciphertext"])) for r in case["sealed"]["rows"]}
            assert sizes == {case["row_ciphertext_bytes"]}
    else:
        assert open_value(case["sealed"], reader=case["reader"], key=key) == case["plain"]
        if "ciphertext_bytes" in case:
            assert len(base64.b64decode(case["sealed"]["ciphertext"])) == case["ciphertext_bytes"]


def test_the_vector_files_padding_table_is_the_padding_rule() -> None:
    for p in VECTORS["padding"]:
        assert padded_length(p["size"], p["floor"]) == p["padded"]
        padded = pad(b"{" * p["size"], p["floor"])
        assert len(padded) == p["padded"] and unpad(padded) == b"{" * p["size"]


@given(st.binary(max_size=3000).map(lambda b: b.replace(b"\x00", b"")))
@settings(max_examples=200, deadline=None)
def test_padding_is_a_power_of_two_above_the_floor_and_strips_back(plain: bytes) -> None:
    padded = pad(plain, ROW_FLOOR)
    assert len(padded) >= max(ROW_FLOOR, len(plain) + 1)
    assert len(padded) & (len(padded) - 1) == 0 and len(padded) < 2 * max(ROW_FLOOR, len(plain) + 1)
    assert unpad(padded) == plain


def test_a_plaintext_without_its_marker_is_refused() -> None:
    with pytest.raises(IntegrityError, match="not padded"):
        unpad(b'{"a":1}\x00\x00')


def _reveal_like(count: int) -> list[dict[str, object]]:
    return [{"uid": f"SECRET-UID-{i:04d}", "proof": ["ab" * 32] * 6} for i in range(count)]


def test_two_values_of_different_item_counts_in_one_bucket_seal_to_one_length() -> None:
    key = SealingKey.generate(os.urandom(32))
    context = {"kind": "inspection-reveal", "treaty": "new-start", "inspection": 1}
    sizes = [
        len(canonical({"value": _reveal_like(n), "salt": None})) for n in (5, 7)
    ]  # both between 2048 and 4096 bytes: one bucket
    assert [padded_length(s, VALUE_FLOOR) for s in sizes] == [4096, 4096]
    sealed = [
        seal_value(
            {"value": _reveal_like(n), "salt": None},
            to={"USA": key.public()},
            context=context,
            rng=os.urandom,
        )
        for n in (5, 7)
    ]
    assert len({len(s["ciphertext"]) for s in sealed}) == 1
    assert [len(open_value(s, reader="USA", key=key)["value"]) for s in sealed] == [5, 7]


def test_rows_of_different_lengths_and_private_parts_of_different_sizes_seal_alike() -> None:
    key = SealingKey.generate(os.urandom(32))
    rows = _opening()
    rows[0] = {**rows[0], "item": {**rows[0]["item"], "facility": "F"}}  # type: ignore[dict-item]
    rows[1] = {**rows[1], "item": {**rows[1]["item"], "facility": "F" * 40}}  # type: ignore[dict-item]
    one = seal_rows(rows, to=key.public(), **CONTEXT, rng=os.urandom, private={"f": {"a": 1}})
    many = seal_rows(
        rows,
        to=key.public(),
        **CONTEXT,
        rng=os.urandom,
        private={"f": {f"Facility-{i}": "00" * 32 for i in range(8)}},
    )
    assert len({len(r["ciphertext"]) for r in one["rows"] + many["rows"]}) == 1
    assert len(one["private"]) == len(many["private"])
    assert open_rows(one, key=key, **CONTEXT) == rows
