"""Dask where it pays: a regime sweep whose serial time is over 30 s, serial vs 2 local workers.

The sweep is 100 scenarios (quota scale x cheating size x strategy). The trial count is
calibrated first so the serial run takes at least ``--serial-seconds`` (default 35) on this
machine, then the sweep is run serially, on a fresh ``LocalCluster`` of 2 worker processes
(start-up included) and on a cluster already running, and the results are compared array by
array (they must be identical: each scenario has its own seed from ``SeedSequence.spawn``).
``run_sweep`` chunks the scenarios into tasks of about ``TASK_SECONDS`` each.

On a machine with other work running, two workers get less than two cores: the load average
is recorded before and after, and the speed-up is only meaningful against it.

    .venv/bin/python bench/bench_dask.py [--serial-seconds 35] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from armsctl.verification.planning import Quota, Site
from armsctl.verification.simulate import (
    TASK_SECONDS,
    Cheating,
    Regime,
    local_cluster,
    run_scenario,
    run_sweep,
    sweep_scenarios,
)


def regime_sweep(trials: int) -> list:  # type: ignore[type-arg]
    """The 100-scenario sweep both Dask benchmarks time (quota scale x size x strategy)."""
    sites = tuple(
        [Site(f"T1-{i}", "type-one", 40 + 15 * i) for i in range(15)]
        + [Site(f"T2-{i}", "type-two", 10 + 5 * i) for i in range(10)]
    )
    regime = Regime(sites, (Quota("type-one", 10), Quota("type-two", 8)), items_checked=10)
    return sweep_scenarios(
        regime,
        Cheating("concentrate", 1),
        quota_scales=[0.25, 0.5, 0.75, 1.0, 1.25],
        sizes=[1, 2, 5, 10, 20],
        strategies=["concentrate", "spread", "move", "timed"],
        years=5,
        trials=trials,
    )


def _calibrate(target_s: float) -> int:
    """Trials per scenario so that the 100-scenario sweep takes about ``target_s`` serially."""
    probe = 2000
    scenarios = regime_sweep(probe)
    seeds = np.random.SeedSequence(0).spawn(len(scenarios))
    t0 = time.perf_counter()
    for sc, ss in list(zip(scenarios, seeds, strict=True))[::10]:
        run_scenario(sc, ss)
    per_scenario = (time.perf_counter() - t0) / 10
    return max(probe, int(probe * target_s / (per_scenario * len(scenarios))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--serial-seconds", type=float, default=35.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a 3 s sweep (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.serial_seconds = 3.0
    from distributed import Client

    load_before = [round(x, 2) for x in os.getloadavg()]
    trials = _calibrate(args.serial_seconds)
    scenarios = regime_sweep(trials)
    t0 = time.perf_counter()
    serial = run_sweep(scenarios, seed=7)
    t_serial = time.perf_counter() - t0
    print(f"serial: {len(scenarios)} scenarios x {trials:,} trials in {t_serial:.1f} s", flush=True)
    t0 = time.perf_counter()
    fresh = run_sweep(scenarios, seed=7, scheduler="local", workers=args.workers)
    t_fresh = time.perf_counter() - t0
    print(f"dask, new local cluster: {t_fresh:.1f} s (x{t_serial / t_fresh:.2f})", flush=True)
    with local_cluster(args.workers) as cluster, Client(cluster) as client:
        client.run(lambda: None)
        t0 = time.perf_counter()
        warm = run_sweep(scenarios, seed=7, scheduler=cluster.scheduler_address)
        t_warm = time.perf_counter() - t0
    print(f"dask, running cluster: {t_warm:.1f} s (x{t_serial / t_warm:.2f})", flush=True)
    identical = all(
        np.array_equal(a.first_period, b.first_period)
        and np.array_equal(a.first_period, c.first_period)
        for a, b, c in zip(serial, fresh, warm, strict=True)
    )
    results = {
        "command": "python bench/bench_dask.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()),
        "machine": f"{os.cpu_count()} cores",
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "scenarios": len(scenarios),
        "trials": trials,
        "task_seconds": TASK_SECONDS,
        "workers": args.workers,
        "serial_s": round(t_serial, 2),
        "dask_new_cluster_s": round(t_fresh, 2),
        "dask_running_cluster_s": round(t_warm, 2),
        "speedup_new_cluster": round(t_serial / t_fresh, 2),
        "speedup_running_cluster": round(t_serial / t_warm, 2),
        "identical_to_serial": identical,
    }
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results" / "dask.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    if not identical:
        raise SystemExit("Dask results differ from the serial run")


if __name__ == "__main__":
    main()
