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


def test_party_saves_reopens_and_shares_a_draft(page: Any, server: Any, sign_in: Any) -> None:
    sign_in("usa-office")
    page.goto(server["url"] + "/workbench")
    page.get_by_label("Changes, one a line").fill(
        "deployed-warheads=1000\ndeployed-warheads@2014-02-05=1600"
    )
    page.get_by_label("Baselines, one a line").fill("USA=record@2011-02-05")
    page.get_by_role("button", name="Compute the cuts").click()
    page.locator("#workbench-result").wait_for()
    milestones = page.locator("#milestones-USA").inner_text()
    assert "at most 1,600 by 2014-02-05: 200 eliminated" in milestones
    page.get_by_label("Draft name").fill("USA 1000 by 2018")
    page.get_by_role("button", name="Save as a draft").click()
    page.locator("#opened-draft").wait_for()
    assert "Private to USA" in page.locator("#draft-visibility").inner_text()
    saved_url = page.url
    assert "draft=" in saved_url

    # Reopen from the list, on a fresh page load: the draft's changes come back and compute.
    page.goto(server["url"] + "/workbench")
    page.locator("#saved-drafts").get_by_role("link", name="USA 1000 by 2018").click()
    page.locator("#opened-draft").wait_for()
    assert "deployed-warheads=1000" in page.get_by_label("Changes, one a line").input_value()
    row = page.locator('#cuts-USA tr[data-limit="deployed-warheads"]')
    assert row.locator(".cut").inner_text() == "800"

    # Share with RUS only.
    page.get_by_label("Shared with the parties ticked").check()
    page.get_by_label("RUS", exact=True).check()
    page.get_by_role("button", name="Share").click()
    page.locator("#opened-draft").wait_for()
    assert "Shared with RUS" in page.locator("#draft-visibility").inner_text()

    # RUS, signed in on its own, now opens it (and may not re-share it).
    page.context.clear_cookies()
    sign_in("rus-office")
    page.goto(saved_url)
    assert "USA 1000 by 2018" in page.locator("#opened-draft").inner_text()
    assert page.locator("#share-form").count() == 0


def test_the_brief_opens_offline_without_a_single_request(page: Any, tmp_path: Any) -> None:
    """The HTML brief, opened from disk, asks the network for nothing and still draws."""
    from armsctl.reports import brief_html
    from armsctl.treaty import load_treaty
    from armsctl.workbench import analyse, apply_changes, parse_set, resolve_baseline
    from armsctl.workbench.brief import brief_document
    from armsctl.workbench.burden import analysis_burdens

    base = load_treaty("new-start")
    draft, changes = apply_changes(
        base, [parse_set("deployed-warheads=1000"), parse_set("deployed-warheads@2014-02-05=1600")]
    )
    result = analyse(
        draft,
        [
            resolve_baseline(draft, "USA", "record@2011-02-05"),
            resolve_baseline(draft, "RUS", "estimate:fas-2025-rus-deployed"),
        ],
    )
    doc = brief_document(result, changes=changes, burdens=analysis_burdens(draft, result, cheat=1))
    path = tmp_path / "brief.html"
    path.write_text(brief_html(doc), encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert page.locator("svg").count() == 2
    text = page.inner_text("body")
    assert "milestone: deployed-warheads at most 1,600 by 2014-02-05" in text
    assert "bomber bases" in text  # the estimate's counting rule, where it is used
