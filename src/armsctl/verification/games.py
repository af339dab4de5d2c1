"""Inspection games: zero-sum games by linear programming, small bimatrix games, Dresher's game.

An inspector with limited inspections faces an inspectee who may violate. Where interests are
strictly opposed the game is zero-sum and its value and optimal mixed strategies come from one
linear programme (solved by HiGHS through ``scipy.optimize.linprog``). Where they are not (false
alarms cost both sides, a detected violation costs the inspector a crisis too) the game is a
bimatrix game, solved here by vertex enumeration of the best-response polytopes (every extreme
equilibrium, with degenerate games flagged) and by Lemke-Howson (one equilibrium per dropped
label).

References: M. Dresher, *A Sampling Inspection Problem in Arms Control Agreements: A
Game-Theoretic Analysis*, RAND RM-2972-ARPA (1962); R. Avenhaus, B. von Stengel and S. Zamir,
"Inspection games", *Handbook of Game Theory* vol. 3 (2002), ch. 51; R. Avenhaus and M. J. Canty,
*Compliance Quantified* (Cambridge, 1996).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from armsctl.errors import ParameterError

__all__ = [
    "MAX_BIMATRIX_STRATEGIES",
    "MAX_POLYTOPE_BASES",
    "BimatrixEquilibrium",
    "BimatrixSolution",
    "DresherSolution",
    "ZeroSumSolution",
    "bimatrix_equilibria",
    "dresher_closed_form",
    "dresher_closed_form_exact",
    "dresher_game",
    "dresher_lp",
    "game_from_mapping",
    "lemke_howson",
    "payoff_matrix",
    "solve_bimatrix",
    "solve_zero_sum",
]

MAX_BIMATRIX_STRATEGIES = 12
"""Largest bimatrix game accepted (a random 12x12 game enumerates in seconds)."""

_TOL = 1e-9
_IPM_CELLS = 40_000


def payoff_matrix(rows: Any, *, name: str = "payoff") -> NDArray[np.float64]:
    """Turn nested lists into a finite 2-D float matrix, or say precisely what is wrong.

    A ragged matrix (rows of different lengths) is the usual mistake in a hand-written game file,
    so it is named with the offending row rather than left to NumPy's generic message.
    """
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
        raise ParameterError(f"{name} must be a non-empty list of rows")
    width: int | None = None
    for i, row in enumerate(rows):
        if not isinstance(row, Sequence) or isinstance(row, str) or not row:
            raise ParameterError(f"{name}[{i}] must be a non-empty list of numbers")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ParameterError(
                f"{name} is ragged: row {i} has {len(row)} entries, row 0 has {width}"
            )
        for j, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"{name}[{i}][{j}] must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ParameterError(f"{name}[{i}][{j}] must be finite, got {value}")
    return np.asarray(rows, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ZeroSumSolution:
    """Value and optimal mixed strategies of a zero-sum game (row player maximises)."""

    value: float
    row_strategy: NDArray[np.float64]
    column_strategy: NDArray[np.float64]
    row_labels: list[str] = field(default_factory=list)
    column_labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The solution as plain JSON, each strategy keyed by label (by index without labels).

        ``value`` is the row player's guaranteed expected payoff; probabilities are floats that sum
        to 1 up to round-off.
        """
        return {
            "kind": "zero-sum",
            "value": self.value,
            "row_strategy": _labelled(self.row_strategy, self.row_labels),
            "column_strategy": _labelled(self.column_strategy, self.column_labels),
        }


def _tidy(value: float) -> float:
    """Round solver noise (|v| < 1e-12) to an exact zero so fair games print as 0."""
    v = float(value)
    return 0.0 if abs(v) < 1e-12 else v


def _labelled(strategy: NDArray[np.float64], labels: list[str]) -> dict[str, float]:
    names = labels or [str(i) for i in range(len(strategy))]
    return {name: float(p) for name, p in zip(names, strategy, strict=True)}


