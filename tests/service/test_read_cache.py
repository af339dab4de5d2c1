"""Cached compliance bytes follow every committed declaration, from this process or another."""

from __future__ import annotations

import datetime as dt

import orjson
from _svc import NOW, Env
from _world import LOG_KEY

from armsctl.service import Database
from armsctl.service import declarations as decl
from armsctl.service.read_cache import compliance_json

AT = dt.date(2025, 12, 20)


def _rus_warheads(db: Database) -> int:
    report = orjson.loads(compliance_json(db, treaty="new-start", at=AT))
    rus = next(p for p in report["parties"] if p["party"] == "RUS")
    return int(next(x for x in rus["limits"] if x["id"] == "deployed-warheads")["value"])


def _declare(env: Env, db: Database, as_of: dt.date, warheads: int) -> None:
    decl.submit_aggregate(
        db,
        env.actors["rus"],
        treaty="new-start",
        party="RUS",
        as_of=as_of,
        figures={
            "deployed-delivery-vehicles": 500,
            "deployed-warheads": warheads,
            "total-launchers": 700,
        },
        allow=env.allow("rus", "declaration.submit"),
        at=NOW,
    )


def test_a_new_declaration_is_in_the_next_report_whoever_committed_it(env: Env) -> None:
    _declare(env, env.db, dt.date(2025, 12, 1), 1401)
    assert _rus_warheads(env.db) == 1401
    assert _rus_warheads(env.db) == 1401  # served from the cache: nothing was committed
    _declare(env, env.db, dt.date(2025, 12, 2), 1402)  # through this process's writer
    assert _rus_warheads(env.db) == 1402
    other = Database(env.db.url, LOG_KEY)  # another worker on the same file
    try:
        _declare(env, other, dt.date(2025, 12, 3), 1403)
    finally:
        other.dispose()
    assert _rus_warheads(env.db) == 1403


def test_the_kept_bytes_are_the_compliance_record_as_json(env: Env) -> None:
    """The bytes are built from plain data, yet they are the record, key for key and in order."""
    from armsctl.service.read_cache import dumps
    from armsctl.service.transparency import check_compliance

    for day in (dt.date(2025, 10, 1), AT):
        record = check_compliance(env.db, treaty="new-start", at=day)
        assert compliance_json(env.db, treaty="new-start", at=day) == dumps(record.to_json_dict())
