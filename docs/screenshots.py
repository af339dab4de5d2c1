"""Make the screenshots shown in README.md and docs/ from the running pages.

    python docs/screenshots.py            # writes docs/img/*.png
    python docs/screenshots.py --out DIR  # elsewhere, e.g. to compare before committing

It seeds a fresh demo store (`armsctl web seed-demo`: the bundled New START record, synthetic
items, one user per role) in a temporary folder, serves it on 127.0.0.1 on a free port, and
visits each page with headless Chromium (Playwright driving Debian's /usr/bin/chromium, or
$ARMSCTL_CHROMIUM, as the browser tests do) at a desktop width (1280 px) and a phone width
(390 px). Each picture is the top of the page as a visitor first sees it, not the whole page,
so the files stay small. Nothing is fetched from another origin.

The demo is seeded and served as of 2026-01-15 12:00 UTC (``AS_OF``; the server's clock runs on
from there), while New START was in force, so the pictures show the same dates whatever the day
they are made; only keys, hashes and tokens differ from one run to the next.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("ARMSCTL_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: The demo's "now": the store is seeded at this instant and the server's clock starts there.
AS_OF = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Shot:
    """One picture: a page, who is signed in (None: nobody), and the viewport."""

    name: str
    path: str
    user: str | None
    viewport: dict[str, int]
    #: Scroll this element to the top of the picture first (None: the top of the page).
    scroll_to: str | None = None
    #: Fill these labelled fields, then press this button, before the picture.
    fill: tuple[tuple[str, str], ...] = ()
    press: str | None = None


SHOTS = (
    Shot("overview", "/overview", "observer", DESKTOP),
    Shot("overview-phone", "/overview", "observer", PHONE),
    Shot("public", "/public", None, DESKTOP),
    Shot("public-phone", "/public", None, PHONE),
    Shot("history", "/history", "observer", DESKTOP),
    Shot("declarations", "/declarations", "usa-office", DESKTOP),
    Shot("monitoring", "/monitoring", "observer", DESKTOP, scroll_to="#charts-title"),
    Shot("inspections", "/inspections", "usa-office", DESKTOP),
    Shot(
        "workbench",
        "/workbench",
        "usa-office",
        DESKTOP,
        scroll_to="h2",
        fill=(("Changes", "deployed-warheads=1000\ntotal-launchers=700"),),
        press="Compute the cuts",
    ),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(work: Path) -> tuple[str, dict[str, str], Any, threading.Thread]:
    """Seed the demo store in ``work`` and serve it in a thread; return its URL and tokens."""
    import uvicorn

    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    # As `armsctl demo` serves it: the web upload cannot sign, so signatures are not required.
    settings = Settings(
        database_url=f"sqlite:///{work / 'demo.db'}", require_party_signatures=False
    )
    seeded = seed_demo(settings, work, at=AS_OF)
    offset = AS_OF - dt.datetime.now(dt.UTC)
    app = create_app(settings, clock=lambda: dt.datetime.now(dt.UTC) + offset)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit("error: the demo server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", dict(seeded["tokens"]), server, thread


def _take(browser: Any, base: str, tokens: dict[str, str], shot: Shot, out: Path) -> Path:
    context = browser.new_context(viewport=shot.viewport, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Only this server is reached: a request to anywhere else is a bug in the page.
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    if shot.user is not None:
        page.goto(base + "/signin")
        page.get_by_label("API token").fill(tokens[shot.user])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/overview")
    page.goto(base + shot.path)
    page.wait_for_load_state("networkidle")
    for label, text in shot.fill:
        page.get_by_label(label).fill(text)
    if shot.press is not None:
        page.get_by_role("button", name=shot.press).click()
        page.wait_for_load_state("networkidle")
    if shot.scroll_to is not None:
        page.locator(shot.scroll_to).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    target = out / f"{shot.name}.png"
    page.screenshot(path=str(target), animations="disabled", caret="hide")
    context.close()
    return target


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, photograph every page in ``SHOTS``; exit 2 when Chromium is missing."""
    parser = argparse.ArgumentParser(prog="python docs/screenshots.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--only", nargs="*", help="names of the pictures to make (default: all)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="armsctl-screenshots-") as tmp:
        base, tokens, server, thread = _serve(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
                for shot in shots:
                    target = _take(browser, base, tokens, shot, args.out)
                    size = target.stat().st_size // 1024
                    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
                          f"  {shot.viewport['width']} px  {size} KiB")  # fmt: skip
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