def _clean(strategy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Clip solver round-off (tiny negatives) and renormalise to a probability vector."""
    x = np.clip(np.asarray(strategy, dtype=np.float64), 0.0, None)
    x[x < 1e-12] = 0.0
    total = x.sum()
    return x / total if total > 0 else np.full(len(x), 1.0 / len(x))


def _maximin(a: NDArray[np.float64]) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Solve max_x min_j (x^T A)_j; returns value, x and the dual (the column strategy).

    The matrix is shifted to be positive so that the classical normalisation applies: minimise
    ``sum u`` subject to ``A^T u >= 1, u >= 0``; then ``value = 1 / sum u`` and ``x = u value``.
    This form has no free variable and no equality row, and HiGHS's interior-point method (with
    crossover to a basic solution) solves it several times faster than the simplex on large
    dense games, so it is used beyond ``_IPM_CELLS`` cells.
    """
    from scipy.optimize import linprog

    m, n = a.shape
    shift = 1.0 - float(a.min())
    pos = a + shift
    method = "highs-ipm" if m * n > _IPM_CELLS else "highs"
    res = linprog(np.ones(m), A_ub=-pos.T, b_ub=-np.ones(n), bounds=(0.0, None), method=method)
    if res.status != 0:  # pragma: no cover - a positive matrix game always has a solution
        raise ParameterError(f"the game could not be solved: {res.message}")
    scaled = 1.0 / float(res.fun)
    x = np.asarray(res.x, dtype=np.float64) * scaled
    dual = -np.asarray(res.ineqlin.marginals, dtype=np.float64) * scaled
    return scaled - shift + 0.0, x, dual


def solve_zero_sum(
    payoff: Any,
    *,
    row_labels: Sequence[str] = (),
    column_labels: Sequence[str] = (),
) -> ZeroSumSolution:
    """Value and optimal strategies of the zero-sum game with ``payoff`` to the row player.

    One HiGHS linear programme gives the row player's strategy; its dual gives the column
    player's. Both are checked against the value (each guarantees it to within 1e-7 of the
    payoff range) and the column player's is re-solved directly in the rare case the dual does
    not pass that check.
    """
    a = payoff_matrix(payoff) if not isinstance(payoff, np.ndarray) else payoff.astype(float)
    if a.ndim != 2 or 0 in a.shape:
        raise ParameterError("payoff must be a non-empty matrix")
    value, x, dual = _maximin(a)
    x = _clean(x)
    y = _clean(dual)
    scale = max(1.0, float(np.abs(a).max()))
    if float(np.max(a @ y)) > value + 1e-7 * scale:
        neg_value, y_raw, _ = _maximin(-a.T)
        y = _clean(y_raw)
        value = 0.5 * (value - neg_value)
    return ZeroSumSolution(
        value=_tidy(value),
        row_strategy=x,
        column_strategy=y,
        row_labels=list(row_labels),
        column_labels=list(column_labels),
    )


@dataclass(frozen=True, slots=True)
class BimatrixEquilibrium:
    """One Nash equilibrium of a bimatrix game with each player's expected payoff."""

    row_strategy: NDArray[np.float64]
    column_strategy: NDArray[np.float64]
    row_payoff: float
    column_payoff: float

    def to_dict(
        self, row_labels: Sequence[str] = (), column_labels: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The equilibrium as plain JSON, each strategy keyed by the labels given (else by index).

        The labels are passed here because the equilibrium does not keep them; when given they
        must be as many as the player's strategies.
        """
        return {
            "row_strategy": _labelled(self.row_strategy, list(row_labels)),
            "column_strategy": _labelled(self.column_strategy, list(column_labels)),
            "row_payoff": self.row_payoff,
            "column_payoff": self.column_payoff,
        }


@dataclass(frozen=True, slots=True)
class BimatrixSolution:
    """Every extreme equilibrium of a bimatrix game, and whether that list is the whole story.

    In a non-degenerate game the equilibria are finitely many and all are listed. A degenerate
    game (some mixed strategy has more pure best replies than its support has strategies) can
    have continua of equilibria: the extreme ones are still all listed, but the set is their
    convex pieces, so ``note`` then says ``degenerate: this list may be incomplete``.
    """

    equilibria: list[BimatrixEquilibrium]
    degenerate: bool
    method: str = "vertex enumeration"

    @property
    def note(self) -> str:
        """One sentence on completeness: whether the list holds every equilibrium or may not."""
        if not self.degenerate:
            return "non-degenerate: every equilibrium is listed"
        return (
            "degenerate: this list may be incomplete (it holds every extreme equilibrium; "
            "equilibria may also form continua between compatible ones)"
        )


MAX_POLYTOPE_BASES = 2_000_000
"""Bases visited per best-response polytope before vertex enumeration gives up."""


def _check_bimatrix(row_payoff: Any, column_payoff: Any) -> tuple[NDArray[np.float64], ...]:
    a = payoff_matrix(row_payoff, name="row_payoff")
    b = payoff_matrix(column_payoff, name="column_payoff")
    if a.shape != b.shape:
        raise ParameterError(
            f"row_payoff is {a.shape[0]}x{a.shape[1]} but column_payoff is "
            f"{b.shape[0]}x{b.shape[1]}; they must have the same shape"
        )
    if max(a.shape) > MAX_BIMATRIX_STRATEGIES:
        raise ParameterError(
            f"bimatrix games are limited to {MAX_BIMATRIX_STRATEGIES} strategies per player "
            f"(got {a.shape[0]}x{a.shape[1]}); solve a zero-sum version by linear programming"
        )
    return a, b


def _positive(m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Shift payoffs so every entry is at least 1 (equilibria do not change)."""
    return m + (1.0 - float(m.min()))


def _tol(m: NDArray[np.float64]) -> float:
    return 1e-9 * max(1.0, float(np.abs(m).max()))


def _polytope_vertices(
    mat: NDArray[np.float64], labels: list[int]
) -> tuple[list[NDArray[np.float64]], list[int], bool]:
    """Vertices of ``{z >= 0 : mat z <= 1}`` (``mat`` positive) by a search over simplex bases.

    Variables are ``z_0..z_{d-1}`` then the slacks; ``labels[v]`` is the label of variable
    ``v`` (a label is carried when the variable is zero). Every feasible basis is reached from
    the slack basis by single pivots (the basis graph is connected, degenerate or not), and all
    ties in a ratio test are followed, so every vertex is found. Returns the vertices, their
    label sets as bit masks, and whether some vertex carries more labels than the dimension
    (the polytope is not simple: the game is degenerate).
    """
    k, d = mat.shape
    tableau = np.hstack([mat, np.eye(k), np.ones((k, 1))])
    eps = 1e-9
    start = list(range(d, d + k))
    start_mask = sum(1 << v for v in start)
    seen = {start_mask}
    stack = [(start, start_mask, tableau)]
    vertices: dict[tuple[float, ...], tuple[NDArray[np.float64], int]] = {}
    degenerate = False
    label_bits = np.array([1 << lab for lab in labels], dtype=object)
    while stack:
        basis, bmask, t = stack.pop()
        rhs = t[:, -1]
        z = np.zeros(d + k)
        z[basis] = rhs
        key = tuple(np.round(z[:d], 9))
        if key not in vertices:
            mask = int(np.bitwise_or.reduce(label_bits[np.abs(z) <= eps], initial=0))
            if mask.bit_count() > d:
                degenerate = True
            vertices[key] = (z[:d].copy(), mask)
        cols = t[:, :-1]
        positive = cols > eps
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(positive, rhs[:, None] / np.where(positive, cols, 1.0), np.inf)
        best = ratios.min(axis=0)
        candidates = positive & (ratios <= best + eps)
        candidates[:, basis] = False
        for r, enter in np.argwhere(candidates):
            new_mask = bmask ^ (1 << basis[r]) ^ (1 << int(enter))
            if new_mask in seen:
                continue
            seen.add(new_mask)
            if len(seen) > MAX_POLYTOPE_BASES:
                raise ParameterError(
                    f"vertex enumeration visited {MAX_POLYTOPE_BASES:,} bases; the game is "
                    "too degenerate to enumerate"
                )
            col = t[:, enter]
            pivot_row = t[r] / col[r]
            nt = t - np.outer(col, pivot_row)
            nt[r] = pivot_row
            new_basis = list(basis)
            new_basis[r] = int(enter)
            stack.append((new_basis, new_mask, nt))
    out = [(z, mask) for z, mask in vertices.values() if z.sum() > eps]
    return [z for z, _ in out], [mask for _, mask in out], degenerate


def bimatrix_equilibria(row_payoff: Any, column_payoff: Any) -> BimatrixSolution:
    """Every extreme Nash equilibrium of a bimatrix game, by vertex enumeration.

    With payoffs shifted positive, the best-response polytopes are ``P = {x >= 0 : B^T x <=
    1}`` and ``Q = {y >= 0 : A y <= 1}``; a pair of non-zero vertices whose labels (pure
    strategies unplayed or best replies) cover all ``m + n`` labels is, normalised, an
    equilibrium, and every extreme equilibrium arises so (Avis, Rosenberg, Savani and von
    Stengel 2010). Unlike equal-support enumeration this misses nothing in degenerate games
    (unequal supports included) and is flagged ``degenerate`` then.

    Raises:
        ParameterError: the matrices are ragged, differ in shape, a player has more than
            ``MAX_BIMATRIX_STRATEGIES`` strategies, or a polytope has too many bases.
    """
    a, b = _check_bimatrix(row_payoff, column_payoff)
    m, n = a.shape
    # P: x_i carries label i, the slack of column j label m + j; Q: y_j label m + j, slack i.
    xs, x_masks, p_degenerate = _polytope_vertices(_positive(b).T, list(range(m + n)))
    ys, y_masks, q_degenerate = _polytope_vertices(
        _positive(a), [m + j for j in range(n)] + list(range(m))
    )
    full = (1 << (m + n)) - 1
    y_arr = np.array(y_masks, dtype=np.int64)  # at most 24 labels
    found: list[BimatrixEquilibrium] = []
    for x, lx in zip(xs, x_masks, strict=True):
        need = full & ~lx
        for idx in np.flatnonzero((y_arr & need) == need):
            px, qy = x / x.sum(), ys[idx] / ys[idx].sum()
            px[px < 1e-12] = 0.0
            qy[qy < 1e-12] = 0.0
            px, qy = px / px.sum(), qy / qy.sum()
            found.append(
                BimatrixEquilibrium(px, qy, _tidy(float(px @ a @ qy)), _tidy(float(px @ b @ qy)))
            )
    found.sort(key=lambda e: (tuple(-e.row_strategy), tuple(-e.column_strategy)))
    return BimatrixSolution(found, p_degenerate or q_degenerate or _degenerate_pure(a, b))


def _degenerate_pure(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """A pure strategy with two pure best replies makes the game degenerate."""
    ta, tb = _tol(a), _tol(b)
    col_best = (a >= a.max(axis=0) - ta).sum(axis=0)
    row_best = (b >= b.max(axis=1, keepdims=True) - tb).sum(axis=1)
    return bool((col_best > 1).any() or (row_best > 1).any())


def solve_bimatrix(row_payoff: Any, column_payoff: Any) -> list[BimatrixEquilibrium]:
    """Every extreme Nash equilibrium of a bimatrix game (see :func:`bimatrix_equilibria`).

    Kept for callers that want only the list; use :func:`bimatrix_equilibria` to learn whether
    the game is degenerate, in which case the list may not be the whole equilibrium set.
    """
    return bimatrix_equilibria(row_payoff, column_payoff).equilibria


def lemke_howson(
    row_payoff: Any, column_payoff: Any, *, dropped: int = 0, max_pivots: int = 100_000
) -> BimatrixEquilibrium:
    """One Nash equilibrium by the Lemke-Howson complementary pivoting algorithm.

    From the artificial equilibrium (the origin of both best-response polytopes) label
    ``dropped`` (``0..m-1`` a row strategy, ``m..m+n-1`` a column strategy) is given up, and
    pivots alternate between the two polytopes' tableaux, each entering the variable whose label
    the other just lost, until ``dropped`` leaves: the pair is then completely labelled, an
    equilibrium. Ties in the ratio test are broken lexicographically, so degenerate games do not
    cycle. Different ``dropped`` labels may reach different equilibria.

    Raises:
        ParameterError: bad matrices or label, or no end within ``max_pivots`` pivots.
    """
    a, b = _check_bimatrix(row_payoff, column_payoff)
    m, n = a.shape
    if isinstance(dropped, bool) or not isinstance(dropped, int) or not 0 <= dropped < m + n:
        raise ParameterError(f"dropped must be a label from 0 to {m + n - 1}, got {dropped!r}")
    # Tableau rows: [coefficients over labels 0..m+n-1 | identity (lexicographic) | rhs].
    # P side: B^T x + r = 1 (x_i has label i, r_j label m + j); Q side: A y + s = 1.
    bp, ap = _positive(b), _positive(a)
    p_tab = np.zeros((n, m + n + n + 1))
    p_tab[:, :m] = bp.T
    p_tab[:, m : m + n] = np.eye(n)
    p_tab[:, m + n : m + 2 * n] = np.eye(n)
    p_tab[:, -1] = 1.0
    p_basis = [m + j for j in range(n)]
    q_tab = np.zeros((m, m + n + m + 1))
    q_tab[:, m : m + n] = ap
    q_tab[:, :m] = np.eye(m)
    q_tab[:, m + n : m + n + m] = np.eye(m)
    q_tab[:, -1] = 1.0
    q_basis = list(range(m))
    tabs = {"P": (p_tab, p_basis), "Q": (q_tab, q_basis)}
    side = "P" if dropped < m else "Q"
    entering = dropped
    for _ in range(max_pivots):
        tab, basis = tabs[side]
        col = tab[:, entering]
        rows = np.flatnonzero(col > 1e-12)
        if rows.size == 0:  # pragma: no cover - the polytopes are bounded
            raise ParameterError("Lemke-Howson: unbounded ray (payoffs not positive)")
        # Lexicographic ratio test over (rhs, identity columns) / col.
        lex = np.hstack([tab[rows, -1:], tab[rows, m + n : -1]]) / col[rows, None]
        order = np.lexsort(lex.T[::-1])
        r = int(rows[order[0]])
        leaving = basis[r]
        tab[r] /= tab[r, entering]
        for i in range(tab.shape[0]):
            if i != r and tab[i, entering] != 0.0:
                tab[i] -= tab[i, entering] * tab[r]
        basis[r] = entering
        if leaving == dropped:
            break
        entering = leaving
        side = "Q" if side == "P" else "P"
    else:
        raise ParameterError(f"Lemke-Howson did not finish within {max_pivots:,} pivots")
    x = np.zeros(m)
    for i, v in enumerate(tabs["P"][1]):
        if v < m:
            x[v] = tabs["P"][0][i, -1]
    y = np.zeros(n)
    for i, v in enumerate(tabs["Q"][1]):
        if v >= m:
            y[v - m] = tabs["Q"][0][i, -1]
    x, y = _clean(x), _clean(y)
    return BimatrixEquilibrium(x, y, _tidy(float(x @ a @ y)), _tidy(float(x @ b @ y)))


@dataclass(frozen=True, slots=True)
class DresherSolution:
    """Dresher's game solved stage by stage: values and the inspector's inspection probability.

    ``value[n][m]`` is the inspectee's equilibrium payoff with ``n`` periods and ``m``
    inspections left; ``inspect[n][m]`` the probability the inspector inspects now and
    ``violate[n][m]`` the probability the inspectee violates now. The ``exact_*`` tables hold the
    same numbers as fractions (the loss taken as the exact rational value of the float given);
    the float tables are those fractions correctly rounded. ``method`` says how they were found.
    """

    periods: int
    inspections: int
    value: list[list[float]]
    inspect: list[list[float]]
    violate: list[list[float]]
    exact_value: list[list[Fraction]] = field(default_factory=list)
    exact_inspect: list[list[Fraction]] = field(default_factory=list)
    exact_violate: list[list[Fraction]] = field(default_factory=list)
    method: str = "exact recursion"

    @property
    def game_value(self) -> float:
        """The inspectee's equilibrium payoff with all periods and all inspections still ahead."""
        return self.value[self.periods][self.inspections]


def _dresher_args(
    periods: int, inspections: int, loss: float | Fraction
) -> tuple[int, int, Fraction]:
    n = _positive_int("periods", periods)
    m = _positive_int("inspections", inspections, minimum=0)
    if isinstance(loss, bool) or not isinstance(loss, int | float | Fraction):
        raise ParameterError(f"loss must be a positive number, got {loss!r}")
    if loss <= 0 or not math.isfinite(loss):
        raise ParameterError(f"loss must be a positive number, got {loss}")
    return n, m, Fraction(loss)


def _stage_exact(a: Fraction, c: Fraction, b: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """The 2x2 stage game ``[[a, c], [-b, 1]]`` (rows legal/violate, columns inspect/wait).

    With ``a > c`` (one inspection more cannot help the inspectee) and ``c < 1`` it has no
    saddle point: the inspector's ``q = (1 - c) / (1 + b + a - c)`` makes the inspectee
    indifferent, the inspectee's ``p = (a - c) / (1 + b + a - c)`` the inspector, and the value
    is ``(a + b c) / (1 + b + a - c)``. Returns value, q and p.
    """
    d = 1 + b + a - c
    return (a + b * c) / d, (1 - c) / d, (a - c) / d


def _dresher_tables(n: int, m: int) -> tuple[list[list[Fraction]], ...]:
    zero = Fraction(0)
    return tuple([[zero] * (m + 1) for _ in range(n + 1)] for _ in range(3))


def _dresher_solution(
    n: int, m: int, tables: tuple[list[list[Fraction]], ...], method: str
) -> DresherSolution:
    value, inspect, violate = tables

    def floats(t: list[list[Fraction]]) -> list[list[float]]:
        return [[float(x) for x in row] for row in t]

    return DresherSolution(
        n, m, floats(value), floats(inspect), floats(violate), value, inspect, violate, method
    )


def dresher_game(
    periods: int, inspections: int, *, loss: float | Fraction = 1.0
) -> DresherSolution:
    """Solve Dresher's sequential inspection game exactly, by its recursion in rationals.

    Over ``n`` periods an inspector may inspect in ``m`` of them; the inspectee may violate at
    most once and learns after each period whether it was inspected. A violation in an inspected
    period is caught (inspectee payoff ``-loss``), one in an uninspected period succeeds (``+1``),
    and never violating pays 0. The stage game is the 2x2 zero-sum game ``[[v(n-1, m-1),
    v(n-1, m)], [-loss, 1]]``; its solution (see ``_stage_exact``) is evaluated in
    :class:`fractions.Fraction`, so every table entry is exact and its float correctly rounded,
    however large the loss (a stage LP in floating point loses the tiny values next to a large
    loss: with 6 periods, 5 inspections and loss 100 it inspects first with probability 1.0
    instead of about 1/101). :func:`dresher_lp` is the independent cross-check.
    """
    n, m, b = _dresher_args(periods, inspections, loss)
    tables = _dresher_tables(n, m)
    value, inspect, violate = tables
    for k in range(1, n + 1):
        value[k][0] = Fraction(1)  # no inspection left: violate now, unseen
        violate[k][0] = Fraction(1)
        for j in range(1, m + 1):
            if j >= k:
                inspect[k][j] = Fraction(1)  # every period inspected: violating never pays
                continue
            value[k][j], inspect[k][j], violate[k][j] = _stage_exact(
                value[k - 1][j - 1], value[k - 1][j], b
            )
    return _dresher_solution(n, m, tables, "exact recursion")


def dresher_lp(periods: int, inspections: int, *, loss: float | Fraction = 1.0) -> DresherSolution:
    """Dresher's game by a HiGHS linear programme at every stage, as a cross-check.

    Each stage's inspector LP is written in scaled variables (see ``_inspector_lp``) so that
    the continuation values, as small as ``loss^-m``, are not lost beside the loss; HiGHS then
    picks the inspector's support. On that support
    the indifference equations are solved in exact rationals and the result certified optimal
    (each mix a probability, no pure reply better); a support that fails the certificate raises
    ``ParameterError``. So the LP decides which strategies are played and exact arithmetic
    gives their weights; it agrees with :func:`dresher_game` exactly wherever it passes.
    """
    n, m, b = _dresher_args(periods, inspections, loss)
    tables = _dresher_tables(n, m)
    value, inspect, violate = tables
    for k in range(1, n + 1):
        value[k][0] = Fraction(1)
        violate[k][0] = Fraction(1)
        for j in range(1, m + 1):
            if j >= k:
                inspect[k][j] = Fraction(1)
                continue
            a, c = value[k - 1][j - 1], value[k - 1][j]
            stage = [[a, c], [-b, Fraction(1)]]
            q = _inspector_lp(float((1 + b) / (1 - c)), float((a - c) / (1 - c)))
            # The inspector's mix is never tiny (q >= 1 / (2 + loss)); the inspectee's may be
            # (about loss^-(m-1)), below any float tolerance, so its support is inferred: a
            # non-degenerate 2x2 game has supports of equal size.
            rows: tuple[int, ...]
            cols: tuple[int, ...]
            if _TOL < q < 1 - _TOL:
                rows, cols = (0, 1), (0, 1)
            else:
                col = 0 if q >= 1 - _TOL else 1
                rows, cols = (int(stage[1][col] > stage[0][col]),), (col,)
            v, x, y = _certified_support(stage, rows, cols, where=f"stage ({k}, {j})")
            value[k][j], violate[k][j], inspect[k][j] = v, x[1], y[0]
    return _dresher_solution(n, m, tables, "stage LP (HiGHS) supports, exact weights")


def _inspector_lp(cost: float, gain: float) -> float:
    """The inspector's stage LP in scaled variables; returns its inspection probability ``q``.

    With ``v = c + (a - c) w`` the inspector's problem ``min v`` subject to ``q a + (1 - q) c <=
    v`` (legal) and ``-b q + (1 - q) <= v`` (violate) becomes ``min w`` subject to ``q <= w`` and
    ``(1 + b) / (1 - c) q + (a - c) / (1 - c) w >= 1``: every coefficient lies between ``(a - c)
    / (1 - c)`` and ``1 + b``, so HiGHS's tolerances cannot swamp the continuation values, which
    the unscaled stage game (entries ``-b`` beside ``a - c`` of ``b^-m``) lets them do.
    """
    from scipy.optimize import linprog

    res = linprog(
        [0.0, 1.0],
        A_ub=[[1.0, -1.0], [-cost, -gain]],
        b_ub=[0.0, -1.0],
        bounds=[(0.0, 1.0), (None, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the stage LP is always feasible and bounded
        raise ParameterError(f"Dresher stage LP could not be solved: {res.message}")
    return float(res.x[0])


def _certified_support(
    game: list[list[Fraction]], rows: tuple[int, ...], cols: tuple[int, ...], *, where: str
) -> tuple[Fraction, list[Fraction], list[Fraction]]:
    """Exact equilibrium of a 2x2 zero-sum game on the given supports, or ``ParameterError``."""
    zero, one = Fraction(0), Fraction(1)
    if len(rows) == len(cols) == 1:
        (r,), (c,) = rows, cols
        x = [one if i == r else zero for i in range(2)]
        y = [one if j == c else zero for j in range(2)]
    elif len(rows) == len(cols) == 2:
        (g00, g01), (g10, g11) = game
        d = g00 - g01 - g10 + g11
        if d == 0:
            raise ParameterError(f"Dresher LP cross-check: singular stage game at {where}")
        x0, y0 = (g11 - g10) / d, (g11 - g01) / d
        x, y = [x0, 1 - x0], [y0, 1 - y0]
    else:
        raise ParameterError(f"Dresher LP cross-check: unequal supports at {where}")
    v_row = sum((game[i][j] * x[i] * y[j] for i in range(2) for j in range(2)), Fraction(0))
    v_col = v_row
    row_payoffs = [sum(game[i][j] * y[j] for j in range(2)) for i in range(2)]
    col_payoffs = [sum(game[i][j] * x[i] for i in range(2)) for j in range(2)]
    ok = (
        v_row == v_col
        and all(w >= 0 for w in (*x, *y))
        and max(row_payoffs) <= v_row
        and min(col_payoffs) >= v_row
    )
    if not ok:
        raise ParameterError(f"Dresher LP cross-check: the LP's support at {where} is not optimal")
    return v_row, x, y


def dresher_closed_form(periods: int, inspections: int, *, loss: float | Fraction = 1.0) -> float:
    """The inspectee's equilibrium payoff in Dresher's game, in closed form.

    ``v(n, m) = C(n-1, m) / sum_{i=0}^{m} C(n, i) b^(m-i)`` (Dresher 1962 for ``b = 1``;
    Avenhaus, von Stengel and Zamir 2002, eq. 4.3, for a loss ``b``), with ``v = 0`` when
    ``m >= n``; evaluated in exact rationals and rounded once.
    """
    return float(dresher_closed_form_exact(periods, inspections, loss=loss))


def dresher_closed_form_exact(
    periods: int, inspections: int, *, loss: float | Fraction = 1.0
) -> Fraction:
    """:func:`dresher_closed_form` as an exact fraction (the loss as the float's exact value)."""
    n, m, b = _dresher_args(periods, inspections, loss)
    if m >= n:
        return Fraction(0)
    denom = sum(math.comb(n, i) * b ** (m - i) for i in range(m + 1))
    return Fraction(math.comb(n - 1, m)) / denom


def _positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


def game_from_mapping(data: Any, *, where: str = "game") -> dict[str, Any]:
    """Validate a game read from JSON or TOML and solve it; the result as plain data.

    Accepted forms: ``{"payoff": [[...]]}`` (zero-sum, payoff to the row player) or
    ``{"row_payoff": [[...]], "column_payoff": [[...]]}`` (bimatrix), each with optional
    ``rows`` and ``columns`` label lists.
    """
    if not isinstance(data, dict):
        raise ParameterError(f"{where}: expected a table with 'payoff' or 'row_payoff'")
    rows = data.get("rows", [])
    cols = data.get("columns", [])
    if not isinstance(rows, list) or not isinstance(cols, list):
        raise ParameterError(f"{where}: 'rows' and 'columns' must be lists of labels")
    if "payoff" in data:
        a = payoff_matrix(data["payoff"], name="payoff")
        _check_labels(a, rows, cols)
        return solve_zero_sum(
            a, row_labels=[str(r) for r in rows], column_labels=[str(c) for c in cols]
        ).to_dict()
    if "row_payoff" in data and "column_payoff" in data:
        sol = bimatrix_equilibria(data["row_payoff"], data["column_payoff"])
        a = payoff_matrix(data["row_payoff"], name="row_payoff")
        _check_labels(a, rows, cols)
        return {
            "kind": "bimatrix",
            "method": sol.method,
            "degenerate": sol.degenerate,
            "note": sol.note,
            "equilibria": [
                e.to_dict([str(r) for r in rows], [str(c) for c in cols]) for e in sol.equilibria
            ],
        }
    raise ParameterError(
        f"{where}: give 'payoff' (zero-sum) or both 'row_payoff' and 'column_payoff' (bimatrix)"
    )


def _check_labels(a: NDArray[np.float64], rows: list[Any], cols: list[Any]) -> None:
    if rows and len(rows) != a.shape[0]:
        raise ParameterError(f"rows has {len(rows)} labels but the matrix has {a.shape[0]} rows")
    if cols and len(cols) != a.shape[1]:
        raise ParameterError(
            f"columns has {len(cols)} labels but the matrix has {a.shape[1]} columns"
        )
