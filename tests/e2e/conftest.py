"""Browser tests: a seeded server in a thread, driven by Playwright through Debian's Chromium.

Without /usr/bin/chromium the tests skip with a loud message, unless ARMSCTL_REQUIRE_BROWSER is
set (``.ci/run`` sets it when Chromium is installed), in which case a skip becomes a failure.
Screenshots of every main page are written to ``test-output/`` when a test fails.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ARMSCTL_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
MAIN_PAGES = (
    "/overview",
    "/history",
    "/declarations",
    "/notifications",
    "/inspections",
    "/monitoring",
    "/log",
    "/public",
)


def _unavailable(reason: str) -> None:
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get("ARMSCTL_REQUIRE_BROWSER"):
        pytest.fail(message + " (ARMSCTL_REQUIRE_BROWSER is set)", pytrace=False)
    warnings.warn(message, pytest.PytestWarning, stacklevel=2)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-e2e")
    # As the demo server runs: signatures not required, so plain files upload unsigned.
    settings = Settings(database_url=f"sqlite:///{work / 'e2e.db'}", require_party_signatures=False)
    seeded = seed_demo(settings, work, items=120)
    app = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "tokens": seeded["tokens"], "work": work}
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.armsctl.db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        OUTPUT.mkdir(exist_ok=True)
        name = request.node.name
        pg.screenshot(path=str(OUTPUT / f"{name}-last.png"), full_page=True)
        for path in MAIN_PAGES:
            try:
                pg.goto(server["url"] + path)
                pg.screenshot(
                    path=str(OUTPUT / f"{name}{path.replace('/', '-')}.png"), full_page=True
                )
            except Exception:  # best effort: the failure itself is what matters
                pass
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


@pytest.fixture
def sign_in(page: Any, server: dict[str, Any]) -> Any:
    """Sign the page in as one of the demo users."""

    def go(user: str) -> None:
        page.goto(server["url"] + "/signin")
        page.get_by_label("API token").fill(server["tokens"][user])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/overview")

    return go
