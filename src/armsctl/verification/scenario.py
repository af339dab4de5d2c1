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

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.sites import Site
from armsctl.verification.planning import Quota
from armsctl.verification.simulate import (
    STRATEGIES,
    Cheating,
    Regime,
    Scenario,
    check_scenario,
    sweep_scenarios,
)

__all__ = ["Study", "study_from_mapping"]

Check = Callable[[Any], str | None]
"""A value check: ``None`` when the value is fine, else what is wrong with it."""


def _whole(minimum: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number >= {minimum}, got {value!r}"
        return None

    return check


def _number(lo: float, hi: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"must be a number, got {value!r}"
        if not lo <= value <= hi:
            span = f"between {lo:g} and {hi:g}" if math.isfinite(hi) else f">= {lo:g}"
            return f"must be {span}, got {value!r}"
        return None

    return check


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"must be a non-empty string, got {value!r}"
    return None


def _one_of(options: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        if value not in options:
            return f"must be one of {', '.join(options)}, got {value!r}"
        return None

    return check


def _list_of(item: Check) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not value:
            return f"must be a non-empty list, got {value!r}"
        for i, v in enumerate(value):
            problem = item(v)
            if problem:
                return f"item {i + 1} {problem}"
        return None

    return check


_TOP: dict[str, Check] = {
    "title": lambda v: None if isinstance(v, str) else f"must be a string, got {v!r}",
    "seed": _whole(0),
    "trials": _whole(1),
    "years": _whole(1),
    "periods": _whole(1),
    "items_checked": _whole(1),
    "selection": _one_of(("uniform", "planned")),
}
_TABLES = ("quotas", "sites", "site_groups", "cheating", "sweep")
_QUOTA: dict[str, Check] = {"type": _text, "per_year": _whole(0)}
_SITE: dict[str, Check] = {"name": _text, "type": _text, "items": _whole(0)}
_GROUP: dict[str, Check] = {"prefix": _text, "type": _text, "count": _whole(1), "items": _whole(0)}
_CHEAT: dict[str, Check] = {
    "strategy": _one_of(STRATEGIES),
    "size": _whole(1),
    "sites": _whole(1),
    "target": _text,
    "window": _whole(1),
    "move_success": _number(0.0, 1.0),
}
_SWEEP: dict[str, Check] = {
    "quota_scales": _list_of(_number(0.0)),
    "sizes": _list_of(_whole(1)),
    "strategies": _list_of(_one_of(STRATEGIES)),
}
_REQUIRED = {
    "quotas": ("type", "per_year"),
    "sites": ("name", "type", "items"),
    "site_groups": ("type", "count", "items"),
    "cheating": ("size",),
    "sweep": (),
}
_CHEAT_KEYS = set(_CHEAT)


@dataclass(frozen=True, slots=True)
class Study:
    """Scenarios to run and the root seed of their random streams."""

    title: str
    seed: int
    scenarios: list[Scenario]


def _check_table(
    table: Any, schema: dict[str, Check], required: tuple[str, ...], path: str, where: str
) -> list[Problem]:
    """Every problem of one table: not a table, unknown or missing keys, bad values."""
    if not isinstance(table, dict):
        return [Problem(where, path, "must be a table")]
    out = [
        Problem(where, f"{path}.{key}", f"unknown key (known: {', '.join(sorted(schema))})")
        for key in sorted(set(table) - set(schema))
    ]
    out += [Problem(where, f"{path}.{key}", "is required") for key in required if key not in table]
    for key, check in schema.items():
        if key in table:
            problem = check(table[key])
            if problem:
                out.append(Problem(where, f"{path}.{key}", problem))
    return out


def _validate(data: Mapping[str, Any], where: str) -> list[Problem]:
    """Every problem in the file at every depth, each with its key path."""
    problems = [
        Problem(where, key, "unknown key") for key in sorted(set(data) - set(_TOP) - set(_TABLES))
    ]
    for key, check in _TOP.items():
        if key in data:
            problem = check(data[key])
            if problem:
                problems.append(Problem(where, key, problem))
    arrays = {"quotas": _QUOTA, "sites": _SITE, "site_groups": _GROUP, "cheating": _CHEAT}
    for name, schema in arrays.items():
        if name not in data:
            continue
        tables = data[name]
        if not isinstance(tables, list):
            problems.append(Problem(where, name, f"must be an array of tables ([[{name}]])"))
            continue
        for i, table in enumerate(tables):
            problems += _check_table(table, schema, _REQUIRED[name], f"{name}[{i}]", where)
    if "sweep" in data:
        problems += _check_table(data["sweep"], _SWEEP, (), "sweep", where)
    if not data.get("quotas"):
        problems.append(Problem(where, "quotas", "give at least one [[quotas]] table"))
    if not data.get("sites") and not data.get("site_groups"):
        problems.append(Problem(where, "sites", "give [[sites]] or [[site_groups]]"))
    if not data.get("cheating") and "sweep" not in data:
        problems.append(Problem(where, "cheating", "give [[cheating]] tables or a [sweep]"))
    return problems


def study_from_mapping(data: Mapping[str, Any], *, where: str = "scenario") -> Study:
    """Validate a parsed scenario file and expand it into scenarios.

    Every key at every depth is checked (type, range, spelling) and every problem reported at
    once with the file and the key path (``regime.toml:quotas[0].per_yer: unknown key``), so a
    misspelt key is never silently ignored. Problems that only the combination reveals (a
    target site that does not exist, a window longer than the year) are found by a dry run of
    each scenario's set-up here, before any simulation, and named by their table.

    Raises:
        InputError: listing every problem found.
    """
    if not isinstance(data, Mapping):
        raise InputError([Problem(where, "", "must be a table of settings")])
    problems = _validate(data, where)
    if problems:
        raise InputError(problems)
    seed = int(data.get("seed", 0))
    trials = int(data.get("trials", 10_000))
    years = int(data.get("years", 5))
    periods = int(data.get("periods", 12))
    checked = data.get("items_checked")
    selection = data.get("selection", "uniform")

    quotas: list[Quota] = []
    for i, q in enumerate(data["quotas"]):
        with _located(where, f"quotas[{i}]"):
            quotas.append(Quota(q["type"], q["per_year"]))
    sites: list[Site] = []
    for i, t in enumerate(data.get("sites", []) or []):
        with _located(where, f"sites[{i}]"):
            sites.append(Site(t["name"], t["type"], t["items"]))
    for i, g in enumerate(data.get("site_groups", []) or []):
        prefix = g.get("prefix", g["type"])
        with _located(where, f"site_groups[{i}]"):
            sites += [Site(f"{prefix} {j + 1}", g["type"], g["items"]) for j in range(g["count"])]
    with _located(where, ""):
        regime = Regime(tuple(sites), tuple(quotas), periods, checked, selection)
    cheats: list[tuple[str, Cheating]] = []
    for i, c in enumerate(data.get("cheating", []) or []):
        with _located(where, f"cheating[{i}]"):
            cheats.append((f"cheating[{i}]", _cheating(c)))
    placed: list[tuple[str, Scenario]]
    sweep = data.get("sweep")
    if sweep is not None:
        base = cheats[0][1] if cheats else Cheating("concentrate", 1)
        with _located(where, "sweep"):
            scenarios = sweep_scenarios(
                regime,
                base,
                quota_scales=[float(x) for x in sweep.get("quota_scales", [1.0])],
                sizes=sweep.get("sizes", [base.size]),
                strategies=sweep.get("strategies", [base.strategy]),
                years=years,
                trials=trials,
            )
        placed = [(f"sweep ({sc.label})", sc) for sc in scenarios]
    else:
        placed = [
            (path, Scenario(regime, c, years, trials, label=f"{c.strategy} size {c.size}"))
            for path, c in cheats
        ]
    rng = np.random.default_rng(0)
    for path, sc in placed:
        with _located(where, path):
            check_scenario(sc, rng)
    return Study(str(data.get("title", "")), seed, [sc for _, sc in placed])


@contextmanager
def _located(where: str, path: str) -> Iterator[None]:
    """Turn a ``ParameterError`` raised while building ``path`` into one naming file and table."""
    try:
        yield
    except ParameterError as exc:
        raise InputError([Problem(where, path, str(exc))]) from None


def _cheating(c: Mapping[str, Any]) -> Cheating:
    return Cheating(
        strategy=c.get("strategy", "concentrate"),
        size=c["size"],
        sites=c.get("sites", 1),
        target=c.get("target"),
        window=c.get("window", 3),
        move_success=float(c.get("move_success", 0.5)),
    )
