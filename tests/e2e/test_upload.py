"""The declaration upload in a browser: every refusal shown beside the form, busy while it runs.

The server's answers are the real statuses (403, 409, 413, 422); the page's upload script lets
htmx show them in the result fragment. While a request runs the submit button is disabled and
the progress line is shown (htmx ``hx-disabled-elt`` and ``hx-indicator``). axe-core finds no
violation on the page, before and after a refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")


def _choose(page: Any, name: str, text: str) -> None:
    page.get_by_label("Declaration file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )


def _submit(page: Any) -> Any:
    """Submit and wait for the new result (the previous one is replaced by the swap)."""
    errors = page.locator("#upload-errors")
    old = errors.element_handle() if errors.count() else None
    page.get_by_role("button", name="Check and submit").click()
    if old is not None:
        old.wait_for_element_state("hidden")  # detached once the new fragment is swapped in
    errors.wait_for()
    return errors


def _axe_violations(page: Any) -> list[str]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is missing (pip install -e '.[dev]')", pytrace=False)
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def test_every_refusal_is_shown_beside_the_form(
    page: Any, server: Any, sign_in: Any, tmp_path: Any
) -> None:
    sign_in("rus-office")
    page.goto(server["url"] + "/declarations")
    assert _axe_violations(page) == []

    # 409: the second date is in the bundled record; nothing of the file is stored.
    _choose(
        page,
        "two.csv",
        "party,as_of,measure,value\n"
        "RUS,2012-05-15,deployed-warheads,1500\n"
        "RUS,2021-09-01,deployed-warheads,1400\n",
    )
    errors = _submit(page)
    assert errors.get_attribute("data-status") == "409"
    assert "RUS already declared as of 2021-09-01" in errors.inner_text()
    assert "Nothing in it was stored or logged" in errors.inner_text()
    assert _axe_violations(page) == []

    # 403: another party's file.
    _choose(page, "usa.csv", "party,as_of,measure,value\nUSA,2012-05-15,deployed-warheads,10\n")
    errors = _submit(page)
    assert errors.get_attribute("data-status") == "403"
    assert "only its own party" in errors.inner_text()

    # 422: a date the treaty forbids, with the rule.
    _choose(page, "late.csv", "party,as_of,measure,value\nRUS,2026-03-01,deployed-warheads,1\n")
    errors = _submit(page)
    assert errors.get_attribute("data-status") == "422"
    assert "expired after its extension on 2026-02-05" in errors.inner_text()

    # 422: bad content, with the offending line beside it.
    _choose(page, "bad.csv", "party,as_of,measure,value\nRUS,2012-05-15,deployed-warheads,x\n")
    errors = _submit(page)
    assert "bad.csv:line 2" in errors.inner_text()
    assert "line 2: value: 'x' is not a number" in page.locator("#line-2").inner_text()

    # 413: over the upload limit (the body limit in front of the application answers).
    limit = int(page.locator("#upload-form").get_attribute("data-max-bytes"))
    big = tmp_path / "big.csv"
    line = b"RUS,2012-05-15,deployed-warheads,1\n"
    big.write_bytes(b"party,as_of,measure,value\n" + line * (limit // len(line) + 1))
    page.get_by_label("Declaration file").set_input_files(str(big))
    errors = _submit(page)
    assert errors.get_attribute("data-status") == "413"
    assert f"request body over {limit} bytes" in errors.inner_text()
    assert _axe_violations(page) == []

    # The page still works: a clean file is submitted.
    _choose(page, "good.csv", "party,as_of,measure,value\nRUS,2012-05-15,deployed-warheads,1\n")
    page.get_by_role("button", name="Check and submit").click()
    page.locator("#upload-ok").wait_for()
    assert "RUS as of 2012-05-15" in page.locator("#upload-ok").inner_text()


def test_the_button_is_disabled_and_progress_shown_while_uploading(
    page: Any, server: Any, sign_in: Any
) -> None:
    sign_in("rus-office")
    page.goto(server["url"] + "/declarations")
    button = page.get_by_role("button", name="Check and submit")
    progress = page.locator("#upload-progress")
    sync_api.expect(progress).to_have_css("opacity", "0")
    release: list[Any] = []

    def hold(route: Any) -> None:
        release.append(route)  # answered below, once the busy state has been seen

    page.route("**/declarations/upload", hold)
    _choose(page, "slow.csv", "party,as_of,measure,value\nRUS,2012-06-15,deployed-warheads,1\n")
    button.click()
    sync_api.expect(button).to_be_disabled()
    sync_api.expect(progress).to_have_css("opacity", "1")
    assert release
    release[0].continue_()
    page.locator("#upload-ok").wait_for()
    sync_api.expect(button).to_be_enabled()
    sync_api.expect(progress).to_have_css("opacity", "0")
