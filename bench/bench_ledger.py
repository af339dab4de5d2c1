"""Benchmark the persistent Merkle log against a bare in-memory hashing baseline.

One run: append N entries in batches to a fresh SQLite log, and compute the same leaf and node
hashes with hashlib alone (the baseline); then, at the final size, time producing and verifying
inclusion and consistency proofs, and measure the database bytes per entry.

    .venv/bin/python bench/bench_ledger.py            # 1,000,000 entries
    .venv/bin/python bench/bench_ledger.py --quick    # 20,000 entries, a smoke run

Entries are synthetic ~300-byte canonical JSON envelopes (signing a million real envelopes
would time Ed25519, not the log); the rate of appending real signed envelopes, which are
checked before they are appended, is measured on a smaller sample.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.merkle import verify_consistency, verify_inclusion
from armsctl.ledger.note import SignerKey
from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore


def synthetic(i: int) -> bytes:
    return (
        b'{"body":{"as_of":"2023-03-01","measure":"deployed_warheads","source":"exchange '
        b'of data, Part Three","value":%d},"key":"US+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVk'
        b'mqq/LDE4izWy10TW","kind":"aggregate","party":"US","sig":"x08go/ZJkuBS9UG/Sffcv'
        b'IAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=","time":"'
        b'2023-03-01T00:00:00Z","treaty":"new-start"}' % i
    )


def baseline(entries: list[bytes]) -> float:
    """Compute every leaf hash and every perfect-subtree hash, in memory, nothing else."""
    sha = hashlib.sha256
    start = time.perf_counter()
    stack: list[tuple[int, bytes]] = []
    for data in entries:
        h = sha(b"\x00" + data).digest()
        level = 0
        while stack and stack[-1][0] == level:
            h = sha(b"\x01" + stack.pop()[1] + h).digest()
            level += 1
        stack.append((level, h))
    return time.perf_counter() - start


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "ledger.json"
    )
    args = parser.parse_args()
    n = 20_000 if args.quick else args.n
    rng = random.Random(1)

    print(f"generating {n:,} entries ...", flush=True)
    entries = [synthetic(i) for i in range(n)]
    # Best of three: the baseline is short, so a busy neighbour on the machine would distort it.
    base_s = min(baseline(entries) for _ in range(3))

    workdir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    db = workdir / "ledger.db"
    engine = make_engine(f"sqlite:///{db}")
    store = LedgerStore()
    with engine.begin() as conn:
        store.create(conn)
    start = time.perf_counter()
    for lo in range(0, n, args.batch):
        with engine.begin() as conn:
            store.append(conn, entries[lo : lo + args.batch])
    store_s = time.perf_counter() - start
    print(f"appended in {store_s:.1f} s (baseline {base_s:.1f} s)", flush=True)

    with engine.begin() as conn:
        root = store.root(conn)
        produce_inc, verify_inc, produce_con, verify_con = [], [], [], []
        for _ in range(args.samples):
            index = rng.randrange(n)
            t0 = time.perf_counter()
            proof = store.inclusion_proof(conn, index, n)
            t1 = time.perf_counter()
            ok = verify_inclusion(
                hashlib.sha256(b"\x00" + entries[index]).digest(), index, n, proof, root
            )
            t2 = time.perf_counter()
            assert ok
            produce_inc.append(t1 - t0)
            verify_inc.append(t2 - t1)
        old_roots = {}
        for _ in range(args.samples):
            old = rng.randrange(1, n)
            if old not in old_roots:
                old_roots[old] = store.root(conn, old)
            t0 = time.perf_counter()
            proof = store.consistency_proof(conn, old, n)
            t1 = time.perf_counter()
            ok = verify_consistency(old, n, old_roots[old], root, proof)
            t2 = time.perf_counter()
            assert ok
            produce_con.append(t1 - t0)
            verify_con.append(t2 - t1)
    engine.dispose()
    with contextlib.closing(sqlite3.connect(db)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_bytes = sum(p.stat().st_size for p in workdir.iterdir())
    payload = sum(len(e) for e in entries)

    # Real signed envelopes, checked (canonical form and signature) before they are appended.
    signer = SignerKey.generate("US", seed=os.urandom(32))
    at = datetime(2023, 3, 1, tzinfo=UTC)
    sample = min(5_000, n)
    signed = [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party="US",
            at=at + timedelta(seconds=i),
            body={"measure": "deployed_warheads", "value": i},
            signer=signer,
        )
        for i in range(sample)
    ]
    engine = make_engine(f"sqlite:///{workdir / 'signed.db'}")
    with engine.begin() as conn:
        store.create(conn)
    start = time.perf_counter()
    for lo in range(0, sample, 1000):
        with engine.begin() as conn:
            store.append_envelopes(conn, signed[lo : lo + 1000])
    signed_s = time.perf_counter() - start
    engine.dispose()

    results = {
        "entries": n,
        "batch": args.batch,
        "baseline_entries_per_s": n / base_s,
        "sqlite_entries_per_s": n / store_s,
        "ratio_sqlite_over_baseline_time": store_s / base_s,
        "target_ratio": 3.0,
        "inclusion_produce_median_ms": median_us(produce_inc) / 1000,
        "inclusion_verify_median_ms": median_us(verify_inc) / 1000,
        "consistency_produce_median_ms": median_us(produce_con) / 1000,
        "consistency_verify_median_ms": median_us(verify_con) / 1000,
        "targets_ms": {"produce": 2.0, "verify": 0.2},
        "db_bytes_per_entry": db_bytes / n,
        "payload_bytes_per_entry": payload / n,
        "signed_envelopes_checked_per_s": sample / signed_s,
        "python": sys.version.split()[0],
    }
    for key, value in results.items():
        print(f"{key:36} {value:,.3f}" if isinstance(value, float) else f"{key:36} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for p in workdir.iterdir():
        p.unlink()
    workdir.rmdir()


if __name__ == "__main__":
    main()
