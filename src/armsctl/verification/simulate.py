"""Monte Carlo evaluation of inspection regimes against cheating strategies, over years.

A *regime* is a site list with item counts, annual quotas per site type, how inspected sites are
chosen (uniformly at random within each type, or by the planner's optimal marginals) and how many
items an inspection checks. A *cheating strategy* hides ``size`` items that are not as declared:

* ``concentrate``: all at one site (a named one, or one picked at random among those big enough);
* ``spread``: shared as evenly as possible over ``sites`` randomly chosen sites;
* ``move``: at one site, moved to another site (chance ``move_success``) whenever an inspection
  of the site holding them is notified, so that the inspectors find nothing there;
* ``timed``: at one site, present only ``window`` consecutive periods a year, at a random time
  (a violation timed between inspections).

Every trial is simulated period by period for all trials at once (NumPy, vectorised over trials),
with hypergeometric draws for the items an inspection checks. The randomness is a seeded
``numpy.random.Generator``; sweeps give each scenario its own stream from
``numpy.random.SeedSequence.spawn``, so a sweep returns the same numbers serially and on Dask.
Where an exact answer exists (:func:`exact_detection`) the estimate is tested against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from armsctl.errors import ParameterError
from armsctl.sites import Site
from armsctl.verification.planning import Quota, plan_inspections
from armsctl.verification.sampling import detection_probability

__all__ = [
    "STRATEGIES",
    "Cheating",
    "Regime",
    "SamplingEstimate",
    "Scenario",
    "SimulationResult",
    "check_scenario",
    "exact_detection",
    "local_cluster",
    "plan_chunks",
    "run_scenario",
    "run_sweep",
    "sample_detection",
    "simulate",
    "sweep_scenarios",
    "wilson_interval",
]

STRATEGIES = ("concentrate", "spread", "move", "timed")
Strategy = Literal["concentrate", "spread", "move", "timed"]
Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default).

    Chosen over the normal interval because it stays inside [0, 1] and keeps its coverage when
    the proportion is near 0 or 1, which is where detection probabilities live.
    """
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class _Estimate:
    """A share of ``detected`` among ``trials``: the estimate and its 95 % Wilson interval."""

    __slots__ = ()
    detected: int
    trials: int

    @property
    def probability(self) -> float:
        """The share of trials that detected: the point estimate (``trials`` must be at least 1)."""
        return self.detected / self.trials

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % Wilson interval around ``probability``, inside [0, 1]."""
        return wilson_interval(self.detected, self.trials)


@dataclass(frozen=True, slots=True)
class SamplingEstimate(_Estimate):
    """A Monte Carlo estimate of a detection probability, with its 95 % Wilson interval."""

    detected: int
    trials: int


def sample_detection(
    population: int, defective: int, sample: int, *, trials: int, rng: np.random.Generator
) -> SamplingEstimate:
    """Simulate attribute sampling: ``trials`` random samples, each a hypergeometric draw.

    The Monte Carlo twin of :func:`~armsctl.verification.sampling.detection_probability`.
    """
    detection_probability(population, defective, sample)  # validates the parameters
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ParameterError(f"trials must be a whole number >= 1, got {trials!r}")
    found = rng.hypergeometric(defective, population - defective, sample, size=trials)
    return SamplingEstimate(int(np.count_nonzero(found)), trials)


@dataclass(frozen=True, slots=True)
class Regime:
    """An inspection regime: sites, annual quotas per type, how sites are picked and checked."""

    sites: tuple[Site, ...]
    quotas: tuple[Quota, ...]
    periods: int = 12
    items_checked: int | None = None
    selection: Literal["uniform", "planned"] = "uniform"

    def __post_init__(self) -> None:
        if not self.sites:
            raise ParameterError("sites: a regime needs at least one site")
        if self.periods < 1:
            raise ParameterError(f"periods must be >= 1, got {self.periods}")
        if self.items_checked is not None and self.items_checked < 1:
            raise ParameterError(f"items_checked must be >= 1, got {self.items_checked}")
        if self.selection not in ("uniform", "planned"):
            raise ParameterError(f"selection must be uniform or planned, got {self.selection!r}")
        types = [q.type for q in self.quotas]
        if len(set(types)) != len(types):
            raise ParameterError("quotas: a site type is given twice")


@dataclass(frozen=True, slots=True)
class Cheating:
    """How the inspectee hides ``size`` items that are not as declared."""

    strategy: Strategy
    size: int
    sites: int = 1
    target: str | None = None
    window: int = 3
    move_success: float = 0.5

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ParameterError(
                f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}"
            )
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise ParameterError(f"size must be a whole number >= 1, got {self.size!r}")
        if self.sites < 1:
            raise ParameterError(f"sites must be >= 1, got {self.sites}")
        if self.window < 1:
            raise ParameterError(f"window must be >= 1, got {self.window}")
        if not 0.0 <= self.move_success <= 1.0:
            raise ParameterError(f"move_success must lie in [0, 1], got {self.move_success}")


@dataclass(frozen=True, slots=True)
class SimulationResult(_Estimate):
    """Detection over the years: by-year cumulative estimates and the time-to-detection law.

    ``first_year[y]`` counts trials first detected in year ``y + 1``; ``first_period`` the same
    by period (for finer time-to-detection plots).
    """

    trials: int
    years: int
    periods: int
    first_year: NDArray[np.int64]
    first_period: NDArray[np.int64]
    exact: float | None = None
    label: str = ""

    @property
    def detected(self) -> int:  # type: ignore[override]
        """Trials detected at any time within the simulated years."""
        return int(self.first_year.sum())

    def by_year(self) -> list[tuple[float, float, float]]:
        """Cumulative detection by the end of each year: (estimate, low, high)."""
        out = []
        for hits in np.cumsum(self.first_year):
            lo, hi = wilson_interval(int(hits), self.trials)
            out.append((int(hits) / self.trials, lo, hi))
        return out

    def mean_time_to_detection(self) -> float | None:
        """Mean time (years, at the end of the detecting period) among detected trials."""
        if self.detected == 0:
            return None
        t = (np.arange(len(self.first_period)) + 1) / self.periods
        return float((self.first_period * t).sum() / self.detected)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON: overall and by-year detection with 95 % intervals (years).

        ``exact`` is the analytic probability when one is known (for comparison), else ``None``.
        """
        lo, hi = self.interval
        return {
            "label": self.label,
            "trials": self.trials,
            "years": self.years,
            "detection_probability": self.probability,
            "ci95": [lo, hi],
            "exact": self.exact,
            "by_year": [
                {"year": i + 1, "detected": p, "ci95": [lo_, hi_]}
                for i, (p, lo_, hi_) in enumerate(self.by_year())
            ],
            "mean_time_to_detection_years": self.mean_time_to_detection(),
            "first_detection_by_year": [int(v) for v in self.first_year],
        }


