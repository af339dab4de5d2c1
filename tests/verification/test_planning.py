"""The inspection planner: the site-and-period game, its realisation, and treaty site lists."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from armsctl.errors import InputError, ParameterError
from armsctl.treaty import Treaty
from armsctl.verification.games import solve_zero_sum
from armsctl.verification.io import read_site_list, sites_from_declarations
from armsctl.verification.planning import (
    Quota,
    Site,
    draw_schedule,
    plan_inspections,
    systematic_sample,
)
from armsctl.verification.sampling import detection_probability
from armsctl.verification.sites import classify_site, quotas_for_year

NEW_START = [Quota("type-one", 10), Quota("type-two", 8)]


def _sites(n1: int, n2: int) -> list[Site]:
    return [Site(f"A{i}", "type-one", 100) for i in range(n1)] + [
        Site(f"B{i}", "type-two", 30) for i in range(n2)
    ]


def test_uniform_sites_get_quota_over_sites() -> None:
    plan = plan_inspections(_sites(25, 16), NEW_START)
    np.testing.assert_allclose(plan.site_probability[:25], 10 / 25)
    np.testing.assert_allclose(plan.site_probability[25:], 8 / 16)
    assert plan.guaranteed == pytest.approx(0.4)
    assert plan.guaranteed_by_type == pytest.approx({"type-one": 0.4, "type-two": 0.5})
    assert plan.within_years(3) == pytest.approx(1 - 0.6**3)


def test_partial_checks_shift_inspections_to_big_sites() -> None:
    sites = [Site("big", "t", 200), Site("small", "t", 10), Site("mid", "t", 50)]
    plan = plan_inspections(sites, [Quota("t", 1)], violation_size=2, items_checked=10)
    d = [detection_probability(s.items, 2, 10) for s in sites]
    # Water-filling: x_s = v / d_s, sum x_s = 1.
    v = 1 / sum(1 / di for di in d)
    assert plan.guaranteed == pytest.approx(v, rel=1e-7)
    np.testing.assert_allclose(plan.site_probability, [v / di for di in d], rtol=1e-6)


def test_plan_matches_the_full_game_on_a_small_case() -> None:
    # Pure inspector strategies: 2 of 4 sites; inspectee: a site. Payoff: detection probability.
    sites = [Site(n, "t", k) for n, k in (("a", 40), ("b", 20), ("c", 10), ("d", 8))]
    d = [detection_probability(s.items, 1, 5) for s in sites]
    pure = list(itertools.combinations(range(4), 2))
    payoff = [[d[j] if j in pair else 0.0 for j in range(4)] for pair in pure]
    value = solve_zero_sum(payoff).value
    plan = plan_inspections(sites, [Quota("t", 2)], items_checked=5)
    assert plan.guaranteed == pytest.approx(value, abs=1e-8)


def test_short_windows_spread_inspections_over_the_year() -> None:
    plan = plan_inspections(_sites(4, 0), [Quota("type-one", 2)], periods=12, window=3)
    # Each site inspected with 1/2; the worst 3-month window sees 3/12 of it.
    assert plan.guaranteed == pytest.approx(0.5 * 3 / 12)
    np.testing.assert_allclose(plan.probabilities, 0.5 / 12, atol=1e-9)
    whole_year = plan_inspections(_sites(4, 0), [Quota("type-one", 2)], periods=12)
    assert whole_year.guaranteed == pytest.approx(0.5)
    np.testing.assert_allclose(whole_year.probabilities.sum(axis=0), 2 / 12, atol=1e-9)


def test_quota_larger_than_sites_and_uninspectable_sites() -> None:
    sites = [*_sites(3, 0), Site("elsewhere", "none", 5)]
    plan = plan_inspections(sites, NEW_START)
    assert plan.guaranteed == 1.0
    assert [s.name for s in plan.excluded] == ["elsewhere"]
    assert plan.to_dict()["excluded_sites"] == ["elsewhere"]


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="per_year"):
        Quota("t", -1)
    with pytest.raises(ParameterError, match="window"):
        plan_inspections(_sites(2, 0), NEW_START, periods=4, window=5)
    with pytest.raises(ParameterError, match="violation_size"):
        plan_inspections(_sites(2, 0), NEW_START, violation_size=1000)
    with pytest.raises(ParameterError, match="unique"):
        plan_inspections([Site("a", "type-one", 1), Site("a", "type-one", 2)], NEW_START)
    with pytest.raises(ParameterError, match="no site"):
        plan_inspections([Site("a", "x", 1)], NEW_START)


def test_systematic_sampling_hits_its_marginals() -> None:
    p = np.array([0.2, 0.5, 0.8, 0.5])
    counts = np.zeros(4)
    us = (np.arange(2000) + 0.5) / 2000
    for u in us:
        picked = systematic_sample(p, float(u))
        assert len(picked) == 2
        counts[picked] += 1
    np.testing.assert_allclose(counts / len(us), p, atol=1e-3)


def test_drawn_schedules_use_each_quota_exactly() -> None:
    plan = plan_inspections(_sites(12, 9), NEW_START, periods=12, window=4)
    rng = np.random.default_rng(5)
    for _ in range(20):
        schedule = draw_schedule(plan, rng)
        types = Counter(name[0] for name, _ in schedule)
        assert types == {"A": 10, "B": 8}
        assert len({name for name, _ in schedule}) == 18
        assert all(0 <= period < 12 for _, period in schedule)


def test_site_list_csv(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("site,type,items\nA,type-one,10\nB,type-two,4\n", encoding="utf-8")
    assert read_site_list(path) == [Site("A", "type-one", 10), Site("B", "type-two", 4)]
    path.write_text("site,type,items\nA,type-one,ten\nB,,4\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_site_list(path)
    assert [p.location for p in exc.value.problems] == ["line 2", "line 3"]


def test_new_start_site_types_and_quotas(new_start: Treaty) -> None:
    assert classify_site({"deployed", "non-deployed"}, new_start) == "type-one"
    assert classify_site({"non-deployed"}, new_start) == "type-two"
    assert classify_site({"test"}, new_start) == "type-two"
    assert classify_site({"converted", "deployed"}, new_start) == "type-one"
    assert quotas_for_year(new_start, 2015) == [Quota("type-one", 10), Quota("type-two", 8)]
    assert quotas_for_year(new_start, 2010) == [Quota("type-one", 0), Quota("type-two", 0)]


def test_sites_from_item_declarations(new_start: Treaty, write_csv: Callable[..., Path]) -> None:
    header = ["party", "as_of", "uid", "category", "status", "facility", "warheads"]
    rows = [
        ["USA", "2020-09-01", "M1", "icbm-launcher", "deployed", "F1", 1],
        ["USA", "2020-09-01", "M2", "icbm-launcher", "non-deployed", "F1", 0],
        ["USA", "2020-09-01", "M3", "icbm-launcher", "non-deployed", "F2", 0],
        ["USA", "2020-09-01", "B1", "heavy-bomber", "converted", "F3", 0],
        ["USA", "2021-09-01", "M1", "icbm-launcher", "deployed", "F1", 1],
    ]
    path = write_csv([header, *rows])
    sites, party, as_of = sites_from_declarations([path], new_start, year=2020)
    assert (party, str(as_of)) == ("USA", "2020-09-01")
    assert sites == [
        Site("F1", "type-one", 2),
        Site("F2", "type-two", 1),
        Site("F3", "type-two", 1),
    ]
    sites, _, as_of = sites_from_declarations([path], new_start, year=2022)
    assert str(as_of) == "2021-09-01"
    assert sites == [Site("F1", "type-one", 1)]
    with pytest.raises(ParameterError, match="year"):
        sites_from_declarations([path], new_start, year=2019)
