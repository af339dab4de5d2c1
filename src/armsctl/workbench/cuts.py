"""Required cuts: what each party must eliminate so that every limit of a draft holds.

Per limit the required cut is ``max(0, baseline - max)``. Limits overlap (a total and its
sub-limits share categories), so eliminating one item can serve several limits at once; the
cheapest way to meet them all is an integer program over the *cells* the limits are made of:

    minimise    sum_k cost_k * x_k
    subject to  sum_k w_Lk * (b_k - x_k) <= max_L     for every limit L
                0 <= x_k <= b_k, x_k integer, x_k = fixed_k where fixed

A cell is a component (``category/status``, or an attribute sum such as warheads) when the
baseline declares every component the limits count; otherwise each limit is its own cell (only
limit figures are known, so no elimination can be shared). Solved with HiGHS through
``scipy.optimize.milp``. A limit *binds* when it needs a cut and the optimum leaves it exactly at
its maximum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from armsctl.errors import InputError, ParameterError
from armsctl.inventory.model import ComponentKey, component_measure
from armsctl.treaty.schema import Treaty

N = TypeVar("N", int, float)

__all__ = [
    "CutPlan",
    "LimitCut",
    "LimitRow",
    "limit_rows",
    "optimise_cuts",
    "parse_cost",
    "parse_count_option",
    "parse_fix",
    "split_option",
]


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One limit as the optimiser sees it: its maximum and its weight on each cell."""

    id: str
    maximum: int
    weights: dict[str, int]


@dataclass(frozen=True, slots=True)
class LimitCut:
    """A limit's figures before and after the optimal cuts."""

    id: str
    baseline: int
    max: int
    required_cut: int
    after: int
    binding: bool


@dataclass(slots=True)
class CutPlan:
    """The optimal eliminations per cell and what they do to each limit."""

    model: str  # "components" or "limits"
    limits: list[LimitCut]
    cuts: dict[str, int]
    baseline: dict[str, int]
    costs: dict[str, float]
    objective: float
    notes: list[str] = field(default_factory=list)
    eliminations: int | None = None

    @property
    def total(self) -> int:
        """Total eliminations and downloads (unweighted; units leaving with items count once)."""
        return sum(self.cuts.values()) if self.eliminations is None else self.eliminations


def split_option(
    text: str, option: str, number: Callable[[str], N], expected: str
) -> tuple[str, bool, N]:
    """Split an option's ``KEY=NUMBER``: the key (stripped), whether ``=`` was there, the number.

    ``number`` (``int`` or ``float``) reads the value; a value it cannot read is refused with
    ``expected``. Shared by ``--cost``, ``--fix`` and ``--capacity``, which each add their
    own bounds.
    """
    key, sep, raw = text.partition("=")
    try:
        value = number(raw)
    except ValueError:
        raise ParameterError(f"{option} {text!r}: {expected}") from None
    return key.strip(), bool(sep), value


def parse_cost(text: str) -> tuple[str, float]:
    """Read ``CELL=COST`` (a component such as ``heavy-bomber/deployed``, a category, or a limit)."""
    key, sep, value = split_option(text, "--cost", float, "expected CELL=COST with a number")
    if not sep or not key:
        raise ParameterError(f"--cost {text!r}: expected CELL=COST")
    if not value >= 0:
        raise ParameterError(f"--cost {text!r}: a cost must be >= 0")
    return key, value


def parse_fix(text: str) -> tuple[str, int]:
    """Read ``CELL=N``: ``N`` eliminations of the cell decided in advance."""
    return parse_count_option(text, "--fix", "CELL=N", "expected CELL=N with a whole number")


def parse_count_option(text: str, option: str, form: str, unreadable: str) -> tuple[str, int]:
    """Read an option's ``KEY=N`` (``form``) with ``N`` a whole number >= 0.

    ``--fix`` and ``--capacity`` are both of this form; ``unreadable`` is the refusal of a
    value that is not a whole number.
    """
    key, sep, value = split_option(text, option, int, unreadable)
    if not sep or not key or value < 0:
        raise ParameterError(f"{option} {text!r}: expected {form} with N >= 0")
    return key, value


