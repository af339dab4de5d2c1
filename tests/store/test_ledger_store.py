"""The stored log answers exactly like the in-memory reference, from O(log n) stored tiles."""

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
        rows = conn.execute(select(func.count()).select_from(log.store.t.tiles)).scalar()
        assert rows == len(cuts) - 1  # one level-0 tile row per batch, below 256 entries
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


def test_tiles_across_levels_match_the_reference(log) -> None:  # type: ignore[no-untyped-def]
    """Batches that cross tile boundaries at levels 0, 1 and 2 keep every proof right."""
    entries = raw(66_000)
    leaves = [merkle.leaf_hash(e) for e in entries]
    cuts = [0, 3, 255, 256, 257, 300, 511, 700, 65_535, 65_536, 65_537, 66_000]
    with log.engine.begin() as conn:
        for lo, hi in itertools.pairwise(cuts):
            assert log.store.append(conn, entries[lo:hi]).root == merkle.root_from_leaf_hashes(
                leaves[:hi]
            )
        t = log.store.t.tiles
        full = conn.execute(
            select(t.c.start, t.c.hashes)
            .where(t.c.level == 0, t.c.tile_index == 1)
            .order_by(t.c.seq)
        ).all()
        # Tile 0/1 was filled by four appends: four chunks, then one row of all 256 hashes.
        assert [(s, len(h) // 32) for s, h in full] == [
            (0, 1),
            (1, 43),
            (44, 211),
            (255, 1),
            (0, 256),
        ]
        level1 = conn.execute(
            select(t.c.hashes).where(
                t.c.level == 1, t.c.tile_index == 0, t.c.start == 0, t.c.width == 256
            )
        ).scalar_one()
        assert level1[:32] == merkle.root_from_leaf_hashes(leaves[:256])
        for size in (256, 257, 700, 65_536, 65_537, 66_000):
            root = merkle.root_from_leaf_hashes(leaves[:size])
            assert log.store.root(conn, size) == root
            for index in {i for i in (0, 255, 256, size // 2, size - 1) if i < size}:
                proof = log.store.inclusion_proof(conn, index, size)
                assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
            for old in {o for o in (1, 255, 256, 257, size - 1) if o <= size}:
                proof = log.store.consistency_proof(conn, old, size)
                old_root = merkle.root_from_leaf_hashes(leaves[:old])
                assert merkle.verify_consistency(old, size, old_root, root, proof)
        small = entries[:700]
        for index in (0, 255, 256, 511, 699):
            assert log.store.inclusion_proof(conn, index, 700) == merkle.inclusion_proof(
                small, index
            )
        for old in (1, 256, 300, 512, 699):
            assert log.store.consistency_proof(conn, old, 700) == merkle.consistency_proof(
                small, old
            )
        assert log.store.audit(conn, check_envelopes=False).ok


def test_tiles_and_entry_bundles_are_served_by_coordinates(log) -> None:  # type: ignore[no-untyped-def]
    from armsctl.ledger.tiles import decode_bundle

    entries = raw(300)
    with log.engine.begin() as conn:
        log.store.append(conn, entries)
        leaves = b"".join(merkle.leaf_hash(e) for e in entries)
        assert log.store.tile(conn, 0, 0, 256, 300) == leaves[: 32 * 256]
        assert log.store.tile(conn, 0, 1, 44, 300) == leaves[32 * 256 :]
        assert log.store.tile(conn, 0, 1, 10, 300) == leaves[32 * 256 : 32 * 266]
        assert log.store.tile(conn, 1, 0, 1, 300) == merkle.root(entries[:256])
        assert decode_bundle(log.store.entry_bundle(conn, 1, 44, 300)) == entries[256:]
        assert decode_bundle(log.store.entry_bundle(conn, 0, 256, 300)) == entries[:256]
        for level, index, width in [(0, 1, 45), (0, 1, 256), (0, 2, 1), (1, 0, 2), (2, 0, 1)]:
            with pytest.raises(NotFoundError):
                log.store.tile(conn, level, index, width, 300)
        with pytest.raises(NotFoundError):
            log.store.tile(conn, 0, 1, 44, 299)  # beyond the tree of that size
        with pytest.raises(NotFoundError):
            log.store.entry_bundle(conn, 1, 45, 300)


def test_an_entry_too_long_for_a_bundle_is_refused(log) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="at most 65535"), log.engine.begin() as conn:
        log.store.append(conn, [b"ok", b"x" * 65_536])
    with log.engine.begin() as conn:
        assert log.store.size(conn) == 0


@pytest.mark.parametrize("table", ["entries", "tiles", "checkpoints", "meta"])
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


def test_proofs_read_only_logarithmically_many_tiles(log) -> None:  # type: ignore[no-untyped-def]
    statements: list[str] = []
    from sqlalchemy import event

    with log.engine.begin() as conn:
        for lo in range(0, 1000, 100):  # the last tile is made of chunks
            log.store.append(conn, raw(100, lo))

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(log.engine, "before_cursor_execute", count)
    try:
        with log.engine.begin() as conn:
            proof = log.store.inclusion_proof(conn, 517, 1000)
            tile_reads = [s for s in statements if "ledger_tiles" in s]
            # One query for the full tiles, one for the chunks of the last tile of each level.
            assert len(tile_reads) == 2
            assert len(proof) == 10
            assert proof == merkle.inclusion_proof(raw(1000), 517)
    finally:
        event.remove(log.engine, "before_cursor_execute", count)
