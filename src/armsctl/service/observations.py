"""Observations (satellite, drone, open source) about a party, recorded and listed."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import func, select

from armsctl.errors import ParameterError
from armsctl.ledger.envelope import canonical
from armsctl.service._base import Actor, Allow, Database, Page, Resource, iso, party_by_code
from armsctl.service._json import check_json, renderable
from armsctl.store.models import Observation, Party

__all__ = ["SOURCES", "list_observations", "record_observation"]

SOURCES = ("drone", "in-situ", "open-source", "satellite", "other")


def _public(row: Observation, subject: str | None, recorder: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "treaty": row.treaty_id,
        "subject": subject,
        "source": row.source,
        "observed_at": iso(row.observed_at),
        "body": renderable(row.body),
        "recorded_by": recorder,
        "recorded_at": iso(row.recorded_at),
        "log_index": row.log_index,
    }


def record_observation(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    subject: str | None,
    source: str,
    observed_at: dt.datetime,
    body: dict[str, Any],
    allow: Allow,
    at: dt.datetime,
) -> dict[str, Any]:
    """Record an observation and log its digest under the recorder's name.

    Raises:
        InputError: if the body is outside the JSON bounds (depth, size, canonical numbers).
    """
    check_json(body, "body")
    if source not in SOURCES:
        raise ParameterError(f"source must be one of {', '.join(SOURCES)}")
    with db.write() as (session, conn):
        db.treaty(session, treaty)
        party = party_by_code(session, treaty, subject) if subject else None
        allow(Resource("observation", f"{treaty}/observations"))
        row = Observation(
            treaty_id=treaty,
            subject_id=party.id if party else None,
            recorded_by=actor.user_id or 0,
            source=source,
            observed_at=observed_at,
            body=body,
            recorded_at=at,
            log_index=-1,
        )
        session.add(row)
        session.flush()
        row.log_index = db.append(
            conn,
            kind="observation",
            treaty=treaty,
            party=actor.party or actor.name,
            at=at,
            body={
                "observation": row.id,
                "subject": subject,
                "source": source,
                "observed_at": iso(observed_at),
                "body_sha256": hashlib.sha256(canonical(body)).hexdigest(),
            },
        )
        return _public(row, subject, actor.name)


def list_observations(
    db: Database, *, treaty: str, subject: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    from armsctl.store.models import User

    with db.read() as session:
        db.treaty(session, treaty)
        query = (
            select(Observation, Party.code, User.name)
            .outerjoin(Party, Observation.subject_id == Party.id)
            .outerjoin(User, Observation.recorded_by == User.id)
            .where(Observation.treaty_id == treaty)
        )
        if subject is not None:
            query = query.where(Party.code == subject)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.order_by(Observation.id).limit(limit).offset(offset)).all()
        return Page(
            [_public(o, s, name or "local-cli") for o, s, name in rows], total, limit, offset
        )
