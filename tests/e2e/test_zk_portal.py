"""The public portal checks the demo's zero-knowledge proof in the browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

VECTORS = Path(__file__).resolve().parents[1] / "zk" / "vectors" / "cases.json"


def test_the_demo_proof_is_proven_and_a_tampered_copy_fails(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    row = page.locator("#public-zk tbody tr").first
    assert "RUS" in row.inner_text() and "deployed-warheads" in row.inner_text()
    assert "1,550" in row.inner_text()
    out = row.locator("ul.steps")
    row.get_by_role("button", name="Verify proof").click()
    expect(out).to_have_attribute("data-result", "proven")
    text = out.inner_text()
    assert "Proven: the committed total is within 1,550" in text
    for check in ("context", "shape", "bit-sum", "bit-proofs"):
        assert f"✓ {check}" in text
    row.get_by_role("button", name="Check a tampered copy").click()
    expect(out).to_have_attribute("data-result", "failed")
    assert "✗ bit-proofs" in out.inner_text() and "NOT proven" in out.inner_text()


def test_the_browser_verifier_reaches_every_shared_vector_result(page: Any, server: Any) -> None:
    page.goto(server["url"] + "/public")
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))
    got = page.evaluate(
        """async (cases) => {
            const zk = await import("/static/zk-verify.mjs");
            const out = {};
            for (const c of cases) {
                const r = zk.verifyProof(c.proof, c.expected);
                out[c.name] = { verified: r.verified, failed: r.failed };
            }
            return out;
        }""",
        cases,
    )
    assert got == {c["name"]: c["result"] for c in cases}
