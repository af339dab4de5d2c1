"""Inspections: who requests, steps, reads and reports; what the inspectors may see and when.

The world holds one inspection each way (USA inspects RUS with ``usa-insp``, RUS inspects USA
with ``rus-insp``), both in progress with the inspected site revealed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from _svc import NOW, Env
from _world import SEALING_KEYS, open_items, opened
from sqlalchemy import select

from armsctl.errors import InputError, IntegrityError, NotFoundError
from armsctl.ledger.escrow import reveal_items
from armsctl.ledger.sealing import open_value
from armsctl.service import AccessDenied, ConflictError, Listing
from armsctl.service import inspections as insp
from armsctl.service.entries import content_commitment
from armsctl.service.log import list_audit_events


def _fields(exc: InputError) -> set[str]:
    return {p.location for p in exc.problems}


def _get(env: Env, user: str, iid: int) -> insp.InspectionPublic:
    return insp.get_inspection(
        env.db,
        env.actors[user],
        inspection_id=iid,
        allow=env.allow(user, "inspection.read"),
        at=NOW,
    )


def _reveals(env: Env, user: str, iid: int) -> list[insp.RevealPublic]:
    return insp.read_reveals(
        env.db,
        env.actors[user],
        inspection_id=iid,
        allow=env.allow(user, "inspection.reveal.read"),
        at=NOW,
    )


def _request(
    env: Env, user: str, inspecting: str, inspected: str, **kw: Any
) -> insp.InspectionPublic:
    return insp.request_inspection(
        env.db,
        env.actors[user],
        treaty="new-start",
        inspecting=inspecting,
        inspected=inspected,
        quota_id=kw.pop("quota_id", "type-one"),
        site=kw.pop("site", f"{inspected}-base-2"),
        inspectors=kw.pop("inspectors", []),
        allow=env.allow(user, "inspection.request"),
        at=NOW,
        **kw,
    )


def _schedule(env: Env, user: str, iid: int, arrival: dt.datetime) -> insp.InspectionPublic:
    return insp.schedule_inspection(
        env.db,
        env.actors[user],
        inspection_id=iid,
        arrival=arrival,
        allow=env.allow(user, "inspection.schedule"),
        at=NOW,
    )


# -- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "party"), [("usa", "USA"), ("rus", "RUS"), ("usa-insp", "USA")])
def test_both_parties_and_the_named_inspectors_read_the_inspection_and_open_its_site(
    env: Env, user: str, party: str
) -> None:
    row = _get(env, user, env.id("insp-by-USA"))
    assert (row.inspecting_party, row.inspected_party) == ("USA", "RUS")
    assert row.state == "in-progress" and row.inspectors == ["usa-insp"]
    # The site is sealed at rest: the view holds no site in clear, only the reader's own copy.
    assert row.site is None and row.site_salt is None
    assert "RUS-base-1" not in repr(row)
    other = "RUS" if party == "USA" else "USA"
    assert set(row.sealed_site.keys) == {party}
    site = opened(row.sealed_site, party)
    assert site["value"] == "RUS-base-1"
    assert insp.site_commitment(bytes.fromhex(site["salt"]), site["value"]) == (row.site_commitment)
    with pytest.raises(IntegrityError, match="does not open"):
        open_value(row.to_json_dict()["sealed_site"], reader=party, key=SEALING_KEYS[other])


@pytest.mark.parametrize("user", ["rus-insp", "obs", "op"])
def test_an_inspector_not_named_an_observer_or_the_operator_cannot_read_it(
    env: Env, user: str
) -> None:
    with pytest.raises(AccessDenied) as refused:
        _get(env, user, env.id("insp-by-USA"))
    assert "RUS-base-1" not in refused.value.reason


def test_reading_an_inspection_is_audited(env: Env) -> None:
    _get(env, "rus", env.id("insp-by-USA"))
    ref = f"inspection/{env.id('insp-by-USA')}"
    events = list_audit_events(env.db, limit=1000).results
    assert any(e.action == "inspection.read" and e.resource == ref for e in events)


def test_an_unknown_inspection_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError, match="no inspection 99999"):
        _get(env, "usa", 99999)


def test_a_party_lists_the_inspections_it_takes_part_in_and_an_inspector_its_own(
    env: Env,
) -> None:
    def ids(user: str) -> set[int]:
        page = insp.list_inspections(
            env.db,
            env.actors[user],
            Listing("new-start"),
            allow=env.allow(user, "inspection.list"),
            at=NOW,
        )
        return {r.id for r in page.results}

    both = {env.id("insp-by-USA"), env.id("insp-by-RUS")}
    assert ids("usa") >= both and ids("rus") >= both
    assert env.id("insp-by-USA") in ids("usa-insp") and env.id("insp-by-RUS") not in ids("usa-insp")
    assert env.id("insp-by-RUS") in ids("rus-insp") and env.id("insp-by-USA") not in ids("rus-insp")


@pytest.mark.parametrize("user", ["obs", "op"])
def test_observers_and_the_operator_list_no_inspections(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        insp.list_inspections(
            env.db,
            env.actors[user],
            Listing("new-start"),
            allow=env.allow(user, "inspection.list"),
            at=NOW,
        )


def test_the_inspections_list_takes_no_party_filter_its_caller_decides_whose(env: Env) -> None:
    with pytest.raises(InputError, match="party"):
        insp.list_inspections(
            env.db,
            env.actors["usa"],
            Listing("new-start", party="RUS"),
            allow=env.allow("usa", "inspection.list"),
            at=NOW,
        )


# -- the revealed items --------------------------------------------------------------------------


def test_the_named_inspector_reads_the_reveal_while_the_inspection_is_in_progress(
    env: Env,
) -> None:
    reveals = _reveals(env, "usa-insp", env.id("insp-by-USA"))
    assert len(reveals) == 1
    assert reveals[0].declaration == env.id("decl-RUS") and reveals[0].verified


def test_the_inspected_party_reads_its_own_reveal(env: Env) -> None:
    assert len(_reveals(env, "rus", env.id("insp-by-USA"))) == 1


@pytest.mark.parametrize("user", ["usa", "rus-insp", "obs", "op"])
def test_no_one_else_reads_the_revealed_items_not_even_the_inspecting_party(
    env: Env, user: str
) -> None:
    with pytest.raises(AccessDenied):
        _reveals(env, user, env.id("insp-by-USA"))


# -- requesting and stepping ---------------------------------------------------------------------


def test_a_party_requests_an_inspection_with_its_own_inspectors_and_it_is_planned(
    env: Env,
) -> None:
    row = _request(env, "usa", "USA", "RUS", inspectors=["usa-insp"])
    assert row.state == "planned" and row.inspectors == ["usa-insp"]
    assert row.year == NOW.year and row.site_commitment


@pytest.mark.parametrize("user", ["usa", "usa-insp", "obs", "op"])
def test_no_one_requests_in_another_partys_name(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        _request(env, user, "RUS", "USA")


def test_a_party_does_not_inspect_itself(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _request(env, "usa", "USA", "USA")
    assert _fields(bad.value) == {"inspected_party"}


def test_the_inspectors_named_must_be_the_requesting_partys_inspectors(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _request(env, "usa", "USA", "RUS", inspectors=["rus-insp", "obs"])
    assert _fields(bad.value) == {"inspectors"}
    assert len(bad.value.problems) == 2


def test_a_year_other_than_this_or_next_is_named(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _request(env, "usa", "USA", "RUS", year=NOW.year - 1)
    assert _fields(bad.value) == {"year"}


def test_the_yearly_quota_runs_out_and_the_quota_status_says_so(env: Env) -> None:
    def left() -> int:
        rows = insp.quota_status(env.db, treaty="new-start", year=NOW.year)
        found = next(r.left for r in rows if r.party == "RUS" and r.type == "type-one")
        assert isinstance(found, int)
        return found

    start = left()
    assert start > 0
    for _ in range(start):
        _request(env, "rus", "RUS", "USA")
    assert left() == 0
    with pytest.raises(ConflictError, match="RUS"):
        _request(env, "rus", "RUS", "USA")


def test_the_arrival_is_notified_by_the_inspecting_party_and_not_in_the_past(env: Env) -> None:
    row = _request(env, "usa", "USA", "RUS", inspectors=["usa-insp"])
    with pytest.raises(InputError) as bad:
        _schedule(env, "usa", row.id, NOW - dt.timedelta(days=1))
    assert _fields(bad.value) == {"arrival"}
    with pytest.raises(AccessDenied):
        _schedule(env, "rus", row.id, NOW + dt.timedelta(days=1))
    done = _schedule(env, "usa", row.id, NOW + dt.timedelta(days=1))
    assert done.state == "notified" and done.arrival_commitment
    with pytest.raises(ConflictError, match="is notified, not planned"):
        _schedule(env, "usa", row.id, NOW + dt.timedelta(days=2))


def test_only_the_inspected_party_receives_the_team_which_grants_the_inspectors(
    env: Env,
) -> None:
    row = _request(env, "usa", "USA", "RUS", inspectors=["usa-insp"])
    _schedule(env, "usa", row.id, NOW + dt.timedelta(days=1))
    with pytest.raises(AccessDenied):
        _reveals(env, "usa-insp", row.id)  # not granted before the team is received
    with pytest.raises(AccessDenied):
        insp.start_inspection(
            env.db,
            env.actors["usa"],
            inspection_id=row.id,
            allow=env.allow("usa", "inspection.start"),
            at=NOW,
        )
    started = insp.start_inspection(
        env.db,
        env.actors["rus"],
        inspection_id=row.id,
        allow=env.allow("rus", "inspection.start"),
        at=NOW,
    )
    assert started.state == "in-progress"
    assert _reveals(env, "usa-insp", row.id) == []


def _reveal(env: Env, user: str, iid: int, declaration: int, **kw: Any) -> insp.RevealCreatePublic:
    return insp.reveal_site(
        env.db,
        env.actors[user],
        inspection_id=iid,
        declaration_id=declaration,
        allow=env.allow(user, "inspection.reveal"),
        at=NOW,
        **kw,
    )


def test_the_inspected_party_reveals_every_item_at_the_site_with_proofs_and_the_site_salt(
    env: Env,
) -> None:
    iid, did = env.id("insp-by-RUS"), env.id("decl-USA")
    # The inspected party's client opens its copy of the site and its own sealed items.
    site = opened(_get(env, "usa", iid).sealed_site, "USA")
    assert site["value"] == "USA-base-1"
    reveal = reveal_items(open_items(env.db, did, "USA"), facility=site["value"])
    with pytest.raises(InputError) as unsalted:
        _reveal(env, "usa", iid, did, reveal=reveal)
    assert _fields(unsalted.value) == {"site_salt"}
    with pytest.raises(InputError) as missing:
        _reveal(env, "usa", iid, did, site_salt=site["salt"])
    assert _fields(missing.value) == {"reveal"}
    with pytest.raises(InputError, match="not the reveal of the inspected site"):
        _reveal(env, "usa", iid, did, reveal=reveal, site_salt=(bytes([1]) * 32).hex())
    made = _reveal(env, "usa", iid, did, reveal=reveal, site_salt=site["salt"])
    assert made.verified and made.complete is True
    reveals = _reveals(env, "rus-insp", iid)
    assert len(reveals) == 2 and all(r.reveal is None for r in reveals)
    # The inspecting party's team opens the stored reveal with its party's key.
    document = opened(reveals[-1].sealed_reveal, "RUS")["value"]
    assert {r["item"]["uid"] for r in document["items"]} == {"SECRET-USA-0001"}
    assert document["items"] == reveal["items"]


@pytest.mark.parametrize("user", ["rus", "rus-insp", "usa-insp", "obs", "op"])
def test_only_the_inspected_party_reveals(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        _reveal(env, user, env.id("insp-by-RUS"), env.id("decl-USA"))


def test_a_reveal_opens_only_a_committed_declaration_of_the_inspected_party(env: Env) -> None:
    with pytest.raises(NotFoundError, match="of the inspected party"):
        _reveal(env, "usa", env.id("insp-by-RUS"), env.id("decl-RUS"))
    with pytest.raises(NotFoundError):
        _reveal(env, "usa", env.id("insp-by-RUS"), 99999)


def test_nothing_is_revealed_before_the_team_is_received(env: Env) -> None:
    planned = _request(env, "usa", "USA", "RUS", inspectors=["usa-insp"])
    with pytest.raises(ConflictError, match="is planned, not in-progress"):
        _reveal(env, "rus", planned.id, env.id("decl-RUS"))


# -- reporting -----------------------------------------------------------------------------------


def test_findings_that_cannot_be_canonicalised_are_refused(env: Env) -> None:
    with pytest.raises(InputError, match="findings"):
        insp.report_inspection(
            env.db,
            env.actors["usa-insp"],
            inspection_id=env.id("insp-by-USA"),
            findings=[{"value": float("inf")}],
            allow=env.allow("usa-insp", "inspection.report"),
            at=NOW,
        )


@pytest.mark.parametrize("user", ["rus", "rus-insp", "obs", "op"])
def test_only_the_inspecting_party_or_its_granted_inspectors_report(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        insp.report_inspection(
            env.db,
            env.actors[user],
            inspection_id=env.id("insp-by-USA"),
            findings=[{"ok": True}],
            allow=env.allow(user, "inspection.report"),
            at=NOW,
        )


def test_after_the_report_the_inspectors_no_longer_read_the_reveal(env: Env) -> None:
    iid = env.id("insp-by-USA")
    row = insp.report_inspection(
        env.db,
        env.actors["usa-insp"],
        inspection_id=iid,
        findings=[{"item": "RUS-base-1", "ok": True}],
        allow=env.allow("usa-insp", "inspection.report"),
        at=NOW,
    )
    assert row.state == "reported" and row.findings_commitment
    for user, party in (("rus", "RUS"), ("usa", "USA"), ("usa-insp", "USA")):
        view = _get(env, user, iid)
        assert view.findings is None and "RUS-base-1" not in repr(view)
        assert set(view.sealed_findings.keys) == {party}
        findings = opened(view.sealed_findings, party)
        assert findings["value"] == [{"item": "RUS-base-1", "ok": True}]
        assert content_commitment(bytes.fromhex(findings["salt"]), findings["value"]) == (
            row.findings_commitment
        )
    with pytest.raises(AccessDenied):
        _reveals(env, "usa-insp", iid)
    assert len(_reveals(env, "rus", iid)) == 1
    with pytest.raises(ConflictError, match="is reported, not in-progress"):
        insp.report_inspection(
            env.db,
            env.actors["usa"],
            inspection_id=iid,
            findings=[],
            allow=env.allow("usa", "inspection.report"),
            at=NOW,
        )


def test_reports_of_one_and_of_four_findings_are_stored_at_one_size(env: Env) -> None:
    """The database shows padded sizes: the number of findings does not show in the store."""
    from armsctl.store.models import Inspection

    sizes = []
    for count in (1, 4):
        row = _request(env, "usa", "USA", "RUS", inspectors=["usa-insp"])
        _schedule(env, "usa", row.id, NOW + dt.timedelta(days=count))
        insp.start_inspection(
            env.db,
            env.actors["rus"],
            inspection_id=row.id,
            allow=env.allow("rus", "inspection.start"),
            at=NOW,
        )
        insp.report_inspection(
            env.db,
            env.actors["usa-insp"],
            inspection_id=row.id,
            findings=[{"item": f"RUS-base-{n}", "result": "compliant"} for n in range(count)],
            allow=env.allow("usa-insp", "inspection.report"),
            at=NOW,
        )
        with env.db.read() as session:
            stored = session.get(Inspection, row.id)
            assert stored is not None and stored.sealed is not None
            sizes.append(
                {part: len(stored.sealed[part]["sealed"]["ciphertext"]) for part in stored.sealed}
            )
    assert sizes[0] == sizes[1]
    assert set(sizes[0]) == {"site", "arrival", "findings"}


def test_the_store_keeps_that_a_reveal_verified_not_how_many_items_it_holds(env: Env) -> None:
    """The site's item count is confidential: it is inside the sealed reveal, not beside it."""
    from armsctl.store.models import Reveal

    with env.db.read() as session:
        stored = session.scalars(select(Reveal)).all()
    assert stored and {r.verified for r in stored} == {1}
    reveal = _reveals(env, "rus", env.id("insp-by-USA"))[0]
    assert reveal.verified == 1 and reveal.reveal is None
    assert len(opened(reveal.sealed_reveal, "RUS")["value"]["items"]) == 1
