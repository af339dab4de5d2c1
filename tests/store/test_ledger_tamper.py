"""Tampering behind the triggers: every changed byte, deleted or reordered row is named by the audit."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.note import SignerKey
from armsctl.store.ledger import LedgerStore

LOG_KEY = SignerKey.generate("example.org/log", seed=b"\x31" * 32)
PARTY = SignerKey.generate("party-a", seed=b"\x32" * 32)
START = datetime(2026, 1, 1, tzinfo=UTC)


def build(log: Any, n: int = 13) -> None:
    entries = [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party="A",
            at=START + timedelta(days=i),
            body={"measure": "warheads", "value": 1500 + i},
            signer=PARTY,
        )
        for i in range(n)
    ]
    with log.engine.begin() as conn:
        log.store.append_envelopes(conn, entries[:5])
        log.store.sign_checkpoint(conn, LOG_KEY)
        log.store.append_envelopes(conn, entries[5:9])
        log.store.append_envelopes(conn, entries[9:])
        log.store.sign_checkpoint(conn, LOG_KEY)


def audit(log: Any) -> list[str]:
    with log.engine.begin() as conn:
        return log.store.audit(conn, log_key=LOG_KEY.verifier()).problems


def flip(value: bytes, position: int) -> bytes:
    out = bytearray(value)
    out[position] ^= 0x01
    return bytes(out)


# (table, key column, value column)
TARGETS = [
    ("entries", "seq", "data"),
    ("entries", "seq", "leaf_hash"),
    ("nodes", "id", "hash"),
    ("checkpoints", "seq", "note"),
]


@pytest.mark.parametrize(("table", "key", "column"), TARGETS)
def test_every_changed_byte_is_caught_and_named(
    log: Any, table: str, key: str, column: str
) -> None:
    build(log)
    assert audit(log) == []
    t = getattr(log.store.t, table)
    rng = random.Random(f"{table}.{column}")
    with log.engine.begin() as conn:
        rows = conn.execute(select(t.c[key], t.c[column]).order_by(t.c[key])).all()
    for row_key, value in rows:
        # Three positions per row: first, last and one at random.
        for position in sorted({0, len(value) - 1, rng.randrange(len(value))}):
            if isinstance(value, str):
                changed: object = (
                    value[:position] + chr(ord(value[position]) ^ 1) + value[position + 1 :]
                )
            else:
                changed = flip(bytes(value), position)
            with log.engine.begin() as conn:
                log.bypass(conn, t.update().where(t.c[key] == row_key).values({column: changed}))
            problems = audit(log)
            assert problems, f"{table}.{column} row {row_key} byte {position} went unnoticed"
            noun = {"entries": "entry", "nodes": "node", "checkpoints": "checkpoint"}[table]
            if table == "entries":
                assert problems[0].startswith(f"entry {row_key}:"), problems[0]
            elif table == "checkpoints":
                assert problems[0].startswith(f"checkpoint {row_key}:"), problems[0]
            else:
                assert noun in problems[0]
            with log.engine.begin() as conn:
                log.bypass(conn, t.update().where(t.c[key] == row_key).values({column: value}))
    assert audit(log) == []


def test_node_mismatch_names_the_node(log: Any) -> None:
    build(log)
    t = log.store.t.nodes
    with log.engine.begin() as conn:
        value = conn.execute(select(t.c.hash).where(t.c.id == 6)).scalar_one()
        log.bypass(conn, t.update().where(t.c.id == 6).values(hash=flip(value, 5)))
    assert audit(log)[0] == (
        "entry 3: stored node (level 2, index 0) does not match the hash recomputed from the entries"
    )


@pytest.mark.parametrize(
    ("table", "key", "row", "expected"),
    [
        ("entries", "seq", 0, "entry 0 is missing"),
        ("entries", "seq", 6, "entry 6 is missing"),
        ("entries", "seq", 12, "node number"),
        ("nodes", "id", 0, "entry 0: stored node (level 0, index 0) is missing"),
        ("nodes", "id", 9, "is missing"),
        ("checkpoints", "seq", 0, "checkpoint 0 is missing"),
        ("meta", "key", "log_key", None),
    ],
)
def test_deleted_rows_are_caught(
    log: Any, table: str, key: str, row: object, expected: str | None
) -> None:
    build(log)
    t = getattr(log.store.t, table)
    with log.engine.begin() as conn:
        log.bypass(conn, t.delete().where(t.c[key] == row))
    with log.engine.begin() as conn:
        problems = log.store.audit(conn, log_key=None).problems if table == "meta" else None
    problems = problems or audit(log)
    assert problems
    if expected:
        assert expected in problems[0], problems


def test_deleting_the_tail_entry_and_its_nodes_contradicts_the_checkpoint(log: Any) -> None:
    build(log)
    with log.engine.begin() as conn:
        log.bypass(conn, log.store.t.entries.delete().where(log.store.t.entries.c.seq == 12))
        log.bypass(conn, log.store.t.nodes.delete().where(log.store.t.nodes.c.id >= 22))
    assert audit(log) == ["checkpoint 1: covers 13 entries but the log holds 12"]


def test_reordered_entries_and_nodes_are_caught(log: Any) -> None:
    build(log)
    t = log.store.t.entries
    with log.engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(select(t)).all()}
        # Swap entries 3 and 4 wholesale (data and hash), through a free temporary number.
        log.bypass(conn, t.update().where(t.c.seq == 3).values(seq=-1))
        log.bypass(conn, t.update().where(t.c.seq == 4).values(seq=3))
        log.bypass(conn, t.update().where(t.c.seq == -1).values(seq=4))
    assert audit(log)[0].startswith("entry 3: stored node (level 0, index 3) does not match")
    with log.engine.begin() as conn:
        for seq in (3, 4):
            log.bypass(
                conn,
                t.update().where(t.c.data == rows[seq].data).values(seq=-10 - seq),
            )
        for seq in (3, 4):
            log.bypass(conn, t.update().where(t.c.seq == -10 - seq).values(seq=seq))
    assert audit(log) == []
    n = log.store.t.nodes
    with log.engine.begin() as conn:
        a = conn.execute(select(n.c.hash).where(n.c.id == 7)).scalar_one()
        b = conn.execute(select(n.c.hash).where(n.c.id == 8)).scalar_one()
        log.bypass(conn, n.update().where(n.c.id == 7).values(hash=b))
        log.bypass(conn, n.update().where(n.c.id == 8).values(hash=a))
    assert "stored node (level 0, index 4)" in audit(log)[0]


def test_rewriting_an_entry_and_all_its_nodes_still_contradicts_the_signed_root(log: Any) -> None:
    """A consistent rewrite of entries and nodes (no checkpoint key) is caught by the signatures."""
    build(log)
    with log.engine.begin() as conn:
        forged = LedgerStore(log.store.t)
        entries = [log.store.entry(conn, i) for i in range(13)]
    entries[7] = seal_entry(
        kind="aggregate", treaty="new-start", party="A", at=START, body={"value": 0}, signer=PARTY
    )
    # Rebuild entries and nodes from scratch behind the triggers, leaving the checkpoints.
    with log.engine.begin() as conn:
        log.bypass(conn, log.store.t.entries.delete())
        log.bypass(conn, log.store.t.nodes.delete())
    with log.engine.begin() as conn:
        forged.append(conn, entries)
    problems = audit(log)
    assert problems == [
        "checkpoint 1: signed root at size 13 does not match the root recomputed from the entries"
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    size=st.integers(1, 40),
    target=st.sampled_from([*TARGETS, ("delete", "", ""), ("swap", "", "")]),
    data=st.data(),
)
def test_random_tampering_of_random_logs_is_always_caught(
    memory_log: Callable[[], Any], size: int, target: tuple[str, str, str], data: st.DataObject
) -> None:
    log = memory_log()
    engine = log.engine
    entries = [b"item %d" % i for i in range(size)]
    with engine.begin() as conn:
        cut = data.draw(st.integers(0, size))
        log.store.append(conn, entries[:cut])
        log.store.sign_checkpoint(conn, LOG_KEY)
        log.store.append(conn, entries[cut:])
        log.store.sign_checkpoint(conn, LOG_KEY)
    table, key, column = target
    with engine.begin() as conn:
        if table == "delete":
            name = data.draw(st.sampled_from(["entries", "nodes", "checkpoints"]))
            t = getattr(log.store.t, name)
            pk = next(iter(t.primary_key.columns))
            keys = conn.execute(select(pk)).scalars().all()
            victim = data.draw(st.sampled_from(sorted(keys)))
            if name == "checkpoints" and victim == max(keys):
                # Dropping the newest checkpoint is indistinguishable from never having signed
                # it; the witnesses and parties that received it hold the evidence.
                return
            log.bypass(conn, t.delete().where(pk == victim))
        elif table == "swap":
            if size < 2:
                return
            t = log.store.t.entries
            i, j = data.draw(
                st.lists(st.integers(0, size - 1), min_size=2, max_size=2, unique=True)
            )
            di, dj = entries[i], entries[j]
            log.bypass(conn, t.update().where(t.c.seq == i).values(data=dj))
            log.bypass(conn, t.update().where(t.c.seq == j).values(data=di))
        else:
            t = getattr(log.store.t, table)
            keys = conn.execute(select(t.c[key])).scalars().all()
            row = data.draw(st.sampled_from(sorted(keys)))
            value = conn.execute(select(t.c[column]).where(t.c[key] == row)).scalar_one()
            position = data.draw(st.integers(0, len(value) - 1))
            bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64]))
            if isinstance(value, str):
                changed: object = (
                    value[:position] + chr(ord(value[position]) ^ bit) + value[position + 1 :]
                )
            else:
                raw = bytearray(value)
                raw[position] ^= bit
                changed = bytes(raw)
            log.bypass(conn, t.update().where(t.c[key] == row).values({column: changed}))
    with engine.begin() as conn:
        report = log.store.audit(conn, log_key=LOG_KEY.verifier(), check_envelopes=False)
    engine.dispose()
    assert not report.ok
