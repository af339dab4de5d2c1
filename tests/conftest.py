"""Shared fixtures: the bundled New START treaty and writers for small declaration files."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import settings

from armsctl.treaty import Treaty, load_treaty

# Tests must not depend on the machine's speed: on a loaded machine a property that takes 500 ms
# per example is as correct as on an idle one. No per-example deadline anywhere.
settings.register_profile("armsctl", deadline=None)
settings.load_profile("armsctl")


@pytest.fixture(scope="session")
def new_start() -> Treaty:
    return load_treaty("new-start")


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (header first) to a CSV file in a fresh folder and return its path."""

    def write(rows: Iterable[Iterable[object]], name: str = "decl.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        return path

    return write


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server for storage tests; CI requires it whenever one is reachable."""
    url = os.environ.get("ARMSCTL_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("ARMSCTL_REQUIRE_POSTGRES"):
            pytest.fail("ARMSCTL_REQUIRE_POSTGRES is set but ARMSCTL_TEST_POSTGRES_URL is not")
        pytest.skip("ARMSCTL_TEST_POSTGRES_URL is not set")
    return url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI with a reachable server, a skipped ``postgres`` test is a failure, not a skip."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("ARMSCTL_REQUIRE_POSTGRES")
        and item.get_closest_marker("postgres") is not None
    ):
        report.outcome = "failed"
        report.longrepr = "PostgreSQL is reachable but this PostgreSQL test was skipped"
