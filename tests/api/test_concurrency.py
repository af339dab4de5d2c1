"""Many clients at once against a real server (uvicorn on 127.0.0.1), SQLite and PostgreSQL.

Every acknowledged submission (declarations, notifications, observations) must be in the store
under the log index it was acknowledged with and in the log, the log's indices must run
0..n-1 without a gap or a repeat, the log must audit clean, and an inspection quota is never
overspent: of concurrent requests for the last slot exactly one wins.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server import Server
from _world import (
    BACKENDS,
    LOG_KEY,
    NOW,
    World,
    build_world,
    fresh_database,
    fresh_url,
    opened,
    postgres_for,
)
from sqlalchemy import select

from armsctl.service import Database
from armsctl.service.log import audit_log
from armsctl.store.models import Notification, Observation

T = "/api/v1/treaties/new-start"


@pytest.fixture(params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, Server]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        key_file = tmp_path / "log.key"
        key_file.write_text(str(LOG_KEY) + "\n")
        # The server's clock starts at NOW (2026-01-15, New START in force), whatever today is.
        server = Server(url, key_file, now=NOW).start()
        try:
            yield world, server
        finally:
            server.stop()
            db.dispose()


def _post(base: str, path: str, token: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(
        f"{base}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_concurrent_submissions_are_all_stored_and_logged_without_gaps(
    live: tuple[World, Server],
) -> None:
    world, server = live
    jobs = []
    start = dt.date(2024, 1, 1)
    for i in range(40):
        for user, party in (("usa", "USA"), ("rus", "RUS")):
            day = (start + dt.timedelta(days=i)).isoformat()
            jobs.append(
                (
                    user,
                    f"{T}/declarations",
                    {"party": party, "as_of": day, "figures": {"deployed-warheads": 1000 + i}},
                )
            )
    for i in range(20):
        jobs.append(
            ("usa", f"{T}/notifications", {"recipient": "RUS", "kind": "k", "body": {"n": i}})
        )
        jobs.append(
            (
                "obs",
                f"{T}/observations",
                {"source": "satellite", "observed_at": "2026-01-01T00:00:00Z", "body": {"n": i}},
            )
        )
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(
            pool.map(lambda j: _post(server.base, j[1], world.tokens[j[0]], j[2]), jobs)
        )
    codes = [r.status_code for r in responses]
    assert all(c == 201 for c in codes), {c: codes.count(c) for c in set(codes)}
    acked = [r.json()["log_index"] for r in responses]
    assert len(set(acked)) == len(acked)
    db = world.db
    with db.read() as session:
        seqs = session.scalars(
            select(db.ledger.t.entries.c.seq).order_by(db.ledger.t.entries.c.seq)
        ).all()
    assert list(seqs) == list(range(len(seqs)))
    assert set(acked) <= set(seqs)
    listed = httpx.get(
        f"{server.base}{T}/declarations?limit=500", headers=world.auth("obs"), timeout=30
    ).json()
    assert listed["total"] == 80 + 2  # plus the two item-level declarations of the world
    # Every acknowledged notification and observation is in the store, under its log index.
    stored = {
        "notifications": {
            (n.id, n.log_index, body["n"])
            for n in _all(db, Notification)
            # Bodies are sealed at rest to the sender and recipient: USA's key opens them.
            if isinstance(body := opened(n.sealed_body["sealed"], "USA")["value"], dict)
            and "n" in body
        },
        "observations": {(o.id, o.log_index, o.body["n"]) for o in _all(db, Observation)},
    }
    for (_user, path, body), response in zip(jobs, responses, strict=True):
        kind = path.rsplit("/", 1)[1]
        if kind in stored:
            doc = response.json()
            assert (doc["id"], doc["log_index"], body["body"]["n"]) in stored[kind], doc
    assert len(stored["notifications"]) == 20 and len(stored["observations"]) == 20
    assert audit_log(db).ok


def _all(db: Database, model: type[Any]) -> list[Any]:
    with db.read() as session:
        return list(session.scalars(select(model)).all())


def test_quota_is_never_overspent_and_one_request_wins_the_last_slot(
    live: tuple[World, Server],
) -> None:
    world, server = live
    # A request may use this year's or next year's quota, by the server's clock (NOW).
    this_year = NOW.year
    body = {"inspected_party": "RUS", "type": "type-two", "site": "RUS-base-2", "year": this_year}
    barrier = threading.Barrier(12)

    def request(_: int) -> int:
        barrier.wait(timeout=30)
        return _post(server.base, f"{T}/inspections", world.tokens["usa"], body).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(request, range(12)))
    assert sorted(codes) == [201] * 8 + [409] * 4  # type-two: 8 a year
    # The last slot of another quota, fought over by two clients at once (New START allows
    # no quota year after its expiry in 2026, so the other quota is the same year's type-one).
    last = dict(body, type="type-one", site="RUS-base-1")
    for _ in range(9):
        assert _post(server.base, f"{T}/inspections", world.tokens["usa"], last).status_code == 201
    pair = threading.Barrier(2)

    def race(_: int) -> int:
        pair.wait(timeout=30)
        return _post(server.base, f"{T}/inspections", world.tokens["usa"], last).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(race, range(2))) == [201, 409]
    quotas = httpx.get(
        f"{server.base}{T}/quotas?year={this_year}", headers=world.auth("obs")
    ).json()["results"]
    usa = {q["type"]: (q["used"], q["left"]) for q in quotas if q["party"] == "USA"}
    assert usa == {"type-one": (10, 0), "type-two": (8, 0)}
    assert audit_log(world.db).ok
