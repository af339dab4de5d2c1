"""Time for the browser to verify a proof bundle (``verify.js`` in headless Chromium).

Builds a bundle for an entry of a 1,000,000-entry log (20 inclusion hashes) whose checkpoint is
cosigned by two witnesses, and a trust policy requiring both, then has Chromium run
``armsctlVerify.verifyBundle`` on it in 7 batches of ``--repeat`` runs (the first two batches
warm up; the figure is the median batch's time per run) on a page served
from ``http://localhost`` (a secure context, so WebCrypto is available). Baseline, in the same
page: one WebCrypto Ed25519 signature check (batches of 100), the least a verifier must do. Target: a bundle
verified in under 50 ms (median). Results go to ``bench/results/browser_verify.json``.

    .venv/bin/python bench/bench_browser_verify.py [--quick]

Needs Debian's Chromium (``/usr/bin/chromium``) and the playwright package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from armsctl.ledger.bundle import ProofBundle, TrustPolicy, verify_bundle
from armsctl.ledger.checkpoint import Checkpoint
from armsctl.ledger.merkle import leaf_hash, node_hash
from armsctl.ledger.note import SignerKey, add_signatures, sign_note

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "src" / "armsctl" / "web" / "static" / "verify.js"
CHROMIUM = Path("/usr/bin/chromium")

PAGE = """async ({bundle, trust, repeat}) => {
  const v = window.armsctlVerify;
  const policy = await v.parseTrust(trust);
  // Both figures are timed in batches and divided: the page's clock ticks in 0.1 ms steps.
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    for (let j = 0; j < repeat; j++) await v.verifyBundle(bundle, policy);
    if (i >= 2) times.push((performance.now() - t0) / repeat);
  }
  const key = await crypto.subtle.generateKey({name: "Ed25519"}, true, ["sign", "verify"]);
  const msg = new TextEncoder().encode("armsctl.local/log\\n1000000\\n");
  const sig = await crypto.subtle.sign({name: "Ed25519"}, key.privateKey, msg);
  const base = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    for (let j = 0; j < 100; j++) await crypto.subtle.verify({name: "Ed25519"}, key.publicKey, sig, msg);
    if (i >= 2) base.push((performance.now() - t0) / 100);
  }
  return {times, base};
}"""


def _tree_proof(size: int, index: int) -> tuple[bytes, list[bytes], bytes]:
    """The root of ``size`` synthetic entries and the inclusion proof of ``index``, level by level."""
    entries = [f'{{"entry":{i}}}'.encode() for i in range(size)]
    level = [leaf_hash(e) for e in entries]
    proof: list[bytes] = []
    i = index
    while len(level) > 1:
        sibling = i ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        nxt = [node_hash(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # RFC 9162: an unpaired node moves up unchanged
        level, i = nxt, i // 2
    return level[0], proof, entries[index]


def _bundle(size: int) -> tuple[dict[str, Any], dict[str, Any]]:
    log = SignerKey("armsctl.local/log", hashlib.sha256(b"bench log").digest())
    witnesses = [SignerKey(f"w{n}.example", hashlib.sha256(b"w%d" % n).digest()) for n in (1, 2)]
    index = size // 2 + 1
    root, proof, entry = _tree_proof(size, index)
    text = Checkpoint(log.name, size, root).text()
    note = add_signatures(
        sign_note(text, [log]),
        [w.as_cosigner().signature_line(text, at=1_767_225_600) for w in witnesses],
    )
    bundle = ProofBundle(entry, index, size, tuple(proof), note)
    trust = TrustPolicy(log.verifier(), tuple(w.verifier() for w in witnesses), 2)
    verify_bundle(bundle, trust=trust)  # the Python verifier agrees before the browser is timed
    return bundle.to_json(), trust.to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 10,000-entry log, batches of 5")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    size, repeat = (10_000, 5) if args.quick else (args.size, args.repeat)
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    bundle, trust = _bundle(size)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        html = f"<!doctype html><script>{SCRIPT.read_text()}</script>"
        page.route(
            "http://localhost/", lambda route: route.fulfill(body=html, content_type="text/html")
        )
        page.goto("http://localhost/")
        out = page.evaluate(PAGE, {"bundle": bundle, "trust": trust, "repeat": repeat})
        version = browser.version
        browser.close()
    median = statistics.median(out["times"])
    baseline = statistics.median(out["base"])
    result = {
        "log_size": size,
        "inclusion_hashes": len(bundle["inclusion"]),
        "witnesses_required": 2,
        "repeat": repeat,
        "verify_bundle_ms": round(median, 2),
        "baseline_ed25519_verify_ms": round(baseline, 3),
        "ratio": round(median / baseline, 1) if baseline else None,
        "under_50ms": median < 50,
        "browser": f"Chromium {version}, headless",
    }
    path = Path(__file__).parent / "results" / "browser_verify.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"verifyBundle at size {size:,} ({result['inclusion_hashes']} hashes, 3 signatures): "
        f"{median:.2f} ms median; one Ed25519 verify {baseline:.3f} ms "
        f"({result['ratio']}x); written {path}"
    )


if __name__ == "__main__":
    main()
