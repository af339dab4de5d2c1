"""End-to-end flows in headless Chromium against a seeded server."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

GOOD = """party,as_of,measure,value
USA,2025-03-01,deployed-delivery-vehicles,650
USA,2025-03-01,deployed-warheads,1400
USA,2025-03-01,total-launchers,790
"""
BAD = """party,as_of,measure,value
USA,2025-09-01,deployed-delivery-vehicles,650
USA,2025-09-01,deployed-warheads,lots
USA,2025-09-01,total-launchers,790
"""


def _upload(page: Any, name: str, text: str) -> None:
    page.get_by_label("Declaration file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Check and submit").click()


def test_party_uploads_and_overview_changes_then_signs_out(
    page: Any, server: Any, sign_in: Any
) -> None:
    sign_in("usa-office")
    usa = page.locator("#party-new-start-USA")
    before = usa.locator(".data-date").inner_text()
    assert before == "2024-09-01"

    page.get_by_role("link", name="Declarations", exact=True).click()
    _upload(page, "broken.csv", BAD)
    errors = page.locator("#upload-errors")
    errors.wait_for()
    assert "broken.csv:line 3" in errors.inner_text()
    assert "value: 'lots' is not a number" in errors.inner_text()
    bad_line = page.locator("#line-3")
    assert "bad" in (bad_line.get_attribute("class") or "")
    assert "line 3: value: 'lots' is not a number" in bad_line.inner_text()

    _upload(page, "good.csv", GOOD)
    page.locator("#upload-ok").wait_for()
    assert "USA as of 2025-03-01" in page.locator("#upload-ok").inner_text()

    page.get_by_role("link", name="Overview", exact=True).click()
    usa = page.locator("#party-new-start-USA")
    assert usa.locator(".data-date").inner_text() == "2025-03-01"
    assert "1,400" in usa.inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin?signed_out=1")
    page.goto(server["url"] + "/overview")
    assert "/signin" in page.url


def test_observer_never_sees_an_item(page: Any, server: Any, sign_in: Any) -> None:
    bodies: list[tuple[str, str]] = []

    def keep(response: Any) -> None:
        if response.url.startswith(server["url"]):
            with contextlib.suppress(Exception):  # redirects have no body
                bodies.append((response.url, response.text()))

    page.on("response", keep)
    sign_in("observer")
    # Item-level declarations of the demo: find them from the list and open each.
    page.goto(server["url"] + "/declarations?party=USA")
    links = page.locator("#declarations tbody tr", has_text="items").locator("a").all()
    hrefs = [a.get_attribute("href") for a in links]
    for href in [*hrefs[:4], "/log", "/public", "/monitoring", "/inspections", "/history"]:
        page.goto(server["url"] + str(href))
        assert page.locator("#items, .item-row").count() == 0
    first, second = hrefs[0], hrefs[1]
    page.goto(
        server["url"]
        + f"/declarations/diff?a={first.rsplit('/', 1)[1]}&b={second.rsplit('/', 1)[1]}"
    )
    assert page.locator(".item-row").count() == 0
    # The synthetic items have uids U0, U1, ... and salts; none may appear in any response.
    uid = re.compile(r'"uid":\s*"U\d+"|>U\d+<|\bsalt\b')
    leaked = [url for url, body in bodies if uid.search(body)]
    assert not leaked, leaked


def test_party_sees_own_items(page: Any, server: Any, sign_in: Any) -> None:
    sign_in("usa-office")
    page.goto(server["url"] + "/declarations?party=USA")
    page.locator("#declarations tbody tr", has_text="items").first.locator("a").click()
    # The demo's items are sealed to USA: the page says how to decrypt them in the client.
    assert page.get_by_text("armsctl client items").count() > 0


def test_public_proof_passes_then_fails_when_tampered(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    assert page.locator("#latest-checkpoint").inner_text().count("\u2014") >= 1
    # The oldest row on the page is covered by the demo's checkpoint (a fresh upload may not be).
    page.locator("#public-declarations .js-verify").last.click()
    result = page.locator("#verifier-result")
    expect(result).to_have_text(re.compile(r"^(PASS|FAIL)"))
    assert result.inner_text().startswith("PASS"), page.locator("#verifier-steps").inner_text()
    steps = page.locator("#verifier-steps").inner_text()
    assert "Ed25519 signature" in steps and "Step 1" in steps and "figures shown" in steps
    page.get_by_role("button", name="Change one byte and check").click()
    expect(result).to_have_text(re.compile(r"^FAIL"))
    assert "differs from the signed root" in page.locator("#verifier-steps").inner_text()


def test_log_consistency_between_checkpoints(page: Any, server: Any, sign_in: Any) -> None:
    sign_in("operator")
    page.goto(server["url"] + "/log")
    page.get_by_role("button", name="Sign a checkpoint of the current log").click()
    page.wait_for_url("**/log")
    page.get_by_label("Older checkpoint #").fill("0")
    page.get_by_role("button", name="Check in the browser").click()
    expect(page.locator("#consistency-result")).to_have_text(re.compile(r"^(PASS|FAIL)"))
    assert page.locator("#consistency-result").inner_text().startswith("PASS"), page.locator(
        "#consistency-steps"
    ).inner_text()


def test_acknowledge_a_notification(page: Any, server: Any, sign_in: Any) -> None:
    sign_in("usa-office")
    page.get_by_role("link", name="Notifications", exact=True).click()
    inbox = page.locator("#inbox")
    assert "on-time" in inbox.inner_text() or "late" in inbox.inner_text()
    button = inbox.get_by_role("button", name=re.compile("Acknowledge notification"))
    n = button.count()
    assert n >= 1
    button.first.press("Enter")
    expect(inbox.get_by_role("button", name=re.compile("Acknowledge notification"))).to_have_count(
        n - 1
    )
    assert "acknowledged" in inbox.inner_text()
    page.reload()
    assert (
        page.locator("#inbox").get_by_role("button", name=re.compile("Acknowledge")).count()
        == n - 1
    )


def test_every_page_renders_on_a_narrow_screen(browser: Any, server: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    pg.goto(server["url"] + "/signin")
    pg.get_by_label("API token").fill(server["tokens"]["usa-office"])
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/overview")
    for path in ("/overview", "/declarations", "/public", "/log"):
        pg.goto(server["url"] + path)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, (path, width)
        unlabeled = pg.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(e => !(e.labels && e.labels.length) && !e.closest('label')
                              && !e.getAttribute('aria-label')).map(e => e.name || e.id)"""
        )
        assert unlabeled == [], (path, unlabeled)
    context.close()
