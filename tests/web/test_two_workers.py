"""``armsctl serve --workers 2`` behaves as one worker: a browser stays signed in everywhere.

Sessions used to live in one process's memory, so after signing in, about half of the fresh
requests (those that reached the other worker) were sent back to ``/signin``. Sessions now live
in the database, sealed, and every worker reads them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import LOG_KEY, build_world, fresh_database, fresh_url

ARMSCTL = str(Path(sys.executable).parent / "armsctl")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def two_workers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_url(request.param, pg, tmp_path) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        db.dispose()
        key_file = tmp_path / "log.key"
        key_file.write_text(str(LOG_KEY) + "\n")
        # Token cache at 0 s: on PostgreSQL every request re-checks revocations (SQLite always
        # sees them at once), so "revoked means refused everywhere" holds exactly here, without
        # depending on when the other worker's listener receives the notification.
        env = {
            **os.environ,
            "ARMSCTL_LOG_KEY_FILE": str(key_file),
            "ARMSCTL_REQUIRE_PARTY_SIGNATURES": "false",
            "ARMSCTL_TOKEN_CACHE_SECONDS": "0",
        }
        log = tmp_path / "serve.log"
        with log.open("wb") as out:  # the server keeps its own copy of the descriptor
            proc = subprocess.Popen(
                [ARMSCTL, "serve", "--workers", "2", "--port", "0", "--db", url],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            # Readiness polling: both workers answer once they are up. The bound only stops a
            # server that never comes up, far above any start-up time on a loaded machine.
            deadline = time.monotonic() + 300
            base = _bound_address(proc, log, deadline)
            ready = 0
            while ready < 10:
                assert proc.poll() is None, f"the server exited ({proc.returncode}): {_tail(log)}"
                assert time.monotonic() < deadline, f"the server never answered: {_tail(log)}"
                try:
                    ready = (
                        ready + 1 if httpx.get(f"{base}/api/v1/health").status_code == 200 else 0
                    )
                except httpx.TransportError:
                    time.sleep(0.2)
            yield base, world.tokens
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _tail(log: Path) -> str:
    """The end of the server's output, to say why it stopped."""
    return log.read_text(errors="replace")[-3000:]


def _bound_address(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    """The address the server bound (``--port 0``: the kernel's choice), from uvicorn's log.

    A port picked beforehand (``free_port``) can be taken by any other socket on the machine
    during the seconds before the server binds it, and then the server exits at start.
    """
    while True:
        assert proc.poll() is None, f"the server exited ({proc.returncode}): {_tail(log)}"
        assert time.monotonic() < deadline, f"the server never bound a port: {_tail(log)}"
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.1)


def _sign_in(base: str, token: str) -> str:
    with httpx.Client(base_url=base) as client:
        page = client.get("/signin")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, page.text[:500]
        done = client.post("/signin", data={"token": token, "csrf_token": csrf.group(1)})
        assert done.status_code == 303, done.text[:500]
        return str(done.cookies["armsctl_session"])


def test_web_sessions_and_api_tokens_work_on_every_worker(
    two_workers: tuple[str, dict[str, str]],
) -> None:
    base, tokens = two_workers
    cookie = _sign_in(base, tokens["usa"])
    statuses = []
    for _ in range(40):
        # A fresh connection each time, so the kernel spreads them over both workers.
        with httpx.Client(base_url=base, cookies={"armsctl_session": cookie}) as client:
            statuses.append(client.get("/overview").status_code)
    assert statuses == [200] * 40
    auth = {"Authorization": f"Bearer {tokens['usa']}"}
    for _ in range(40):
        with httpx.Client(base_url=base, headers=auth) as client:
            me = client.get("/api/v1/me")
            assert me.status_code == 200 and me.json()["name"] == "usa", me.text


def test_api_writes_reads_and_revocations_agree_on_every_worker(
    two_workers: tuple[str, dict[str, str]],
) -> None:
    """A write acknowledged by one worker is read by all; a revoked token is refused by all."""
    base, tokens = two_workers
    usa = {"Authorization": f"Bearer {tokens['usa']}"}
    op = {"Authorization": f"Bearer {tokens['op']}"}
    treaty = "/api/v1/treaties/new-start"
    for n in range(6):  # each on a fresh connection, so both workers take some
        with httpx.Client(base_url=base, headers=usa) as client:
            before = client.get(f"{treaty}/compliance", params={"at": f"2025-01-0{n + 1}"})
            assert before.status_code == 200, before.text
            r = client.post(
                f"{treaty}/declarations",
                json={"as_of": f"2025-01-0{n + 1}", "figures": {"deployed-warheads": 1000 + n}},
            )
            assert r.status_code == 201, r.text
        for _ in range(6):
            with httpx.Client(base_url=base, headers=usa) as client:
                report = client.get(f"{treaty}/compliance", params={"at": f"2025-01-0{n + 1}"})
                usa_row = next(p for p in report.json()["parties"] if p["party"] == "USA")
                assert usa_row["declaration_as_of"] == f"2025-01-0{n + 1}", usa_row
    with httpx.Client(base_url=base, headers=op) as client:
        spare = client.post("/api/v1/users/obs/tokens", json={"days": 1})
        assert spare.status_code == 201, spare.text
    spare_auth = {"Authorization": f"Bearer {spare.json()['token']}"}
    for _ in range(10):  # cached by both workers
        with httpx.Client(base_url=base, headers=spare_auth) as client:
            assert client.get("/api/v1/me").status_code == 200
    with httpx.Client(base_url=base, headers=op) as client:
        assert client.delete(f"/api/v1/tokens/{spare.json()['token_id']}").status_code == 200
    for _ in range(20):
        with httpx.Client(base_url=base, headers=spare_auth) as client:
            assert client.get("/api/v1/me").status_code == 401
