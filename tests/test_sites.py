"""One ``Site`` for verification, monitoring and the exercises."""

from __future__ import annotations

import pytest

from armsctl import monitoring, verification
from armsctl.errors import ParameterError
from armsctl.exercise.io import load_scenario
from armsctl.sites import Site


def test_every_domain_names_the_one_site_type() -> None:
    assert verification.Site is Site and monitoring.Site is Site
    site = load_scenario("tutorial").sites[0].as_site("type-one")
    assert type(site) is Site and site.type == "type-one"


def test_a_site_needs_a_name_and_a_whole_item_count() -> None:
    assert Site("A", "type-one", 3).name == "A"
    with pytest.raises(ParameterError, match="site name must not be empty"):
        Site("")
    with pytest.raises(ParameterError, match="items of site A must be >= 0"):
        Site("A", "t", -1)
    with pytest.raises(ParameterError, match="must be >= 0, got True"):
        Site("A", "t", True)


def test_fields_a_domain_does_not_use_keep_their_defaults() -> None:
    observed = Site("F1", party="USA", title="Minot", lon=-101.3, lat=48.4)
    assert (observed.type, observed.items) == ("", 0)
    assert Site("F1", "type-one", 5) != Site("F1", "type-one", 5, party="USA")