def _site_arrays(regime: Regime) -> tuple[NDArray[np.int64], dict[str, NDArray[np.int64]]]:
    items = np.array([s.items for s in regime.sites], dtype=np.int64)
    groups = {
        q.type: np.array(
            [i for i, s in enumerate(regime.sites) if s.type == q.type], dtype=np.int64
        )
        for q in regime.quotas
    }
    return items, groups


def _visit_probabilities(regime: Regime, cheating: Cheating) -> NDArray[np.float64]:
    """Chance that each site is inspected in a year under the regime's selection rule."""
    p = np.zeros(len(regime.sites))
    if regime.selection == "planned":
        plan = plan_inspections(
            list(regime.sites),
            list(regime.quotas),
            violation_size=cheating.size,
            items_checked=regime.items_checked,
        )
        lookup = dict(zip((s.name for s in plan.sites), plan.site_probability, strict=True))
        return np.array([lookup.get(s.name, 0.0) for s in regime.sites])
    _, groups = _site_arrays(regime)
    for q in regime.quotas:
        idx = groups[q.type]
        if len(idx):
            p[idx] = min(q.per_year, len(idx)) / len(idx)
    return p


def _draw_visits(
    regime: Regime,
    visit_p: NDArray[np.float64],
    trials: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """One year's inspection period per (trial, site); -1 where the site is not inspected."""
    n_sites = len(regime.sites)
    visited = np.zeros((trials, n_sites), dtype=bool)
    _, groups = _site_arrays(regime)
    for q in regime.quotas:
        idx = groups[q.type]
        k = min(q.per_year, len(idx))
        if k == 0:
            continue
        if regime.selection == "uniform":
            # k distinct sites uniformly: the k smallest of independent uniform keys.
            keys = rng.random((trials, len(idx)))
            if k == len(idx):
                visited[:, idx] = True
            else:
                kth = np.partition(keys, k - 1, axis=1)[:, k - 1 : k]
                visited[:, idx] = keys <= kth
        else:
            # Systematic sampling on the planned marginals: exactly k sites, each at its rate.
            cum = np.concatenate([[0.0], np.cumsum(visit_p[idx])])
            u = rng.random((trials, 1))
            hi = np.floor(np.round(cum[1:] - u, 9))
            lo = np.floor(np.round(cum[:-1] - u, 9))
            visited[:, idx] = hi > lo
    periods = rng.integers(0, regime.periods, size=(trials, n_sites))
    return np.where(visited, periods, -1)


def _initial_placement(
    regime: Regime, cheating: Cheating, trials: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Hidden items per (trial, site) at the start."""
    items, _ = _site_arrays(regime)
    n_sites = len(regime.sites)
    hidden = np.zeros((trials, n_sites), dtype=np.int64)
    rows = np.arange(trials)
    spread = cheating.sites if cheating.strategy == "spread" else 1
    share = -(-cheating.size // spread)
    if cheating.target is not None:
        names = [s.name for s in regime.sites]
        if cheating.target not in names:
            raise ParameterError(f"target: no site named {cheating.target!r}")
        t = names.index(cheating.target)
        if items[t] < share:
            raise ParameterError(f"target: site {cheating.target} holds fewer than {share} items")
        if spread > 1:
            raise ParameterError("target: a spread violation cannot name one target site")
        hidden[:, t] = cheating.size
        return hidden
    capable = np.flatnonzero(items >= share)
    if len(capable) < spread:
        raise ParameterError(
            f"size: only {len(capable)} site(s) can hold {share} hidden items; "
            f"the strategy needs {spread}"
        )
    keys = rng.random((trials, len(capable)))
    chosen = capable[np.argsort(keys, axis=1)[:, :spread]]
    base, extra = divmod(cheating.size, spread)
    for j in range(spread):
        hidden[rows, chosen[:, j]] = base + (1 if j < extra else 0)
    return hidden


def check_scenario(scenario: Scenario, rng: np.random.Generator) -> None:
    """Raise the ``ParameterError`` that :func:`simulate` would raise for this scenario, cheaply.

    Runs the parameter checks and the set-up of one trial (the initial placement), so a scenario
    file can be refused, with the table at fault named, before any simulation starts.
    """
    _check_run(scenario.regime, scenario.cheating, scenario.years, scenario.trials)
    _initial_placement(scenario.regime, scenario.cheating, 1, rng)


def _check_run(regime: Regime, cheating: Cheating, years: int, trials: int) -> None:
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ParameterError(f"years must be a whole number >= 1, got {years!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ParameterError(f"trials must be a whole number >= 1, got {trials!r}")
    if cheating.strategy == "timed" and cheating.window > regime.periods:
        raise ParameterError(f"window ({cheating.window}) exceeds periods ({regime.periods})")


def simulate(
    regime: Regime,
    cheating: Cheating,
    *,
    years: int,
    trials: int,
    rng: np.random.Generator,
    label: str = "",
) -> SimulationResult:
    """Simulate ``trials`` independent histories of ``years`` years; see the module docs."""
    _check_run(regime, cheating, years, trials)
    items, _ = _site_arrays(regime)
    periods = regime.periods
    visit_p = _visit_probabilities(regime, cheating)
    hidden = _initial_placement(regime, cheating, trials, rng)
    capable = np.flatnonzero(items >= cheating.size)
    first = np.full(trials, -1, dtype=np.int64)
    for year in range(years):
        visits = _draw_visits(regime, visit_p, trials, rng)
        if cheating.strategy == "timed":
            start = rng.integers(0, periods - cheating.window + 1, size=trials)
        for t in range(periods):
            live = first < 0
            if cheating.strategy == "timed":
                live &= (start <= t) & (t < start + cheating.window)
            at = (visits == t) & (hidden > 0) & live[:, None]
            if not at.any():
                continue
            rows, cols = np.nonzero(at)
            if cheating.strategy == "move" and cheating.move_success > 0:
                moved = rng.random(len(rows)) < cheating.move_success
                if moved.any() and len(capable) > 1:
                    mr, mc = rows[moved], cols[moved]
                    # Move to a random other capable site: draw among len-1, skip the current.
                    pos = np.searchsorted(capable, mc)
                    draw = rng.integers(0, len(capable) - 1, size=len(mr))
                    draw = np.where(draw >= pos, draw + 1, draw)
                    hidden[mr, capable[draw]] = hidden[mr, mc]
                    hidden[mr, mc] = 0
                    rows, cols = rows[~moved], cols[~moved]
            if not len(rows):
                continue
            h = hidden[rows, cols]
            if regime.items_checked is None:
                found = np.ones(len(rows), dtype=bool)
            else:
                n = items[cols]
                sample = np.minimum(regime.items_checked, n)
                found = rng.hypergeometric(h, n - h, sample) > 0
            hit = np.unique(rows[found])
            first[hit] = year * periods + t
    first_period = np.bincount(first[first >= 0], minlength=years * periods)[: years * periods]
    first_year = first_period.reshape(years, periods).sum(axis=1)
    return SimulationResult(
        trials=trials,
        years=years,
        periods=periods,
        first_year=first_year.astype(np.int64),
        first_period=first_period.astype(np.int64),
        exact=exact_detection(regime, cheating, years=years),
        label=label,
    )


def exact_detection(regime: Regime, cheating: Cheating, *, years: int) -> float | None:
    """The exact detection probability within ``years`` where a closed form exists.

    For ``concentrate`` and ``timed`` violations (items kept at one site) each year detects with
    ``P(site inspected) * P(inspection in the window) * d_site`` independently of the others, and
    a randomly placed violation averages this over the sites able to hold it. Spreading and
    moving have no simple closed form here; ``None`` is returned.
    """
    if cheating.strategy not in ("concentrate", "timed"):
        return None
    items, _ = _site_arrays(regime)
    visit_p = _visit_probabilities(regime, cheating)
    timing = cheating.window / regime.periods if cheating.strategy == "timed" else 1.0
    if cheating.target is not None:
        candidates = [i for i, s in enumerate(regime.sites) if s.name == cheating.target]
    else:
        candidates = [int(i) for i in np.flatnonzero(items >= cheating.size)]
    if not candidates:
        return None
    total = 0.0
    for i in candidates:
        n = int(items[i])
        checked = regime.items_checked
        d = (
            1.0
            if checked is None or checked >= n
            else detection_probability(n, cheating.size, checked)
        )
        p = float(visit_p[i]) * timing * d
        total += 1.0 if p >= 1.0 else -math.expm1(years * math.log1p(-p))
    return total / len(candidates)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One cell of a sweep: a regime, a cheating strategy, a horizon and a trial count."""

    regime: Regime
    cheating: Cheating
    years: int
    trials: int
    label: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def run_scenario(scenario: Scenario, seed: np.random.SeedSequence) -> SimulationResult:
    """Run one scenario on its own random stream (the unit of work of a sweep)."""
    return simulate(
        scenario.regime,
        scenario.cheating,
        years=scenario.years,
        trials=scenario.trials,
        rng=np.random.default_rng(seed),
        label=scenario.label,
    )


def sweep_scenarios(
    regime: Regime,
    base: Cheating,
    *,
    quota_scales: Sequence[float],
    sizes: Sequence[int],
    strategies: Sequence[str],
    years: int,
    trials: int,
) -> list[Scenario]:
    """The grid quota scale x cheating size x strategy, in that (stable) order.

    A quota scale multiplies every type's annual quota (rounded to the nearest whole number).
    """
    out = []
    for scale in quota_scales:
        if scale < 0:
            raise ParameterError(f"quota_scales: must be >= 0, got {scale}")
        quotas = tuple(Quota(q.type, round(q.per_year * scale)) for q in regime.quotas)
        scaled = replace(regime, quotas=quotas)
        for size in sizes:
            for strategy in strategies:
                cheat = replace(base, strategy=strategy, size=size)  # type: ignore[arg-type]
                out.append(
                    Scenario(
                        scaled,
                        cheat,
                        years,
                        trials,
                        label=f"quota x{scale:g} size {size} {strategy}",
                        meta={"quota_scale": scale, "size": size, "strategy": strategy},
                    )
                )
    return out


#: A sweep whose estimated serial time is below this runs serially: a local cluster costs
#: seconds to start and each task about a millisecond to schedule, so Dask would only lose.
MIN_PARALLEL_SECONDS = 3.0
#: Each Dask task runs scenarios for about this long, so scheduling (about 1 ms a task) and
#: shipping results stay a small fraction of it.
TASK_SECONDS = 0.5


def _run_chunk(
    scenarios: Sequence[Scenario], seeds: Sequence[np.random.SeedSequence]
) -> list[SimulationResult]:
    """One Dask task: several scenarios in a row, each on its own seed.

    Each result is the same as if its scenario had run alone.
    """
    return [run_scenario(sc, ss) for sc, ss in zip(scenarios, seeds, strict=True)]


def plan_chunks(count: int, per_scenario_s: float, workers: int) -> list[range]:
    """Split scenarios ``0..count-1`` into contiguous chunks big enough to pay for scheduling.

    A chunk holds about ``TASK_SECONDS`` of work, but there are at least two chunks per worker
    (when there are that many scenarios) so that a slow chunk does not leave a worker idle.
    """
    if count <= 0:
        return []
    per_task = max(1, round(TASK_SECONDS / max(per_scenario_s, 1e-9)))
    per_task = min(per_task, max(1, -(-count // (2 * max(workers, 1)))))
    return [range(i, min(i + per_task, count)) for i in range(0, count, per_task)]


def local_cluster(workers: int = 2, *, processes: bool = True) -> Any:
    """A Dask ``LocalCluster`` for sweeps: ``workers`` single-threaded workers, no dashboard.

    Dask's nanny starts worker processes with ``MALLOC_TRIM_THRESHOLD_`` set, to hand memory
    back to the system sooner. Setting it turns glibc's adaptive mmap threshold off, so every
    NumPy array of a trial batch is mapped and unmapped afresh: the same scenarios ran 1.65x
    slower in a process with it set, which ate the whole gain of two workers on two cores.
    Sweep workers are short-lived, so they keep the allocator's defaults; the other variables
    Dask sets (one BLAS thread per worker) stay. Use it for a cluster of your own that
    ``run_sweep(..., scheduler=cluster.scheduler_address)`` then reuses.
    """
    import dask
    from distributed import LocalCluster

    spawn_env = {
        key: value
        for key, value in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
        if key != "MALLOC_TRIM_THRESHOLD_"
    }
    with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn_env}):
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        )


def run_sweep(
    scenarios: Sequence[Scenario],
    *,
    seed: int,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    progress: Callable[[int, int], None] | None = None,
    note: Callable[[str], None] | None = None,
    min_parallel_seconds: float = MIN_PARALLEL_SECONDS,
) -> list[SimulationResult]:
    """Run scenarios serially, on a local Dask cluster, or on an existing Dask scheduler.

    With a scheduler, the first scenario is run here and timed: if the whole sweep would take
    less than ``min_parallel_seconds`` serially, the rest runs serially too (``note`` says so),
    since starting and feeding a cluster would cost more than it saves. Otherwise the other
    scenarios go to Dask in chunks of about ``TASK_SECONDS`` each (``plan_chunks``). Results
    are identical to a serial run with the same seed, however they are chunked.

    Args:
        scenarios: the cells to run, in order; results come back in the same order.
        seed: the sweep's root seed; scenario ``i`` gets ``SeedSequence(seed).spawn(n)[i]``, so
            the result does not depend on where or in which order scenarios run.
        scheduler: ``None`` runs serially; ``"local"`` starts a ``LocalCluster`` with
            ``workers`` workers (one thread each) for the duration of the sweep; a
            ``tcp://HOST:PORT`` address connects to a running scheduler.
        workers: workers of the local cluster (and the chunking's target parallelism).
        processes: local workers as processes (true parallelism) or threads (cheap, for tests).
        progress: called with (done, total) after each finished scenario.
        note: told, in one sentence, when a sweep runs serially although a scheduler was given
            (default: a logged warning).
        min_parallel_seconds: the estimated serial time below which Dask is not used.
    """
    seeds = np.random.SeedSequence(seed).spawn(len(scenarios))
    total = len(scenarios)
    if scheduler is not None and not (
        scheduler == "local" or scheduler.startswith(("tcp://", "tls://", "inproc://"))
    ):
        raise ParameterError(f"scheduler must be 'local' or tcp://HOST:PORT, got {scheduler!r}")
    if scheduler is None or total == 0:
        out = []
        for i, (sc, ss) in enumerate(zip(scenarios, seeds, strict=True)):
            out.append(run_scenario(sc, ss))
            if progress:
                progress(i + 1, total)
        return out
    import time

    started = time.perf_counter()
    first = run_scenario(scenarios[0], seeds[0])
    per_scenario = time.perf_counter() - started
    if progress:
        progress(1, total)
    estimate = per_scenario * total
    if estimate < min_parallel_seconds:
        message = (
            f"the sweep would take about {estimate:.1f} s serially, under the "
            f"{min_parallel_seconds:g} s that pay for Dask's start-up and scheduling: run serially"
        )
        if note is not None:
            note(message)
        else:
            import logging

            logging.getLogger("armsctl.verification").warning(message)
        out = [first]
        for i in range(1, total):
            out.append(run_scenario(scenarios[i], seeds[i]))
            if progress:
                progress(i + 1, total)
        return out
    from distributed import Client, as_completed

    cluster = None
    if scheduler == "local":
        cluster = local_cluster(workers, processes=processes)
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        chunks = [
            range(c.start + 1, c.stop + 1) for c in plan_chunks(total - 1, per_scenario, workers)
        ]
        futures = [
            client.submit(_run_chunk, [scenarios[i] for i in c], [seeds[i] for i in c], pure=False)
            for c in chunks
        ]
        where = {f.key: c for f, c in zip(futures, chunks, strict=True)}
        results: list[SimulationResult | None] = [first] + [None] * (total - 1)
        done = 1
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            chunk = where[fut.key]
            for i, result in zip(chunk, fut.result(), strict=True):
                results[i] = result
            done += len(chunk)
            if progress:
                progress(done, total)
        return [r for r in results if r is not None]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
