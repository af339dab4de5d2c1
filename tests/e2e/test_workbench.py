"""The workbench page in headless Chromium: a party drafts a lower limit and sees its cuts."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow


def test_party_drafts_a_limit_and_reads_its_cuts_and_chart(
    page: Any, server: Any, sign_in: Any
) -> None:
    sign_in("usa-office")
    page.get_by_role("link", name="Workbench", exact=True).click()
    page.wait_for_url("**/workbench")
    page.get_by_label("Changes, one a line").fill("deployed-warheads=1000")
    page.get_by_label("Baselines, one a line").fill("USA=record@2011-02-05\nRUS=record@2011-02-05")
    page.get_by_role("button", name="Compute the cuts").click()
    page.locator("#workbench-result").wait_for()
    usa = page.locator("#cuts-USA")
    row = usa.locator('tr[data-limit="deployed-warheads"]')
    assert row.locator(".cut").inner_text() == "800"
    assert "yes" in row.inner_text()
    rus = page.locator("#cuts-RUS")
    assert rus.locator('tr[data-limit="deployed-warheads"] .cut').inner_text() == "537"
    assert usa.locator("svg rect").count() > 7
    assert "limit deployed-warheads.maximum: 1550 -> 1000" in page.inner_text("#workbench-result")
    assert "%" in page.locator("#burden-RUS .life").inner_text()

    page.get_by_label("Changes, one a line").fill("nonsense=5")
    page.get_by_role("button", name="Compute the cuts").click()
    assert "unknown limit 'nonsense'" in page.locator("#workbench-errors").inner_text()
