"""The server's inspection requests follow the one quota calculator (verification.quotas)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from _world import BACKENDS, NOW, fresh_database, fresh_url, postgres_for

from armsctl.errors import InputError
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey
from armsctl.service import Database, accounts, allow_all, inspections
from armsctl.service._base import ConflictError

VD = "vienna-document-2011"
PARTIES = ("DEU", "FRA", "RUS")


@pytest.fixture(params=BACKENDS)
def vd(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Database, dict[str, Any]]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        accounts.load_treaty(db, VD, at=NOW)
        actors = {}
        for i, code in enumerate(PARTIES):
            key = SignerKey.generate(code, seed=bytes([i + 1]) * 32)
            accounts.register_party(
                db,
                treaty=VD,
                code=code,
                name=code,
                key=str(key.verifier()),
                encryption_key=str(SealingKey.generate(bytes([i + 40]) * 32).public()),
                at=NOW,
            )
            name = code.lower()
            accounts.add_user(db, name=name, role="party", treaty=VD, party=code, at=NOW)
            accounts.add_user(
                db, name=f"{name}-insp", role="inspector", treaty=VD, party=code, at=NOW
            )
            token = accounts.issue_token(db, user=name, at=NOW, days=10, rng=os.urandom).token
            actors[code] = accounts.authenticate(db, token, at=NOW)
        yield db, actors
        db.dispose()


def _request(db: Database, actors: dict[str, Any], by: str, of: str, quota: str) -> dict[str, Any]:
    return inspections.request_inspection(
        db,
        actors[by],
        treaty=VD,
        inspecting=by,
        inspected=of,
        quota_id=quota,
        site="area-1",
        inspectors=[f"{by.lower()}-insp"],
        allow=allow_all,
        at=NOW,
    )


def test_a_passive_quota_is_counted_per_inspected_party_with_one_from_each_state(vd) -> None:
    db, actors = vd
    _request(db, actors, "RUS", "DEU", "inspections")
    with pytest.raises(ConflictError, match="at most 1 inspections a year from the same party"):
        _request(db, actors, "RUS", "DEU", "inspections")
    _request(db, actors, "FRA", "DEU", "inspections")
    _request(db, actors, "RUS", "FRA", "inspections")  # FRA's own quota is separate
    status = {
        (q.party, q.type): (q.allowed, q.used)
        for q in inspections.quota_status(db, treaty=VD, year=NOW.year)
    }
    assert status[("DEU", "inspections")] == (3, 2)  # accepted by DEU, from two States
    assert status[("FRA", "inspections")] == (3, 1)


def test_evaluation_visits_need_the_declared_units(vd) -> None:
    db, actors = vd
    with pytest.raises(InputError, match="one per 60 declared units"):
        _request(db, actors, "RUS", "DEU", "evaluation-visits")


def _declare_units(db: Database, actors: dict[str, Any], party: str, units: int, day: Any) -> None:
    from armsctl.service import declarations

    declarations.submit_aggregate(
        db,
        actors[party],
        treaty=VD,
        party=party,
        as_of=day,
        figures={"units": units},
        allow=allow_all,
        at=NOW,
    )


def test_evaluation_visits_follow_the_latest_declared_units(vd) -> None:
    import datetime as dt

    db, actors = vd
    _declare_units(db, actors, "DEU", 30, dt.date(2025, 1, 1))
    _declare_units(db, actors, "DEU", 250, dt.date(NOW.year, 1, 1))  # the latest: 5 visits
    status = {
        (q.party, q.type): q.allowed for q in inspections.quota_status(db, treaty=VD, year=NOW.year)
    }
    assert status[("DEU", "evaluation-visits")] == 5  # one per 60 units or portion thereof
    _request(db, actors, "RUS", "DEU", "evaluation-visits")
    # One fifth of 5 from the same State: RUS has had its one.
    with pytest.raises(ConflictError, match="at most 1 evaluation-visits a year from the same"):
        _request(db, actors, "RUS", "DEU", "evaluation-visits")
    _request(db, actors, "FRA", "DEU", "evaluation-visits")


def test_units_must_be_a_whole_number_and_a_known_figure(vd) -> None:
    import datetime as dt

    from armsctl.errors import DeclarationError
    from armsctl.service import declarations

    db, actors = vd
    for figures, message in (({"units": -1}, "whole number"), ({"unitz": 3}, "unitz")):
        with pytest.raises(DeclarationError, match=message):
            declarations.submit_aggregate(
                db,
                actors["DEU"],
                treaty=VD,
                party="DEU",
                as_of=dt.date(2025, 1, 1),
                figures=figures,
                allow=allow_all,
                at=NOW,
            )
