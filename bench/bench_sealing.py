"""Benchmark encryption at rest: a 100,000-item declaration submitted sealed vs in clear.

Both runs are a party-signed submit as a party's client and the server do it, into a fresh
SQLite store:

- **clear** (baseline): the client commits and signs (``declarations.sign_items``), the server
  rebuilds the commitment from the salts and stores the items (``submit_items``);
- **sealed**: the client commits, computes the component figures, seals every row and the
  facility salts to the party's X25519 key and signs (``declarations.seal_items``); the server
  checks the figures against the commitment and stores ciphertext (``submit_sealed_items``).

    .venv/bin/python bench/bench_sealing.py            # 100,000 items
    .venv/bin/python bench/bench_sealing.py --quick    # 5,000 items, a smoke run

The ratio sealed/clear is what counts (target: under 1.5x); both are measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from armsctl.inventory.synthetic import generate_items
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey
from armsctl.service import Database, accounts, allow_all, declarations
from armsctl.store.schema import upgrade
from armsctl.treaty.loader import load_treaty

AS_OF = dt.date(2020, 3, 1)
NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


def _store(path: Path, key: SignerKey) -> tuple[Database, Any]:
    db = Database(f"sqlite:///{path}", SignerKey.generate("bench/log", seed=bytes(32)))
    upgrade(db.engine)
    accounts.load_treaty(db, "new-start", at=NOW)
    accounts.register_party(
        db, treaty="new-start", code="USA", name="USA", key=str(key.verifier()), at=NOW
    )
    accounts.add_user(db, name="usa", role="party", treaty="new-start", party="USA", at=NOW)
    token = accounts.issue_token(db, user="usa", at=NOW, days=30, rng=os.urandom)["token"]
    return db, accounts.authenticate(db, token, at=NOW)


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 items, a smoke run")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "sealing.json"
    )
    args = parser.parse_args()
    n = 5_000 if args.quick else 100_000
    rows = generate_items(n, parties=("USA",), dates=(AS_OF,), seed=1).to_pylist()  # type: ignore[attr-defined]
    items = [{k: v for k, v in r.items() if k not in ("party", "as_of")} for r in rows]
    treaty = load_treaty("new-start")
    signer = SignerKey.generate("USA", seed=bytes([1]) * 32)
    sealing = SealingKey.generate(os.urandom(32))
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db, actor = _store(Path(tmp) / "clear.db", signer)
        common = {"treaty": "new-start", "party": "USA", "as_of": AS_OF, "at": NOW}
        extras: dict[str, Any] = {}
        times["clear client"] = _timed(
            lambda: extras.update(
                declarations.sign_items(
                    signer, **{**common, "treaty": treaty}, items=items, rng=os.urandom
                )
            )
        )
        times["clear server"] = _timed(
            lambda: declarations.submit_items(
                db, actor, **common, items=items, allow=allow_all, rng=os.urandom,
                require_signature=True, **extras,
            )
        )  # fmt: skip
        db.dispose()
        db, actor = _store(Path(tmp) / "sealed.db", signer)
        sealed: dict[str, Any] = {}
        times["sealed client"] = _timed(
            lambda: sealed.update(
                declarations.seal_items(
                    signer, sealing.public(), **{**common, "treaty": treaty}, items=items,
                    rng=os.urandom,
                )
            )
        )  # fmt: skip
        times["sealed server"] = _timed(
            lambda: declarations.submit_sealed_items(
                db, actor, **common, allow=allow_all, require_signature=True, **sealed
            )
        )
        db.dispose()
    clear = times["clear client"] + times["clear server"]
    seal = times["sealed client"] + times["sealed server"]
    print(f"items: {n:,}")
    for name, seconds in times.items():
        print(f"{name:14s} {seconds:8.2f} s")
    print(f"submit in clear {clear:8.2f} s   sealed {seal:8.2f} s   ratio {seal / clear:.2f}x")
    print(
        f"server side only: ratio {times['sealed server'] / times['clear server']:.2f}x; "
        f"client side only: ratio {times['sealed client'] / times['clear client']:.2f}x"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"items": n, "seconds": times, "ratio_sealed_over_clear": seal / clear}
    args.out.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
