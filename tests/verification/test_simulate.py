"""Monte Carlo regimes agree with exact answers, are reproducible, and run the same on Dask."""

from __future__ import annotations

import numpy as np
import pytest

from armsctl.errors import InputError, ParameterError
from armsctl.verification.planning import Quota, Site
from armsctl.verification.sampling import detection_probability
from armsctl.verification.scenario import study_from_mapping
from armsctl.verification.simulate import (
    Cheating,
    Regime,
    plan_chunks,
    run_sweep,
    sample_detection,
    simulate,
    sweep_scenarios,
    wilson_interval,
)

SITES = tuple(
    [Site(f"A{i}", "type-one", 60 + 20 * i) for i in range(8)]
    + [Site(f"B{i}", "type-two", 15 + 5 * i) for i in range(6)]
)
QUOTAS = (Quota("type-one", 3), Quota("type-two", 2))


def _inside(result_p: float, detected: int, trials: int, exact: float) -> bool:
    lo, hi = wilson_interval(detected, trials, z=3.29)  # 99.9 %: a fixed seed, no flakiness
    return lo <= exact <= hi


@pytest.mark.parametrize(
    ("n_pop", "n_def", "n_smp"), [(1000, 5, 50), (10**6, 100, 1000), (50, 49, 1)]
)
def test_sampling_simulation_agrees_with_exact(n_pop: int, n_def: int, n_smp: int) -> None:
    est = sample_detection(n_pop, n_def, n_smp, trials=200_000, rng=np.random.default_rng(1))
    exact = detection_probability(n_pop, n_def, n_smp)
    assert _inside(est.probability, est.detected, est.trials, exact)


@pytest.mark.parametrize("checked", [None, 10])
@pytest.mark.parametrize("selection", ["uniform", "planned"])
@pytest.mark.parametrize(
    "cheating",
    [
        Cheating("concentrate", 3),
        Cheating("concentrate", 2, target="A7"),
        Cheating("timed", 3, window=2),
    ],
)
def test_regime_simulation_agrees_with_exact(
    cheating: Cheating, selection: str, checked: int | None
) -> None:
    regime = Regime(SITES, QUOTAS, periods=6, items_checked=checked, selection=selection)  # type: ignore[arg-type]
    r = simulate(regime, cheating, years=3, trials=20_000, rng=np.random.default_rng(11))
    assert r.exact is not None
    assert _inside(r.probability, r.detected, r.trials, r.exact)
    assert len(r.by_year()) == 3
    assert r.by_year()[-1][0] == pytest.approx(r.probability)


def test_same_seed_same_result() -> None:
    regime = Regime(SITES, QUOTAS, items_checked=10)
    a = simulate(regime, Cheating("move", 4), years=4, trials=3000, rng=np.random.default_rng(3))
    b = simulate(regime, Cheating("move", 4), years=4, trials=3000, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.first_period, b.first_period)


def test_strategies_rank_as_expected() -> None:
    regime = Regime(SITES, QUOTAS, periods=12)
    rng = np.random.default_rng(9)
    spread = simulate(regime, Cheating("spread", 4, sites=4), years=2, trials=8000, rng=rng)
    one = simulate(regime, Cheating("concentrate", 4), years=2, trials=8000, rng=rng)
    moving = simulate(regime, Cheating("move", 4, move_success=1.0), years=2, trials=8000, rng=rng)
    assert spread.probability > one.probability  # more sites, more chances
    assert moving.probability == 0.0  # a perfect shell game defeats whole-site inspections
    assert one.mean_time_to_detection() is not None
    assert moving.mean_time_to_detection() is None


def test_bad_parameters() -> None:
    regime = Regime(SITES, QUOTAS)
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match="size"):
        Cheating("concentrate", 0)
    with pytest.raises(ParameterError, match="strategy"):
        Cheating("bribe", 1)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="size"):
        simulate(regime, Cheating("concentrate", 10_000), years=1, trials=10, rng=rng)
    with pytest.raises(ParameterError, match="target"):
        simulate(regime, Cheating("concentrate", 1, target="nowhere"), years=1, trials=10, rng=rng)
    with pytest.raises(ParameterError, match="years"):
        simulate(regime, Cheating("concentrate", 1), years=0, trials=10, rng=rng)
    with pytest.raises(ParameterError, match="per_year"):
        Regime(SITES, (Quota("type-one", -1),))


def _scenarios() -> list:  # type: ignore[type-arg]
    return sweep_scenarios(
        Regime(SITES, QUOTAS, items_checked=12),
        Cheating("concentrate", 1),
        quota_scales=[0.5, 1.0],
        sizes=[1, 4],
        strategies=["concentrate", "spread", "move"],
        years=2,
        trials=1500,
    )


def test_sweep_on_dask_equals_serial() -> None:
    scenarios = _scenarios()
    assert len(scenarios) == 12
    serial = run_sweep(scenarios, seed=42)
    seen: list[int] = []
    dask = run_sweep(
        scenarios,
        seed=42,
        scheduler="local",
        workers=2,
        processes=False,
        progress=lambda done, total: seen.append(done),
        min_parallel_seconds=0,  # too small to pay for Dask: forced, to compare
    )
    assert seen[-1] == 12
    for a, b in zip(serial, dask, strict=True):
        assert a.label == b.label
        np.testing.assert_array_equal(a.first_period, b.first_period)
    with pytest.raises(ParameterError, match="scheduler"):
        run_sweep(scenarios[:1], seed=1, scheduler="localhost:1")


