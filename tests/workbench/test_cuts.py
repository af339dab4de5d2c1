"""The cut optimiser: required cuts, binding limits, costs and fixed cuts, against brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import InputError
from armsctl.workbench.cuts import LimitRow, optimise_cuts, parse_cost, parse_fix


def brute_force(rows: list[LimitRow], baseline: dict[str, int], cost: dict[str, float]) -> float:
    cells = sorted(baseline)
    best = float("inf")
    for combo in itertools.product(*(range(baseline[c] + 1) for c in cells)):
        x = dict(zip(cells, combo, strict=True))
        if all(
            sum(w * (baseline[c] - x[c]) for c, w in r.weights.items()) <= r.maximum for r in rows
        ):
            best = min(best, sum(cost[c] * x[c] for c in cells))
    return best


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n_cells=st.integers(1, 3),
    n_limits=st.integers(1, 3),
)
def test_optimum_matches_brute_force(data: st.DataObject, n_cells: int, n_limits: int) -> None:
    cells = [f"c{i}/deployed" for i in range(n_cells)]
    baseline = {c: data.draw(st.integers(0, 5)) for c in cells}
    cost = {c: float(data.draw(st.integers(1, 4))) for c in cells}
    rows = []
    for j in range(n_limits):
        members = data.draw(st.lists(st.sampled_from(cells), min_size=1, unique=True))
        weights = {c: data.draw(st.integers(1, 3)) for c in members}
        rows.append(LimitRow(f"l{j}", data.draw(st.integers(0, 12)), weights))
    plan = optimise_cuts(rows, baseline, costs=cost)
    assert plan.objective == pytest.approx(brute_force(rows, baseline, cost))
    for cut in plan.limits:
        assert cut.required_cut == max(0, cut.baseline - cut.max)
        assert cut.after <= cut.max
        assert cut.binding == (cut.required_cut > 0 and cut.after == cut.max)


def new_start_like() -> tuple[list[LimitRow], dict[str, int]]:
    rows = [
        LimitRow("deployed", 700, {"icbm/deployed": 1, "bomber/deployed": 1}),
        LimitRow("warheads", 1000, {"icbm/deployed/warheads": 1, "bomber/deployed": 1}),
        LimitRow(
            "launchers", 800, {"icbm/deployed": 1, "bomber/deployed": 1, "icbm/non-deployed": 1}
        ),
    ]
    baseline = {
        "icbm/deployed": 750,
        "icbm/deployed/warheads": 1700,
        "bomber/deployed": 100,
        "icbm/non-deployed": 200,
    }
    return rows, baseline


def test_overlapping_limits_share_eliminations() -> None:
    rows, baseline = new_start_like()
    # Non-deployed launchers are cheaper to eliminate than deployed ones: a unique optimum.
    plan = optimise_cuts(rows, baseline, costs={"icbm/non-deployed": 0.5})
    by_id = {c.id: c for c in plan.limits}
    # deployed: 850 -> 700 (cut 150); launchers 1050 -> 800 (cut 250); warheads 1800 -> 1000.
    assert [by_id[i].required_cut for i in ("deployed", "warheads", "launchers")] == [150, 800, 250]
    # bombers count in all three limits: the cheapest plan removes all 100 of them first.
    assert plan.cuts["bomber/deployed"] == 100
    assert plan.cuts == {
        "bomber/deployed": 100,
        "icbm/deployed": 50,
        "icbm/non-deployed": 100,
        "icbm/deployed/warheads": 700,
    }
    assert plan.total == 950
    assert all(c.binding for c in plan.limits)


def test_costs_and_fixed_cuts_change_the_plan() -> None:
    rows, baseline = new_start_like()
    dear = optimise_cuts(rows, baseline, costs={"bomber": 10.0})
    assert dear.cuts.get("bomber/deployed", 0) == 0
    fixed = optimise_cuts(rows, baseline, fixed={"bomber/deployed": 20})
    assert fixed.cuts["bomber/deployed"] == 20
    with pytest.raises(InputError, match="--fix"):
        optimise_cuts(rows, baseline, fixed={"nothing": 1})
    with pytest.raises(InputError, match="between 0 and 100"):
        optimise_cuts(rows, baseline, fixed={"bomber/deployed": 101})
    with pytest.raises(InputError, match="--cost"):
        optimise_cuts(rows, baseline, costs={"tank": 1.0})


def test_a_limit_within_its_maximum_needs_no_cut_and_does_not_bind() -> None:
    rows = [LimitRow("a", 10, {"x/deployed": 1}), LimitRow("b", 100, {"x/deployed": 1})]
    plan = optimise_cuts(rows, {"x/deployed": 30})
    assert [(c.id, c.required_cut, c.binding) for c in plan.limits] == [
        ("a", 20, True),
        ("b", 0, False),
    ]


def test_infeasible_fixed_cuts_are_a_clear_error() -> None:
    rows = [LimitRow("a", 0, {"x/deployed": 1})]
    with pytest.raises(InputError, match="no integer eliminations"):
        optimise_cuts(rows, {"x/deployed": 5}, fixed={"x/deployed": 1})


def test_parsers() -> None:
    assert parse_cost("heavy-bomber=2.5") == ("heavy-bomber", 2.5)
    assert parse_fix("icbm-launcher/deployed=3") == ("icbm-launcher/deployed", 3)
    for bad in ("x", "x=-1", "x=a"):
        with pytest.raises(InputError):
            parse_fix(bad)


def test_loading_removes_the_attribute_with_the_items() -> None:
    rows, baseline = new_start_like()
    # Each deployed ICBM carries 2 warheads away when eliminated (1,700 on 750 missiles).
    plan = optimise_cuts(
        rows, baseline, costs={"icbm/non-deployed": 0.5}, loading={"icbm/deployed/warheads": 2}
    )
    by_id = {c.id: c for c in plan.limits}
    assert all(c.after <= c.max for c in plan.limits)
    removed = plan.cuts.get("icbm/deployed/warheads", 0)
    assert removed >= 2 * plan.cuts.get("icbm/deployed", 0)
    assert by_id["warheads"].after == 1800 - removed - plan.cuts.get("bomber/deployed", 0)
    # Cheaper than downloading every warhead separately (950 without loading).
    assert plan.objective < 950
    assert plan.objective == pytest.approx(brute_force_loaded(rows, baseline, 2))
    with pytest.raises(InputError, match="--loading"):
        optimise_cuts(rows, baseline, loading={"icbm/deployed": 2})


def brute_force_loaded(rows: list[LimitRow], baseline: dict[str, int], units: int) -> float:
    """Exhaustive optimum with loading on a coarse grid that contains the optimum's structure."""
    best = float("inf")
    for bombers in range(0, baseline["bomber/deployed"] + 1, 10):
        for icbm in range(0, baseline["icbm/deployed"] + 1, 10):
            for nd in range(0, baseline["icbm/non-deployed"] + 1, 10):
                carried = units * icbm
                if carried > baseline["icbm/deployed/warheads"]:
                    continue
                w_left = 1700 - carried + 100 - bombers
                extra = max(0, w_left - 1000)
                if carried + extra > baseline["icbm/deployed/warheads"]:
                    continue
                deployed = 750 - icbm + 100 - bombers
                launchers = deployed + 200 - nd
                if deployed <= 700 and launchers <= 800:
                    best = min(best, bombers + icbm + 0.5 * nd + extra)
    return best
