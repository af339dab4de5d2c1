"""Matching stored figures against a public record: same party, date, measure and value."""

from __future__ import annotations

import datetime as dt

from armsctl.inventory.model import Declaration, Figure
from armsctl.inventory.record import index_record, tagged, unverified_in

DAY = dt.date(2022, 9, 1)


def _record() -> dict:
    d = Declaration("RUS", DAY, "aggregate", "record")
    d.limits["deployed-warheads"] = Figure(1549, "M", "https://example.org/a", "unverified")
    d.limits["total-launchers"] = Figure(759, "C", "https://example.org/b")
    return index_record([d])


def test_a_figure_equal_to_the_record_takes_its_tag_and_source() -> None:
    figure = tagged(_record(), "RUS", DAY, "deployed-warheads", 1549)
    assert (figure.provenance, figure.source) == ("M", "https://example.org/a")


def test_a_different_value_date_or_party_is_not_tagged() -> None:
    record = _record()
    assert tagged(record, "RUS", DAY, "deployed-warheads", 1550) == Figure(1550)
    assert tagged(record, "RUS", DAY.replace(day=2), "deployed-warheads", 1549) == Figure(1549)
    assert tagged(record, "USA", DAY, "deployed-warheads", 1549) == Figure(1549)


def test_unverified_in() -> None:
    figures = {"deployed-warheads": 1549, "total-launchers": 759, "other": 1}
    assert unverified_in(_record(), "RUS", DAY, figures) == ["deployed-warheads"]
