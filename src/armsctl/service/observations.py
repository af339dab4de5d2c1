"""Observations (satellite, drone, open source) about a party, recorded and listed."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.service._base import Actor, Allow, Database, Page, Resource, iso, party_by_code
from armsctl.service._json import check_json, renderable
from armsctl.service._paging import Listing, fetch_page
from armsctl.service.entries import (
    MAX_SKEW,
    append_for_party,
    body_salt_fields,
    observation_entry,
    parse_salt,
)
from armsctl.service.records import Record, Time
from armsctl.store.models import Observation, Party

__all__ = ["SOURCES", "ObservationPublic", "list_observations", "record_observation"]

SOURCES = ("drone", "in-situ", "open-source", "satellite", "other")


class ObservationPublic(Record):
    """An observation with the salt and commitment of its body."""

    id: int
    treaty: str
    subject: str | None
    source: str
    observed_at: Time
    body: dict[str, Any]
    body_salt: str | None
    body_commitment: str | None
    recorded_by: str
    recorded_at: Time
    log_index: int


def _public(row: Observation, subject: str | None, recorder: str) -> ObservationPublic:
    return ObservationPublic(
        id=row.id,
        treaty=row.treaty_id,
        subject=subject,
        source=row.source,
        observed_at=iso(row.observed_at),
        body=renderable(row.body),
        **body_salt_fields(row.body_salt, row.body),
        recorded_by=recorder,
        recorded_at=iso(row.recorded_at),
        log_index=row.log_index,
    )


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
    signed_entry: str | None = None,
    require_signature: bool = False,
    body_salt: str | None = None,
    rng: Callable[[int], bytes] = os.urandom,
) -> ObservationPublic:
    """Record an observation and log its salted commitment under the recorder's name.

    An observation recorded by a party's user (party or inspector) is that party's: with
    ``signed_entry`` (over ``entries.observation_entry`` with ``body_salt``) the log entry is
    the party's own, and ``require_signature`` refuses it unsigned. An observer's is sealed by
    the server (the observer holds no registered key).

    Raises:
        InputError: if the body is outside the JSON bounds (depth, size, canonical numbers),
            if ``observed_at`` has no zone or lies in the future beyond
            ``entries.MAX_SKEW``, or naming ``body_salt`` or ``signed_entry``.
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the party.
    """
    check_json(body, "body")
    if observed_at.tzinfo is None or observed_at.utcoffset() is None:
        raise InputError([Problem("", "observed_at", "needs a time zone (e.g. Z or +05:00)")])
    if observed_at > at + MAX_SKEW:
        # Observations are made by others and may carry any past date, but nobody has seen
        # the future: beyond the clock skew the parties' entries are allowed, it is refused.
        raise InputError(
            [
                Problem(
                    "",
                    "observed_at",
                    f"{observed_at.isoformat()} is in the future (server time {at.isoformat()},"
                    f" allowed skew {int(MAX_SKEW.total_seconds() // 60)} minutes)",
                )
            ]
        )
    if source not in SOURCES:
        raise ParameterError(f"source must be one of {', '.join(SOURCES)}")
    if signed_entry is not None and body_salt is None:
        raise InputError([Problem("", "body_salt", "a signed observation needs its body_salt")])
    salt = parse_salt(body_salt, "body_salt", rng)
    recorder = actor.party or actor.name
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
            body_salt=salt,
            recorded_at=at,
            log_index=-1,
        )
        session.add(row)
        session.flush()
        fields: dict[str, Any] = {
            "treaty": treaty,
            "recorder": recorder,
            "subject": subject,
            "source": source,
            "observed_at": observed_at,
            "body": body,
            "salt": salt,
            "at": at,
        }
        sealed = observation_entry(**fields, ref=row.id)
        if actor.party_id is not None and actor.treaty == treaty:
            row.log_index = append_for_party(
                db,
                session,
                conn,
                signed=observation_entry(**fields),
                sealed=sealed,
                party_id=actor.party_id,
                signed_entry=signed_entry,
                require_signature=require_signature,
            )
        else:
            if signed_entry is not None:
                raise InputError(
                    [Problem("", "signed_entry", "only a party's user signs as its party")]
                )
            row.log_index = db.append(
                conn,
                kind=sealed.kind,
                treaty=treaty,
                party=recorder,
                at=at,
                body=sealed.body,
            )
        return _public(row, subject, actor.name)


def list_observations(db: Database, listing: Listing) -> Page[ObservationPublic]:
    """One page of a treaty's observations in the order they were recorded (oldest first).

    ``listing.party`` keeps those about one subject party (by code); ``Page.total`` counts every
    match before paging. The recorder is ``local-cli`` for observations recorded without a user.

    Raises:
        NotFoundError: if the treaty is not loaded on this server.
    """
    from armsctl.store.models import User

    with db.read() as session:
        db.treaty(session, listing.treaty)
        query = (
            select(Observation, Party.code, User.name)
            .outerjoin(Party, Observation.subject_id == Party.id)
            .outerjoin(User, Observation.recorded_by == User.id)
            .where(Observation.treaty_id == listing.treaty)
        )
        if listing.party is not None:
            query = query.where(Party.code == listing.party)
        rows, total = fetch_page(
            session, query, Observation.id, limit=listing.limit, offset=listing.offset
        )
        return listing.page([_public(o, s, name or "local-cli") for o, s, name in rows], total)
