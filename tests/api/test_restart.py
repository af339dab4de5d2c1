"""SIGKILL the server mid-load and restart it: nothing acknowledged is lost, the log audits."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import httpx
import pytest
from _server import Server
from _world import LOG_KEY, build_world, fresh_database, fresh_url

from armsctl.service.log import audit_log

T = "/api/v1/treaties/new-start"


@pytest.mark.slow
def test_sigkill_mid_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    with fresh_url("sqlite", None, tmp_path) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        key_file = tmp_path / "log.key"
        key_file.write_text(str(LOG_KEY) + "\n")
        server = Server(url, key_file).start()
        acked: list[tuple[int, int]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def submit(worker: int) -> None:
            for i in range(10_000):
                if stop.is_set():
                    return
                day = dt.date(2000, 1, 1) + dt.timedelta(days=worker * 10_000 + i)
                body = {
                    "party": "USA",
                    "as_of": day.isoformat(),
                    "figures": {"deployed-warheads": i},
                    # More dates than New START's life holds: entered as history (logged).
                    "recording_history": True,
                }
                try:
                    r = httpx.post(
                        f"{server.base}{T}/declarations",
                        json=body,
                        headers=world.auth("usa"),
                        timeout=10,
                    )
                except httpx.TransportError:
                    return  # the server died under us: this one was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked.append((r.json()["id"], r.json()["log_index"]))

        threads = [threading.Thread(target=submit, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        # Kill mid-load once enough submissions were acknowledged (bounded wait on a busy box).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with lock:
                if len(acked) > 20:
                    break
            time.sleep(0.05)
        time.sleep(0.2)
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) > 10
        restarted = Server(url, key_file, port=server.port).start()
        try:
            for decl_id, log_index in acked:
                r = httpx.get(
                    f"{restarted.base}/api/v1/declarations/{decl_id}", headers=world.auth("obs")
                )
                assert r.status_code == 200 and r.json()["log_index"] == log_index
            report = httpx.get(
                f"{restarted.base}/api/v1/log/audit", headers=world.auth("op")
            ).json()
            assert report["ok"], report["problems"]
            assert report["entries"] >= max(i for _, i in acked) + 1
            r = httpx.post(
                f"{restarted.base}{T}/declarations",
                json={"party": "USA", "as_of": "2025-01-02", "figures": {}},
                headers=world.auth("usa"),
            )
            assert r.status_code == 201
        finally:
            restarted.stop()
        assert audit_log(db).ok
        db.dispose()
