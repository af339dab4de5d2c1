"""Workbench benchmarks: the cut optimisation and the schedules at negotiation size.

Measures, in one run:

1. the integer program for cuts over 20 categories x 5 statuses (100 component cells) under 10
   overlapping limits (each limit counts a random half of the categories in 2-3 statuses, with
   weights 1-3), built from a synthetic treaty through ``limit_rows`` and solved by
   ``optimise_cuts`` (HiGHS through ``scipy.optimize.milp``); baseline in the same run: the LP
   relaxation of the same problem solved by ``scipy.optimize.linprog`` (HiGHS), a lower bound
   that needs no branching (target: the integer program < 1 s);
2. the whole analysis (cuts, optimisation and minimal-peak schedules) for 5 parties over 10
   years with one intermediate milestone per limit; baseline in the same run: the bare
   ``ceil(cut / 10)`` arithmetic for the same cuts (target < 1 s);
3. the same analysis with the milestones written into the draft as phase steps
   (``--set LIMIT@DATE=MAX`` through ``apply_changes``) instead of ``--milestone``, so that the
   schedule reads them from the treaty; baseline: measure 2 in the same run.

    python bench/bench_workbench.py            # full size
    python bench/bench_workbench.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linprog

from armsctl.inventory.model import ComponentKey
from armsctl.treaty import Treaty
from armsctl.workbench import (
    Baseline,
    Options,
    analyse,
    apply_changes,
    limit_rows,
    optimise_cuts,
    parse_set,
)

RESULTS = Path(__file__).with_name("results") / "workbench.json"
STATUSES = ["deployed", "non-deployed", "stored", "test", "converted"]
PARTIES = ["AAA", "BBB", "CCC", "DDD", "EEE"]


def synthetic_treaty(categories: int, limits: int, seed: int = 1) -> Treaty:
    rng = random.Random(seed)
    cats = [f"cat-{i:02d}" for i in range(categories)]
    raw: dict[str, Any] = {
        "id": "synthetic",
        "title": "Synthetic treaty (benchmark only)",
        "short_title": "Synthetic",
        "parties": {"members": PARTIES},
        "dates": {"signed": dt.date(2030, 1, 1), "entry_into_force": dt.date(2030, 1, 1)},
        "statuses": [{"id": s, "title": s} for s in STATUSES],
        "categories": [{"id": c, "title": c, "statuses": STATUSES} for c in cats],
        "limits": [],
    }
    for j in range(limits):
        terms = [
            {
                "categories": sorted(rng.sample(cats, categories // 2)),
                "statuses": sorted(rng.sample(STATUSES, rng.randint(2, 3))),
                "weight": rng.randint(1, 3),
            }
        ]
        raw["limits"].append(
            {
                "id": f"limit-{j:02d}",
                "title": f"limit {j}",
                "maximum": 0,
                "effective": dt.date(2040, 1, 1),
                "article": "synthetic",
                "counting": {"terms": terms},
            }
        )
    treaty = Treaty.model_validate(raw)
    return treaty


def components(treaty: Treaty, seed: int) -> dict[ComponentKey, int]:
    rng = random.Random(seed)
    return {
        ComponentKey(c.id, s): rng.randint(0, 400) for c in treaty.categories for s in c.statuses
    }


def with_maxima(treaty: Treaty, comps: dict[ComponentKey, int]) -> Treaty:
    """Each limit's maximum at 60% of its baseline figure, so every limit needs a cut."""
    from armsctl.compliance import rule_weights

    raw = treaty.model_dump()
    for limit in raw["limits"]:
        rule = treaty.limit(limit["id"]).counting
        figure = sum(w * comps.get(k, 0) for k, w in rule_weights(rule).items())
        limit["maximum"] = int(figure * 0.6)
    return Treaty.model_validate(raw)


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_cuts(repeat: int) -> dict[str, Any]:
    base = synthetic_treaty(20, 10)
    comps = components(base, seed=2)
    treaty = with_maxima(base, comps)
    _, rows, cells = limit_rows(treaty, comps)

    def integer() -> Any:
        _, rows, cells = limit_rows(treaty, comps)
        return optimise_cuts(rows, cells)

    def relaxation() -> Any:
        names = sorted(cells)
        a = np.array([[-r.weights.get(c, 0) for c in names] for r in rows], dtype=float)
        need = np.array([sum(w * cells[c] for c, w in r.weights.items()) - r.maximum for r in rows])
        return linprog(
            np.ones(len(names)), A_ub=a, b_ub=-need, bounds=[(0, cells[c]) for c in names]
        )

    plan = integer()
    lp = relaxation()
    t_int = median_time(integer, repeat)
    t_lp = median_time(relaxation, repeat)
    return {
        "cells": len(cells),
        "limits": len(rows),
        "binding": sum(c.binding for c in plan.limits),
        "integer_objective": plan.objective,
        "lp_bound": float(lp.fun),
        "milp_s": t_int,
        "lp_s": t_lp,
        "ratio": t_int / t_lp,
    }


