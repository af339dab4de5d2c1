"""Every counting rule, every status and its edges, interpretations, and the two paths agreeing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armsctl.compliance import evaluate, expected_data_date, report_to_dict
from armsctl.errors import NotFoundError
from armsctl.inventory import Declaration, DeclarationSet, read_declarations
from armsctl.inventory.model import ComponentKey, Figure, component_measure
from armsctl.inventory.synthetic import generate_items
from armsctl.treaty import Treaty

EFFECTIVE = dt.date(2018, 2, 5)


def items_decl(
    party: str, as_of: dt.date, counts: dict[tuple[str, str], tuple[int, int]]
) -> Declaration:
    """A declaration built from (category, status) -> (items, warheads)."""
    decl = Declaration(party, as_of, "items", "test")
    for (category, status), (n, warheads) in counts.items():
        decl.components[ComponentKey(category, status)] = Figure(n)
        decl.components[ComponentKey(category, status, "warheads")] = Figure(warheads)
    return decl


def full(counts: dict[tuple[str, str], tuple[int, int]]) -> dict[tuple[str, str], tuple[int, int]]:
    cats = ("icbm-launcher", "slbm-launcher", "heavy-bomber")
    base = {(c, s): (0, 0) for c in cats for s in ("deployed", "non-deployed", "test", "converted")}
    base.update(counts)
    return base


def limits_at(
    treaty: Treaty, decl: Declaration, at: dt.date, interpretation: str | None = None
) -> dict[str, tuple[int | None, str]]:
    report = evaluate(treaty, DeclarationSet(treaty, [decl], []), at, interpretation=interpretation)
    party = next(p for p in report.parties if p.party == decl.party)
    return {x.id: (x.value, x.status) for x in party.limits}


FORCE = full(
    {
        ("icbm-launcher", "deployed"): (400, 400),
        ("icbm-launcher", "non-deployed"): (50, 0),
        ("icbm-launcher", "test"): (4, 0),
        ("slbm-launcher", "deployed"): (220, 1000),
        ("slbm-launcher", "non-deployed"): (60, 0),
        ("slbm-launcher", "converted"): (56, 0),
        ("heavy-bomber", "deployed"): (50, 700),
        ("heavy-bomber", "non-deployed"): (10, 0),
        ("heavy-bomber", "converted"): (41, 0),
    }
)


def test_counting_rules(new_start: Treaty) -> None:
    values = limits_at(new_start, items_decl("USA", EFFECTIVE, FORCE), EFFECTIVE)
    # Deployed vehicles: 400 + 220 + 50. Warheads: RVs on deployed missiles, one per deployed
    # bomber whatever it carries (700 bomber weapons count as 50). Launchers: deployed and
    # non-deployed; test and converted items are not counted.
    assert values["deployed-delivery-vehicles"] == (670, "compliant")
    assert values["deployed-warheads"] == (400 + 1000 + 50, "compliant")
    assert values["total-launchers"] == (400 + 50 + 220 + 60 + 50 + 10, "compliant")


def test_interpretation_counts_converted(new_start: Treaty) -> None:
    values = limits_at(
        new_start, items_decl("USA", EFFECTIVE, FORCE), EFFECTIVE, "counts-converted"
    )
    assert values["total-launchers"] == (790 + 56 + 41, "violation")
    assert values["deployed-warheads"] == (1450, "compliant")


def test_unknown_interpretation(new_start: Treaty) -> None:
    with pytest.raises(NotFoundError, match="no interpretation 'x'"):
        limits_at(new_start, items_decl("USA", EFFECTIVE, FORCE), EFFECTIVE, "x")


@pytest.mark.parametrize(
    ("deployed", "status"),
    [(1550 - 50, "compliant"), (1550 - 50 + 1, "violation")],
    ids=["exactly-at-limit", "one-over"],
)
def test_exactly_at_and_one_over(new_start: Treaty, deployed: int, status: str) -> None:
    counts = full(
        {("slbm-launcher", "deployed"): (100, deployed), ("heavy-bomber", "deployed"): (50, 0)}
    )
    value, got = limits_at(new_start, items_decl("USA", EFFECTIVE, counts), EFFECTIVE)[
        "deployed-warheads"
    ]
    assert (value, got) == (deployed + 50, status)


@pytest.mark.parametrize(
    ("at", "status", "in_force"),
    [
        (EFFECTIVE - dt.timedelta(days=1), "not-in-force", False),
        (EFFECTIVE, "violation", True),
        (dt.date(2026, 2, 4), "violation", True),
        (dt.date(2026, 2, 5), "expired", False),
        (dt.date(2011, 2, 4), "not-in-force", False),
    ],
    ids=["day-before", "day-it-takes-effect", "last-day", "expiry-day", "before-entry-into-force"],
)
def test_status_by_date(new_start: Treaty, at: dt.date, status: str, in_force: bool) -> None:
    decl = items_decl("USA", dt.date(2011, 1, 1), full({("icbm-launcher", "deployed"): (900, 900)}))
    report = evaluate(new_start, DeclarationSet(new_start, [decl], []), at)
    usa = report.parties[0]
    limit = next(x for x in usa.limits if x.id == "deployed-delivery-vehicles")
    assert (limit.status, limit.in_force, limit.margin) == (status, in_force, 700 - 900)
    assert (
        usa.status
        == {"not-in-force": "not-in-force", "violation": "violation", "expired": "expired"}[status]
    )


def test_party_without_declaration_is_no_data(new_start: Treaty) -> None:
    # The top-level status follows the party rule: compliant when a limit in force could be
    # evaluated and none is violated; the party without data says so in its own record.
    decl = items_decl("USA", EFFECTIVE, FORCE)
    report = evaluate(new_start, DeclarationSet(new_start, [decl], []), EFFECTIVE)
    rus = next(p for p in report.parties if p.party == "RUS")
    assert rus.status == "no-data"
    assert {x.status for x in rus.limits} == {"no-data"}
    assert report.status == "compliant"
    doc = report_to_dict(report)
    assert doc["status"] == "compliant"
    assert {p["party"]: p["status"] for p in doc["parties"]} == {
        "USA": "compliant",
        "RUS": "no-data",
    }


def test_nobody_with_data_is_no_data(new_start: Treaty) -> None:
    report = evaluate(new_start, DeclarationSet(new_start, [], []), EFFECTIVE)
    assert report.status == "no-data"


def test_latest_declaration_on_or_before_the_date(new_start: Treaty) -> None:
    old = items_decl("USA", dt.date(2018, 3, 1), full({("icbm-launcher", "deployed"): (10, 10)}))
    new = items_decl("USA", dt.date(2018, 9, 1), full({("icbm-launcher", "deployed"): (20, 20)}))
    decls = DeclarationSet(new_start, [new, old], [])
    assert evaluate(new_start, decls, dt.date(2018, 8, 31)).parties[0].declaration_as_of == dt.date(
        2018, 3, 1
    )
    assert evaluate(new_start, decls, dt.date(2018, 9, 1)).parties[0].declaration_as_of == dt.date(
        2018, 9, 1
    )


def test_stale_declaration_is_flagged(new_start: Treaty) -> None:
    assert expected_data_date(new_start, dt.date(2019, 3, 31)) == (
        dt.date(2019, 3, 1),
        dt.date(2019, 3, 31),
    )
    assert expected_data_date(new_start, dt.date(2019, 3, 30)) == (
        dt.date(2018, 9, 1),
        dt.date(2018, 10, 1),
    )
    assert expected_data_date(new_start, dt.date(2011, 3, 21)) is None
    decl = items_decl("USA", dt.date(2018, 9, 1), FORCE)
    report = evaluate(new_start, DeclarationSet(new_start, [decl], []), dt.date(2019, 4, 1))
    usa = report.parties[0]
    assert usa.stale
    assert "data as of 2019-03-01 were due by 2019-03-31" in usa.flags[0]


def test_not_provided_declaration_is_flagged(new_start: Treaty) -> None:
    decl = items_decl("RUS", dt.date(2022, 9, 1), FORCE)
    missing = Declaration("RUS", dt.date(2023, 3, 1), "aggregate", "test", status="not-provided")
    report = evaluate(
        new_start, DeclarationSet(new_start, [decl, missing], []), dt.date(2023, 3, 1)
    )
    rus = next(p for p in report.parties if p.party == "RUS")
    assert rus.not_provided == dt.date(2023, 3, 1)
    assert rus.declaration_as_of == dt.date(2022, 9, 1)
    assert report_to_dict(report)["parties"][1]["not_provided"] == "2023-03-01"


def test_item_and_aggregate_paths_agree(new_start: Treaty, tmp_path: Path) -> None:
    table = generate_items(5_000, seed=7)
    pq.write_table(table, tmp_path / "items.parquet")
    item_decls = read_declarations([tmp_path / "items.parquet"], new_start)
    lines = ["party,as_of,measure,value"]
    for decl in item_decls.declarations:
        for key, fig in decl.components.items():
            lines.append(f"{decl.party},{decl.as_of},{component_measure(key)},{fig.value}")
    (tmp_path / "agg.csv").write_text("\n".join(lines) + "\n")
    agg_decls = read_declarations([tmp_path / "agg.csv"], new_start)
    for at in item_decls.dates():
        a = report_to_dict(evaluate(new_start, item_decls, at))
        b = report_to_dict(evaluate(new_start, agg_decls, at))
        for pa_, pb in zip(a["parties"], b["parties"], strict=True):
            assert [(x["id"], x["value"], x["status"]) for x in pa_["limits"]] == [
                (x["id"], x["value"], x["status"]) for x in pb["limits"]
            ]


def test_explanation_lists_components(new_start: Treaty) -> None:
    report = evaluate(
        new_start, DeclarationSet(new_start, [items_decl("USA", EFFECTIVE, FORCE)], []), EFFECTIVE
    )
    warheads = next(x for x in report.parties[0].limits if x.id == "deployed-warheads")
    parts = {p.measure: p.contribution for p in warheads.parts}
    assert parts == {
        "heavy-bomber/deployed": 50,
        "icbm-launcher/deployed/warheads": 400,
        "slbm-launcher/deployed/warheads": 1000,
    }
    assert sum(parts.values()) == warheads.value


counts = st.integers(min_value=0, max_value=400)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    icbm=counts,
    slbm=counts,
    bombers=counts,
    nondeployed=counts,
    rv=st.integers(0, 2000),
    bomb_load=st.integers(0, 5000),
)
def test_one_more_deployed_bomber_raises_each_limit_by_exactly_one(
    new_start: Treaty, icbm: int, slbm: int, bombers: int, nondeployed: int, rv: int, bomb_load: int
) -> None:
    base = full(
        {
            ("icbm-launcher", "deployed"): (icbm, rv),
            ("slbm-launcher", "deployed"): (slbm, rv),
            ("heavy-bomber", "deployed"): (bombers, bomb_load),
            ("heavy-bomber", "non-deployed"): (nondeployed, 0),
        }
    )
    more = dict(base)
    more[("heavy-bomber", "deployed")] = (bombers + 1, bomb_load + 20)
    before = limits_at(new_start, items_decl("USA", EFFECTIVE, base), EFFECTIVE)
    after = limits_at(new_start, items_decl("USA", EFFECTIVE, more), EFFECTIVE)
    for limit_id in ("deployed-warheads", "deployed-delivery-vehicles", "total-launchers"):
        assert after[limit_id][0] == before[limit_id][0] + 1  # type: ignore[operator]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(test=counts, converted=counts)
def test_test_and_converted_items_never_count(new_start: Treaty, test: int, converted: int) -> None:
    extra = dict(FORCE)
    extra[("icbm-launcher", "test")] = (test, test)
    extra[("slbm-launcher", "converted")] = (converted, 0)
    assert limits_at(new_start, items_decl("USA", EFFECTIVE, extra), EFFECTIVE) == limits_at(
        new_start, items_decl("USA", EFFECTIVE, FORCE), EFFECTIVE
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(0, 3000))
def test_status_is_a_function_of_value_and_max(new_start: Treaty, value: int) -> None:
    counts_ = full({("slbm-launcher", "deployed"): (0, value)})
    got_value, status = limits_at(new_start, items_decl("USA", EFFECTIVE, counts_), EFFECTIVE)[
        "deployed-warheads"
    ]
    assert got_value == value
    assert status == ("compliant" if value <= 1550 else "violation")


def test_item_declaration_without_some_categories_counts_them_as_zero(new_start: Treaty) -> None:
    decl = Declaration("USA", EFFECTIVE, "items", "test")
    decl.components[ComponentKey("icbm-launcher", "deployed")] = Figure(1)
    decl.components[ComponentKey("icbm-launcher", "deployed", "warheads")] = Figure(3)
    assert limits_at(new_start, decl, EFFECTIVE) == {
        "deployed-delivery-vehicles": (1, "compliant"),
        "deployed-warheads": (3, "compliant"),
        "total-launchers": (1, "compliant"),
    }


def test_aggregate_declaration_missing_a_component_is_no_data(new_start: Treaty) -> None:
    decl = Declaration("USA", EFFECTIVE, "aggregate", "test")
    decl.components[ComponentKey("icbm-launcher", "deployed")] = Figure(1)
    value, status = limits_at(new_start, decl, EFFECTIVE)["deployed-delivery-vehicles"]
    assert (value, status) == (None, "no-data")


def test_a_weight_cache_gives_the_pure_weights_and_fresh_copies() -> None:
    from armsctl.compliance import WeightCache, component_weights
    from armsctl.treaty import load_treaty

    rule = load_treaty("new-start").limits[0].counting
    cache = WeightCache()
    first = cache(rule)
    assert first == component_weights(rule)
    first.clear()
    assert cache(rule) == component_weights(rule) != {}
