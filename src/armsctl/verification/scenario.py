"""Regime scenario files (TOML): a regime, cheating strategies or a sweep grid, seed and size.

Example (every key but ``quotas``, ``sites``/``site_groups`` and a ``cheating`` or ``sweep``
table is optional)::

    seed = 2024
    trials = 20000
    years = 5
    periods = 12            # inspections fall in one of 12 periods (months) of the year
    items_checked = 10      # items examined per inspection; all when omitted
    selection = "uniform"   # or "planned" (the planner's optimal marginals)

    [[quotas]]
    type = "type-one"
    per_year = 10

    [[site_groups]]         # a group of like sites; or [[sites]] with name, type, items
    prefix = "ICBM base"
    type = "type-one"
    count = 6
    items = 150

    [[cheating]]            # one scenario per table
    strategy = "concentrate"
    size = 5

    [sweep]                 # or a grid: quota scale x size x strategy, one scenario per cell
    quota_scales = [0.5, 1, 2]
    sizes = [1, 5, 20]
    strategies = ["concentrate", "spread", "move", "timed"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.verification.planning import Quota, Site
from armsctl.verification.simulate import (
    STRATEGIES,
    Cheating,
    Regime,
    Scenario,
    sweep_scenarios,
)

__all__ = ["Study", "study_from_mapping"]

_TOP = {
    "seed",
    "trials",
    "years",
    "periods",
    "items_checked",
    "selection",
    "quotas",
    "sites",
    "site_groups",
    "cheating",
    "sweep",
    "title",
}
_CHEAT_KEYS = {"strategy", "size", "sites", "target", "window", "move_success"}


@dataclass(frozen=True, slots=True)
class Study:
    """Scenarios to run and the root seed of their random streams."""

    title: str
    seed: int
    scenarios: list[Scenario]


def _int(data: Mapping[str, Any], key: str, default: int | None, where: str, minimum: int) -> int:
    value = data.get(key, default)
    if value is None:
        raise InputError([Problem(where, key, "is required")])
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{where}: {key} must be a whole number >= {minimum}, got {value!r}")
    return value


def study_from_mapping(data: Mapping[str, Any], *, where: str = "scenario") -> Study:
    """Validate a parsed scenario file and expand it into scenarios."""
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise InputError([Problem(where, k, "unknown key") for k in unknown])
    seed = _int(data, "seed", 0, where, 0)
    trials = _int(data, "trials", 10_000, where, 1)
    years = _int(data, "years", 5, where, 1)
    periods = _int(data, "periods", 12, where, 1)
    checked = data.get("items_checked")
    if checked is not None:
        checked = _int(data, "items_checked", None, where, 1)
    selection = data.get("selection", "uniform")
    if selection not in ("uniform", "planned"):
        raise ParameterError(f"{where}: selection must be 'uniform' or 'planned'")

    quotas_raw = data.get("quotas")
    if not isinstance(quotas_raw, list) or not quotas_raw:
        raise InputError([Problem(where, "quotas", "give at least one [[quotas]] table")])
    quotas = []
    for i, q in enumerate(quotas_raw):
        loc = f"quotas[{i}]"
        if not isinstance(q, dict) or "type" not in q:
            raise InputError([Problem(where, loc, "needs type and per_year")])
        per_year = q.get("per_year")
        if isinstance(per_year, int) and not isinstance(per_year, bool) and per_year < 0:
            raise ParameterError(f"{where}: {loc}.per_year must be >= 0 (negative quota)")
        quotas.append(Quota(str(q["type"]), _int(q, "per_year", None, f"{where}:{loc}", 0)))

    sites: list[Site] = []
    for i, s in enumerate(data.get("sites", []) or []):
        loc = f"{where}:sites[{i}]"
        if not isinstance(s, dict) or "name" not in s or "type" not in s:
            raise InputError([Problem(where, f"sites[{i}]", "needs name, type and items")])
        sites.append(Site(str(s["name"]), str(s["type"]), _int(s, "items", None, loc, 0)))
    for i, g in enumerate(data.get("site_groups", []) or []):
        loc = f"{where}:site_groups[{i}]"
        if not isinstance(g, dict) or "type" not in g:
            raise InputError([Problem(where, f"site_groups[{i}]", "needs type, count, items")])
        prefix = str(g.get("prefix", g["type"]))
        count = _int(g, "count", None, loc, 1)
        items = _int(g, "items", None, loc, 0)
        sites += [Site(f"{prefix} {j + 1}", str(g["type"]), items) for j in range(count)]
    if not sites:
        raise InputError([Problem(where, "sites", "give [[sites]] or [[site_groups]]")])
    regime = Regime(tuple(sites), tuple(quotas), periods, checked, selection)

    cheats = []
    for i, c in enumerate(data.get("cheating", []) or []):
        cheats.append(_cheating(c, f"{where}:cheating[{i}]"))
    scenarios: list[Scenario]
    sweep = data.get("sweep")
    if sweep is not None:
        if not isinstance(sweep, dict):
            raise InputError([Problem(where, "sweep", "must be a table")])
        base = cheats[0] if cheats else Cheating("concentrate", 1)
        scales = sweep.get("quota_scales", [1.0])
        sizes = sweep.get("sizes", [base.size])
        strategies = sweep.get("strategies", [base.strategy])
        for key, values in (("quota_scales", scales), ("sizes", sizes), ("strategies", strategies)):
            if not isinstance(values, list) or not values:
                raise InputError([Problem(where, f"sweep.{key}", "must be a non-empty list")])
        for s in strategies:
            if s not in STRATEGIES:
                raise ParameterError(f"{where}: sweep.strategies: unknown strategy {s!r}")
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ParameterError(f"{where}: sweep.sizes must be whole numbers >= 1")
        scenarios = sweep_scenarios(
            regime,
            base,
            quota_scales=[float(x) for x in scales],
            sizes=sizes,
            strategies=strategies,
            years=years,
            trials=trials,
        )
    elif cheats:
        scenarios = [
            Scenario(regime, c, years, trials, label=f"{c.strategy} size {c.size}") for c in cheats
        ]
    else:
        raise InputError([Problem(where, "cheating", "give [[cheating]] tables or a [sweep]")])
    return Study(str(data.get("title", "")), seed, scenarios)


def _cheating(c: Any, loc: str) -> Cheating:
    if not isinstance(c, dict):
        raise InputError([Problem(loc, "", "must be a table")])
    unknown = sorted(set(c) - _CHEAT_KEYS)
    if unknown:
        raise InputError([Problem(loc, k, "unknown key") for k in unknown])
    strategy = c.get("strategy", "concentrate")
    if strategy not in STRATEGIES:
        raise ParameterError(f"{loc}: strategy must be one of {', '.join(STRATEGIES)}")
    return Cheating(
        strategy=strategy,
        size=_int(c, "size", None, loc, 1),
        sites=_int(c, "sites", 1, loc, 1),
        target=c.get("target"),
        window=_int(c, "window", 3, loc, 1),
        move_success=float(c.get("move_success", 0.5)),
    )
