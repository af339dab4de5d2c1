"""Server time of every dashboard page with 10,000 declarations and 100,000 log entries.

Seeds the demo store (``armsctl.web.demo.seed_demo``), adds aggregate declarations (one
transaction each, through the same use-case as the API) until there are ``--declarations`` of
them, fills the log with sealed entries up to ``--entries``, signs a checkpoint, then requests
each page in-process (Starlette's test client: no network, so the time is the server's).

Two figures per page, as medians over ``--repeat`` requests:

- ``cold``: the first request after a new declaration is stored (computed views are cached
  under the declarations' count and newest id, the log-size keyed ones under the log size; a
  new declaration makes both stale: the worst case a user meets);
- ``warm``: repeated requests with an unchanged log (what most requests see).

The baseline is ``GET /api/v1/health`` measured in the same run; figures are also given as
ratios to it. Target: every page under 200 ms. Results go to ``bench/results/web.json``.

    .venv/bin/python bench/bench_web.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.ledger.envelope import seal_entry
from armsctl.server import create_app
from armsctl.service import Listing, declarations
from armsctl.service._base import allow_all
from armsctl.service.accounts import authenticate
from armsctl.service.log import sign_checkpoint
from armsctl.settings import Settings
from armsctl.web.demo import seed_demo

NOW = dt.datetime.now(dt.UTC)


SIGNED, EXPIRED = dt.date(2010, 4, 8), dt.date(2026, 2, 5)  # New START's life


def _free_days(db: Any, party: str) -> Iterator[dt.date]:
    """Dates New START allows (signature to expiry) that ``party`` has not declared yet."""
    taken = {
        d.as_of
        for d in declarations.list_declarations(
            db, Listing("new-start", party=party, limit=100_000)
        ).results
    }
    day = SIGNED
    while day < EXPIRED:
        if day.isoformat() not in taken:
            yield day
        day += dt.timedelta(days=1)


def _fill(settings: Settings, tokens: dict[str, str], n_decl: int, n_entries: int) -> None:
    app = create_app(settings)
    db = app.state.armsctl.db
    offices = {
        "USA": authenticate(db, tokens["usa-office"], at=NOW),
        "RUS": authenticate(db, tokens["rus-office"], at=NOW),
    }
    existing = declarations.list_declarations(db, Listing("new-start", limit=1)).total
    # Dates the treaty allows, around the record's (about 5,780 days per party fit).
    free = {party: _free_days(db, party) for party in offices}
    t0 = time.perf_counter()
    for i in range(max(0, n_decl - existing)):
        party = "USA" if i % 2 == 0 else "RUS"
        actor = offices[party]
        assert actor is not None
        declarations.submit_aggregate(
            db,
            actor,
            treaty="new-start",
            party=party,
            as_of=next(free[party]),
            figures={
                "deployed-delivery-vehicles": 600 + i % 90,
                "deployed-warheads": 1400 + i % 140,
                "total-launchers": 700 + i % 95,
            },
            allow=allow_all,
            at=NOW,
        )
    print(f"  declarations: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    with db.read() as session:
        size = db.ledger.size(session.connection())
    batch = 5000
    while size < n_entries:
        count = min(batch, n_entries - size)
        entries = [
            seal_entry(
                kind="bench-filler",
                treaty="new-start",
                party="server",
                at=NOW,
                body={"n": size + k},
                signer=db.signer,
            )
            for k in range(count)
        ]
        with db.write() as (_session, conn):
            db.ledger.append(conn, entries)
        size += count
    sign_checkpoint(db)
    print(f"  log filler: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    db.dispose()


def _signed_in(app: Any, token: str) -> TestClient:
    client = TestClient(app)
    pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert pre is not None
    r = client.post(
        "/signin", data={"token": token, "csrf_token": pre.group(1)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return client


def _time(client: TestClient, path: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = client.get(path)
    return (time.perf_counter() - t0) * 1000, r.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="500 declarations, 5,000 entries")
    parser.add_argument("--declarations", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.declarations, args.entries, args.repeat = 500, 5_000, 3
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = Settings(database_url=f"sqlite:///{work / 'web.db'}")
    print(f"seeding {args.declarations} declarations, {args.entries} entries", file=sys.stderr)
    seeded = seed_demo(settings, work, at=NOW, items=400)
    _fill(settings, seeded["tokens"], args.declarations, args.entries)

    app = create_app(settings)
    db = app.state.armsctl.db
    party = _signed_in(app, seeded["tokens"]["usa-office"])
    anon = TestClient(app)
    listing = party.get("/declarations?party=USA").text
    items = re.findall(r'<a href="/declarations/(\d+)">[^<]+</a></td><td>items</td>', listing)
    public = anon.get("/public").text
    proof_index = re.findall(r'class="js-verify" data-index="(\d+)"', public)[-1]
    pages = [
        ("/public", anon),
        ("/overview", party),
        ("/history", party),
        ("/history?interpretation=counts-converted", party),
        ("/declarations", party),
        (f"/declarations/{items[0]}", party),
        (f"/declarations/diff?a={items[0]}&b={items[1]}", party),
        ("/notifications", party),
        ("/inspections", party),
        ("/monitoring", party),
        ("/log", party),
        (f"/log/proof/{proof_index}", party),
        (f"/public/proof/{proof_index}", anon),
        ("/public/new-start.csv", anon),
        ("/public/new-start.json", anon),
    ]
    baseline = statistics.median(_time(anon, "/api/v1/health")[0] for _ in range(20))
    results: dict[str, Any] = {}
    writer = authenticate(db, seeded["tokens"]["rus-office"], at=NOW)
    assert writer is not None
    day = _free_days(db, "RUS")
    for path, client in pages:
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(args.repeat):
            # A new declaration makes every cached view stale.
            declarations.submit_aggregate(
                db,
                writer,
                treaty="new-start",
                party="RUS",
                as_of=next(day),
                figures={"deployed-warheads": 1000},
                allow=allow_all,
                at=NOW,
            )
            ms, status = _time(client, path)
            assert status == 200, (path, status)
            cold.append(ms)
            warm += [_time(client, path)[0] for _ in range(2)]
        results[path] = {
            "cold_ms": round(statistics.median(cold), 1),
            "warm_ms": round(statistics.median(warm), 1),
            "cold_ratio": round(statistics.median(cold) / baseline, 1),
            "under_200ms_cold": statistics.median(cold) < 200,
            "under_200ms_warm": statistics.median(warm) < 200,
        }
        r = results[path]
        print(f"{path:48s} cold {r['cold_ms']:8.1f} ms  warm {r['warm_ms']:8.1f} ms")
    out = {
        "declarations": args.declarations,
        "log_entries": args.entries,
        "baseline_health_ms": round(baseline, 2),
        "pages": results,
        "machine": "in-process test client, SQLite WAL, one process",
    }
    path = Path(__file__).parent / "results" / "web.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"baseline GET /api/v1/health {baseline:.2f} ms; written {path}")
    db.dispose()


if __name__ == "__main__":
    main()
