"""Benchmark the persistent Merkle log against a bare in-memory hashing baseline.

One run: append N entries in batches to a fresh SQLite log (stored as C2SP tlog-tiles), and
compute the same leaf and node hashes with hashlib alone (the baseline); then, at the final size,
time producing (from tiles) and verifying inclusion and consistency proofs, measure the database
bytes per entry, time serving a full tile through the HTTP app (``GET /tlog/tile/0/<N>``), and
time a monitor following the whole log through its served tiles and entry bundles.

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
from armsctl.ledger.monitor import follow
from armsctl.ledger.note import SignerKey
from armsctl.ledger.tiles import tile_path
from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore
from armsctl.store.schema import upgrade


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


def _serve_and_follow(
    db: Path, n: int, follow_n: int, rng: random.Random
) -> tuple[float, float, int]:
    """Sign a checkpoint, time ``GET /tlog/tile/0/<N>`` and a monitor following the log.

    The HTTP app runs in process (Starlette's test client over ASGI): the figure is the app's
    work per tile (routing, one database read, the response), without a network.
    """
    import warnings

    from armsctl.server import create_app
    from armsctl.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    signer = SignerKey.generate("bench.example/log", seed=b"\x01" * 32)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    with engine.begin() as conn:
        LedgerStore().sign_checkpoint(conn, signer)
    engine.dispose()
    app = create_app(Settings(database_url=url), signer=signer, migrate=False)
    with TestClient(app) as client:
        samples = []
        for _ in range(200):
            path = tile_path(0, rng.randrange(n // 256))
            t0 = time.perf_counter()
            response = client.get(f"/tlog/{path}")
            samples.append(time.perf_counter() - t0)
            assert response.status_code == 200 and len(response.content) == 8192
        serve_ms = median_us(samples) / 1000

        def fetch(path: str) -> bytes | None:
            response = client.get(f"/tlog/{path}")
            return response.content if response.status_code == 200 else None

        state = None
        if follow_n < n:  # follow only the last follow_n entries, from a state at n - follow_n
            state = _state_at(db, n - follow_n, signer)
        t0 = time.perf_counter()
        report, _ = follow(fetch, log_key=signer.verifier(), state=state)
        monitor_s = time.perf_counter() - t0
        assert report.ok and report.entries_checked == follow_n, report.findings
    app.state.armsctl.db.dispose()
    return serve_ms, monitor_s, follow_n


def _state_at(db: Path, size: int, signer: SignerKey) -> object:
    from armsctl.ledger.merkle import perfect_subtrees
    from armsctl.ledger.monitor import MonitorState
    from armsctl.ledger.tiles import subtree_hashes

    engine = make_engine(f"sqlite:///{db}")
    store = LedgerStore()
    with engine.begin() as conn:
        pieces = perfect_subtrees(0, size)
        found = subtree_hashes(pieces, store._tile_reader(conn, size))
        root = store.root(conn, size)
    engine.dispose()
    edge = tuple((level, found[(level, index)]) for level, index in pieces)
    return MonitorState(signer.name, size, root, edge)


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument(
        "--monitor-n", type=int, default=None, help="entries the monitor follows (default: all)"
    )
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
    upgrade(engine)  # the server's schema, so that the HTTP app can serve this database
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
    serve_ms, monitor_s, monitor_n = _serve_and_follow(db, n, args.monitor_n or n, rng)
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
        "serve_full_tile_median_ms": serve_ms,
        "monitor_entries_followed": monitor_n,
        "monitor_follow_s": monitor_s,
        "monitor_entries_per_s": monitor_n / monitor_s,
        "monitor_follow_1m_s_scaled": monitor_s * 1_000_000 / monitor_n,
        "load_average_1min": os.getloadavg()[0],
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
