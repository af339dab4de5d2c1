"""Inspection games: LP against closed forms, support enumeration against hand-solved games."""

from __future__ import annotations

import itertools
import os
import warnings
from fractions import Fraction

import nashpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import ParameterError
from armsctl.verification.games import (
    bimatrix_equilibria,
    dresher_closed_form,
    dresher_closed_form_exact,
    dresher_game,
    dresher_lp,
    game_from_mapping,
    lemke_howson,
    solve_bimatrix,
    solve_zero_sum,
)

FULL = os.environ.get("ARMSCTL_ORACLE_FULL") == "1"
"""``make bench`` sets this (bench/bench_oracles.py) to run the oracle checks at full size."""
ORACLE_CASES = 2000 if FULL else 60


def test_matching_pennies() -> None:
    sol = solve_zero_sum([[1, -1], [-1, 1]])
    assert sol.value == 0.0
    np.testing.assert_allclose(sol.row_strategy, [0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(sol.column_strategy, [0.5, 0.5], atol=1e-9)


def test_two_by_two_closed_form() -> None:
    # Without a saddle point: p = (d - c) / (a - b - c + d), value = (ad - bc) / (a - b - c + d).
    a, b, c, d = 3.0, -1.0, -2.0, 4.0
    sol = solve_zero_sum([[a, b], [c, d]])
    denom = a - b - c + d
    assert sol.value == pytest.approx((a * d - b * c) / denom)
    assert sol.row_strategy[0] == pytest.approx((d - c) / denom)
    assert sol.column_strategy[0] == pytest.approx((d - b) / denom)


def test_saddle_point_and_dominated_strategy() -> None:
    sol = solve_zero_sum([[4, 2, 3], [1, 0, -1]], row_labels=["good", "bad"])
    assert sol.value == pytest.approx(2.0)
    assert sol.to_dict()["row_strategy"] == {"good": 1.0, "bad": 0.0}


@given(
    st.integers(1, 6).flatmap(
        lambda m: st.integers(1, 6).flatmap(
            lambda n: st.lists(
                st.lists(st.integers(-9, 9), min_size=n, max_size=n), min_size=m, max_size=m
            )
        )
    )
)
@settings(max_examples=60, deadline=None)
def test_strategies_guarantee_the_value(payoff: list[list[int]]) -> None:
    a = np.array(payoff, dtype=float)
    sol = solve_zero_sum(payoff)
    assert np.min(sol.row_strategy @ a) >= sol.value - 1e-7
    assert np.max(a @ sol.column_strategy) <= sol.value + 1e-7
    assert sol.row_strategy.sum() == pytest.approx(1.0)
    assert sol.column_strategy.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("loss", [1.0, 0.5, 3.0])
def test_dresher_lp_matches_closed_form(loss: float) -> None:
    for n in range(1, 8):
        for m in range(0, n + 2):
            sol = dresher_game(n, m, loss=loss)
            assert sol.game_value == pytest.approx(dresher_closed_form(n, m, loss=loss), abs=1e-9)


def _dresher_reference(n: int, m: int, b: Fraction) -> tuple[Fraction, Fraction]:
    """Value and inspection probability from the stage-game formulas, written out afresh."""
    if m == 0:
        return Fraction(1), Fraction(0)
    if m >= n:
        return Fraction(0), Fraction(1)
    a, _ = _dresher_reference(n - 1, m - 1, b)
    c, _ = _dresher_reference(n - 1, m, b)
    # Inspectee indifferent between legal and violating: q a + (1-q) c = -q b + (1-q).
    q = (1 - c) / (a - c + b + 1)
    return q * a + (1 - q) * c, q


@pytest.mark.parametrize("loss", [0.5, 1.0, 3.0, 100.0, 1000.0])
def test_dresher_exact_recursion_and_lp_cross_check(loss: float) -> None:
    """For n <= 20 and losses up to 1,000 every cell is exact and the LP agrees to 1e-12."""
    b = Fraction(loss)
    exact, lp = dresher_game(20, 21, loss=loss), dresher_lp(20, 21, loss=loss)
    for n in range(1, 21):
        for m in range(0, 22):
            v = exact.exact_value[n][m]
            assert v == dresher_closed_form_exact(n, m, loss=loss)
            if n <= 12:
                assert (v, exact.exact_inspect[n][m]) == _dresher_reference(n, m, b)
            assert exact.value[n][m] == float(v)
            assert lp.value[n][m] == pytest.approx(exact.value[n][m], rel=1e-12, abs=0.0)
            assert lp.inspect[n][m] == pytest.approx(exact.inspect[n][m], rel=1e-12, abs=0.0)
            assert lp.violate[n][m] == pytest.approx(exact.violate[n][m], rel=1e-12, abs=0.0)


def test_dresher_large_loss_inspects_rarely() -> None:
    """Six periods, five inspections, loss 100: inspect first with q = 1 / (101 + v(5, 4))."""
    sol = dresher_game(6, 5, loss=100)
    v54 = dresher_closed_form_exact(5, 4, loss=100)
    assert sol.exact_inspect[6][5] == 1 / (101 + v54)
    assert sol.inspect[6][5] == pytest.approx(1 / 101, rel=1e-9)
    assert sol.exact_value[6][5] == Fraction(1, 10615201506)
    assert sol.game_value == dresher_closed_form(6, 5, loss=100)


def test_dresher_published_values() -> None:
    # Dresher (1962): v(n, m) = C(n-1, m) / sum_{i<=m} C(n, i); v(2, 1) = 1/3, v(3, 1) = 1/2.
    assert dresher_closed_form(2, 1) == pytest.approx(1 / 3)
    assert dresher_closed_form(3, 1) == pytest.approx(2 / 4)
    assert dresher_closed_form(5, 2) == pytest.approx(6 / 16)
    assert dresher_closed_form(4, 4) == 0.0
    sol = dresher_game(2, 1)
    # Stage game [[v(1,0), v(1,1)], [-1, 1]] = [[1, 0], [-1, 1]]: the inspector makes the
    # inspectee indifferent, q = 1 - 2q, so it inspects the first period with probability 1/3,
    # and the inspectee violates with probability 1/3 too.
    assert sol.inspect[2][1] == pytest.approx(1 / 3)
    assert sol.violate[2][1] == pytest.approx(1 / 3)


def test_bimatrix_inspection_game_mixed_equilibrium() -> None:
    # Inspector (rows: inspect, skip) vs inspectee (columns: violate, comply); false alarms cost.
    # Inspector: inspect&violate -a, inspect&comply -e (cost), skip&violate -c, skip&comply 0.
    # Inspectee: caught -b, undetected +d, comply 0.
    a_, e, c, b, d = 1.0, 0.2, 3.0, 4.0, 1.0
    row = [[-a_, -e], [-c, 0.0]]
    col = [[-b, 0.0], [d, 0.0]]
    (eq,) = solve_bimatrix(row, col)
    # Inspectee indifferent: q (-b) + (1 - q) d = 0 -> q = d / (b + d).
    assert eq.row_strategy[0] == pytest.approx(d / (b + d))
    # Inspector indifferent: -a v - e (1-v) = -c v -> v = e / (c - a + e).
    assert eq.column_strategy[0] == pytest.approx(e / (c - a_ + e))
    assert eq.column_payoff == pytest.approx(0.0)


def test_bimatrix_coordination_has_three_equilibria() -> None:
    eqs = solve_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    assert len(eqs) == 3
    mixed = [e for e in eqs if 0 < e.row_strategy[0] < 1]
    assert mixed[0].row_strategy[0] == pytest.approx(0.6)
    assert mixed[0].column_strategy[0] == pytest.approx(0.4)


def _key(x: np.ndarray, y: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return tuple(np.round(x, 6) + 0.0), tuple(np.round(y, 6) + 0.0)


def _nashpy_vertex_enumeration(a: np.ndarray, b: np.ndarray) -> set[tuple[tuple[float, ...], ...]]:
    """The oracle, quietened: Qhull divides by zero on degenerate polytopes, harmlessly."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return {_key(x, y) for x, y in nashpy.Game(a, b).vertex_enumeration()}


def _brute_vertices(mat: np.ndarray, labels: list[int]) -> list[tuple[np.ndarray, int]]:
    """Vertices of ``{z >= 0 : mat z <= 1}`` by solving every choice of ``d`` tight constraints."""
    k, d = mat.shape
    rows = np.vstack([np.eye(d), mat])  # row v: z_v = 0 (v < d) or slack v - d = 0
    rhs = np.concatenate([np.zeros(d), np.ones(k)])
    out: dict[tuple[float, ...], tuple[np.ndarray, int]] = {}
    for tight in itertools.combinations(range(d + k), d):
        sub = rows[list(tight)]
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        z = np.linalg.solve(sub, rhs[list(tight)])
        if z.min() < -1e-9 or (mat @ z).max() > 1 + 1e-9 or z.sum() < 1e-9:
            continue
        slack = np.concatenate([z, 1 - mat @ z])
        mask = sum(1 << labels[v] for v in range(d + k) if abs(slack[v]) < 1e-9)
        out.setdefault(tuple(np.round(z, 9)), (z, mask))
    return list(out.values())


def _brute_extreme_equilibria(a: np.ndarray, b: np.ndarray) -> set[tuple[tuple[float, ...], ...]]:
    """Every completely labelled pair of vertices, from the brute-force vertex lists."""
    m, n = a.shape
    xs = _brute_vertices((b - b.min() + 1).T, list(range(m + n)))
    ys = _brute_vertices(a - a.min() + 1, [m + j for j in range(n)] + list(range(m)))
    full = (1 << (m + n)) - 1
    return {_key(x / x.sum(), y / y.sum()) for x, lx in xs for y, ly in ys if (lx | ly) == full}


def _is_equilibrium(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> bool:
    """No pure deviation pays either player (the definition, checked directly)."""
    return bool(
        np.max(a @ y) <= x @ a @ y + 1e-9
        and np.max(x @ b) <= x @ b @ y + 1e-9
        and abs(x.sum() - 1) < 1e-9
        and abs(y.sum() - 1) < 1e-9
        and x.min() >= 0
        and y.min() >= 0
    )


def test_bimatrix_equals_nashpy_vertex_enumeration_on_non_degenerate_games() -> None:
    """Random real payoffs are non-degenerate with probability 1: every equilibrium is listed.

    (nashpy's support enumeration misses equilibria of some non-square games, so its vertex
    enumeration, which uses Qhull rather than our pivoting, is the oracle.)
    """
    rng = np.random.default_rng(4)
    for _ in range(ORACLE_CASES):
        m, n = (int(v) for v in rng.integers(2, 6, size=2))
        a, b = rng.normal(size=(m, n)), rng.normal(size=(m, n))
        sol = bimatrix_equilibria(a.tolist(), b.tolist())
        assert not sol.degenerate
        theirs = _nashpy_vertex_enumeration(a, b)
        assert {_key(e.row_strategy, e.column_strategy) for e in sol.equilibria} == theirs
        assert all(_is_equilibrium(a, b, e.row_strategy, e.column_strategy) for e in sol.equilibria)
        assert len(sol.equilibria) % 2 == 1  # Wilson's oddness theorem


def test_bimatrix_degenerate_games_list_every_extreme_equilibrium_and_say_so() -> None:
    """Small integer payoffs are often degenerate; the oracle solves every choice of tight
    constraints (nashpy's Qhull-based enumeration returns nothing for some of these games)."""
    rng = np.random.default_rng(5)
    degenerate = 0
    for _ in range(ORACLE_CASES):
        m, n = (int(v) for v in rng.integers(2, 5, size=2))
        a = rng.integers(-2, 3, size=(m, n)).astype(float)
        b = rng.integers(-2, 3, size=(m, n)).astype(float)
        sol = bimatrix_equilibria(a.tolist(), b.tolist())
        ours = {_key(e.row_strategy, e.column_strategy) for e in sol.equilibria}
        assert ours == _brute_extreme_equilibria(a, b)
        assert all(_is_equilibrium(a, b, e.row_strategy, e.column_strategy) for e in sol.equilibria)
        degenerate += sol.degenerate
    assert degenerate > ORACLE_CASES // 4


def test_a_degenerate_game_with_unequal_supports() -> None:
    """The column player is indifferent against the first row: a continuum of equilibria.

    Its extreme points pair x = (1, 0, 0) with y = (1, 0) and with y = (2/3, 1/3), supports of
    sizes 1 and 2, which equal-support enumeration cannot see.
    """
    a = [[3, 3], [2, 5], [0, 6]]
    b = [[3, 3], [2, 6], [3, 1]]
    sol = bimatrix_equilibria(a, b)
    assert sol.degenerate and sol.note.startswith("degenerate: this list may be incomplete")
    keys = {_key(e.row_strategy, e.column_strategy) for e in sol.equilibria}
    assert _key(np.array([1.0, 0, 0]), np.array([1.0, 0])) in keys
    assert _key(np.array([1.0, 0, 0]), np.array([2 / 3, 1 / 3])) in keys
    assert keys == _brute_extreme_equilibria(np.array(a, float), np.array(b, float))
    doc = game_from_mapping({"row_payoff": a, "column_payoff": b})
    assert doc["degenerate"] is True and "may be incomplete" in doc["note"]


def test_lemke_howson_reaches_listed_equilibria_on_a_12_by_12_game() -> None:
    rng = np.random.default_rng(12)
    a, b = rng.random((12, 12)), rng.random((12, 12))
    sol = bimatrix_equilibria(a.tolist(), b.tolist())
    assert not sol.degenerate and len(sol.equilibria) % 2 == 1
    listed = {_key(e.row_strategy, e.column_strategy) for e in sol.equilibria}
    for label in range(24):
        e = lemke_howson(a.tolist(), b.tolist(), dropped=label)
        assert _is_equilibrium(a, b, e.row_strategy, e.column_strategy)
        assert _key(e.row_strategy, e.column_strategy) in listed
    with pytest.raises(ParameterError, match="dropped must be a label from 0 to 23"):
        lemke_howson(a.tolist(), b.tolist(), dropped=24)


def test_lemke_howson_on_a_degenerate_game_ends_at_an_equilibrium() -> None:
    a = np.array([[3, 3], [2, 5], [0, 6]], dtype=float)
    b = np.array([[3, 3], [2, 6], [3, 1]], dtype=float)
    for label in range(5):
        e = lemke_howson(a.tolist(), b.tolist(), dropped=label)
        assert _is_equilibrium(a, b, e.row_strategy, e.column_strategy)


def test_zero_sum_as_bimatrix_agrees_with_lp() -> None:
    a = np.array([[2.0, -1.0, 0.5], [-1.0, 1.0, 0.0], [0.0, 0.5, -0.5]])
    lp = solve_zero_sum(a)
    eqs = solve_bimatrix(a.tolist(), (-a).tolist())
    assert eqs
    assert all(e.row_payoff == pytest.approx(lp.value, abs=1e-9) for e in eqs)


def test_ragged_and_bad_matrices_are_named() -> None:
    with pytest.raises(ParameterError, match=r"payoff is ragged: row 1 has 1 entries"):
        solve_zero_sum([[1, 2], [3]])
    with pytest.raises(ParameterError, match=r"payoff\[0\]\[1\] must be a number"):
        solve_zero_sum([[1, "x"]])
    with pytest.raises(ParameterError, match="same shape"):
        solve_bimatrix([[1, 2]], [[1], [2]])
    with pytest.raises(ParameterError, match="bimatrix games are limited"):
        solve_bimatrix(np.zeros((13, 2)).tolist(), np.zeros((13, 2)).tolist())
    with pytest.raises(ParameterError, match="periods"):
        dresher_game(0, 1)


def test_game_files() -> None:
    zs = game_from_mapping({"payoff": [[1, -1], [-1, 1]], "rows": ["a", "b"]})
    assert zs["kind"] == "zero-sum"
    assert zs["row_strategy"] == pytest.approx({"a": 0.5, "b": 0.5})
    bm = game_from_mapping({"row_payoff": [[3, 0], [0, 2]], "column_payoff": [[2, 0], [0, 3]]})
    assert bm["kind"] == "bimatrix"
    assert len(bm["equilibria"]) == 3
    with pytest.raises(ParameterError, match="rows has 3 labels"):
        game_from_mapping({"payoff": [[1, 2]], "rows": ["a", "b", "c"]})
    with pytest.raises(ParameterError, match="give 'payoff'"):
        game_from_mapping({"matrix": [[1]]})


def test_large_game_solves() -> None:
    a = np.random.default_rng(7).random((120, 150))
    sol = solve_zero_sum(a)
    assert np.min(sol.row_strategy @ a) >= sol.value - 1e-7
    assert np.max(a @ sol.column_strategy) <= sol.value + 1e-7
