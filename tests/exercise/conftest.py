"""Small scenarios built in code, so that each rule is tested on the smallest case."""

from __future__ import annotations

from typing import Any

import pytest

from armsctl.exercise.io import check_scenario
from armsctl.exercise.scenario import Scenario, scenario_from_mapping


def make_scenario(**overrides: Any) -> Scenario:
    """Three depots, one quota of two, a static host hiding 3 missiles at bravo."""
    raw: dict[str, Any] = {
        "id": "mini",
        "title": "mini",
        "seed": 5,
        "turns": 4,
        "inspector": "BLU",
        "host": "RED",
        "treaty": {"categories": ["missile"]},
        "sites": [
            {"id": "alpha", "kind": "depot", "declared": {"missile": 20}},
            {"id": "bravo", "kind": "depot", "declared": {"missile": 10}},
            {"id": "charlie", "kind": "store", "declared": {"missile": 5}},
        ],
        "quotas": [
            {"type": "visit", "per_year": 2, "site_kinds": ["depot"], "notice_turns": 0},
            {"type": "store-visit", "per_year": 1, "site_kinds": ["store"], "notice_turns": 1},
        ],
        "host_strategy": {"kind": "static", "site": "bravo", "category": "missile", "hidden": 3},
    }
    raw.update(overrides)
    return check_scenario(scenario_from_mapping(raw, where="mini"), where="mini")


@pytest.fixture
def mini() -> Scenario:
    return make_scenario()