def bench_schedule(repeat: int) -> dict[str, Any]:
    base = synthetic_treaty(20, 10, seed=3)
    comps = [components(base, seed=10 + i) for i in range(len(PARTIES))]
    treaty = with_maxima(base, comps[0])
    start = dt.date(2030, 1, 1)
    baselines = [
        Baseline(p, "synthetic", start, limits={}, components=c)
        for p, c in zip(PARTIES, comps, strict=True)
    ]
    for b in baselines:
        from armsctl.compliance import rule_weights

        b.limits = {
            x.id: sum(w * b.components.get(k, 0) for k, w in rule_weights(x.counting).items())
            for x in treaty.limits
        }
    stones = [(x.id, dt.date(2034, 6, 1), int(x.maximum * 1.3)) for x in treaty.limits]
    options = Options(years=10, milestones=stones)

    def full() -> Any:
        return analyse(treaty, baselines, options)

    def arithmetic() -> Any:
        return {
            (b.party, x.id): math.ceil(max(0, b.limits[x.id] - x.maximum) / 10)
            for b in baselines
            for x in treaty.limits
        }

    phased, _ = apply_changes(
        treaty, [parse_set(f"{limit}@{day}={maximum}") for limit, day, maximum in stones]
    )
    phased_options = Options(years=10)

    def from_draft() -> Any:
        return analyse(phased, baselines, phased_options)

    doc = full()
    same = from_draft()
    assert [p["peak_per_year"] for p in same["parties"]] == [
        p["peak_per_year"] for p in doc["parties"]
    ], "milestones from the draft must schedule as --milestone does"
    t_full = median_time(full, repeat)
    t_ceil = median_time(arithmetic, repeat)
    t_phased = median_time(from_draft, repeat)
    return {
        "phased_analysis_s": t_phased,
        "parties": len(baselines),
        "years": 10,
        "limits": len(treaty.limits),
        "findings": len(doc["findings"]),
        "analysis_s": t_full,
        "ceil_s": t_ceil,
        "ratio": t_full / t_ceil,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else 15
    results = {"cuts": bench_cuts(repeat), "schedule": bench_schedule(repeat)}
    c, s = results["cuts"], results["schedule"]
    print(
        f"cuts: {c['cells']} cells x {c['limits']} limits, MILP {1000 * c['milp_s']:.1f} ms "
        f"(LP relaxation {1000 * c['lp_s']:.1f} ms, ratio {c['ratio']:.1f}); objective "
        f"{c['integer_objective']:.0f} vs LP bound {c['lp_bound']:.1f}; {c['binding']} binding"
    )
    print(
        f"schedule: {s['parties']} parties x {s['years']} years x {s['limits']} limits, analysis "
        f"{1000 * s['analysis_s']:.1f} ms (bare ceil arithmetic {1000 * s['ceil_s']:.3f} ms); "
        f"{s['findings']} findings"
    )
    print(
        f"schedule with the milestones as phase steps of the draft: "
        f"{1000 * s['phased_analysis_s']:.1f} ms (same peaks as --milestone)"
    )
    ok = c["milp_s"] < 1 and s["analysis_s"] < 1 and s["phased_analysis_s"] < 1
    print("targets (< 1 s each):", "met" if ok else "MISSED")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
