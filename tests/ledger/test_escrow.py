"""Committed declarations: commit once, reveal item by item, verify with the public data only."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import DeclarationError, IntegrityError
from armsctl.ledger.escrow import (
    SCHEME_V1,
    commit_items,
    parse_items,
    recording_rng,
    replay_rng,
    reveal_items,
    verify_reveal,
)


def items(n: int = 40) -> list[dict[str, Any]]:
    rng = random.Random(3)
    return [
        {
            "uid": f"u{i}",
            "category": rng.choice(["icbm", "slbm", "bomber"]),
            "status": rng.choice(["deployed", "non-deployed"]),
            "facility": rng.choice(["f1", "f2", "f3"]),
            "year": 1990 + i,
            "mass_t": 12.5,
        }
        for i in range(n)
    ]


def seeded_rng(seed: int = 0):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    return lambda n: rng.randbytes(n)


def commit(records: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return commit_items(records, party="A", date="2026-02-05", treaty="t", rng=seeded_rng())


def test_public_declaration_holds_only_counts_size_roots() -> None:
    made = commit(items())
    assert set(made.public) == {
        "scheme",
        "party",
        "date",
        "treaty",
        "counts",
        "size",
        "root",
        "facilities",
    }
    assert sum(made.public["counts"].values()) == made.public["size"] == 40
    assert "u1" not in str(made.public) and "f1" not in str(made.public)
    # Three facilities hide in a padded tree: the log says "at most 8", not "3".
    assert made.public["facilities"]["size"] == 8


def test_a_facility_reveal_proves_it_holds_every_item_of_the_facility() -> None:
    records = items()
    made = commit(records)
    whole = reveal_items(made.opening, facility="f1")
    assert verify_reveal(whole, made.public).complete is True
    withheld = copy.deepcopy(whole)
    withheld["items"].pop()
    with pytest.raises(IntegrityError, match=r"holds \d+ of its \d+ committed items"):
        verify_reveal(withheld, made.public)
    lying = copy.deepcopy(withheld)
    lying["facility_count"]["items"] -= 1  # claim the facility holds one item fewer
    with pytest.raises(IntegrityError, match="not the committed one"):
        verify_reveal(lying, made.public)
    unproven = copy.deepcopy(withheld)
    del unproven["facility_count"]
    assert verify_reveal(unproven, made.public).complete is False
    assert verify_reveal(reveal_items(made.opening, uids=["u1"]), made.public).complete is None


def test_a_v1_commitment_still_verifies_without_claiming_completeness() -> None:
    made = commit(items())
    old = {k: v for k, v in made.public.items() if k != "facilities"} | {"scheme": SCHEME_V1}
    opening = {"public": old, "items": made.opening["items"]}
    report = verify_reveal(reveal_items(opening, facility="f2"), old)
    assert report.verified > 0 and report.complete is False


def test_a_reveal_that_repeats_a_uid_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import armsctl.ledger.escrow as escrow

    records = items(4)
    records[3] = {**records[3], "uid": records[0]["uid"], "facility": "elsewhere"}
    # A forger's own tool commits one uid at two positions (commit_items refuses that).
    monkeypatch.setattr(escrow, "validate_items", lambda *a, **k: None)
    made = commit(records)
    monkeypatch.undo()
    twins = [row["index"] for row in made.opening["items"] if row["item"]["uid"] == "u0"]
    assert len(twins) == 2
    reveal = reveal_items(made.opening, uids=["u1"])
    reveal["items"] = reveal_items(made.opening, facility="elsewhere")["items"] + [
        r
        for r in reveal_items(made.opening, facility=records[0]["facility"])["items"]
        if r["item"]["uid"] == "u0"
    ]
    with pytest.raises(IntegrityError, match="repeated"):
        verify_reveal(reveal, made.public)


def test_a_server_rebuilds_the_same_commitment_from_the_client_draws() -> None:
    draw, drawn = recording_rng(seeded_rng(9))
    made = commit_items(items(), party="A", date="d", treaty="t", rng=draw)
    again = commit_items(items(), party="A", date="d", treaty="t", rng=replay_rng(drawn))
    assert again.public == made.public
    with pytest.raises(IntegrityError, match="fewer salts"):
        commit_items(items(), party="A", date="d", treaty="t", rng=replay_rng(drawn[:-1]))


def test_reveal_by_uid_and_by_facility_verifies() -> None:
    records = items()
    made = commit(records)
    reveal = reveal_items(made.opening, uids=["u3", "u7"])
    report = verify_reveal(reveal, made.public)
    assert report.verified == 2
    whole = reveal_items(made.opening, facility="f2")
    report = verify_reveal(whole, made.public)
    assert report.verified == sum(1 for r in records if r["facility"] == "f2")
    assert report.facility == "f2"


def test_full_reveal_matches_declared_counts_exactly() -> None:
    made = commit(items())
    reveal = reveal_items(made.opening, uids=[f"u{i}" for i in range(40)])
    report = verify_reveal(reveal, made.public)
    assert report.revealed_counts == report.declared_counts


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r["items"][0]["item"].__setitem__("status", "retired"),
        lambda r: r["items"][0]["item"].__setitem__("year", 1),
        lambda r: r["items"][0].__setitem__("salt", "00" * 32),
        lambda r: r["items"][0].__setitem__("index", r["items"][0]["index"] ^ 1),
        lambda r: r["items"][0]["proof"].pop(),
        lambda r: r["items"].append(copy.deepcopy(r["items"][0])),
        lambda r: r["items"][0].__setitem__("proof", "nonsense"),
        lambda r: r.__setitem__("items", []),
        lambda r: r["declaration"]["public"].__setitem__("size", 41),
    ],
)
def test_tampered_reveals_are_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    made = commit(items())
    reveal = reveal_items(made.opening, uids=["u3", "u7"])
    tamper(reveal)
    with pytest.raises(IntegrityError):
        verify_reveal(reveal, made.public)


def test_counts_that_do_not_add_up_are_refused() -> None:
    made = commit(items())
    public = dict(made.public, counts={**made.public["counts"], "icbm": 0})
    reveal = reveal_items(made.opening, uids=["u1"])
    reveal["declaration"]["public"] = public
    with pytest.raises(IntegrityError, match="add up"):
        verify_reveal(reveal, public)


def test_more_items_of_a_category_than_declared_are_refused() -> None:
    # A party that declares one icbm but committed two cannot reveal both.
    records = [
        {"uid": "a", "category": "icbm", "status": "d", "facility": "f"},
        {"uid": "b", "category": "icbm", "status": "d", "facility": "f"},
    ]
    made = commit(records)
    public = dict(made.public, counts={"icbm": 1, "slbm": 1})
    reveal = reveal_items(made.opening, uids=["a", "b"])
    del reveal["declaration"]["public"]
    with pytest.raises(IntegrityError, match="more 'icbm'"):
        verify_reveal(reveal, public)


def test_items_are_validated() -> None:
    with pytest.raises(DeclarationError) as info:
        commit(
            [
                {"uid": "a", "category": "c", "status": "s"},
                {"uid": "a", "category": "c", "status": "s", "facility": "f"},
            ]
        )
    messages = [p.message for p in info.value.problems]
    assert any("facility" in m for m in messages)
    assert any("repeats" in m for m in messages)
    with pytest.raises(DeclarationError):
        commit([])
    made = commit(items(3))
    with pytest.raises(DeclarationError, match="not in this declaration"):
        reveal_items(made.opening, uids=["nope"])


def test_csv_and_json_rows_commit_to_the_same_bytes() -> None:
    csv_text = "uid,category,status,facility,year,mass_t\nu1,icbm,deployed,f1,1991,12.5\n"
    json_text = '[{"uid":"u1","category":"icbm","status":"deployed","facility":"f1","year":1991,"mass_t":12.5}]'
    assert parse_items(csv_text, fmt="csv") == parse_items(json_text, fmt="json")
    with pytest.raises(DeclarationError, match="facility"):
        parse_items("uid,category,status\nu,c,s\n", fmt="csv")
    with pytest.raises(DeclarationError):
        parse_items("{not json", fmt="json")


def test_salts_hide_items_commitments_differ_for_the_same_item() -> None:
    record = [{"uid": "a", "category": "c", "status": "s", "facility": "f"}]
    one = commit_items(record, party="A", date="d", treaty="t", rng=seeded_rng(1))
    two = commit_items(record, party="A", date="d", treaty="t", rng=seeded_rng(2))
    assert one.public["root"] != two.public["root"]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), data=st.data())
def test_any_subset_reveal_verifies(n: int, data: st.DataObject) -> None:
    records = items(n)
    made = commit(records)
    chosen = data.draw(
        st.lists(st.sampled_from([r["uid"] for r in records]), min_size=1, unique=True)
    )
    report = verify_reveal(reveal_items(made.opening, uids=chosen), made.public)
    assert report.verified == len(chosen)
