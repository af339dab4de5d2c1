"""Verification benchmarks: Monte Carlo against exact sampling, a large LP game, a Dask sweep.

Measures, in one run:

1. simulated attribute samples per second (``Generator.hypergeometric``, one thread and one
   thread per core with streams from ``SeedSequence.spawn``) against the exact hypergeometric
   evaluated by SciPy (``hypergeom.sf``) and by ``armsctl`` for the same cases (target: >= 20 M
   simulated sample draws/s; exact < 10 ms per case at N = 10^6);
2. a zero-sum inspection game with 1,000 pure strategies per side solved by HiGHS (target < 5 s);
3. a sweep of 100 regime scenarios on a local Dask cluster with 2 workers against the same sweep
   run serially, with and without the cluster's start-up (the honest speed-up).

    python bench/bench_verification.py            # full size
    python bench/bench_verification.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy.stats import hypergeom

from armsctl.verification.games import solve_zero_sum
from armsctl.verification.sampling import detection_probability
from armsctl.verification.simulate import local_cluster, run_sweep
from bench_dask import regime_sweep

RESULTS = Path(__file__).with_name("results") / "verification.json"
CASES = [(1_000, 5, 50), (10**6, 100, 1_000), (10**6, 1_000, 100_000), (10**7, 10, 10**6)]


def _median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _case(n_pop: int, n_def: int, n_smp: int, draws: int, workers: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    t_one = _median_time(lambda: rng.hypergeometric(n_def, n_pop - n_def, n_smp, draws), 3)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(1).spawn(workers)]
    chunk = draws // workers

    def one_stream(g: np.random.Generator) -> None:
        g.hypergeometric(n_def, n_pop - n_def, n_smp, chunk)

    def threaded() -> None:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one_stream, streams))

    t_par = _median_time(threaded, 3)
    t_scipy = _median_time(lambda: hypergeom(n_pop, n_def, n_smp).sf(0), 20)
    t_ours = _median_time(lambda: detection_probability(n_pop, n_def, n_smp), 20)
    hits = np.count_nonzero(rng.hypergeometric(n_def, n_pop - n_def, n_smp, draws))
    return {
        "N": n_pop,
        "M": n_def,
        "n": n_smp,
        "mc_draws_per_s_1_thread": draws / t_one,
        "mc_draws_per_s_all_threads": workers * chunk / t_par,
        "threads": workers,
        "exact_scipy_ms": 1e3 * t_scipy,
        "exact_armsctl_ms": 1e3 * t_ours,
        "mc_estimate": float(hits) / draws,
        "exact": detection_probability(n_pop, n_def, n_smp),
        "draws": draws,
    }


def bench_sampling(draws: int) -> list[dict[str, float]]:
    out = []
    workers = os.cpu_count() or 1
    for n_pop, n_def, n_smp in CASES:
        row = _case(n_pop, n_def, n_smp, draws, workers)
        out.append(row)
        print(
            f"  N={n_pop:>10,} M={n_def:>6,} n={n_smp:>9,}: "
            f"MC {row['mc_draws_per_s_1_thread'] / 1e6:6.1f} M/s (1 thread), "
            f"{row['mc_draws_per_s_all_threads'] / 1e6:6.1f} M/s ({workers} threads); "
            f"exact SciPy {row['exact_scipy_ms']:.3f} ms, armsctl {row['exact_armsctl_ms']:.3f} ms; "
            f"MC {row['mc_estimate']:.5f} vs exact {row['exact']:.5f}"
        )
    return out


def bench_game(size: int) -> dict[str, float]:
    rng = np.random.default_rng(3)
    dense = rng.random((size, size))
    t0 = time.perf_counter()
    sol = solve_zero_sum(dense)
    t_dense = time.perf_counter() - t0
    # A structured inspection game: the inspector inspects one of `size` sites, the inspectee
    # violates at one; detection d_s at the inspected site, nothing elsewhere.
    d = rng.uniform(0.2, 1.0, size)
    t0 = time.perf_counter()
    sol2 = solve_zero_sum(np.diag(d))
    t_diag = time.perf_counter() - t0
    exact_value = 1 / np.sum(1 / d)
    print(
        f"  random {size}x{size}: {t_dense:.2f} s (value {sol.value:.6f}); "
        f"site game {size}x{size}: {t_diag:.2f} s (value {sol2.value:.6g}, closed form {exact_value:.6g})"
    )
    return {
        "size": size,
        "random_game_s": t_dense,
        "site_game_s": t_diag,
        "site_game_error": abs(sol2.value - exact_value),
    }


def bench_dask(trials: int) -> dict[str, float]:
    from distributed import Client

    scenarios = regime_sweep(trials)
    t0 = time.perf_counter()
    serial = run_sweep(scenarios, seed=7)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    dask = run_sweep(scenarios, seed=7, scheduler="local", workers=2)
    t_dask_total = time.perf_counter() - t0
    same = all(
        np.array_equal(a.first_period, b.first_period) for a, b in zip(serial, dask, strict=True)
    )
    # The same sweep on a cluster that is already up (start-up excluded).
    with local_cluster(2) as cluster, Client(cluster) as client:
        client.run(lambda: None)
        t0 = time.perf_counter()
        run_sweep(scenarios, seed=7, scheduler=cluster.scheduler_address)
        t_dask_warm = time.perf_counter() - t0
    print(
        f"  {len(scenarios)} scenarios x {trials:,} trials: serial {t_serial:.2f} s; Dask 2 workers "
        f"{t_dask_total:.2f} s with start-up (x{t_serial / t_dask_total:.2f}), {t_dask_warm:.2f} s on a "
        f"running cluster (x{t_serial / t_dask_warm:.2f}); identical results: {same}"
    )
    return {
        "scenarios": len(scenarios),
        "trials": trials,
        "serial_s": t_serial,
        "dask_with_startup_s": t_dask_total,
        "dask_running_cluster_s": t_dask_warm,
        "speedup_with_startup": t_serial / t_dask_total,
        "speedup_running_cluster": t_serial / t_dask_warm,
        "identical": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args()
    draws = 10**6 if args.quick else 10**7
    size = 200 if args.quick else 1000
    trials = 500 if args.quick else 10_000
    print(f"Monte Carlo vs exact hypergeometric ({draws:,} simulated samples per case):")
    sampling = bench_sampling(draws)
    print("Zero-sum game by LP (HiGHS):")
    game = bench_game(size)
    print("Sweep, serial vs Dask LocalCluster (2 workers):")
    sweep = bench_dask(trials)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": args.quick,
                "cpus": os.cpu_count(),
                "sampling": sampling,
                "game": game,
                "sweep": sweep,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
