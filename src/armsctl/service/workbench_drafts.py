"""Workbench drafts saved by a party: save, list, open and share, with access decided here.

A draft is a negotiating position, so its very existence is its party's business. Who may see a
draft is decided in the query, not after it: a user is only ever handed drafts it may read,
and a draft it may not read is indistinguishable from one that does not exist (the same
``NotFoundError``, no name, no figure). Visibility:

- ``private``: the users of the owning party (role ``party``);
- ``parties``: also the users of the parties named in ``shared_with``;
- ``public``: every signed-in user.

Only the owning party's users save and share its drafts (``workbench.draft.save`` and
``workbench.draft.share``, rule ``own``). What is stored is what was typed (treaty, changes,
baselines, years, cheating size); the cuts are recomputed from the stored treaty when opened.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from armsctl.errors import AccessDenied, InputError, NotFoundError
from armsctl.service._base import Actor, Allow, Database, Resource, iso, party_by_code
from armsctl.service.records import Record, Time
from armsctl.store.models import Party, WorkbenchDraft

__all__ = [
    "FORM_FIELDS",
    "VISIBILITIES",
    "SavedDraft",
    "get_draft",
    "list_drafts",
    "save_draft",
    "share_draft",
]

VISIBILITIES = ("private", "parties", "public")
FORM_FIELDS = ("sets", "baselines", "years", "cheat")
_CODE = re.compile(r"^[A-Z][A-Z0-9-]{0,31}$")
_MAX_FIELD = 4000


class SavedDraft(Record):
    """A draft as its reader is handed it: what was typed, who owns it, who else may read it.

    ``shared_with`` is the owner's business only: empty for every other reader. ``mine`` says
    whether the reader's party owns it (and so may save over and share it).
    """

    id: int
    treaty: str
    party: str
    name: str
    form: dict[str, str]
    visibility: str
    shared_with: list[str]
    mine: bool
    created_at: Time
    updated_at: Time


def _shared_with_me(actor: Actor, row: WorkbenchDraft) -> bool:
    return (
        actor.role == "party"
        and actor.party is not None
        and row.visibility == "parties"
        and actor.party in (row.shared_with or [])
    )


def _saved(row: WorkbenchDraft, owner: str, actor: Actor) -> SavedDraft:
    mine = actor.role == "party" and actor.party_id == row.party_id
    return SavedDraft(
        id=row.id,
        treaty=row.treaty_id,
        party=owner,
        name=row.name,
        form={k: str(row.form.get(k, "")) for k in FORM_FIELDS},
        visibility=row.visibility,
        # Whom else a draft is shared with is the owner's business only.
        shared_with=list(row.shared_with or []) if mine else [],
        mine=mine,
        created_at=iso(row.created_at),
        updated_at=iso(row.updated_at),
    )


def _clean_form(form: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key in FORM_FIELDS:
        value = form.get(key, "")
        if not isinstance(value, str) or len(value) > _MAX_FIELD:
            raise InputError(f"draft {key}: expected text of at most {_MAX_FIELD} characters")
        out[key] = value
    return out


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InputError("draft name: give a name of 1 to 200 characters")
    return name


def save_draft(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    name: str,
    form: dict[str, Any],
    allow: Allow,
    at: dt.datetime,
    draft_id: int | None = None,
) -> SavedDraft:
    """Save a new draft for the actor's party (private), or overwrite one of its own.

    Raises:
        InputError: a bad name or form field.
        NotFoundError: ``draft_id`` names no draft the actor's party owns (or none at all).
        AccessDenied: the actor is not a user of a party of this treaty.
    """
    clean, title = _clean_form(form), _clean_name(name)
    with db.write() as (session, _conn):
        db.treaty(session, treaty)
        if actor.party is None or actor.party_id is None:
            raise AccessDenied("only a party's users save drafts", action="workbench.draft.save")
        party = party_by_code(session, treaty, actor.party)
        allow(Resource("workbench-draft", f"{treaty}/{party.code}", owner=party.id))
        if draft_id is None:
            row = WorkbenchDraft(
                treaty_id=treaty,
                party_id=party.id,
                name=title,
                form=clean,
                visibility="private",
                shared_with=[],
                created_by=actor.user_id,
                created_at=at,
                updated_at=at,
            )
            session.add(row)
        else:
            found = session.get(WorkbenchDraft, draft_id)
            if found is None or found.party_id != party.id or found.treaty_id != treaty:
                raise NotFoundError(f"no draft {draft_id} of yours")
            row = found
            row.name, row.form, row.updated_at = title, clean, at
        session.flush()
        return _saved(row, party.code, actor)


def share_draft(
    db: Database,
    actor: Actor,
    draft_id: int,
    *,
    visibility: str,
    parties: list[str],
    allow: Allow,
    at: dt.datetime,
) -> SavedDraft:
    """Set who may read one of the party's drafts.

    Raises:
        InputError: an unknown visibility, or party codes that are not parties of the treaty.
        NotFoundError: no draft ``draft_id`` that the actor may read.
        AccessDenied: the actor may read the draft but its party does not own it.
    """
    if visibility not in VISIBILITIES:
        raise InputError(f"visibility: {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    codes = sorted({p.strip().upper() for p in parties if p.strip()})
    if visibility == "parties" and not codes:
        raise InputError("share with: name at least one party")
    with db.write() as (session, _conn):
        row, owner = _readable(session, actor, draft_id)
        allow(Resource("workbench-draft", f"draft {draft_id}", owner=row.party_id))
        members = set(
            session.scalars(select(Party.code).where(Party.treaty_id == row.treaty_id)).all()
        )
        unknown = [c for c in codes if not _CODE.match(c) or c not in members]
        if unknown:
            raise InputError(
                f"share with: {', '.join(unknown)} is not a party of {row.treaty_id} "
                f"(parties: {', '.join(sorted(members))})"
            )
        row.visibility = visibility
        row.shared_with = [c for c in codes if c != owner] if visibility == "parties" else []
        row.updated_at = at
        session.flush()
        return _saved(row, owner, actor)


def _readable(session: Any, actor: Actor, draft_id: int) -> tuple[WorkbenchDraft, str]:
    found = session.execute(
        select(WorkbenchDraft, Party.code)
        .join(Party, WorkbenchDraft.party_id == Party.id)
        .where(WorkbenchDraft.id == draft_id)
    ).first()
    if found is not None:
        row, owner = found
        if (
            row.visibility == "public"
            or (actor.role == "party" and actor.party_id == row.party_id)
            or _shared_with_me(actor, row)
        ):
            return row, owner
    # The same answer whether the draft does not exist or is not the actor's to read.
    raise NotFoundError(f"no draft {draft_id} that you may open")


def get_draft(db: Database, actor: Actor, draft_id: int, *, allow: Allow) -> SavedDraft:
    """One draft the actor may read.

    Raises:
        NotFoundError: no such draft, or one the actor may not read (the same error).
    """
    with db.read() as session:
        row, owner = _readable(session, actor, draft_id)
        allow(Resource("workbench-draft", f"draft {draft_id}", owner=row.party_id))
        return _saved(row, owner, actor)


def list_drafts(
    db: Database, actor: Actor, *, treaty: str | None, allow: Allow, limit: int = 200
) -> list[SavedDraft]:
    """The drafts the actor may read, newest first: its party's, shared with it, public."""
    allow(Resource("workbench-draft", "list"))
    with db.read() as session:
        query = (
            select(WorkbenchDraft, Party.code)
            .join(Party, WorkbenchDraft.party_id == Party.id)
            .order_by(WorkbenchDraft.updated_at.desc(), WorkbenchDraft.id.desc())
        )
        if treaty is not None:
            query = query.where(WorkbenchDraft.treaty_id == treaty)
        out = []
        for row, owner in session.execute(query).all():
            visible = (
                row.visibility == "public"
                or (actor.role == "party" and actor.party_id == row.party_id)
                or _shared_with_me(actor, row)
            )
            if visible:
                out.append(_saved(row, owner, actor))
            if len(out) >= limit:
                break
        return out
