"""Scenario files: the shipped ones load; a bad file lists every problem with its key path."""

from __future__ import annotations

import pytest

from armsctl.errors import InputError, NotFoundError
from armsctl.exercise import bundled_scenario_ids, load_scenario, parse_scenario
from armsctl.exercise.scenario import quota_per_year
from armsctl.treaty import load_treaty

from .conftest import make_scenario

SHIPPED = [
    "cfe-holdings",
    "new-start-2011-2023",
    "new-start-2011-2023-hidden",
    "new-start-year",
    "step-by-step-reveal",
    "tutorial",
]


def test_the_shipped_scenarios_validate() -> None:
    assert bundled_scenario_ids() == SHIPPED
    for sid in SHIPPED:
        assert load_scenario(sid).id == sid


def test_new_start_quotas_come_from_the_treaty() -> None:
    sc = load_scenario("new-start-year")
    treaty = load_treaty("new-start")
    per_year = {q.type: quota_per_year(sc, q, treaty)[0] for q in sc.quotas}
    assert per_year == {"type-one": 10, "type-two": 8}
    assert "Article XI" in quota_per_year(sc, sc.quotas[0], treaty)[1]


def test_cfe_scenario_has_many_sites() -> None:
    assert len(load_scenario("cfe-holdings").sites) >= 20


BAD = """
id = "Bad Id"
title = "bad"
turns = 0
inspector = "BLU"
host = "BLU"
colour = "red"
[treaty]
categories = ["missile"]
[[sites]]
id = "alpha"
kind = "depot"
declared = { missile = -1, tank = 3 }
[[quotas]]
type = "visit"
per_year = 1
site_kinds = ["nowhere"]
[host_strategy]
kind = "static"
hidden = 0
"""


def test_bad_file_lists_every_problem_with_its_key_path() -> None:
    with pytest.raises(InputError) as info:
        parse_scenario(BAD, where="bad.toml")
    located = {(p.location, p.message) for p in info.value.problems}
    locations = {loc for loc, _ in located}
    assert "id" in locations
    assert "turns" in locations
    assert "colour" in locations
    assert ("host_strategy.hidden", "a static host needs hidden >= 1") in located
    assert "host_strategy.site" in locations
    assert "sites[0](alpha).declared.missile" in locations
    assert all(p.where == "bad.toml" for p in info.value.problems)


def test_cross_references_are_checked() -> None:
    with pytest.raises(InputError) as info:
        make_scenario(
            host="BLU",
            events=[{"turn": 9, "kind": "observation", "site": "zulu"}],
            host_strategy={"kind": "static", "site": "zulu", "category": "tank", "hidden": 1},
        )
    text = {str(p) for p in info.value.problems}
    assert "mini:host: the host and the inspector must differ" in text
    assert "mini:host_strategy.site: no site 'zulu'" in text
    assert "mini:host_strategy.category: unknown category 'tank'" in text
    assert "mini:events[0].site: no site 'zulu'" in text
    assert "mini:events[0].turn: after the last turn (4)" in text


def test_unknown_treaty_quota_and_category() -> None:
    with pytest.raises(InputError) as info:
        make_scenario(
            treaty={"ref": "new-start"},
            quotas=[{"type": "type-three", "site_kinds": ["depot"]}],
            sites=[{"id": "alpha", "kind": "depot", "declared": {"missile": 1}}],
            host_strategy={"kind": "honest"},
        )
    locations = {p.location for p in info.value.problems}
    assert "quotas[0].per_year" in locations
    assert "sites[0](alpha).declared.missile" in locations


def test_not_toml_and_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="not valid TOML"):
        parse_scenario("id = ", where="x.toml")
    with pytest.raises(NotFoundError):
        load_scenario(tmp_path / "none.toml")
    with pytest.raises(NotFoundError, match="bundled"):
        load_scenario("no-such-scenario")
