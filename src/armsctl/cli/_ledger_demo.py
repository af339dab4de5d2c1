"""The integrity step of ``armsctl demo``: log the exchanges, sign, prove, commit and reveal."""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from armsctl.errors import VerificationError
from armsctl.ledger.bundle import TrustPolicy, verify_bundle
from armsctl.ledger.envelope import open_entry, seal_entry
from armsctl.ledger.escrow import DECLARATION_KIND, commit_items, reveal_items, verify_reveal
from armsctl.ledger.note import SignerKey, VerifierKey
from armsctl.service.log import build_proof_bundle
from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore

__all__ = ["run_demo", "synthetic_items"]

TREATY = "new-start"
LOG_NAME = "demo.armsctl.example/log"


def _json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _as_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def synthetic_items(n: int, *, seed: int) -> list[dict[str, Any]]:
    """Make ``n`` plausible item records (deployed and non-deployed launchers, warheads)."""
    rng = random.Random(seed)
    facilities = ["base-alpha", "base-bravo", "base-charlie", "depot-delta"]
    categories = ["icbm-launcher", "slbm-launcher", "heavy-bomber", "warhead"]
    statuses = ["deployed", "non-deployed"]
    return [
        {
            "uid": f"item-{i:05d}",
            "category": rng.choice(categories),
            "status": rng.choice(statuses),
            "facility": rng.choice(facilities),
            "year": rng.randint(1985, 2020),
        }
        for i in range(n)
    ]


def run_demo(console: Console, workdir: Path, aggregates: list[dict[str, object]]) -> None:
    """See ``armsctl.cli.ledger.demo_step``."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    store = LedgerStore()
    log_key = SignerKey.generate(LOG_NAME, seed=os.urandom(32))
    party_keys: dict[str, SignerKey] = {}

    by_party: dict[str, list[bytes]] = defaultdict(list)
    for row in aggregates:
        party = str(row.get("party", "unknown"))
        signer = party_keys.setdefault(party, SignerKey.generate(party, seed=os.urandom(32)))
        by_party[party].append(
            seal_entry(
                kind="aggregate",
                treaty=TREATY,
                party=party,
                at=_as_time(row.get("as_of")),
                body=_json_ready(row),
                signer=signer,
            )
        )
    with engine.begin() as conn:
        store.create(conn)
        for entries in by_party.values():
            store.append_envelopes(conn, entries)
        note = store.sign_checkpoint(conn, log_key)
        size = store.size(conn)
        bundle = (
            build_proof_bundle(conn, store, index=0, log_key=log_key.verifier()) if size else None
        )
    (workdir / "checkpoint.txt").write_text(note, encoding="utf-8")
    console.print(
        f"[bold]ledger[/]: {len(aggregates)} New START figures from {len(by_party)} parties "
        f"appended to {db.name}; checkpoint signed at size {size}"
    )

    # An outsider holds only the proof bundle and the log's key, obtained out of band.
    if bundle is not None:
        (workdir / "proof.json").write_text(json.dumps(bundle.to_json(), indent=2) + "\n")
        trust = TrustPolicy(VerifierKey.parse(str(log_key.verifier())))
        figure = open_entry(bundle.entry).body
        try:
            verify_bundle(json.loads((workdir / "proof.json").read_text()), trust=trust)
            verdict = "verified"
        except VerificationError as exc:
            verdict = f"FAILED ({exc})"
        console.print(
            f"[bold]ledger[/]: offline proof bundle that {figure.get('party')} "
            f"{figure.get('measure')} = {figure.get('value')} ({figure.get('as_of')}) is in the "
            f"signed log: {verdict} ({len(bundle.inclusion)} hashes, proof.json)"
        )

    items = synthetic_items(400, seed=1)
    party = next(iter(party_keys), "party-a")
    signer = party_keys.setdefault(party, SignerKey.generate(party, seed=os.urandom(32)))
    made = commit_items(items, party=party, date="2026-02-05", treaty=TREATY, rng=os.urandom)
    entry = seal_entry(
        kind=DECLARATION_KIND,
        treaty=TREATY,
        party=party,
        at=datetime(2026, 2, 5, tzinfo=UTC),
        body=made.public,
        signer=signer,
    )
    with engine.begin() as conn:
        index = store.append_envelopes(conn, [entry]).first_index
        store.sign_checkpoint(conn, log_key)
        logged = open_entry(store.entry(conn, index)).body
        report = store.audit(conn, log_key=log_key.verifier())
    sample = [item["uid"] for item in random.Random(7).sample(items, 5)]
    reveal = reveal_items(made.opening, uids=sample, declaration={"index": index})
    result = verify_reveal(reveal, logged)
    counts = ", ".join(f"{k} {v}" for k, v in made.public["counts"].items())
    console.print(
        f"[bold]ledger[/]: {party} committed {len(items)} items ({counts}) as one root; "
        f"revealed {result.verified} chosen items, each verified against the logged root"
    )
    console.print(
        f"[bold]ledger[/]: audit of {report.entries} entries and {report.nodes} nodes: "
        f"{'clean' if report.ok else report.first_problem}"
    )
    engine.dispose()
