"""The dates a treaty allows a record to carry (treaty.validity), on the bundled treaties."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.treaty import load_treaty
from armsctl.treaty.validity import declaration_date_refusal, treaty_date_refusal

TODAY = dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    ("as_of", "rule"),
    [
        (dt.date(1, 1, 1), "before New START was signed (2010-04-08)"),
        (dt.date(2010, 4, 7), "before New START was signed (2010-04-08)"),
        (dt.date(2026, 2, 5), "expired after its extension on 2026-02-05"),
        (dt.date(2026, 3, 1), "expired after its extension on 2026-02-05"),
        (dt.date(9999, 12, 31), "expired after its extension on 2026-02-05"),
    ],
)
def test_new_start_refuses_dates_outside_its_life(as_of: dt.date, rule: str) -> None:
    found = declaration_date_refusal(load_treaty("new-start"), "USA", as_of, today=TODAY)
    assert found is not None and found.field == "as_of" and rule in found.rule


@pytest.mark.parametrize("as_of", [dt.date(2010, 4, 8), dt.date(2025, 9, 1), dt.date(2026, 1, 16)])
def test_new_start_accepts_its_own_dates(as_of: dt.date) -> None:
    assert declaration_date_refusal(load_treaty("new-start"), "USA", as_of, today=TODAY) is None


def test_a_declaration_is_data_as_of_a_date_already_reached() -> None:
    doc = load_treaty("cwc")  # unlimited duration: only "how far ahead" can refuse
    assert declaration_date_refusal(doc, "USA", TODAY + dt.timedelta(days=1), today=TODAY) is None
    found = declaration_date_refusal(doc, "USA", TODAY + dt.timedelta(days=2), today=TODAY)
    assert found is not None and "further ahead than" in found.rule


def test_the_vienna_documents_annual_exchange_may_precede_its_data_date() -> None:
    doc = load_treaty("vienna-document-2011")
    # Exchanged by 15 December, valid as of 1 January (17 days, and a day of clock skew).
    new_year = dt.date(2027, 1, 1)
    assert declaration_date_refusal(doc, "DEU", new_year, today=dt.date(2026, 12, 15)) is None
    assert declaration_date_refusal(doc, "DEU", new_year, today=dt.date(2026, 12, 13))


def test_a_withdrawal_ends_the_record_for_that_party_only() -> None:
    doc = load_treaty("open-skies")  # US withdrawal effective 2020-11-22
    day = dt.date(2021, 1, 1)
    found = treaty_date_refusal(doc, day, parties=("USA",), field="at", what="a notification")
    assert found is not None and "USA's withdrawal" in found.rule and "2020-11-22" in found.rule
    assert treaty_date_refusal(doc, day, parties=("DEU",), field="at", what="x") is None
