"""Reconciliation and fusion at scale, against hand-written DuckDB baselines in the same run.

Full size: two declarations of 1,000,000 items with 100,000 notifications in between, and
1,000,000 observations over 10,000 sites. ``--quick`` runs a hundredth of that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from armsctl.inventory import read_declarations, read_party_items
from armsctl.monitoring import fuse
from armsctl.notifications import reconcile
from armsctl.notifications.synthetic import synthetic_exchange
from armsctl.treaty import load_treaty

BEFORE, AFTER = dt.date(2024, 3, 1), dt.date(2024, 4, 1)
AT = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)

BASELINE = """
WITH a AS (SELECT uid, category, status, facility FROM read_parquet('{p}') WHERE as_of = DATE '2024-03-01'),
     b AS (SELECT uid, category, status, facility FROM read_parquet('{p}') WHERE as_of = DATE '2024-04-01'),
     j AS (SELECT coalesce(a.uid, b.uid) AS uid, a.uid IS NULL AS added, b.uid IS NULL AS removed,
                  a.facility <> b.facility AS moved, a.status <> b.status AS restat
           FROM a FULL JOIN b ON a.uid = b.uid),
     c AS (SELECT uid, 'item-added' AS ev FROM j WHERE added
           UNION ALL SELECT uid, 'item-removed' FROM j WHERE removed
           UNION ALL SELECT uid, 'item-moved' FROM j WHERE moved
           UNION ALL SELECT uid, 'status-changed' FROM j WHERE restat),
     n AS (SELECT uid, event FROM notes WHERE sender = 'USA' AND state IN ('sent', 'received', 'acknowledged')
           AND event_time >= TIMESTAMP '2024-03-01' AND event_time < TIMESTAMP '2024-04-01')
SELECT c.uid, c.ev FROM c ANTI JOIN n ON n.uid = c.uid AND n.event = c.ev ORDER BY 1, 2
"""


def best_of(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_reconcile(n_items: int, n_changes: int, folder: Path, repeat: int) -> dict[str, object]:
    treaty = load_treaty("new-start")
    ex = synthetic_exchange(n_items, n_changes, late=3, unnotified=5, seed=11)
    path = folder / "items.parquet"
    pq.write_table(ex.items, path)
    t = time.perf_counter()
    decls = read_declarations([path], treaty)
    read_s = time.perf_counter() - t

    def ours() -> object:
        # The item rows are read here, as the baseline reads the file in its query.
        items = read_party_items(decls, party="USA", dates=(BEFORE, AFTER))
        return reconcile(
            decls, items, ex.notifications, party="USA", before=BEFORE, after=AFTER, at=AT
        )

    ours_s, result = best_of(ours, repeat)

    def baseline() -> list[tuple[str, str]]:
        con = duckdb.connect()
        con.register("notes", ex.notifications)
        return [tuple(r) for r in con.sql(BASELINE.format(p=path)).fetchall()]

    base_s, base = best_of(baseline, repeat)
    change_of = {
        "item-added": "added",
        "item-removed": "removed",
        "item-moved": "moved",
        "status-changed": "status-changed",
    }
    ours = sorted((r["uid"], r["change"]) for r in result.uncovered)  # type: ignore[attr-defined]
    theirs = sorted((u, change_of[e]) for u, e in base)  # type: ignore[union-attr]
    return {
        "items_per_declaration": n_items,
        "notifications": ex.notifications.num_rows,
        "changes": result.counts["changes"],  # type: ignore[attr-defined]
        "read_declarations_s": round(read_s, 3),
        "reconcile_s": round(ours_s, 3),
        "baseline_join_s": round(base_s, 3),
        "ratio_vs_baseline": round(ours_s / base_s, 2),
        "agree": ours == theirs and ours == sorted(ex.unnotified),
        "uncovered": len(ours),
    }


def bench_fusion(n_obs: int, n_sites: int, repeat: int) -> dict[str, object]:
    rng = np.random.default_rng(5)
    sites = np.char.add("S", np.arange(n_sites).astype("U6")).astype(object)
    declared_n = rng.integers(2, 40, size=n_sites)
    declared = pa.table(
        {
            "party": pa.array(["USA"] * (n_sites + 1)),
            "site": pa.array([*sites, None], pa.string()),
            "category": pa.array(["icbm-launcher"] * n_sites + [None], pa.string()),
            "as_of": pa.array([BEFORE] * (n_sites + 1), pa.date32()),
            "declared": pa.array([*declared_n.tolist(), 0], pa.int64()),
        }
    )
    which = rng.integers(0, n_sites, size=n_obs)
    counting = rng.random(n_obs) < 0.8
    truth = declared_n[which] + (which % 100 == 0) * 3  # 1% of sites hide 3 items
    p = np.where(counting, 0.9, np.nan)
    lam = np.where(counting, 0.2, np.nan)
    se = np.where(counting, np.nan, 2.0)
    count = np.where(
        counting,
        rng.binomial(truth, 0.9) + rng.poisson(0.2, n_obs),
        np.maximum(0, np.rint(rng.normal(truth, 2.0))),
    )
    t0 = np.datetime64("2024-03-02T00:00:00", "us")
    obs = pa.table(
        {
            "id": pa.array(np.char.add("O", np.arange(n_obs).astype("U8"))),
            "party": pa.array(["USA"] * n_obs),
            "site": pa.array(sites[which], pa.string()),
            "category": pa.array(["icbm-launcher"] * n_obs),
            "count": pa.array(count.astype(np.int64)),
            "time": pa.array(t0 + rng.integers(0, 20 * 86400, n_obs).astype("timedelta64[s]")),
            "source": pa.array(np.where(counting, "satellite", "open-source")),
            "p_detect": pa.array(p),
            "fp_rate": pa.array(lam),
            "se": pa.array(se),
        }
    )
    ours_s, result = best_of(lambda: fuse(obs, declared, d=1), repeat)

    def baseline() -> object:
        # The least any fusion must do: join each observation to its declaration and sum per site.
        con = duckdb.connect()
        con.register("obs", obs)
        con.register("declared", declared)
        return con.sql(
            "SELECT o.site, sum((o.count - d.declared - 0.5) / 4.0) FROM obs o JOIN declared d "
            "ON o.site = d.site AND o.category = d.category GROUP BY 1"
        ).fetchall()

    base_s, _ = best_of(baseline, repeat)
    top = [s.site for s in result.ranking[: n_sites // 100]]  # type: ignore[attr-defined]
    hidden = {f"S{i}" for i in range(0, n_sites, 100)}
    return {
        "observations": n_obs,
        "sites": n_sites,
        "fuse_s": round(ours_s, 3),
        "baseline_join_sum_s": round(base_s, 3),
        "ratio_vs_baseline": round(ours_s / base_s, 2),
        "hidden_sites_in_top_1pct": f"{len(hidden & set(top))}/{len(hidden)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a hundredth of the full size")
    args = parser.parse_args()
    scale = 100 if args.quick else 1
    repeat = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        rec = bench_reconcile(1_000_000 // scale, 100_000 // scale, Path(tmp), repeat)
    fus = bench_fusion(1_000_000 // scale, 10_000 // scale, repeat)
    results = {"quick": args.quick, "reconcile": rec, "fusion": fus}
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results" / "reconcile.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
