"""Append batches forever, printing ``ACK <size>`` after each commit (run by the crash test)."""

from __future__ import annotations

import random
import sys

from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore


def entry(i: int) -> bytes:
    return b"crash-test entry %08d" % i


def main() -> None:
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{path}")
    store = LedgerStore()
    with engine.begin() as conn:
        store.create(conn)
    print("READY", flush=True)
    while True:
        with engine.begin() as conn:
            start = store.size(conn)
            batch = [entry(i) for i in range(start, start + rng.randint(1, 3000))]
            result = store.append(conn, batch)
        print(f"ACK {result.size}", flush=True)


if __name__ == "__main__":
    main()
