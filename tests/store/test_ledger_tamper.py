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


def raw_audit(log: Any) -> list[str]:
    with log.engine.begin() as conn:
        report = log.store.audit(conn, log_key=LOG_KEY.verifier(), check_envelopes=False)
        return report.problems


def flip(value: bytes, position: int) -> bytes:
    out = bytearray(value)
    out[position] ^= 0x01
    return bytes(out)


# (table, key column, value column)
TARGETS = [
    ("entries", "seq", "data"),
    ("entries", "seq", "leaf_hash"),
    ("tiles", "seq", "hashes"),
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
            if table == "entries":
                assert problems[0].startswith(f"entry {row_key}:"), problems[0]
            elif table == "checkpoints":
                assert problems[0].startswith(f"checkpoint {row_key}:"), problems[0]
            else:
                assert problems[0].startswith(f"tile row {row_key} "), problems[0]
            with log.engine.begin() as conn:
                log.bypass(conn, t.update().where(t.c[key] == row_key).values({column: value}))
    assert audit(log) == []


def test_tile_mismatch_names_the_row_the_hash_and_the_entry(log: Any) -> None:
    build(log)
    t = log.store.t.tiles
    with log.engine.begin() as conn:
        # Row 1 holds hashes 5..8 of tile 0/0 (the second batch); flip a byte of hash 6.
        value = conn.execute(select(t.c.hashes).where(t.c.seq == 1)).scalar_one()
        log.bypass(conn, t.update().where(t.c.seq == 1).values(hashes=flip(value, 32 + 5)))
    assert audit(log)[0] == (
        "tile row 1 (level 0, index 0): hash 6 (entry 6) does not match the hash recomputed "
        "from the entries"
    )


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("level", 1, "tile row 2 (level 1, index 0) covers hashes beyond the log's 13 entries"),
        ("tile_index", 1, "tile row 2 (level 0, index 1) covers hashes beyond"),
        ("start", 8, "tile row 2 (level 0, index 0): holds 128 bytes, not 5 hashes"),
        ("width", 12, "tile row 2 (level 0, index 0): holds 128 bytes, not 3 hashes"),
        ("seq", 3, "tile row 2 is missing (the next stored tile row is 3)"),
    ],
)
def test_changed_tile_coordinates_are_named(
    log: Any, column: str, value: int, expected: str
) -> None:
    build(log)
    t = log.store.t.tiles
    with log.engine.begin() as conn:
        log.bypass(conn, t.update().where(t.c.seq == 2).values({column: value}))
    assert audit(log)[0].startswith(expected), audit(log)


@pytest.mark.parametrize(
    ("table", "key", "row", "expected"),
    [
        ("entries", "seq", 0, "entry 0 is missing"),
        ("entries", "seq", 6, "entry 6 is missing"),
        ("entries", "seq", 12, "tile row 2 (level 0, index 0) covers hashes beyond"),
        ("tiles", "seq", 0, "tile row 0 is missing"),
        ("tiles", "seq", 2, "the stored rows hold 9 hashes, the log's 13 entries make 13"),
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


def test_deleting_the_tail_entry_and_its_hash_contradicts_the_checkpoint(log: Any) -> None:
    build(log)
    t = log.store.t.tiles
    with log.engine.begin() as conn:
        log.bypass(conn, log.store.t.entries.delete().where(log.store.t.entries.c.seq == 12))
        value = conn.execute(select(t.c.hashes).where(t.c.seq == 2)).scalar_one()
        log.bypass(conn, t.update().where(t.c.seq == 2).values(width=12, hashes=value[:-32]))
    assert audit(log) == ["checkpoint 1: covers 13 entries but the log holds 12"]


def test_reordered_entries_and_tile_hashes_are_caught(log: Any) -> None:
    build(log)
    t = log.store.t.entries
    with log.engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(select(t)).all()}
        # Swap entries 3 and 4 wholesale (data and hash), through a free temporary number.
        log.bypass(conn, t.update().where(t.c.seq == 3).values(seq=-1))
        log.bypass(conn, t.update().where(t.c.seq == 4).values(seq=3))
        log.bypass(conn, t.update().where(t.c.seq == -1).values(seq=4))
    assert audit(log)[0].startswith("tile row 0 (level 0, index 0): hash 3 (entry 3) does not")
    with log.engine.begin() as conn:
        for seq in (3, 4):
            log.bypass(
                conn,
                t.update().where(t.c.data == rows[seq].data).values(seq=-10 - seq),
            )
        for seq in (3, 4):
            log.bypass(conn, t.update().where(t.c.seq == -10 - seq).values(seq=seq))
    assert audit(log) == []
    n = log.store.t.tiles
    with log.engine.begin() as conn:
        value = conn.execute(select(n.c.hashes).where(n.c.seq == 1)).scalar_one()
        swapped = value[32:64] + value[:32] + value[64:]
        log.bypass(conn, n.update().where(n.c.seq == 1).values(hashes=swapped))
    assert "hash 5 (entry 5)" in audit(log)[0]


def test_rewriting_an_entry_and_all_its_tiles_still_contradicts_the_signed_root(log: Any) -> None:
    """A consistent rewrite of entries and tiles (no checkpoint key) is caught by the signatures."""
    build(log)
    with log.engine.begin() as conn:
        forged = LedgerStore(log.store.t)
        entries = [log.store.entry(conn, i) for i in range(13)]
    entries[7] = seal_entry(
        kind="aggregate", treaty="new-start", party="A", at=START, body={"value": 0}, signer=PARTY
    )
    # Rebuild entries and tiles from scratch behind the triggers, leaving the checkpoints.
    with log.engine.begin() as conn:
        log.bypass(conn, log.store.t.entries.delete())
        log.bypass(conn, log.store.t.tiles.delete())
    with log.engine.begin() as conn:
        forged.append(conn, entries)
    problems = audit(log)
    assert problems == [
        "checkpoint 1: signed root at size 13 does not match the root recomputed from the entries"
    ]


def test_a_tile_tamper_across_levels_is_caught(memory_log: Callable[[], Any]) -> None:
    """Every byte of a level-1 tile row (and of a consolidated full tile) is checked."""
    log = memory_log()
    with log.engine.begin() as conn:
        for lo in range(0, 700, 100):
            log.store.append(conn, [b"e%d" % i for i in range(lo, lo + 100)])
        log.store.sign_checkpoint(conn, LOG_KEY)
    t = log.store.t.tiles
    with log.engine.begin() as conn:
        rows = conn.execute(select(t.c.seq, t.c.level, t.c.start, t.c.width, t.c.hashes)).all()
    picks = [r for r in rows if r.level == 1] + [
        r for r in rows if r.level == 0 and r.start == 0 and r.width == 256
    ]
    assert len(picks) >= 3
    for row in picks:
        for position in (0, len(row.hashes) - 1):
            with log.engine.begin() as conn:
                changed = flip(row.hashes, position)
                log.bypass(conn, t.update().where(t.c.seq == row.seq).values(hashes=changed))
            problems = raw_audit(log)
            assert problems and problems[0].startswith(f"tile row {row.seq} "), problems
            with log.engine.begin() as conn:
                log.bypass(conn, t.update().where(t.c.seq == row.seq).values(hashes=row.hashes))
    assert raw_audit(log) == []


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
            name = data.draw(st.sampled_from(["entries", "tiles", "checkpoints"]))
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
