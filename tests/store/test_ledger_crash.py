"""Crash safety: SIGKILL an appending process at random moments; nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from armsctl.ledger import merkle
from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _crash_appender import entry  # noqa: E402

ROUNDS = 20
TIME_BUDGET_S = 25.0


def _read_acks(stream, acks: list[int], ready: threading.Event) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        if line.startswith("READY"):
            ready.set()
        elif line.startswith("ACK "):
            acks.append(int(line.split()[1]))


@pytest.mark.slow
def test_sigkill_during_appends_never_loses_an_acknowledged_entry(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    rng = random.Random(20260205)
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    acknowledged = 0
    started = time.monotonic()
    rounds = 0
    while rounds < ROUNDS and time.monotonic() - started < TIME_BUDGET_S:
        rounds += 1
        child = subprocess.Popen(
            [sys.executable, str(HERE / "_crash_appender.py"), str(db), str(rounds)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        acks: list[int] = []
        ready = threading.Event()
        reader = threading.Thread(target=_read_acks, args=(child.stdout, acks, ready), daemon=True)
        reader.start()
        assert ready.wait(30), "the appender did not start"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        reader.join(5)
        assert child.stdout is not None
        child.stdout.close()
        if acks:
            acknowledged = max(acknowledged, acks[-1])

        engine = make_engine(f"sqlite:///{db}")
        store = LedgerStore()
        with engine.begin() as conn:
            size = store.size(conn)
            report = store.audit(conn, check_envelopes=False)
            assert report.ok, report.problems
            assert size >= acknowledged, f"round {rounds}: {acknowledged} acknowledged, {size} kept"
            data = (
                conn.execute(select(store.t.entries.c.data).order_by(store.t.entries.c.seq))
                .scalars()
                .all()
            )
            assert [bytes(d) for d in data] == [entry(i) for i in range(size)]
            assert store.root(conn) == merkle.root([entry(i) for i in range(size)])
        engine.dispose()
    assert rounds >= 5
    assert acknowledged > 0
