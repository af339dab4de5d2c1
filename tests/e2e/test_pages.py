"""Every dashboard page as a treaty analyst, an observer and the public meet it, in Chromium.

axe-core (the engine browser audits use) runs on every page at desktop (1280 px) and phone
(390 px) widths and must find nothing. The other tests pin what a reader relies on: figures
marked "(unverified)" wherever they are shown, each flag once, rules and times in words,
tables that reflow on a phone, focus that stays where the work is, and a page that never
calls a host other than the server it came from.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.request
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

WIDTHS = (1280, 390)
#: Pages a party user reaches from the navigation, and those one click further.
PARTY_PAGES = (
    "/overview",
    "/history",
    "/history?interpretation=counts-converted",
    "/declarations",
    "/notifications",
    "/inspections",
    "/monitoring",
    "/log",
    "/public",
    "/workbench",
)
PUBLIC_PAGES = ("/public", "/public?page=2", "/signin")


def _context(browser: Any, width: int) -> Any:
    return browser.new_context(viewport={"width": width, "height": 900})


def _sign_in(pg: Any, server: dict[str, Any], user: str) -> None:
    pg.goto(server["url"] + "/signin")
    pg.get_by_label("API token").fill(server["tokens"][user])
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_url("**/overview")


def _declaration_links(pg: Any, server: dict[str, Any]) -> list[str]:
    """A RUS aggregate declaration page and a USA diff between its item-level declarations."""
    pg.goto(server["url"] + "/declarations?party=RUS")
    rus = pg.locator("#declarations tbody tr", has_text="2022-09-01").locator("a").first
    pg.goto(server["url"] + "/declarations?party=USA")
    items = pg.locator("#declarations tbody tr", has_text="items").locator("a").all()
    ids = [str(a.get_attribute("href")).rsplit("/", 1)[1] for a in items[:2]]
    pg.goto(server["url"] + "/declarations?party=RUS")
    return [str(rus.get_attribute("href")), f"/declarations/diff?a={ids[0]}&b={ids[1]}"]


@pytest.fixture(scope="module")
def axe() -> Any:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is missing (pip install -e '.[dev]')", pytrace=False)
    return Axe()


def _violations(axe: Any, pg: Any) -> list[tuple[str, list[str]]]:
    found = axe.run(pg).response["violations"]
    return [(v["id"], [n["target"][0] for n in v["nodes"]][:5]) for v in found]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_on_any_page(
    browser: Any, server: dict[str, Any], axe: Any, width: int
) -> None:
    problems: dict[str, Any] = {}
    context = _context(browser, width)
    pg = context.new_page()
    for path in PUBLIC_PAGES:
        pg.goto(server["url"] + path)
        problems[f"public {path}"] = _violations(axe, pg)
    _sign_in(pg, server, "usa-office")
    for path in (*PARTY_PAGES, *_declaration_links(pg, server)):
        pg.goto(server["url"] + path)
        problems[path] = _violations(axe, pg)
    context.close()
    context = _context(browser, width)
    pg = context.new_page()
    _sign_in(pg, server, "observer")
    pg.goto(server["url"] + "/notifications")  # the 403 page
    problems["403"] = _violations(axe, pg)
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}


def test_no_console_error_and_no_request_leaves_the_server(
    browser: Any, server: dict[str, Any]
) -> None:
    """Every page each role's navigation offers, the public ones, and a page further in."""
    errors: list[str] = []
    requests: list[str] = []
    visited: set[str] = set()
    runs = [(None, 1280), ("usa-office", 1280), ("usa-office", 390)]
    runs += [("observer", 1280), ("operator", 1280)]
    for user, width in runs:
        context = _context(browser, width)
        pg = context.new_page()
        where = {"url": ""}
        pg.on(
            "console",
            lambda m, where=where: m.type == "error" and errors.append(f"{where['url']}: {m.text}"),
        )
        pg.on("pageerror", lambda e, where=where: errors.append(f"{where['url']}: {e}"))
        context.on("request", lambda r: requests.append(r.url))
        paths: list[str] = list(PUBLIC_PAGES)
        if user is not None:
            _sign_in(pg, server, user)
            nav = pg.get_by_role("navigation", name="Main").get_by_role("link").all()
            paths += [str(a.get_attribute("href")) for a in nav]
            paths += _declaration_links(pg, server)[: 2 if user == "usa-office" else 1]
        for path in paths:
            where["url"] = path
            pg.goto(server["url"] + path)
            pg.wait_for_load_state("networkidle")
            visited.add(path.split("?")[0])
        context.close()
    assert {"/overview", "/workbench", "/log", "/notifications", "/public"} <= visited
    assert errors == []
    outside = sorted({u for u in requests if not u.startswith(server["url"] + "/")})
    assert outside == [], outside
    assert all(u.startswith("http://127.0.0.1:") for u in requests)


