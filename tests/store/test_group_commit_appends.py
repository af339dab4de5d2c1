"""Log appends batched by the group commit: one commit for many writers, the tree still exact.

The writers queue on the batch, so these tests hold the first one inside its transaction until
the others are waiting (polled, not timed): every writer then lands in the same batch.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine

from armsctl.ledger import merkle
from armsctl.service.group_commit import GroupCommit
from armsctl.store.ledger import LedgerStore


class Log:  # the shape of the ``log`` fixture (tests/store/conftest.py) these tests use
    engine: Engine
    store: LedgerStore


def _entry(i: int) -> bytes:
    return b"batched entry %04d" % i


def _run_in_one_batch(log: Log, writers: int, fail: set[int]) -> tuple[GroupCommit, list[str]]:
    """``writers`` threads append one entry each; those in ``fail`` raise after appending."""
    group = GroupCommit(log.engine)
    outcome = ["?"] * writers
    first_inside = threading.Event()

    def write(i: int) -> None:
        try:
            with group.write() as (_session, conn):
                if i == 0:
                    first_inside.set()
                    deadline = time.monotonic() + 120
                    while group._waiting < writers - 1:  # the others queue on the batch
                        assert time.monotonic() < deadline, "the other writers never queued"
                        time.sleep(0.002)
                log.store.append(conn, [_entry(i)])
                if i in fail:
                    raise RuntimeError(f"writer {i} fails after appending")
            outcome[i] = "acknowledged"
        except RuntimeError:
            outcome[i] = "failed"

    threads = [threading.Thread(target=write, args=(0,))]
    threads[0].start()
    assert first_inside.wait(120)
    threads += [threading.Thread(target=write, args=(i,)) for i in range(1, writers)]
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(120)
    return group, outcome


def test_many_appends_share_one_commit_and_build_the_same_tree(log: Log) -> None:
    group, outcome = _run_in_one_batch(log, 8, fail=set())
    assert outcome == ["acknowledged"] * 8
    assert group.stats() == {"commits": 1, "acknowledged": 8}
    with log.engine.begin() as conn:
        size = log.store.size(conn)
        assert size == 8
        data = [log.store.entry(conn, i) for i in range(size)]
        assert log.store.root(conn) == merkle.root(data)
        assert log.store.audit(conn, check_envelopes=False).ok


def test_a_writer_that_fails_mid_batch_leaves_only_the_others(log: Log) -> None:
    group, outcome = _run_in_one_batch(log, 6, fail={2, 3})
    assert outcome.count("failed") == 2 and outcome.count("acknowledged") == 4
    assert group.stats()["acknowledged"] == 4
    with log.engine.begin() as conn:
        size = log.store.size(conn)
        assert size == 4
        data = [log.store.entry(conn, i) for i in range(size)]
        assert all(not d.endswith((b"0002", b"0003")) for d in data)
        assert log.store.root(conn) == merkle.root(data)
        report = log.store.audit(conn, check_envelopes=False)
        assert report.ok, report.problems


@pytest.mark.parametrize("batches", [3])
def test_appends_across_batches_continue_the_tree(log: Log, batches: int) -> None:
    group = GroupCommit(log.engine)
    for b in range(batches):
        with group.write() as (_session, conn):
            log.store.append(conn, [_entry(100 + b * 300 + k) for k in range(300)])
    with log.engine.begin() as conn:
        assert log.store.size(conn) == 300 * batches
        assert log.store.audit(conn, check_envelopes=False).ok
