"""``arl_markov`` and ``round_numbers`` against scipy.stats, their reference implementations.

Both now call ``scipy.special`` (``ndtr``, ``betainc``) so that the monitoring commands need not
import scipy.stats; scipy.stats' ``norm`` and ``binom`` are imported here only, as the oracle.
The grids take in the edges: a chain of one state (the atom at 0 alone, a closed form), a zero
reference value, tiny and wide decision intervals, shifts far beyond ``h``; for the round-number
tail no multiples (P = 1 by the docstring's ``P(X >= 0)``), one, all of them, n = 5 (the smallest
count tested) to 10^6, bases 2 (p = 1/2) to 10^6 (p = 1e-6), tails down to underflow.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

from armsctl.monitoring import arl_markov, round_numbers

# ndtr is what norm.cdf evaluates and betainc(x, n - x + 1, p) is the Boost ibeta that binom.sf
# evaluates, so the results are bitwise equal here; 1e-12 relative allows only a different
# build's last-bit rounding (amplified at most ~1e3-fold by the ARL's linear solve), while a
# wrong argument (x for x - 1, p for 1 - p, a cell edge off by w/2) is off by far more.
REL = 1e-12


def test_ndtr_is_norm_cdf_bitwise() -> None:
    """The premise of ``arl_markov``'s import: the same function, also in the far tails."""
    x = np.concatenate(
        [np.linspace(-40, 40, 8001), [0.0, -0.0, 5e-324, -1e-300, 1e300, -1e300, np.inf, -np.inf]]
    )
    np.testing.assert_array_equal(ndtr(x), stats.norm.cdf(x))


def _brook_evans_with_scipy_stats(k: float, h: float, mu: float, states: int) -> float:
    """The Brook & Evans chain as arl_markov built it before, with scipy.stats.norm.cdf."""
    m = states
    w = 2 * h / (2 * m - 1)
    centres = np.arange(m) * w
    diff = centres[None, :] - centres[:, None]
    r = stats.norm.cdf(diff + w / 2 + k - mu) - stats.norm.cdf(diff - w / 2 + k - mu)
    r[:, 0] = stats.norm.cdf(-centres + w / 2 + k - mu)
    return float(np.linalg.solve(np.eye(m) - r, np.ones(m))[0])


@pytest.mark.parametrize("states", [1, 2, 3, 25])
def test_arl_markov_equals_the_chain_built_with_scipy_stats(states: int) -> None:
    for k, h, mu in itertools.product(
        (0.0, 0.25, 0.5, 1.0), (0.01, 1.0, 4.0, 5.0), (-1.0, 0.0, 0.5, 1.0, 5.0, 40.0)
    ):
        ref = _brook_evans_with_scipy_stats(k, h, mu, states)
        assert arl_markov(k, h, mu, states=states) == pytest.approx(ref, rel=REL), (k, h, mu)


@pytest.mark.parametrize(("h", "mu"), [(4.0, 0.0), (5.0, 0.0), (4.0, 1.0), (5.0, 1.0)])
def test_arl_markov_at_the_default_resolution(h: float, mu: float) -> None:
    # The published cases (k = 0.5) at the default 400 states.
    ref = _brook_evans_with_scipy_stats(0.5, h, mu, 400)
    assert arl_markov(0.5, h, mu) == pytest.approx(ref, rel=REL)


def test_one_state_is_the_geometric_run_length() -> None:
    """With only the atom at 0, each step alarms with P(Z > h + k - mu): ARL = 1 / norm.sf."""
    for k, h, mu in itertools.product((0.0, 0.5, 1.0), (0.01, 0.5, 1.0), (0.0, 1.0, 3.0)):
        sf = stats.norm.sf(h + k - mu)
        # The chain forms 1 - Phi, which cancels: its relative error is ~1e-16 / sf, so keep
        # to sf >= 0.1 (error <= 1e-15), where the 1e-12 tolerance still holds.
        if sf < 0.1:
            continue
        assert arl_markov(k, h, mu, states=1) == pytest.approx(1 / sf, rel=REL)


# --- round numbers ---------------------------------------------------------------------------


def _figures(n: int, multiples: int, base: int) -> list[tuple[str, int]]:
    """n figures of at least ``base``, the first ``multiples`` of them multiples of it."""
    return [(f"f{i}", base * (i + 1) if i < multiples else base * (i + 1) + 1) for i in range(n)]


def _binom_tail(x: int, n: int, base: int) -> float:
    """P(X >= x) for X ~ Binomial(n, 1/base), as scipy.stats gives it (sf(-1) = 1)."""
    return float(stats.binom.sf(x - 1, n, 1 / base))


def _check(n: int, x: int, base: int) -> None:
    figures = _figures(n, x, base)
    ref = _binom_tail(x, n, base)
    # alpha = inf: every tail is "significant", so the flag shows the p-value whatever it is.
    (flag,) = round_numbers(figures, party="P", base=base, minimum=base, alpha=math.inf)
    p = flag.details["p_value"]
    assert p == pytest.approx(ref, rel=REL, abs=0), (n, x, base)
    assert flag.score == -p
    assert flag.details == {"p_value": p, "multiples": x, "figures": n}
    assert flag.subject == f"{x} of {n} figures"
    # At the default alpha the flag appears exactly when scipy.stats' tail is below 0.01.
    flags = round_numbers(figures, party="P", base=base, minimum=base)
    assert bool(flags) == (ref < 0.01), (n, x, base)


def test_round_number_tail_equals_scipy_binom_sf() -> None:
    for n, base in itertools.product((5, 6, 7, 10, 31, 100, 1000, 20_000), (2, 3, 10, 1000, 10**6)):
        for x in sorted({0, 1, 2, n // base, n // base + 1, n // 2, n - 1, n}):
            _check(n, x, base)


def test_round_number_tail_underflows_like_scipy() -> None:
    # All of n multiples of 2: P = 2^-n, subnormal from n = 1023 and zero beyond n = 1074.
    for n in (1000, 1022, 1023, 1050, 1074, 1075, 2000):
        _check(n, n, 2)
        _check(n, n - 1, 2)


def test_round_number_tail_with_a_million_figures() -> None:
    n, base = 10**6, 10
    figures = _figures(n, n // base + 1200, base)  # 4 standard deviations (300) above n/base
    ref = _binom_tail(n // base + 1200, n, base)
    (flag,) = round_numbers(figures, party="P", base=base, minimum=base, alpha=math.inf)
    assert flag.details["p_value"] == pytest.approx(ref, rel=REL, abs=0)
    assert 1e-6 < ref < 1e-3


def test_figures_below_the_minimum_are_not_counted() -> None:
    # Multiples below the minimum are left out of both counts: 5 eligible, 3 multiples.
    figures = [("a", 10), ("b", 20), ("c", 30), ("d", 40), ("e", 50), ("f", 61), ("g", 73)]
    (flag,) = round_numbers(figures, party="P", minimum=25, alpha=math.inf)
    assert flag.details["p_value"] == pytest.approx(_binom_tail(3, 5, 10), rel=REL)
    assert (flag.details["multiples"], flag.details["figures"]) == (3, 5)
    assert round_numbers(figures[:6], party="P", minimum=25, alpha=math.inf) == []  # 4 < 5
