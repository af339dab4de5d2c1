"""The dashboard's read models: public figures and log pages for all, items for the owner only."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from _svc import NOW, Env
from _world import open_items

from armsctl.errors import NotFoundError, ParameterError
from armsctl.service import AccessDenied
from armsctl.service import dashboard as dash
from armsctl.service import declarations as decl
from armsctl.service.log import list_audit_events, sign_checkpoint

CONFIDENTIAL = ("SECRET-", "RUS-base-1", "USA-base-1", "private note from")


def _second_usa_declaration(env: Env) -> int:
    return _second_usa_declaration_at(env, dt.date(2025, 12, 1))


def _second_usa_declaration_at(env: Env, as_of: dt.date) -> int:
    items = [
        {"uid": "SECRET-USA-0001", "category": "icbm-launcher", "status": "deployed",
         "facility": "USA-base-1", "warheads": 1},
        {"uid": "SECRET-USA-0003", "category": "icbm-launcher", "status": "deployed",
         "facility": "USA-base-1", "warheads": 1},
    ]  # fmt: skip
    return int(
        decl.submit_items(
            env.db,
            env.actors["usa"],
            treaty="new-start",
            party="USA",
            as_of=as_of,
            items=items,
            allow=env.allow("usa", "declaration.submit"),
            rng=os.urandom,
            at=NOW,
        ).id
    )


def test_the_owner_is_refused_a_server_diff_of_sealed_items_and_opens_both_in_its_client(
    env: Env,
) -> None:
    newer = _second_usa_declaration(env)
    before = _diff_reads(env)
    with pytest.raises(dash.SealedItemsError, match="sealed to the party") as refused:
        dash.declaration_items_for_diff(
            env.db,
            env.actors["usa"],
            declaration_ids=(env.id("decl-USA"), newer),
            allow=env.allow("usa", "declaration.items.read"),
            at=NOW,
        )
    assert isinstance(refused.value, ParameterError)
    assert "SECRET-" not in str(refused.value)
    # Nothing was read, so nothing is audited as read; the owner's own key opens both sides.
    assert _diff_reads(env) == before
    old = open_items(env.db, env.id("decl-USA"), "USA")["items"]
    new = open_items(env.db, newer, "USA")["items"]
    assert {r["item"]["uid"] for r in old} == {"SECRET-USA-0001", "SECRET-USA-0002"}
    assert {r["item"]["uid"] for r in new} == {"SECRET-USA-0001", "SECRET-USA-0003"}


def _diff_reads(env: Env) -> int:
    return sum(
        1
        for e in list_audit_events(env.db, limit=1000).results
        if e.action == "declaration.items.read" and "for a diff" in (e.detail or "")
    )


@pytest.mark.parametrize("user", ["rus", "usa-insp", "obs", "op"])
def test_no_one_else_reads_a_partys_items_for_a_diff(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        dash.declaration_items_for_diff(
            env.db,
            env.actors[user],
            declaration_ids=(env.id("decl-USA"), env.id("decl-USA")),
            allow=env.allow(user, "declaration.items.read"),
            at=NOW,
        )


def test_a_diff_of_an_unknown_declaration_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError):
        dash.declaration_items_for_diff(
            env.db,
            env.actors["usa"],
            declaration_ids=(99999, env.id("decl-USA")),
            allow=env.allow("usa", "declaration.items.read"),
            at=NOW,
        )


def test_the_public_declaration_models_hold_figures_and_no_item(env: Env) -> None:
    dset = dash.declaration_set(env.db, treaty="new-start")
    assert {d.party for d in dset.declarations} >= {"USA", "RUS"}
    version, _doc, stored = dash.declarations_since(env.db, treaty="new-start", after_id=0)
    assert version == dash.declarations_version(env.db, treaty="new-start")
    assert version[0] == len(stored)
    assert "SECRET-" not in repr([s.public for s in stored])
    _v, _d, newer = dash.declarations_since(env.db, treaty="new-start", after_id=version[1])
    assert newer == []
    refs = dash.declaration_refs(env.db, treaty="new-start")
    assert refs[("USA", "2025-09-01")]["id"] == env.id("decl-USA")
    dates = dash.declaration_dates(env.db, treaty="new-start", party="USA")
    assert [d.as_of for d in dates] == sorted((d.as_of for d in dates), reverse=True)


def test_log_pages_go_newest_first_and_show_no_confidential_value(env: Env) -> None:
    size = dash.log_size(env.db)
    first = dash.log_entries(env.db, limit=5)
    assert [e.index for e in first.entries] == list(range(size - 1, size - 6, -1))
    assert first.next_before == size - 5
    rest = dash.log_entries(env.db, limit=500, before=first.next_before)
    assert rest.entries[-1].index == 0 and rest.next_before is None
    assert all(s not in repr(rest) + repr(first) for s in CONFIDENTIAL)
    with pytest.raises(ParameterError, match="limit"):
        dash.log_entries(env.db, limit=0)


def test_the_log_head_counts_inspections_and_not_their_sites(env: Env) -> None:
    head = dash.log_head(env.db, treaty="new-start")
    assert head.inspections == 2 and head.size == dash.log_size(env.db)
    assert all(s not in repr(head) for s in CONFIDENTIAL)


def test_consistency_is_given_between_two_signed_checkpoints_old_first(env: Env) -> None:
    sign_checkpoint(env.db)
    _second_usa_declaration_at(env, dt.date(2025, 12, 2))
    sign_checkpoint(env.db)
    seqs = sorted(c.seq for c in dash.checkpoint_list(env.db))
    old, new = seqs[-2], seqs[-1]
    both = dash.consistency_between(env.db, old=old, new=new)
    assert both.old.size < both.new.size and both.proof
    with pytest.raises(ParameterError, match="older"):
        dash.consistency_between(env.db, old=new, new=old)
    with pytest.raises(NotFoundError):
        dash.consistency_between(env.db, old=old, new=999)
