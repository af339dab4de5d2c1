"""Compliance at a date and the public transparency view: built from public material only."""

from __future__ import annotations

import copy
import datetime as dt

from _svc import NOW, Env

from armsctl.service import declarations as decl
from armsctl.service import transparency as tr

CONFIDENTIAL = ("SECRET-", "RUS-base-1", "USA-base-1", "RUS-base-2", "private note from")


def _party(report: tr.CompliancePublic, code: str) -> tr.CompliancePartyPublic:
    return next(p for p in report.parties if p.party == code)


def _limit(party: tr.CompliancePartyPublic, limit: str) -> tr.ComplianceLimitPublic:
    return next(x for x in party.limits if x.id == limit)


def test_an_item_level_declaration_explains_each_limit_by_its_own_value_only(env: Env) -> None:
    report = tr.check_compliance(env.db, treaty="new-start", at=dt.date(2025, 10, 1))
    usa = _party(report, "USA")
    assert usa.declaration_kind == "items"
    for limit in usa.limits:
        assert [e.measure for e in limit.explanation] == [limit.id]
        assert limit.explanation[0].value == limit.value
    assert all(s not in repr(report) for s in CONFIDENTIAL)


def test_compliance_uses_each_partys_latest_declaration_on_or_before_the_date(env: Env) -> None:
    decl.submit_aggregate(
        env.db,
        env.actors["rus"],
        treaty="new-start",
        party="RUS",
        as_of=dt.date(2025, 11, 1),
        figures={
            "deployed-delivery-vehicles": 500,
            "deployed-warheads": 1600,
            "total-launchers": 700,
        },
        allow=env.allow("rus", "declaration.submit"),
        at=NOW,
    )
    before = tr.check_compliance(env.db, treaty="new-start", at=dt.date(2025, 10, 1))
    after = tr.check_compliance(env.db, treaty="new-start", at=dt.date(2025, 11, 2))
    assert _party(before, "RUS").status == "compliant"
    rus = _party(after, "RUS")
    assert rus.status != "compliant"
    over = _limit(rus, "deployed-warheads")
    assert (over.value, over.max, over.margin) == (1600, 1550, -50)
    assert _party(after, "USA").status == "compliant"


def test_released_leaves_a_report_of_aggregates_as_it_is() -> None:
    limit = {"id": "x", "value": 3, "explanation": [{"measure": "a/b", "weight": 2, "value": 3}]}
    report = {"parties": [{"declaration_kind": "aggregate", "limits": [limit]}], "groups": []}
    assert tr.released(copy.deepcopy(report)) == report


def test_the_transparency_view_pages_declarations_and_never_shows_a_confidential_value(
    env: Env,
) -> None:
    view = tr.transparency_view(env.db, treaty="new-start", at=NOW, limit=1)
    assert len(view.declarations) == 1
    page = view.declarations_page
    assert page.total >= 2 and page.next_offset == 1
    assert {p.code for p in view.parties} == {"USA", "RUS"}
    assert view.inspections.total == 2
    assert {q.party for q in view.inspections.quotas} == {"USA", "RUS"}
    assert all(s not in repr(view) for s in CONFIDENTIAL)


def test_the_view_names_the_signed_checkpoint_once_there_is_one(env: Env) -> None:
    from armsctl.service.log import sign_checkpoint

    note = sign_checkpoint(env.db).checkpoint
    view = tr.transparency_view(env.db, treaty="new-start", at=NOW)
    assert view.log.checkpoint == note
    assert view.generated_at == NOW.isoformat()
