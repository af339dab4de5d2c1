"""Inspection games: LP against closed forms, support enumeration against hand-solved games."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import ParameterError
from armsctl.verification.games import (
    dresher_closed_form,
    dresher_closed_form_exact,
    dresher_game,
    dresher_lp,
    game_from_mapping,
    solve_bimatrix,
    solve_zero_sum,
)


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
    assert sol.as_dict()["row_strategy"] == {"good": 1.0, "bad": 0.0}


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
    with pytest.raises(ParameterError, match="support enumeration is limited"):
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
