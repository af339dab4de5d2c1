"""Benchmark the zero-knowledge range proof: prove and verify, in Python and in the browser.

For 16- and 32-bit ranges over 1, 10 and 100 site commitments: the median time to prove and to
verify in Python (libsodium through rbcl), the proof size, and the median time for the browser
verifier (``zk-verify.mjs`` on the vendored @noble/curves) in headless Chromium through
Playwright. The baseline in the same run is one ristretto255 scalar multiplication in each
environment (libsodium in Python, noble in the browser), so ratios read as "this many scalar
multiplications": a proof of k bits costs about 4k of them to prove and 4k to verify.

    .venv/bin/python bench/bench_zk.py            # 15 repeats, browser included
    .venv/bin/python bench/bench_zk.py --quick    # 3 repeats, a smoke run
    .venv/bin/python bench/bench_zk.py --no-browser
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from armsctl.zk import Context, commit_sites, prove, verify
from armsctl.zk import group as g

STATIC = Path(__file__).resolve().parents[1] / "src" / "armsctl" / "web" / "static"
CHROMIUM = Path(os.environ.get("ARMSCTL_CHROMIUM", "/usr/bin/chromium"))
SHAPES = [(bits, sites) for bits in (16, 32) for sites in (1, 10, 100)]
TARGET_MS = {"python": 50.0, "browser": 1000.0}  # for 16 bits and 100 sites


def median_ms(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def context(bits: int) -> Context:
    maximum = 1550 if bits == 16 else 3_000_000_000
    return Context("new-start", "deployed-warheads", maximum, "2023-09-01", "RUS", bits)


def counts(ctx: Context, sites: int) -> list[tuple[str, int]]:
    each = ctx.maximum // sites
    return [(f"site-{i:03}", each) for i in range(sites)]


def make(bits: int, sites: int) -> tuple[Context, Any, Any]:
    ctx = context(bits)
    openings = commit_sites(counts(ctx, sites))
    return ctx, openings, prove(ctx, openings)


def python_rows(repeat: int) -> tuple[float, list[dict[str, Any]]]:
    k, p = g.random_scalar(os.urandom), g.GENERATOR_H
    unit = median_ms(lambda: [g.mul(k, p) for _ in range(100)], repeat) / 100
    rows = []
    for bits, sites in SHAPES:
        ctx, openings, proof = make(bits, sites)
        assert verify(proof, ctx).ok
        rows.append(
            {
                "bits": bits,
                "sites": sites,
                # Committing to the sites (one Pedersen commitment each, published) is its own
                # step; "prove" starts from the committed sites, "commit + prove" from counts.
                "commit_ms": median_ms(lambda c=ctx, n=sites: commit_sites(counts(c, n)), repeat),
                "prove_ms": median_ms(lambda c=ctx, o=openings: prove(c, o), repeat),
                "commit_and_prove_ms": median_ms(
                    lambda c=ctx, n=sites: prove(c, commit_sites(counts(c, n))), repeat
                ),
                "verify_ms": median_ms(lambda pr=proof, c=ctx: verify(pr, c), repeat),
                "proof_bytes": len(json.dumps(proof.to_json(), separators=(",", ":"))),
                "document": proof.to_json(),
                "expected": ctx.to_json(),
            }
        )
    return unit, rows


BROWSER_SCRIPT = """async ({ cases, repeat }) => {
  const zk = await import("/zk-verify.mjs");
  const { ristretto255 } = await import("/vendor/noble-ristretto255.mjs");
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const time = (fn) => { const t = []; for (let i = 0; i < repeat; i++) { const s = performance.now(); fn(); t.push(performance.now() - s); } return median(t); };
  const P = ristretto255.Point.BASE.multiply(123456789n);
  const k = 2n ** 251n + 987654321n;
  const unit = time(() => { for (let i = 0; i < 20; i++) P.multiplyUnsafe(k); }) / 20;
  const first = performance.now();
  const ok0 = zk.verifyProof(cases[0].document, cases[0].expected).verified;
  const cold = performance.now() - first;
  const rows = cases.map((c) => {
    const r = zk.verifyProof(c.document, c.expected);
    if (!r.verified) throw new Error("a benchmark proof failed: " + JSON.stringify(r));
    return time(() => zk.verifyProof(c.document, c.expected));
  });
  return { unit, cold, ok0, rows };
}"""


def browser_rows(rows: list[dict[str, Any]], repeat: int) -> dict[str, Any] | None:
    if not CHROMIUM.exists():
        print(f"browser: skipped ({CHROMIUM} missing)")
        return None
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            cases = [{"document": r["document"], "expected": r["expected"]} for r in rows]
            result: dict[str, Any] = page.evaluate(
                BROWSER_SCRIPT, {"cases": cases, "repeat": repeat}
            )
            browser.close()
    finally:
        server.shutdown()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke run")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    unit, rows = python_rows(repeat)
    browser = None if args.no_browser else browser_rows(rows, max(3, repeat // 3))
    print(
        f"baseline: one ristretto255 scalar multiplication, Python/libsodium {unit:.3f} ms", end=""
    )
    print("" if browser is None else f", browser/noble {browser['unit']:.3f} ms")
    print(
        "bits sites | commit ms | prove ms (x mult) | commit+prove ms | verify ms (x mult) | "
        "bytes | browser verify ms (x mult)"
    )
    for i, r in enumerate(rows):
        line = (
            f"{r['bits']:4} {r['sites']:5} | {r['commit_ms']:7.1f} | "
            f"{r['prove_ms']:7.1f} ({r['prove_ms'] / unit:4.0f}) | {r['commit_and_prove_ms']:7.1f} | "
            f"{r['verify_ms']:7.1f} ({r['verify_ms'] / unit:4.0f}) | {r['proof_bytes']:6}"
        )
        if browser is not None:
            b = browser["rows"][i]
            r["browser_verify_ms"] = b
            line += f" | {b:7.1f} ({b / browser['unit']:4.0f})"
        print(line)
    target = next(r for r in rows if r["bits"] == 16 and r["sites"] == 100)
    verdict = {
        "python_prove_16bit_100": target["prove_ms"] < TARGET_MS["python"],
        "python_verify_16bit_100": target["verify_ms"] < TARGET_MS["python"],
    }
    if browser is not None:
        verdict["browser_verify_16bit_100"] = target["browser_verify_ms"] < TARGET_MS["browser"]
        print(f"browser: first verification after load (cold) {browser['cold']:.0f} ms")
    print("targets:", ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in verdict.items()))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    for r in rows:
        r.pop("document")
        r.pop("expected")
    (out / "zk.json").write_text(
        json.dumps(
            {
                "repeat": repeat,
                "baseline_mult_ms": {
                    "python": unit,
                    "browser": None if browser is None else browser["unit"],
                },
                "browser_cold_ms": None if browser is None else browser["cold"],
                "rows": rows,
                "targets": verdict,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