def test_a_sweep_too_small_for_dask_runs_serially_and_says_so() -> None:
    scenarios = _scenarios()[:3]
    notes: list[str] = []
    small = run_sweep(scenarios, seed=5, scheduler="local", note=notes.append)
    assert len(notes) == 1 and "serially" in notes[0]
    for a, b in zip(run_sweep(scenarios, seed=5), small, strict=True):
        np.testing.assert_array_equal(a.first_period, b.first_period)


def test_chunks_cover_every_scenario_once_in_order_and_feed_every_worker() -> None:
    for count, per_s, workers in ((100, 0.001, 2), (7, 5.0, 2), (1, 0.1, 4), (50, 0.05, 3)):
        chunks = plan_chunks(count, per_s, workers)
        assert [i for c in chunks for i in c] == list(range(count))
        assert len(chunks) >= min(count, 2 * workers)
    # cheap scenarios are grouped (about TASK_SECONDS of work per task), dear ones are not
    assert len(plan_chunks(1000, 0.001, 2)[0]) == 250
    assert len(plan_chunks(10, 2.0, 2)[0]) == 1


SCENARIO = {
    "quotas": [{"type": "t", "per_year": 2}],
    "site_groups": [{"prefix": "S", "type": "t", "count": 4, "items": 10}],
    "cheating": [{"strategy": "move", "size": 2}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"cheating": [{"size": 2, "move_success": "half"}]},
            r"f\.toml:cheating\[0\]\.move_success: must be a number, got 'half'",
        ),
        (
            {"sweep": {"quota_scales": ["x"]}},
            r"f\.toml:sweep\.quota_scales: item 1 must be a number, got 'x'",
        ),
        ({"quotas": [{"type": "t", "per_yer": 2}]}, r"f\.toml:quotas\[0\]\.per_yer: unknown key"),
        ({"quotas": [{"type": "t", "per_yer": 2}]}, r"f\.toml:quotas\[0\]\.per_year: is required"),
        (
            {"site_groups": [{"type": "t", "count": 4, "items": 10, "prefx": "S"}]},
            r"f\.toml:site_groups\[0\]\.prefx: unknown key",
        ),
        (
            {"sites": [{"name": "a", "type": "t", "items": True}]},
            r"f\.toml:sites\[0\]\.items: must be a whole number",
        ),
        ({"sweep": {"sizes": [1], "strategy": ["move"]}}, r"f\.toml:sweep\.strategy: unknown key"),
        (
            {"cheating": [{"size": 2, "strategy": "hide"}]},
            r"f\.toml:cheating\[0\]\.strategy: must be one of",
        ),
        ({"quotas": {"type": "t"}}, r"f\.toml:quotas: must be an array of tables"),
        ({"selection": "best"}, r"f\.toml:selection: must be one of uniform, planned"),
    ],
)
def test_every_scenario_key_is_checked_with_file_and_path(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        study_from_mapping(SCENARIO | change, where="f.toml")


def test_every_problem_is_reported_at_once() -> None:
    bad = SCENARIO | {
        "quotas": [{"type": "t", "per_yer": 2}],
        "cheating": [{"size": 0, "move_success": "half"}],
    }
    with pytest.raises(InputError) as info:
        study_from_mapping(bad, where="f.toml")
    assert len(info.value.problems) == 4


@pytest.mark.parametrize(
    ("cheating", "message"),
    [
        (
            {"size": 2, "target": "nowhere"},
            r"f\.toml:cheating\[0\]: target: no site named 'nowhere'",
        ),
        ({"size": 50}, r"f\.toml:cheating\[0\]: size: only 0 site\(s\) can hold 50"),
        (
            {"size": 1, "strategy": "timed", "window": 13},
            r"f\.toml:cheating\[0\]: window \(13\) exceeds periods",
        ),
    ],
)
def test_problems_found_only_when_simulating_name_file_and_table(
    cheating: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        study_from_mapping(SCENARIO | {"cheating": [cheating]}, where="f.toml")
    with pytest.raises(InputError, match=r"f\.toml:sweep \(quota x1 size 50 move\): size: only"):
        study_from_mapping(SCENARIO | {"sweep": {"sizes": [50]}}, where="f.toml")


def test_scenario_file_mapping() -> None:
    data = {
        "seed": 5,
        "trials": 100,
        "years": 2,
        "quotas": [{"type": "t", "per_year": 2}],
        "site_groups": [{"prefix": "S", "type": "t", "count": 4, "items": 10}],
        "cheating": [{"strategy": "timed", "size": 2, "window": 2}],
    }
    study = study_from_mapping(data)
    assert study.seed == 5
    (sc,) = study.scenarios
    assert [s.name for s in sc.regime.sites] == ["S 1", "S 2", "S 3", "S 4"]
    assert sc.cheating.window == 2
    swept = study_from_mapping(data | {"sweep": {"sizes": [1, 2], "strategies": ["spread"]}})
    assert len(swept.scenarios) == 2
    with pytest.raises(InputError, match=r"quotas\[0\]\.per_year: must be a whole number >= 0"):
        study_from_mapping(data | {"quotas": [{"type": "t", "per_year": -3}]})
    with pytest.raises(Exception, match="unknown key"):
        study_from_mapping(data | {"bogus": 1})


def test_sweep_workers_keep_the_allocators_adaptive_defaults() -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_ (glibc then maps every array afresh: 1.65x
    slower NumPy here); a sweep's local cluster leaves it unset and keeps one BLAS thread."""
    import os

    from distributed import Client

    from armsctl.verification.simulate import local_cluster

    with local_cluster(1) as cluster, Client(cluster) as client:
        env = client.run(
            lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ.get("OMP_NUM_THREADS"))
        )
    assert list(env.values()) == [(None, "1")]