def limit_rows(
    treaty: Treaty,
    components: dict[ComponentKey, int] | None,
    *,
    maxima: dict[str, int] | None = None,
) -> tuple[str, list[LimitRow], dict[str, int]]:
    """The cells, the limit rows over them and each cell's baseline.

    ``maxima`` overrides a limit's ``maximum`` (the final step of a phased limit, for a party).
    Uses components when ``components`` holds every component some limit counts (an item-level
    or a fully broken-down aggregate declaration); otherwise returns the per-limit model with
    empty baselines (the caller fills them with the limit figures).
    """
    from armsctl.compliance import rule_weights

    party_limits = [x for x in treaty.limits if x.scope == "party"]
    top = {x.id: (maxima or {}).get(x.id, x.maximum) for x in party_limits}
    weights = {x.id: rule_weights(x.counting) for x in party_limits}
    needed = {k for w in weights.values() for k in w}
    if components is not None and needed and needed <= set(components):
        rows = [
            LimitRow(x.id, top[x.id], {component_measure(k): v for k, v in weights[x.id].items()})
            for x in party_limits
        ]
        cells = {component_measure(k): components[k] for k in sorted(needed)}
        return "components", rows, cells
    rows = [LimitRow(x.id, top[x.id], {x.id: 1}) for x in party_limits]
    return "limits", rows, {}


