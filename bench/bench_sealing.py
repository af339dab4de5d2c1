"""Benchmark encryption at rest: a 100,000-item declaration submitted sealed vs in clear.

Every run is a party-signed submit as a party's client and the server do it, into a fresh
SQLite store:

- **clear rows** (baseline): the client commits and signs (``declarations.sign_items``), the
  server rebuilds the commitment from the salts and stores the items as clear JSON rows (the
  storage the server used before encryption at rest, reproduced here as ``_clear_rows``);
- **sealed at rest**: the same submit (``submit_items``), the server sealing every row and the
  facility salts to the party's registered X25519 key before it stores them (what it does now);
- **sealed in client**: the client commits, computes the component figures, seals every row and
  the facility salts to the party's X25519 key and signs (``declarations.seal_items``); the
  server checks the figures against the commitment and stores ciphertext
  (``submit_sealed_items``).

    .venv/bin/python bench/bench_sealing.py            # 100,000 items
    .venv/bin/python bench/bench_sealing.py --quick    # 5,000 items, a smoke run

The ratios over the clear-row baseline are what count (target: under 1.5x); all are measured in
the same run.
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


def _store(path: Path, key: SignerKey, sealing: SealingKey) -> tuple[Database, Any]:
    db = Database(f"sqlite:///{path}", SignerKey.generate("bench/log", seed=bytes(32)))
    upgrade(db.engine)
    accounts.load_treaty(db, "new-start", at=NOW)
    accounts.register_party(
        db,
        treaty="new-start",
        code="USA",
        name="USA",
        key=str(key.verifier()),
        encryption_key=str(sealing.public()),
        at=NOW,
    )
    accounts.add_user(db, name="usa", role="party", treaty="new-start", party="USA", at=NOW)
    token = accounts.issue_token(db, user="usa", at=NOW, days=30, rng=os.urandom).token
    return db, accounts.authenticate(db, token, at=NOW)


def _clear_rows(session: Any, row: Any, opening: Any, _to: Any, *, rng: Any) -> None:
    """The storage before encryption at rest: one clear JSON row per item (the baseline)."""
    from sqlalchemy import insert

    from armsctl.store.models import DeclarationItem

    row.private = {"facilities": opening["facilities"], "pad_salt": opening["pad_salt"]}
    session.execute(
        insert(DeclarationItem),
        [
            {
                "declaration_id": row.id,
                "position": e["index"],
                "uid": str(e["item"]["uid"]),
                "facility": str(e["item"]["facility"]),
                "salt": bytes.fromhex(e["salt"]),
                "record": e["item"],
            }
            for e in opening["items"]
        ],
    )


def _submit_in_clear(
    path: Path, signer: SignerKey, sealing: SealingKey, items: list[Any], persist: Any
) -> tuple[float, float]:
    """One party-signed submit of items in clear: (client seconds, server seconds).

    ``persist`` replaces the server's item storage (the clear-row baseline), or ``None``.
    """
    db, actor = _store(path, signer, sealing)
    common = {"treaty": "new-start", "party": "USA", "as_of": AS_OF, "at": NOW}
    extras: dict[str, Any] = {}
    client = _timed(
        lambda: extras.update(
            declarations.sign_items(
                signer, _client_items(load_treaty("new-start"), items), rng=os.urandom
            )
        )
    )  # fmt: skip
    original = declarations._persist_items
    if persist is not None:
        declarations._persist_items = persist
    try:
        server = _timed(
            lambda: declarations.submit_items(
                db, actor, **common, items=items, allow=allow_all, rng=os.urandom,
                require_signature=True, **extras,
            )
        )  # fmt: skip
    finally:
        declarations._persist_items = original
        db.dispose()
    return client, server


def _client_items(treaty: Any, items: list[dict[str, Any]]) -> declarations.ClientItems:
    """The submission the party's client commits to and signs (USA, as of ``AS_OF``)."""
    return declarations.ClientItems(treaty=treaty, party="USA", as_of=AS_OF, items=items, at=NOW)


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
    common = {"treaty": "new-start", "party": "USA", "as_of": AS_OF, "at": NOW}
    with tempfile.TemporaryDirectory() as tmp:
        for name, persist in (("clear rows", _clear_rows), ("sealed at rest", None)):
            path = Path(tmp) / f"{name.replace(' ', '-')}.db"
            client, server = _submit_in_clear(path, signer, sealing, items, persist)
            times[f"{name}: client"], times[f"{name}: server"] = client, server
        db, actor = _store(Path(tmp) / "sealed-client.db", signer, sealing)
        sealed: dict[str, Any] = {}
        times["sealed in client: client"] = _timed(
            lambda: sealed.update(
                declarations.seal_items(
                    signer, sealing.public(), _client_items(treaty, items), rng=os.urandom
                )
            )
        )  # fmt: skip
        times["sealed in client: server"] = _timed(
            lambda: declarations.submit_sealed_items(
                db, actor, **common, allow=allow_all, require_signature=True, **sealed
            )
        )
        db.dispose()
    whole = {
        name: times[f"{name}: client"] + times[f"{name}: server"]
        for name in ("clear rows", "sealed at rest", "sealed in client")
    }
    base = whole["clear rows"]
    print(f"items: {n:,}   load: {os.getloadavg()[0]:.2f}")
    for name, seconds in times.items():
        print(f"{name:26s} {seconds:8.2f} s")
    for name, seconds in whole.items():
        print(f"{name:26s} whole {seconds:8.2f} s   ratio {seconds / base:.2f}x")
    server_ratio = times["sealed at rest: server"] / times["clear rows: server"]
    print(f"server side only, sealed at rest / clear rows: {server_ratio:.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "items": n,
        "seconds": times,
        "whole": whole,
        "ratio_over_clear_rows": {k: v / base for k, v in whole.items()},
    }
    args.out.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