# -- unverified marks and stale data ------------------------------------------------------


def test_unverified_figures_are_marked_everywhere_they_are_shown(
    page: Any, server: dict[str, Any], sign_in: Any
) -> None:
    """RUS 2022-09-01 is "540 (unverified)" in ``armsctl check``; every page says so too."""
    page.goto(server["url"] + "/public")
    rus = page.locator("#public-compliance tbody tr").filter(has=page.locator("th", has_text="RUS"))
    values = rus.locator("td[data-label=Value]").all_inner_texts()
    assert values == ["540 (unverified)", "1,549 (unverified)", "759 (unverified)"]
    headline = page.locator("#pub-compliance").inner_text()
    assert "✓ compliant" not in headline and "✓" not in headline
    assert "stale" in headline and "RUS data as of 2022-09-01" in headline
    row = page.locator("#public-declarations tbody tr", has_text="2022-09-01").filter(
        has_text="RUS"
    )
    row.locator("summary").click()
    assert "3 figures, 3 unverified" in row.inner_text()
    assert "deployed-delivery-vehicles: 540 (unverified)" in row.inner_text()

    with urllib.request.urlopen(server["url"] + "/public/new-start.csv") as answer:
        rows = list(csv.DictReader(io.StringIO(answer.read().decode())))
    marked = {
        (r["party"], r["as_of"], r["measure"]): r["mark"] for r in rows if r["as_of"] >= "2022"
    }
    assert marked[("RUS", "2022-09-01", "deployed-delivery-vehicles")] == "unverified"
    assert any(mark == "" for mark in marked.values())  # confirmed figures stay unmarked

    sign_in("observer")
    rus = page.locator("#party-new-start-RUS")
    assert "540 (unverified)" in rus.locator("td[data-label=Value]").first.inner_text()
    assert "✓ compliant" not in rus.locator("h3").inner_text()
    assert "stale: data as of 2022-09-01" in rus.locator("h3").inner_text()
    rus.get_by_role("link", name=re.compile("declaration")).click()
    figures = page.locator("#figures").inner_text()
    assert figures.count("(unverified)") == 3
    assert "540 (unverified)" in figures


def test_each_flag_is_shown_once(page: Any, server: dict[str, Any], sign_in: Any) -> None:
    sign_in("usa-office")
    flags = page.locator("#party-new-start-RUS .flags li").all_inner_texts()
    assert len(flags) == len(set(flags))
    stale = [f for f in flags if "stale" in f.lower()]
    assert len(stale) == 1 and "latest data as of 2022-09-01" in stale[0]
    missing = [f for f in flags if "2023-03-01" in f]
    assert len(missing) == 1
    assert "a newer declaration was due" not in page.locator("main").inner_text()


# -- words, times and order ---------------------------------------------------------------


def test_rules_times_and_refusals_read_as_words(
    browser: Any, page: Any, server: dict[str, Any], sign_in: Any
) -> None:
    sign_in("usa-office")
    page.goto(server["url"] + "/notifications")
    text = page.locator("main").inner_text()
    assert "received within 5 days after the event" in text
    assert not re.search(r"\bP(T)?\d+[DH]\b", text), "a rule still shows ISO 8601 notation"
    sent = page.locator("#inbox td[data-label=Sent] time")
    assert sent.count() >= 1
    for i in range(sent.count()):
        cell = sent.nth(i)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", cell.inner_text())
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cell.get_attribute("datetime"))
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", text), "a time shows microseconds"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    observer = context.new_page()
    _sign_in(observer, server, "observer")
    observer.goto(server["url"] + "/notifications")
    said = observer.get_by_role("alert").inner_text()
    assert "Your role (observer) cannot" in said and "Only party users can" in said
    assert "notification.read" not in said
    context.close()


def test_dates_never_wrap_on_a_phone(browser: Any, server: dict[str, Any]) -> None:
    context = _context(browser, 390)
    pg = context.new_page()
    _sign_in(pg, server, "usa-office")
    for path in ("/public", "/notifications", "/declarations", "/overview"):
        pg.goto(server["url"] + path)
        broken = pg.evaluate(
            """() => [...document.querySelectorAll('main time, main .data-date')]
                 .filter(e => e.getClientRects().length > 1
                              || getComputedStyle(e).whiteSpace !== 'nowrap')
                 .map(e => e.outerHTML)"""
        )
        assert broken == [], (path, broken[:3])
    context.close()


