"""Plain rows (audit events) in the group commit: held with a batch, one INSERT, one commit.

The first writer holds the batch open until the others are waiting (polled, not timed), so
every caller lands in the same batch.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from armsctl.service.group_commit import GroupCommit
from armsctl.store.engine import make_engine

META = MetaData()
EVENTS = Table(
    "events",
    META,
    Column("id", Integer, primary_key=True),
    Column("what", String(8), nullable=False),
)


def _one_batch(group: GroupCommit, rows: list[list[dict[str, object]]]) -> list[str]:
    """A use-case holds the batch while each ``rows[i]`` is inserted by its own thread."""
    outcome = ["?"] * len(rows)
    inside = threading.Event()

    def use_case() -> None:
        with group.write() as (_session, conn):
            inside.set()
            deadline = time.monotonic() + 120
            while group._waiting < len(rows):
                assert time.monotonic() < deadline, "the inserts never queued"
                time.sleep(0.002)
            conn.execute(EVENTS.insert(), [{"what": "write"}])

    def insert(i: int) -> None:
        try:
            group.insert(EVENTS, rows[i])
            outcome[i] = "acknowledged"
        except Exception:
            outcome[i] = "failed"

    first = threading.Thread(target=use_case)
    first.start()
    assert inside.wait(120)
    threads = [threading.Thread(target=insert, args=(i,)) for i in range(len(rows))]
    for t in threads:
        t.start()
    for t in [first, *threads]:
        t.join(120)
    return outcome


@pytest.fixture
def group(tmp_path: Path) -> GroupCommit:
    engine = make_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    META.create_all(engine)
    return GroupCommit(engine)


def _stored(group: GroupCommit) -> list[str]:
    with group.engine.connect() as conn:
        return sorted(conn.execute(select(EVENTS.c.what)).scalars())


def test_rows_of_many_callers_share_the_use_cases_commit(group: GroupCommit) -> None:
    outcome = _one_batch(group, [[{"what": f"r{i}"}] for i in range(5)])
    assert outcome == ["acknowledged"] * 5
    assert group.stats() == {"commits": 1, "acknowledged": 6}
    assert _stored(group) == ["r0", "r1", "r2", "r3", "r4", "write"]


def test_rows_that_fail_to_insert_fail_their_callers_only(group: GroupCommit) -> None:
    # A NULL in a NOT NULL column makes the batch's INSERT of held rows fail.
    outcome = _one_batch(group, [[{"what": "ok"}], [{"what": None}]])
    assert outcome == ["failed", "failed"]  # one INSERT for the batch's rows: both fail
    assert _stored(group) == ["write"]  # the use-case's own write is committed


def test_alone_a_caller_commits_at_once(group: GroupCommit) -> None:
    group.insert(EVENTS, [{"what": "a"}, {"what": "b"}])
    group.insert(EVENTS, [])
    assert _stored(group) == ["a", "b"]
    with group.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(EVENTS)).scalar() == 2
    assert group.stats()["commits"] == 1


def test_a_batch_of_rows_only_that_fails_is_rolled_back_and_the_next_one_commits(
    group: GroupCommit,
) -> None:
    # Alone, the caller's batch holds only its rows: no savepoint, the whole batch rolls back.
    with pytest.raises(Exception, match="NOT NULL"):
        group.insert(EVENTS, [{"what": "ok"}, {"what": None}])
    assert _stored(group) == []
    assert group.stats() == {"commits": 0, "acknowledged": 0}
    group.insert(EVENTS, [{"what": "next"}])
    assert _stored(group) == ["next"]
