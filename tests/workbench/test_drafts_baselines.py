"""Drafts derived from treaties, baselines from the record, files and estimates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from armsctl.errors import InputError, NotFoundError, ParameterError
from armsctl.treaty import Treaty, bundled_treaty_ids, load_treaty, parse_treaty
from armsctl.workbench import (
    derive_draft,
    draft_toml,
    estimate,
    estimate_observation,
    estimates,
    parse_quota,
    parse_set,
    resolve_baseline,
)


def test_a_draft_is_a_valid_treaty_with_its_changes_noted(new_start: Treaty) -> None:
    changes = [
        parse_set("deployed-warheads=1000"),
        parse_set("total-launchers.effective=2020-01-01"),
        parse_quota("type-one=12"),
    ]
    draft, notes = derive_draft(new_start, changes)
    again = parse_treaty(draft_toml(draft, notes))
    assert again.id == "new-start-draft"
    assert again.limit("deployed-warheads").maximum == 1000
    assert again.limit("total-launchers").effective == dt.date(2020, 1, 1)
    assert next(q for q in again.inspection_quotas if q.id == "type-one").per_year == 12
    assert again.limit("deployed-delivery-vehicles").maximum == 700
    assert notes == [
        "limit deployed-warheads.maximum: 1550 -> 1000",
        "limit total-launchers.effective: 2018-02-05 -> 2020-01-01",
        "inspection quota type-one.per_year: 10 -> 12",
    ]
    assert "deployed-warheads.maximum: 1550 -> 1000" in again.notes
    assert again.public_record == new_start.public_record


@pytest.mark.parametrize("treaty_id", bundled_treaty_ids())
def test_every_bundled_treaty_round_trips_as_a_draft(treaty_id: str) -> None:
    base = load_treaty(treaty_id)
    draft, notes = derive_draft(base, [])
    again = parse_treaty(draft_toml(draft, notes))
    assert [x.maximum for x in again.limits] == [x.maximum for x in base.limits]
    assert notes == []


def test_bad_changes_are_clear_errors(new_start: Treaty) -> None:
    with pytest.raises(ParameterError, match="unknown limit 'nope'"):
        derive_draft(new_start, [parse_set("nope=3")])
    with pytest.raises(ParameterError, match="must not be negative"):
        parse_set("deployed-warheads=-1")
    with pytest.raises(ParameterError, match="bad date"):
        parse_set("deployed-warheads.effective=soon")
    with pytest.raises(ParameterError, match="unknown inspection quota"):
        derive_draft(new_start, [parse_quota("type-nine=1")])
    with pytest.raises(ParameterError, match="expected LIMIT=MAX"):
        parse_set("deployed-warheads")


def test_record_baseline_is_the_latest_declaration_on_or_before_the_date(new_start: Treaty) -> None:
    b = resolve_baseline(new_start, "USA", "record@2011-02-05")
    assert b.as_of == dt.date(2011, 2, 5)
    assert b.limits == {
        "deployed-delivery-vehicles": 882,
        "deployed-warheads": 1800,
        "total-launchers": 1124,
    }
    later = resolve_baseline(new_start, "RUS", "record@2011-08-31")
    assert later.as_of == dt.date(2011, 2, 5)
    assert any("insidedefense" in s for s in b.sources)


def test_record_baseline_refuses_a_party_that_did_not_provide(new_start: Treaty) -> None:
    # Russia's 2023-03-01 data were not provided: the latest provided one is used.
    b = resolve_baseline(new_start, "RUS", "record@2023-06-01")
    assert b.as_of == dt.date(2022, 9, 1)
    assert any("as of 2023-03-01 was not provided" in n for n in b.counting_notes)
    assert "deployed-warheads" in " ".join(b.unverified)
    with pytest.raises(InputError, match="no declaration by USA on or before 2010-01-01"):
        resolve_baseline(new_start, "USA", "record@2010-01-01")


def test_file_baseline_and_another_treatys_categories(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    good = write_csv(
        [
            ["party", "as_of", "measure", "value"],
            ["USA", "2030-01-01", "icbm-launcher/deployed", "400"],
            ["USA", "2030-01-01", "icbm-launcher/deployed/warheads", "400"],
        ],
        "good.csv",
    )
    b = resolve_baseline(new_start, "USA", str(good))
    assert b.components and b.as_of == dt.date(2030, 1, 1)
    cfe = write_csv(
        [["party", "as_of", "measure", "value"], ["USA", "2030-01-01", "battle-tank/holding", "4"]],
        "cfe.csv",
    )
    with pytest.raises(InputError, match="unknown category 'battle-tank'"):
        resolve_baseline(new_start, "USA", str(cfe))
    with pytest.raises(InputError, match="not a party"):
        resolve_baseline(new_start, "FRA", "record@2020-01-01")
    with pytest.raises(InputError, match="no such file"):
        resolve_baseline(new_start, "USA", "missing.csv")
    with pytest.raises(InputError, match="ships no public record"):
        resolve_baseline(load_treaty("inf"), "USA", "record@1990-01-01")


def test_estimate_baseline_carries_its_counting_rule(new_start: Treaty) -> None:
    b = resolve_baseline(new_start, "USA", "estimate:fas-2025-usa-deployed")
    assert b.limits == {"deployed-warheads": 1700}
    assert any("bomber bases" in n for n in b.counting_notes)
    secondary = resolve_baseline(new_start, "USA", "estimate:fas-2024-usa-deployed-strategic")
    assert secondary.unverified
    with pytest.raises(InputError, match="not a limit of new-start"):
        resolve_baseline(new_start, "USA", "estimate:sipri-2025-usa-total")
    with pytest.raises(NotFoundError, match="unknown estimate"):
        resolve_baseline(new_start, "USA", "estimate:nothing")


def test_estimates_data_set_has_sources_and_only_confirmed_figures_verified() -> None:
    records = estimates()
    assert len({r.id for r in records}) == len(records)
    for r in records:
        assert r.url.startswith("http") and r.publisher and r.counting_rule
        assert r.verified == (r.tag == "V")
    # Figures confirmed in public_estimates.md rows 1, 10 and 11.
    assert estimate("newstart-usa-2023-03-01-dw").value == 1419
    assert estimate("fas-2025-usa-deployed").value == 1700
    assert estimate("fas-2025-rus-deployed").value == 1718
    assert not estimate("sipri-2025-usa-total").verified


def test_an_estimate_as_a_monitoring_observation() -> None:
    obs = estimate_observation(estimate("fas-2025-usa-deployed"), category="icbm-launcher")
    assert obs.source == "open-source" and obs.count == 1700
    assert obs.se == pytest.approx(85.0)
    with pytest.raises(ParameterError):
        estimate_observation(estimate("fas-2025-usa-deployed"), category="x", relative_error=0)
