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

# A fixed number of rounds, however fast the machine: each round waits for the appender to be
# ready and to acknowledge its first batch (polled, not a fixed sleep), then kills it a random
# number of further acknowledgements later, so every round kills mid-load on any machine.
ROUNDS = 8
READY_TIMEOUT_S = 120.0


def _read_acks(stream, acks: list[int], ready: threading.Event) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        if line.startswith("READY"):
            ready.set()
        elif line.startswith("ACK "):
            acks.append(int(line.split()[1]))


def _wait_for_acks(acks: list[int], count: int, child: subprocess.Popen[str]) -> None:
    """Poll until the appender acknowledged ``count`` batches (or died, which fails)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while len(acks) < count:
        assert child.poll() is None, "the appender exited on its own"
        assert time.monotonic() < deadline, "the appender acknowledged nothing"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_during_appends_never_loses_an_acknowledged_entry(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    rng = random.Random(20260205)
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    acknowledged = 0
    for rounds in range(1, ROUNDS + 1):
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
        assert ready.wait(READY_TIMEOUT_S), "the appender did not start"
        _wait_for_acks(acks, rng.randint(1, 4), child)
        time.sleep(rng.uniform(0.0, 0.05))  # land anywhere inside the next batch
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
    assert acknowledged > 0