def test_the_public_landing_page_lists_every_declaration(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/public")
    total = int(re.search(r"\(([\d,]+)\)", page.locator("#pub-decls").inner_text())[1])
    pager = page.get_by_role("navigation", name="Declaration pages")
    seen: list[str] = []
    dates: list[str] = []
    pages = max(1, pager.get_by_role("link", name=re.compile(r"^\d+$")).count())
    for n in range(1, pages + 1):
        if n > 1:
            pager.get_by_role("link", name=str(n), exact=True).click()
            page.wait_for_url(f"**page={n}*")
        assert pager.locator("[aria-current=page]").inner_text() == str(n)
        seen += page.locator("#public-declarations td[data-label='Log entry']").all_inner_texts()
        dates += page.locator("#public-declarations td[data-label='As of']").all_inner_texts()
    assert len(seen) == total == len(set(seen))
    assert total > 50  # more than one page, so the navigation was needed
    # Newest first, from the first page on: the landing page shows the newest declarations.
    assert dates == sorted(dates, reverse=True)


# -- a phone: tables reflow, nothing off-screen -------------------------------------------


def test_tables_reflow_into_labelled_rows_on_a_phone(browser: Any, server: dict[str, Any]) -> None:
    context = _context(browser, 390)
    pg = context.new_page()
    _sign_in(pg, server, "usa-office")
    for path in ("/overview", "/public", "/notifications", "/inspections", "/monitoring"):
        pg.goto(server["url"] + path)
        report = pg.evaluate(
            """() => {
              const out = {unlabelled: [], offscreen: [], width: document.documentElement.scrollWidth};
              for (const t of document.querySelectorAll('table.reflow')) {
                const heads = [...t.querySelectorAll('thead th')].map(h => h.textContent.trim());
                for (const tr of t.querySelectorAll('tbody tr')) {
                  [...tr.children].forEach((cell, i) => {
                    if (cell.dataset.label !== heads[i]) out.unlabelled.push(t.id + ':' + i);
                  });
                }
              }
              const keep = 'td[data-label=Status], td[data-label=Margin], td[data-label=Proof] button,'
                + ' td[data-label=Acknowledgement] button, td[data-label="Deadline standing"]';
              for (const e of document.querySelectorAll(keep)) {
                const r = e.getBoundingClientRect();
                if (r.width && (r.left < 0 || r.right > window.innerWidth)) out.offscreen.push(e.outerHTML.slice(0, 80));
              }
              return out;
            }"""
        )
        assert report["unlabelled"] == [], (path, report["unlabelled"][:5])
        assert report["offscreen"] == [], (path, report["offscreen"][:3])
        assert report["width"] <= 390, (path, report["width"])
    # The status of a limit reads as "Status: ✓ compliant" in its row.
    pg.goto(server["url"] + "/overview")
    cell = pg.locator("#party-new-start-USA td[data-label=Status]").first
    label = pg.evaluate("e => getComputedStyle(e, '::before').content", cell.element_handle())
    assert label == '"Status: "'
    context.close()


# -- focus ----------------------------------------------------------------------------------


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, ...]:
    values = tuple(float(x) for x in re.findall(r"[\d.]+", css))
    assert len(values) in (3, 4), css
    return values


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _ring_and_background(pg: Any) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        pg.evaluate(
            """() => {
              const e = document.activeElement;
              let bg = 'rgb(255, 255, 255)';
              for (let n = e; n; n = n.parentElement) {
                const c = getComputedStyle(n).backgroundColor;
                if (c && c !== 'transparent' && !c.endsWith(', 0)')) { bg = c; break; }
              }
              const s = getComputedStyle(e);
              return [s.outlineColor, bg, s.outlineStyle];
            }"""
        )
    )


def test_focus_ring_contrast_is_at_least_3_to_1(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/public")
    checked = 0
    for _ in range(12):  # the skip link, the header (grey) and the page (white)
        page.keyboard.press("Tab")
        ring, background, style = _ring_and_background(page)
        assert style != "none", page.evaluate("document.activeElement.outerHTML")
        ratio = _contrast(ring, background)
        assert ratio >= 3, (ring, background, round(ratio, 2))
        checked += 1
    assert checked == 12


def test_focus_after_acknowledge_is_on_the_updated_row(
    page: Any, server: dict[str, Any], sign_in: Any
) -> None:
    sign_in("rus-office")
    page.goto(server["url"] + "/notifications")
    button = page.locator("#inbox").get_by_role("button", name=re.compile("Acknowledge")).first
    row_id = button.locator("xpath=ancestor::tr").get_attribute("id")
    button.focus()
    page.keyboard.press("Enter")
    status = page.locator(f"#{row_id} .ack")
    expect(status).to_be_focused()
    assert "acknowledged" in status.inner_text()
    assert page.evaluate("document.activeElement.tagName") != "BODY"
    ring, background, style = _ring_and_background(page)
    assert style != "none" and _contrast(ring, background) >= 3