def optimise_cuts(
    rows: list[LimitRow],
    baseline: dict[str, int],
    *,
    model: str = "components",
    costs: dict[str, float] | None = None,
    fixed: dict[str, int] | None = None,
    caps: dict[str, int] | None = None,
    loading: dict[str, int] | None = None,
) -> CutPlan:
    """The cheapest integer eliminations per cell that bring every limit to its maximum.

    Args:
        rows: the limits, with their weights over cells.
        baseline: each cell's starting figure (items, or an attribute sum).
        model: a label for the report (``components`` or ``limits``).
        costs: cost per elimination of a cell; a key may name a cell, or a category (every
            cell of it) for component cells. Default 1 (fewest eliminations).
        fixed: eliminations decided in advance for some cells.
        caps: at most this many items eliminated in total per category (over its item-count
            cells ``category/status``), e.g. a yearly capacity times the years available.
        loading: units of an attribute cell (``category/status/attribute``) that leave with
            each eliminated item of ``category/status`` (warheads per missile); without it an
            attribute is reduced independently of the items carrying it.

    Raises:
        InputError: a cost or fixed cut names no cell, a fixed cut exceeds the baseline, or
            no cuts can satisfy every limit (with the fixed cuts given).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    cells = sorted(baseline)
    index = {c: i for i, c in enumerate(cells)}
    cost = _costs(cells, costs or {})
    lower = np.zeros(len(cells))
    upper = np.array([float(baseline[c]) for c in cells])
    for cell, value in (fixed or {}).items():
        if cell not in index:
            raise InputError(f"--fix {cell}: not a cell of this model ({', '.join(cells)})")
        if value < 0 or value > baseline[cell]:
            raise InputError(f"--fix {cell}={value}: must lie between 0 and {baseline[cell]}")
        lower[index[cell]] = upper[index[cell]] = value
    carried = _carriers(cells, loading or {})
    figures = {r.id: sum(w * baseline[c] for c, w in r.weights.items()) for r in rows}
    if not cells:
        return CutPlan(model, _results(rows, figures, {}, {}), {}, {}, {}, 0.0)
    matrix = np.zeros((len(rows), len(cells)))
    need = np.zeros(len(rows))
    for i, r in enumerate(rows):
        for c, w in r.weights.items():
            matrix[i, index[c]] += w
            for item, units in carried.get(c, []):
                matrix[i, index[item]] += w * units
        need[i] = figures[r.id] - r.maximum
    constraints = [LinearConstraint(matrix, lb=need, ub=np.inf)] if rows else []
    for attr, carriers in carried.items():  # what leaves with items plus what is downloaded
        row = np.zeros(len(cells))
        row[index[attr]] = 1.0
        for item, units in carriers:
            row[index[item]] = units
        constraints.append(LinearConstraint(row.reshape(1, -1), lb=0, ub=float(baseline[attr])))
    for category, cap in (caps or {}).items():
        members = [index[c] for c in cells if c.count("/") == 1 and c.split("/")[0] == category]
        if members:
            row = np.zeros(len(cells))
            row[members] = 1.0
            constraints.append(LinearConstraint(row.reshape(1, -1), lb=-np.inf, ub=float(cap)))
    result = milp(
        c=np.array([cost[c] for c in cells]),
        constraints=constraints,
        integrality=np.ones(len(cells)),
        bounds=Bounds(lower, upper),
    )
    if result.status != 0 or result.x is None:
        short = [r.id for r, n in zip(rows, need, strict=True) if n > 0]
        raise InputError(
            "cuts: no integer eliminations satisfy every limit"
            + (" with the fixed cuts given" if fixed else "")
            + (f" (limits needing cuts: {', '.join(short)})" if short else "")
            + f" [{result.message}]"
        )
    raw = {c: round(float(result.x[index[c]])) for c in cells}
    x = dict(raw)
    for attr, carriers in carried.items():  # report everything removed from the attribute
        x[attr] += sum(units * x[item] for item, units in carriers)
    after = {r.id: figures[r.id] - sum(w * x[c] for c, w in r.weights.items()) for r in rows}
    plan = CutPlan(
        model=model,
        limits=_results(rows, figures, after, x),
        cuts={c: v for c, v in x.items() if v},
        baseline=dict(baseline),
        costs=cost,
        objective=float(sum(cost[c] * raw[c] for c in cells)),
        eliminations=sum(raw.values()),
    )
    if carried:
        plan.notes.append(
            "attribute units leave with the items eliminated: "
            + ", ".join(f"{u} {a.split('/')[-1]} per {i}" for a, c in carried.items() for i, u in c)
        )
    elif model == "components":
        plan.notes.append(
            "cuts per component: an attribute sum (e.g. warheads) is reduced independently of "
            "the items carrying it (downloading), at its own cost"
        )
    else:
        plan.notes.append(
            "the baseline gives limit figures only, not components: each limit is cut on its "
            "own, so no elimination is shared between overlapping limits"
        )
    return plan


def _carriers(cells: list[str], loading: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
    """For each attribute cell with a loading, the item cell whose eliminations carry it away."""
    out: dict[str, list[tuple[str, int]]] = {}
    for attr, units in loading.items():
        parts = attr.split("/")
        item = "/".join(parts[:2])
        if len(parts) != 3 or attr not in cells or item not in cells:
            raise InputError(
                f"--loading {attr}: not an attribute cell category/status/attribute of this model"
            )
        if units < 0:
            raise InputError(f"--loading {attr}={units}: must be >= 0")
        out[attr] = [(item, units)]
    return out


def _costs(cells: list[str], given: dict[str, float]) -> dict[str, float]:
    cost = dict.fromkeys(cells, 1.0)
    used: set[str] = set()
    for key, value in given.items():
        hits = [c for c in cells if c == key or c.split("/")[0] == key]
        if not hits:
            raise InputError(f"--cost {key}: not a cell or category of this model")
        for c in hits:
            if c == key or key not in cells:
                cost[c] = value
        used.add(key)
    return cost


def _results(
    rows: list[LimitRow], figures: dict[str, int], after: dict[str, int], x: dict[str, int]
) -> list[LimitCut]:
    out = []
    for r in rows:
        base = figures[r.id]
        required = max(0, base - r.maximum)
        left = after.get(r.id, base)
        out.append(
            LimitCut(r.id, base, r.maximum, required, left, required > 0 and left == r.maximum)
        )
    return out
