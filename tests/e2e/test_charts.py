"""Charts in a real browser: calendar ticks, legible text on a phone, no axe violation.

The chart text must stay at 12 CSS px or more at 390 px (a phone) and at 1280 px: the page
shows the drawing made for its width (a narrow one on phones), whose own text is 13 px.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

WIDTHS = (390, 1280)

# Every visible chart's text: its rendered height and font size in CSS pixels.
_TEXT = """() => [...document.querySelectorAll('svg.armsctl-chart')]
  .filter(svg => getComputedStyle(svg).display !== 'none')
  .flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => ({
      text: t.textContent,
      height: t.getBoundingClientRect().height,
      px: parseFloat(getComputedStyle(t).fontSize) * scale,
    }));
  })"""

# The dates of every x tick (labelled or not) of each visible chart, in order.
_TICKS = """() => [...document.querySelectorAll('svg.armsctl-chart')]
  .filter(svg => getComputedStyle(svg).display !== 'none')
  .map(svg => [...svg.querySelectorAll('.x-ticks line[data-date]')].map(l => l.dataset.date))"""


def _signed_in(browser: Any, server: dict[str, Any], width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server["url"] + "/signin")
    page.get_by_label("API token").fill(server["tokens"]["usa-office"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/overview")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_history_chart_text_is_legible_and_ticks_fall_on_1_january(
    browser: Any, server: dict[str, Any], width: int
) -> None:
    page = _signed_in(browser, server, width)
    page.goto(server["url"] + "/history")
    texts = page.evaluate(_TEXT)
    assert texts, "no visible chart text on /history"
    smallest = min(texts, key=lambda t: t["px"])
    assert smallest["px"] >= 12, smallest
    # Measured, not computed: the rendered glyph box of a 12 px font is taller than 12 px.
    assert min(t["height"] for t in texts) >= 12, min(texts, key=lambda t: t["height"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for ticks in page.evaluate(_TICKS):
        assert ticks and all(d.endswith("-01-01") for d in ticks), ticks
        years = [int(d[:4]) for d in ticks]
        assert years == list(range(years[0], years[-1] + 1)), years  # no year skipped
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "path", ["/history", "/history?interpretation=counts-converted", "/monitoring"]
)
def test_chart_pages_have_no_axe_violation_in_the_charts(
    browser: Any, server: dict[str, Any], width: int, path: str
) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    page = _signed_in(browser, server, width)
    page.goto(server["url"] + path)
    charts = page.locator("svg.armsctl-chart:visible")
    assert charts.count() >= 1
    for i in range(charts.count()):
        svg = charts.nth(i)
        assert svg.get_attribute("role") == "img"
        title = svg.locator(":scope > title").text_content() or ""
        assert title.strip() and (svg.locator(":scope > desc").text_content() or "").strip()
        # The title is the image's accessible name, as a screen reader announces it.
        assert page.get_by_role("img", name=title.strip(), exact=True).count() >= 1
    results = axe.Axe().run(page, context={"include": [["figure.chart"]]})
    assert results.violations_count == 0, results.generate_report()
    if width >= 1280 and path.startswith("/history"):
        whole = axe.Axe().run(page)  # the whole page, as at desktop width it must stay clean
        assert whole.violations_count == 0, whole.generate_report()
    page.context.close()
