"""Signed entry envelopes: canonical bytes, a signature that covers the metadata too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from armsctl.errors import IntegrityError
from armsctl.ledger.envelope import canonical, format_time, open_entry, seal_entry
from armsctl.ledger.note import SignerKey

PARTY = SignerKey.generate("party-a", seed=b"\x11" * 32)
AT = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
BODY = {"measure": "deployed_warheads", "value": 1550, "ratio": 0.5, "note": "é"}


def sealed() -> bytes:
    return seal_entry(
        kind="aggregate", treaty="new-start", party="A", at=AT, body=BODY, signer=PARTY
    )


def test_sealed_entry_is_canonical_and_opens() -> None:
    data = sealed()
    assert data == canonical(json.loads(data))
    entry = open_entry(data, trusted={"A": PARTY.verifier()})
    assert (entry.kind, entry.treaty, entry.party, entry.time) == (
        "aggregate",
        "new-start",
        "A",
        "2026-02-05T12:00:00Z",
    )
    assert entry.body == BODY


def test_time_is_written_in_utc() -> None:
    assert format_time(AT.astimezone(timezone(timedelta(hours=3)))) == "2026-02-05T12:00:00Z"
    with pytest.raises(IntegrityError):
        format_time(datetime(2026, 1, 1))


@pytest.mark.parametrize("field", ["kind", "treaty", "party", "time", "body"])
def test_relabelling_any_field_breaks_the_signature(field: str) -> None:
    doc = json.loads(sealed())
    doc[field] = {"value": 1} if field == "body" else doc[field] + "x"
    with pytest.raises(IntegrityError, match="does not verify"):
        open_entry(canonical(doc))


def test_non_canonical_duplicate_or_incomplete_entries_are_refused() -> None:
    data = sealed()
    with pytest.raises(IntegrityError, match="canonical"):
        open_entry(json.dumps(json.loads(data), indent=1).encode())
    with pytest.raises(IntegrityError, match="twice"):
        open_entry(b'{"kind":"a","kind":"b"}')
    doc = json.loads(data)
    del doc["sig"]
    with pytest.raises(IntegrityError, match="fields"):
        open_entry(canonical(doc))
    with pytest.raises(IntegrityError):
        open_entry(b"\xff")


def test_unregistered_key_is_refused_when_a_registry_is_given() -> None:
    other = SignerKey.generate("party-a", seed=b"\x12" * 32)
    with pytest.raises(IntegrityError, match="registered"):
        open_entry(sealed(), trusted={"A": other.verifier()})
    with pytest.raises(IntegrityError, match="registered"):
        open_entry(sealed(), trusted={})


def test_sealing_refuses_empty_fields_and_nan() -> None:
    with pytest.raises(IntegrityError):
        seal_entry(kind="", treaty="t", party="A", at=AT, body={}, signer=PARTY)
    with pytest.raises(IntegrityError):
        seal_entry(kind="k", treaty="t", party="A", at=AT, body={"x": float("nan")}, signer=PARTY)
