"""The browser verifier in headless Chromium: the shared vectors, pinned trust, forged bundles.

A hostile server is played by Playwright's request routing: the page's own proof requests get
a bundle re-signed by a fresh key that carries the log's name, or one whose index is past the
tree, and the page must say FAIL with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

VECTORS = json.loads(
    (Path(__file__).parents[1] / "ledger" / "vectors" / "bundles.json").read_text()
)["vectors"]

RUN_VECTORS = """async (vectors) => {
  const v = window.armsctlVerify;
  const out = [];
  for (const c of vectors) {
    try {
      const trust = await v.parseTrust(c.trust);
      const r = await v.verifyBundle(c.bundle, trust, { previous: c.previous ?? null });
      out.push({ name: c.name, outcome: "ok", result: r });
    } catch (e) {
      out.push({ name: c.name, outcome: e instanceof v.MalformedError ? "malformed" : "fail",
                 message: String(e.message) });
    }
  }
  return out;
}"""


def _fresh_log_key(name: str, seed: bytes) -> Any:
    from armsctl.ledger.note import SignerKey

    return SignerKey.generate(name, seed=seed)


def _click_last_verify(page: Any) -> Any:
    page.locator("#public-declarations .js-verify").last.click()
    result = page.locator("#verifier-result")
    expect(result).to_have_text(re.compile(r"^(PASS|FAIL)"))
    return result


def _serve_instead(page: Any, change: Any) -> None:
    """Answer the page's proof requests with a changed copy of the server's bundle."""

    def handle(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=json.dumps(change(response.json())))

    page.route("**/public/proof/**", handle)


def test_chromium_passes_every_known_answer_vector(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    results = page.evaluate(RUN_VECTORS, VECTORS)
    wrong = []
    for case, got in zip(VECTORS, results, strict=True):
        if got["outcome"] != case["expect"]:
            wrong.append(f"{case['name']}: expected {case['expect']}, got {got}")
        elif case["expect"] == "fail" and case["reason"] not in got["message"]:
            wrong.append(f"{case['name']}: {got['message']!r} lacks {case['reason']!r}")
        elif case["expect"] == "ok":
            wrong += [
                f"{case['name']}: {k} = {got['result'][k]!r}, expected {v!r}"
                for k, v in case["result"].items()
                if got["result"][k] != v
            ]
    assert not wrong, "\n".join(wrong)


def test_a_valid_bundle_passes_against_the_pinned_key_shown_by_name_and_id(
    page: Any, server: Any
) -> None:
    page.goto(server["url"] + "/public")
    offered = json.loads(page.locator("#verifier").get_attribute("data-trust"))
    name, key_id, _ = offered["log_key"].split("+", 2)
    summary = page.locator("#trust-summary")
    expect(summary).to_contain_text(f"log key {name} (key id {key_id})")
    result = _click_last_verify(page)
    assert result.inner_text().startswith("PASS"), page.locator("#verifier-steps").inner_text()
    pinned = json.loads(page.evaluate("localStorage.getItem('armsctl.trust')"))
    assert pinned["policy"] == offered  # trust on first use, remembered


def test_a_bundle_signed_by_a_fresh_key_with_the_logs_name_fails(page: Any, server: Any) -> None:
    from armsctl.ledger.note import sign_note

    forger = _fresh_log_key("armsctl.local/log", b"\x07" * 32)

    def forge(bundle: dict[str, Any]) -> dict[str, Any]:
        text = bundle["checkpoint"].split("\n\n")[0] + "\n"
        return {**bundle, "checkpoint": sign_note(text, [forger])}

    _serve_instead(page, forge)
    page.goto(server["url"] + "/public")
    result = _click_last_verify(page)
    assert result.inner_text().startswith("FAIL")
    assert "signed by an unknown key" in result.inner_text()


def test_an_index_at_or_past_the_size_fails(page: Any, server: Any) -> None:
    _serve_instead(page, lambda b: {**b, "index": b["size"]})
    page.goto(server["url"] + "/public")
    result = _click_last_verify(page)
    assert result.inner_text().startswith("FAIL") and "index >= size" in result.inner_text()


def test_a_different_offered_policy_warns_and_the_pinned_one_stays(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    expect(page.locator("#trust-summary")).to_contain_text("Checking against log key")
    assert page.locator("#trust-warning").is_hidden()
    offered = json.loads(page.locator("#verifier").get_attribute("data-trust"))
    other = str(_fresh_log_key("armsctl.local/log", b"\x09" * 32).verifier())

    def swap(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(offered["log_key"], other))

    page.route(re.compile(r".*/public(\?.*)?$"), swap)
    page.reload()
    warning = page.locator("#trust-warning")
    expect(warning).to_be_visible()
    assert "WARNING" in warning.inner_text() and other in warning.inner_text()
    result = _click_last_verify(page)  # still checked against the key pinned first
    assert result.inner_text().startswith("PASS"), page.locator("#verifier-steps").inner_text()


def test_the_reader_replaces_the_policy_and_a_quorum_is_enforced(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    result = _click_last_verify(page)
    assert result.inner_text().startswith("PASS")
    offered = json.loads(page.locator("#verifier").get_attribute("data-trust"))
    witness = _fresh_log_key("w1.example", b"\x0b" * 32).as_cosigner().verifier()
    page.locator("details.trust summary").click()
    box = page.get_by_label("Trust policy in use")
    box.fill(f'log_key = "{offered["log_key"]}"\nwitnesses = ["{witness}"]\nquorum = 1\n')
    page.get_by_role("button", name="Pin this policy").click()
    expect(result).to_contain_text("found 0 of 1")
    assert result.inner_text().startswith("FAIL")
    stranger = _fresh_log_key("armsctl.local/log", b"\x0c" * 32).verifier()
    box.fill(f'log_key = "{stranger}"\n')
    page.get_by_role("button", name="Pin this policy").click()
    expect(result).to_contain_text("signed by an unknown key")
    expect(page.locator("#trust-warning")).to_be_visible()  # the page offers another key
    page.get_by_role("button", name="Pin the policy this page offers").click()
    expect(result).to_have_text(re.compile(r"^PASS"))
