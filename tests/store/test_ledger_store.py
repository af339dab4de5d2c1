"""The stored log answers exactly like the in-memory reference, from O(log n) stored nodes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from armsctl.errors import IntegrityError, NotFoundError, ParameterError
from armsctl.ledger import merkle
from armsctl.ledger.checkpoint import open_checkpoint
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.note import SignerKey

LOG_KEY = SignerKey.generate("example.org/log", seed=b"\x21" * 32)
PARTY = SignerKey.generate("party-a", seed=b"\x22" * 32)


def raw(n: int, start: int = 0) -> list[bytes]:
    return [b"entry-%d" % i for i in range(start, start + n)]


def test_batches_build_the_reference_tree(log) -> None:  # type: ignore[no-untyped-def]
    entries = raw(70)
    cuts = [0, 1, 2, 5, 8, 9, 31, 32, 33, 64, 70]
    with log.engine.begin() as conn:
        for lo, hi in itertools.pairwise(cuts):
            result = log.store.append(conn, entries[lo:hi])
            assert result.first_index == lo and result.size == hi
            assert result.root == merkle.root(entries[:hi])
        nodes = conn.execute(select(func.count()).select_from(log.store.t.nodes)).scalar()
        assert nodes == merkle.stored_count(70)
        for size in range(71):
            assert log.store.root(conn, size) == merkle.root(entries[:size])
        for size in (1, 2, 3, 7, 8, 33, 70):
            for index in range(size):
                assert log.store.inclusion_proof(conn, index, size) == merkle.inclusion_proof(
                    entries[:size], index
                )
            for old in range(size + 1):
                assert log.store.consistency_proof(conn, old, size) == merkle.consistency_proof(
                    entries[:size], old
                )


def test_lookup_by_index_and_entry_hash(log) -> None:  # type: ignore[no-untyped-def]
    with log.engine.begin() as conn:
        log.store.append(conn, raw(5))
        assert log.store.entry(conn, 3) == b"entry-3"
        assert log.store.index_of(conn, merkle.leaf_hash(b"entry-4")) == 4
        with pytest.raises(NotFoundError):
            log.store.entry(conn, 5)
        with pytest.raises(NotFoundError):
            log.store.index_of(conn, b"\x00" * 32)
        with pytest.raises(ParameterError):
            log.store.inclusion_proof(conn, 5, 5)
        with pytest.raises(ParameterError):
            log.store.root(conn, 6)
        with pytest.raises(ParameterError):
            log.store.consistency_proof(conn, 4, 3)


def test_a_failed_batch_leaves_no_trace(log) -> None:  # type: ignore[no-untyped-def]
    with log.engine.begin() as conn:
        log.store.append(conn, raw(3))
    with pytest.raises(sa_exc.IntegrityError), log.engine.begin() as conn:
        log.store.append(conn, [b"new-1", b"entry-1"])  # a replayed entry is refused
    with log.engine.begin() as conn:
        assert log.store.size(conn) == 3
        assert log.store.audit(conn, check_envelopes=False).ok


@pytest.mark.parametrize("table", ["entries", "nodes", "checkpoints", "meta"])
def test_tables_refuse_update_and_delete(log, table: str) -> None:  # type: ignore[no-untyped-def]
    with log.engine.begin() as conn:
        log.store.append(conn, raw(4))
        log.store.sign_checkpoint(conn, LOG_KEY)
    t = getattr(log.store.t, table)
    column = next(iter(t.c)).name
    for statement in (t.update().values({column: t.c[column]}), t.delete()):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), log.engine.begin() as conn:
            conn.execute(statement)
    with log.engine.begin() as conn:
        assert log.store.audit(conn, check_envelopes=False).ok


def test_envelopes_are_checked_before_they_are_appended(log) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 2, 5, tzinfo=UTC)
    good = seal_entry(kind="k", treaty="t", party="A", at=at, body={"v": 1}, signer=PARTY)
    bad = good.replace(b'"v":1', b'"v":2')
    with pytest.raises(IntegrityError, match="batch entry 1"), log.engine.begin() as conn:
        log.store.append_envelopes(conn, [good, bad])
    with log.engine.begin() as conn:
        assert log.store.size(conn) == 0
        log.store.append_envelopes(conn, [good], trusted={"A": PARTY.verifier()})
        assert log.store.audit(conn, log_key=None).ok


def test_checkpoints_are_consistent_and_bound_to_one_key(log) -> None:  # type: ignore[no-untyped-def]
    with log.engine.begin() as conn:
        first = log.store.sign_checkpoint(conn, LOG_KEY)
        assert open_checkpoint(first, LOG_KEY.verifier()).size == 0
        log.store.append(conn, raw(9))
        second = log.store.sign_checkpoint(conn, LOG_KEY)
        assert log.store.sign_checkpoint(conn, LOG_KEY) == second  # nothing new to sign
        head = open_checkpoint(second, LOG_KEY.verifier())
        assert (head.size, head.root) == (9, merkle.root(raw(9)))
        assert [c[1] for c in log.store.checkpoints(conn)] == [0, 9]
        assert log.store.log_key(conn) == LOG_KEY.verifier()
        other = SignerKey.generate("example.org/log", seed=b"\x23" * 32)
        with pytest.raises(IntegrityError, match="signed by"):
            log.store.sign_checkpoint(conn, other)
        report = log.store.audit(conn, log_key=LOG_KEY.verifier(), check_envelopes=False)
        assert report.ok and report.checkpoints == 2
        wrong = log.store.audit(conn, log_key=other.verifier(), check_envelopes=False)
        assert not wrong.ok


def test_proofs_read_only_logarithmically_many_nodes(log) -> None:  # type: ignore[no-untyped-def]
    statements: list[str] = []
    from sqlalchemy import event

    with log.engine.begin() as conn:
        log.store.append(conn, raw(1000))

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(log.engine, "before_cursor_execute", count)
    try:
        with log.engine.begin() as conn:
            proof = log.store.inclusion_proof(conn, 517, 1000)
            node_reads = [s for s in statements if "nodes" in s]
            assert len(node_reads) == 1  # one IN (...) query of at most 2 log2(n) ids
            assert len(proof) == 10
    finally:
        event.remove(log.engine, "before_cursor_execute", count)
