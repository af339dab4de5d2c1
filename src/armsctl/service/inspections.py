"""Inspections: request (consuming a quota slot), schedule, start, reveal, report.

States run ``planned -> notified -> in-progress -> reported``. A request locks the inspecting
party's row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
serialises writers), counts the slots used for that treaty, quota and year, and takes the next
one. The unique (treaty, inspecting party, quota, year, slot) constraint backs the lock: two
requests racing for the last slot cannot both commit, so a quota is never overspent.

Inspectors named in the request are granted the inspected site's reveals while the inspection
is in progress, and nothing else.

The site is a facility name: confidential between the two parties. The log, which every role
reads, carries only a salted commitment to it (``SHA-256(salt || site)``, hex); the site and its
salt are sealed at rest to the two parties (``entries.seal_at_rest``), whose readers (the
parties and the named inspectors) open their copy and check the commitment against the log.
The arrival time and the findings are kept the same way: the server checks the arrival when
it is notified (not in the past, in the quota's year) and keeps only its sealed copy and the
log's commitment, since no later rule reads it.

Quota years: a request may use the current year's quota at the request clock or the next
year's (for an arrival early next year), never a past year or one further ahead; the
arrival, when scheduled, must not be in the past and must fall in the quota's year (UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import Field
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.orm import Session

from armsctl.errors import ConflictError, InputError, NotFoundError, Problem
from armsctl.ledger.envelope import canonical
from armsctl.ledger.escrow import reveal_items, verify_reveal
from armsctl.service._base import Actor, Allow, Database, Page, Resource, audit, iso, party_by_code
from armsctl.service._json import check_json, renderable
from armsctl.service._paging import Listing, fetch_page
from armsctl.service.entries import (
    Draft,
    SealedPublic,
    append_for_party,
    content_commitment,
    inspection_request_entry,
    inspection_step_entry,
    parse_salt,
    reveal_entry,
    seal_at_rest,
    sealed_view,
)
from armsctl.service.records import Record, Time
from armsctl.service.treaty_dates import check_treaty_date, history_marked
from armsctl.store.models import (
    Declaration,
    DeclarationItem,
    Inspection,
    InspectionInspector,
    Party,
    Reveal,
    User,
)
from armsctl.verification.quotas import allowance, refusal

__all__ = [
    "STATES",
    "InspectionPublic",
    "QuotaPublic",
    "RevealCreatePublic",
    "RevealPublic",
    "clear_parts",
    "get_inspection",
    "list_inspections",
    "quota_status",
    "read_reveals",
    "read_reveals_page",
    "report_inspection",
    "request_inspection",
    "reseal_inspection",
    "reseal_reveal",
    "reveal_site",
    "schedule_inspection",
    "seal_inspection_part",
    "site_commitment",
    "start_inspection",
]

STATES = ("planned", "notified", "in-progress", "reported")
MAX_SAFE_ROWS = 2**31 - 1


class InspectionPublic(Record):
    """An inspection as its reader's party sees it (its copy of what is sealed at rest).

    When the site is sealed at rest ``site`` and ``site_salt`` are null and ``sealed_site`` is
    the reader's copy; a site kept in clear has no ``sealed_site`` key. The arrival time is
    likewise ``scheduled_for`` null beside ``sealed_arrival``.
    """

    id: int
    treaty: str
    inspecting_party: str
    inspected_party: str
    type: str
    year: int
    slot: int
    site: str | None
    site_salt: str | None
    site_commitment: str | None
    sealed_site: SealedPublic | None = Field(None, description="Present when the site is sealed.")
    state: str
    inspectors: list[str]
    requested_at: Time
    scheduled_for: Time | None
    sealed_arrival: SealedPublic | None = Field(
        None, description="Present when the arrival time is sealed."
    )
    findings: list[dict[str, Any]] | dict[str, Any] | None
    reported_at: Time | None
    arrival_salt: str | None
    arrival_commitment: str | None
    findings_salt: str | None
    findings_commitment: str | None
    sealed_findings: SealedPublic | None


class RevealCreatePublic(Record):
    """A reveal just stored: how many items it opened and whether it is proven complete."""

    id: int
    inspection: int
    declaration: int
    verified: int
    complete: bool | None
    revealed_counts: dict[str, int]


class RevealPublic(Record):
    """A stored reveal: in clear (``reveal``) or sealed to the two parties (``sealed_reveal``)."""

    id: int
    declaration: int
    verified: int
    reveal: dict[str, Any] | None
    sealed_reveal: SealedPublic | None


class QuotaPublic(Record):
    """Inspection slots of one type for one party and year; null when the rule lacks a figure."""

    party: str
    type: str
    year: int
    allowed: int | None
    used: int
    left: int | None


def _declared_units(session: Session, treaty: str, party_id: int, year: int) -> int | None:
    """The ``units`` figure of the party's latest declaration dated by the end of ``year``."""
    from armsctl.store.models import Declaration
    from armsctl.verification.quotas import UNITS_FIGURE

    figures = session.scalar(
        select(Declaration.figures)
        .where(
            Declaration.treaty_id == treaty,
            Declaration.party_id == party_id,
            Declaration.as_of <= dt.date(year, 12, 31),
        )
        .order_by(Declaration.as_of.desc())
        .limit(1)
    )
    value = (figures or {}).get(UNITS_FIGURE)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def site_commitment(salt: bytes, site: str) -> str:
    """The hex SHA-256 of ``salt || site`` (UTF-8): what the log says about an inspected site."""
    return hashlib.sha256(salt + site.encode("utf-8")).hexdigest()


def _site_fields(row: Inspection, viewer: str | None = None) -> dict[str, Any]:
    stored = (row.sealed or {}).get("site")
    if stored is not None:
        return {
            "site": None,
            "site_salt": None,
            "site_commitment": stored["commitment"],
            "sealed_site": sealed_view(stored, viewer),
        }
    salt = bytes(row.site_salt) if row.site_salt is not None else None
    return {
        "site": row.site,
        "site_salt": salt.hex() if salt is not None else None,
        "site_commitment": site_commitment(salt, row.site) if salt is not None else None,
    }


def _check_year(year: int, at: dt.datetime) -> None:
    now = at.astimezone(dt.UTC).year
    if year not in (now, now + 1):
        raise InputError(
            [
                Problem(
                    "",
                    "year",
                    f"must be this year ({now}) or, for an arrival next year, {now + 1}",
                )
            ]
        )


def _check_arrival(arrival: dt.datetime, row: Inspection, at: dt.datetime) -> None:
    try:
        utc = arrival.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise InputError([Problem("", "arrival", "is out of range")]) from None
    if utc < at:
        raise InputError([Problem("", "arrival", "is in the past")])
    if utc.year != row.year:
        raise InputError(
            [Problem("", "arrival", f"must fall in {row.year}, the year of the quota used")]
        )


def _facts(session: Session, row: Inspection) -> Resource:
    inspectors = session.scalars(
        select(InspectionInspector.user_id).where(InspectionInspector.inspection_id == row.id)
    ).all()
    return Resource(
        "inspection",
        f"inspection/{row.id}",
        owner=row.inspecting_party_id,
        parties=frozenset({row.inspecting_party_id, row.inspected_party_id}),
        inspectors=frozenset(inspectors),
        active=row.state == "in-progress",
    )


def _public(
    session: Session,
    row: Inspection,
    viewer: str | None = None,
    shown: Mapping[str, Any] | None = None,
) -> InspectionPublic:
    """The inspection for a reader of party ``viewer``: its copy of what is sealed at rest.

    ``shown`` replaces what the author of a step sees of the part it just sent (its site,
    arrival or findings in clear, with their salt) instead of its sealed copy alone.
    """
    codes = {
        pid: code
        for pid, code in session.execute(
            select(Party.id, Party.code).where(
                Party.id.in_([row.inspecting_party_id, row.inspected_party_id])
            )
        ).all()
    }
    names = session.scalars(
        select(User.name)
        .join(InspectionInspector, InspectionInspector.user_id == User.id)
        .where(InspectionInspector.inspection_id == row.id)
        .order_by(User.name)
    ).all()
    view = {
        "id": row.id,
        "treaty": row.treaty_id,
        "inspecting_party": codes[row.inspecting_party_id],
        "inspected_party": codes[row.inspected_party_id],
        "type": row.quota_id,
        "year": row.year,
        "slot": row.slot,
        **_site_fields(row, viewer),
        "state": row.state,
        "inspectors": list(names),
        "requested_at": iso(row.requested_at),
        "scheduled_for": iso(row.scheduled_for),  # null once sealed: see ``sealed_arrival``
        "findings": renderable(row.findings),
        "reported_at": iso(row.reported_at),
        **_commitments(row),
        "sealed_findings": sealed_view((row.sealed or {}).get("findings"), viewer),
        "sealed_arrival": sealed_view((row.sealed or {}).get("arrival"), viewer),
    }
    return InspectionPublic.model_validate({**view, **(shown or {})})


def _utc_text(value: dt.datetime | None) -> str | None:
    """A time as the arrival commitment covers it: RFC 3339 in UTC (``+00:00``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _commitments(row: Inspection) -> dict[str, Any]:
    """The salts of the arrival and findings commitments in the log, with the commitments."""
    out: dict[str, Any] = {}
    for name, salt, value in (
        ("arrival", row.arrival_salt, _utc_text(row.scheduled_for)),
        ("findings", row.findings_salt, row.findings),
    ):
        known = salt is not None and value is not None
        out[f"{name}_salt"] = bytes(salt).hex() if known and salt is not None else None
        out[f"{name}_commitment"] = (
            content_commitment(salt, value) if known and salt is not None else None
        )
    for name in ("arrival", "findings"):
        stored = (row.sealed or {}).get(name)
        if stored is not None:
            out[f"{name}_commitment"] = stored["commitment"]
    return out


def request_inspection(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    inspecting: str,
    inspected: str,
    quota_id: str,
    site: str,
    inspectors: list[str],
    year: int | None = None,
    allow: Allow,
    at: dt.datetime,
    rng: Callable[[int], bytes] = os.urandom,
    site_salt: str | None = None,
    signed_entry: str | None = None,
    require_signature: bool = False,
    recording_history: bool = False,
) -> InspectionPublic:
    """Request an inspection, taking the next free slot of the year's quota.

    The log carries the site's salted commitment instead of the site: ``site_salt`` (hex) is
    the one a party-signed request (``entries.inspection_request_entry``) signed over, else
    ``rng`` draws it.

    Raises:
        ConflictError: if the quota for that year and type is spent.
        InputError: on an unknown type, a year other than this one or the next, a request
            made when the treaty does not apply (before signature, after expiry, after either
            party's withdrawal; naming ``at``), or inspectors who are not the party's inspectors.

    ``recording_history`` enters a past inspection as history: any quota year, any request
    date; the log entry records the flag.
    """
    year = at.astimezone(dt.UTC).year if year is None else year
    if not recording_history:
        _check_year(year, at)
    if signed_entry is not None and site_salt is None:
        raise InputError([Problem("", "site_salt", "a signed request needs its site_salt")])
    salt = parse_salt(site_salt, "site_salt", rng)
    try:
        with db.write() as (session, conn):
            doc = db.treaty(session, treaty)
            party = party_by_code(session, treaty, inspecting, lock=True)
            allow(Resource("inspection", f"{treaty}/{inspecting}", owner=party.id))
            target = party_by_code(session, treaty, inspected)
            if target.id == party.id:
                raise InputError(
                    [Problem("", "inspected_party", "a party does not inspect itself")]
                )
            check_treaty_date(
                doc,
                at=at,
                parties=(inspecting, inspected),
                what=f"an inspection request made on {at.astimezone(dt.UTC).date().isoformat()}",
                recording_history=recording_history,
            )
            rule = allowance(
                doc,
                quota_id,
                year,
                inspecting=inspecting,
                inspected=inspected,
                declared_units=_declared_units(session, treaty, target.id, year),
            )
            users = session.scalars(select(User).where(User.name.in_(inspectors))).all()
            bad = sorted(
                set(inspectors)
                - {u.name for u in users if u.role == "inspector" and u.party_id == party.id}
            )
            if bad:
                raise InputError(
                    [
                        Problem("", "inspectors", f"{n!r} is not an inspector of {inspecting}")
                        for n in bad
                    ]
                )
            # One calculator decides (verification.quotas): an active quota is counted per
            # inspecting party, a passive one per inspected party over every inspector.
            same = (
                Inspection.treaty_id == treaty,
                Inspection.quota_id == quota_id,
                Inspection.year == year,
            )
            counted = (
                Inspection.inspected_party_id == target.id
                if rule.counted_by == "inspected"
                else Inspection.inspecting_party_id == party.id
            )
            used = session.scalar(select(func.count()).where(*same, counted)) or 0
            pair = (
                session.scalar(
                    select(func.count()).where(
                        *same,
                        Inspection.inspecting_party_id == party.id,
                        Inspection.inspected_party_id == target.id,
                    )
                )
                or 0
            )
            why = refusal(rule, used=used, used_from_same_party=pair)
            if why is not None:
                whose = inspected if rule.counted_by == "inspected" else inspecting
                raise ConflictError(f"{whose}: {why}")
            # The slot numbers this inspecting party's requests (the unique constraint's key).
            slot = (
                session.scalar(
                    select(func.count()).where(*same, Inspection.inspecting_party_id == party.id)
                )
                or 0
            )
            row = Inspection(
                treaty_id=treaty,
                inspecting_party_id=party.id,
                inspected_party_id=target.id,
                quota_id=quota_id,
                year=year,
                slot=slot,
                site="",
                site_salt=None,
                state="planned",
                requested_at=at,
            )
            session.add(row)
            session.flush()
            seal_inspection_part(
                session,
                row,
                "site",
                value=site,
                salt=salt,
                commitment=site_commitment(salt, site),
                rng=rng,
            )
            session.add_all(InspectionInspector(inspection_id=row.id, user_id=u.id) for u in users)
            session.flush()
            fields: dict[str, Any] = {
                "treaty": treaty,
                "inspecting": inspecting,
                "inspected": inspected,
                "quota_id": quota_id,
                "year": year,
                "site_commitment": site_commitment(salt, site),
                "at": at,
            }
            append_for_party(
                db,
                session,
                conn,
                signed=history_marked(inspection_request_entry(**fields), recording_history),
                sealed=history_marked(
                    inspection_request_entry(**fields, ref=row.id, slot=slot), recording_history
                ),
                party_id=party.id,
                signed_entry=signed_entry,
                require_signature=require_signature,
            )
            return _public(session, row, inspecting, {"site": site, "site_salt": salt.hex()})
    except DbIntegrityError:
        raise ConflictError(f"the {quota_id} quota slot was taken concurrently; retry") from None


def _append_as(
    party: Party,
    db: Database,
    session: Session,
    conn: Connection,
    draft: Draft,
    signed_entry: str | None,
    require_signature: bool,
) -> None:
    """Log a step of an inspection as ``party``'s, signed by it or sealed by the server.

    A step names only the inspection, which the party knows when it signs: the entry it
    signs and the one the server seals are the same.
    """
    append_for_party(
        db,
        session,
        conn,
        signed=draft,
        party_id=party.id,
        signed_entry=signed_entry,
        require_signature=require_signature,
    )


def _load(session: Session, inspection_id: int) -> Inspection:
    row = session.get(Inspection, inspection_id)
    if row is None:
        raise NotFoundError(f"no inspection {inspection_id}")
    return row


@dataclass(frozen=True, slots=True)
class _Step:
    """One step of an inspection: whose it is, the state it moves from and to, its log entry.

    ``part`` is the confidential part the step files (sealed at rest, its salted commitment
    logged), if any: ``arrival`` or ``findings``.
    """

    owner: str
    expected: str
    new_state: str
    kind: str
    part: str | None = None


_NOTIFY = _Step("inspecting", "planned", "notified", "inspection-notified", "arrival")
_START = _Step("inspected", "notified", "in-progress", "inspection-started")
_REPORT = _Step("inspecting", "in-progress", "reported", "inspection-reported", "findings")


def _advance(
    db: Database,
    actor: Actor,
    step: _Step,
    *,
    inspection_id: int,
    allow: Allow,
    at: dt.datetime,
    value: Any = None,
    salt_text: str | None = None,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> InspectionPublic:
    """Take ``step``, filing ``value`` as its part (salted with ``salt_text``, or a fresh salt)."""
    part = step.part
    salt = b"" if part is None else _step_salt(salt_text, f"{part}_salt", signed_entry)
    with db.write() as (session, conn):
        row = _load(session, inspection_id)
        facts = _facts(session, row)
        owner_id = row.inspecting_party_id if step.owner == "inspecting" else row.inspected_party_id
        allow(replace(facts, owner=owner_id))
        if row.state != step.expected:
            raise ConflictError(f"inspection {inspection_id} is {row.state}, not {step.expected}")
        if part == "arrival":
            _check_arrival(value, row, at)
        row.state = step.new_state
        if part == "findings":
            row.reported_at = at
        commitments: dict[str, str] = {}
        if part is not None:
            # The arrival is checked above and no later rule reads it: like the findings, only
            # the parties' sealed copy is kept, and the log's commitment.
            filed = _utc_text(value) if part == "arrival" else value
            commitments[f"{part}_commitment"] = commitment = content_commitment(salt, filed)
            seal_inspection_part(session, row, part, value=filed, salt=salt, commitment=commitment)
        party = session.get(Party, owner_id)
        assert party is not None
        draft = inspection_step_entry(
            kind=step.kind,
            treaty=row.treaty_id,
            party=party.code,
            inspection=row.id,
            state=step.new_state,
            at=at,
            **commitments,
        )
        _append_as(party, db, session, conn, draft, signed_entry, require_signature)
        session.flush()
        shown: dict[str, Any] = {}
        if part is not None:  # the author sees what it sent
            sent = _utc_text(value) if part == "arrival" else renderable(value)
            shown = {_SHOWN_AS[part]: sent, f"{part}_salt": salt.hex()}
        return _public(session, row, party.code, shown)


#: The field of an inspection's view that shows each part a step files.
_SHOWN_AS = {"arrival": "scheduled_for", "findings": "findings"}


#: What each sealed part of an inspection is, as bound into its sealed copy's context.
_PART_KINDS = {
    "site": "inspection-site",
    "arrival": "inspection-arrival",
    "findings": "inspection-findings",
}


def seal_inspection_part(
    session: Session,
    row: Inspection,
    part: str,
    *,
    value: Any,
    salt: bytes | None,
    commitment: str | None,
    rng: Callable[[int], bytes] = os.urandom,
) -> None:
    """Seal one confidential part of an inspection to both parties and clear its columns.

    The part (``site``, ``arrival`` or ``findings``) and its salt are sealed together, bound to
    the inspection's id; the clear columns that held it (``site``/``site_salt``,
    ``scheduled_for``/``arrival_salt``, ``findings``/``findings_salt``) are emptied.
    """
    row.sealed = {
        **(row.sealed or {}),
        part: seal_at_rest(
            session,
            (row.inspecting_party_id, row.inspected_party_id),
            value=value,
            salt=salt,
            commitment=commitment,
            context={"kind": _PART_KINDS[part], "treaty": row.treaty_id, "inspection": row.id},
            rng=rng,
        ),
    }
    if part == "site":
        row.site, row.site_salt = "", None
    elif part == "arrival":
        row.scheduled_for, row.arrival_salt = None, None
    else:
        row.findings, row.findings_salt = None, None


def clear_parts(row: Inspection) -> list[str]:
    """The confidential parts of an inspection still stored in clear (rows from before sealing)."""
    sealed = row.sealed or {}
    held = {
        "site": bool(row.site) or row.site_salt is not None,
        "arrival": row.scheduled_for is not None,
        "findings": row.findings is not None,
    }
    return [part for part, clear in held.items() if clear and part not in sealed]


def reseal_inspection(session: Session, row: Inspection, rng: Callable[[int], bytes]) -> list[str]:
    """Seal an inspection's parts stored in clear to both parties, as a new row's are.

    Each part keeps the commitment the log carries for it (recomputed from the clear salt, or
    none for rows from before salted commitments). Both parties must have registered an
    encryption key (``entries.seal_at_rest`` says which did not).

    Returns:
        The parts sealed (``site``, ``arrival``, ``findings``).
    """
    parts = clear_parts(row)
    for part in parts:
        if part == "site":
            salt = bytes(row.site_salt) if row.site_salt is not None else None
            value: Any = row.site
            commitment = site_commitment(salt, row.site) if salt is not None else None
        elif part == "arrival":
            salt = bytes(row.arrival_salt) if row.arrival_salt is not None else None
            value = _utc_text(row.scheduled_for)
            commitment = content_commitment(salt, value) if salt is not None else None
        else:
            salt = bytes(row.findings_salt) if row.findings_salt is not None else None
            value = row.findings
            commitment = content_commitment(salt, value) if salt is not None else None
        seal_inspection_part(
            session, row, part, value=value, salt=salt, commitment=commitment, rng=rng
        )
    return parts


def reseal_reveal(
    session: Session, row: Inspection, stored: Reveal, rng: Callable[[int], bytes]
) -> bool:
    """Seal a reveal stored in clear to both parties, as a new one is; False if already sealed."""
    if "sealed" in (stored.document or {}):
        return False
    stored.document = _seal_reveal(session, row, stored, dict(stored.document or {}), rng)
    stored.verified = min(stored.verified, 1)  # older rows kept the item count
    return True


def _seal_reveal(
    session: Session,
    row: Inspection,
    stored: Reveal,
    document: Mapping[str, Any],
    rng: Callable[[int], bytes],
) -> dict[str, Any]:
    # The revealed items, sealed to the two parties: the inspecting party's team opens
    # them with that party's key; the database file holds none of them in clear. Padded to
    # a length set by the declaration's public item count, not by the site's.
    from armsctl.ledger.sealing import reveal_floor

    public = (document.get("declaration") or {}).get("public") or {}
    return seal_at_rest(
        session,
        (row.inspecting_party_id, row.inspected_party_id),
        value=document,
        salt=None,
        commitment=None,
        context={
            "kind": "inspection-reveal",
            "treaty": row.treaty_id,
            "inspection": row.id,
            "reveal": stored.id,
        },
        rng=rng,
        floor=reveal_floor(public.get("size") if isinstance(public, Mapping) else None),
    )


def _step_salt(text: str | None, field: str, signed_entry: str | None) -> bytes:
    if signed_entry is not None and text is None:
        raise InputError([Problem("", field, f"a signed step needs its {field}")])
    return parse_salt(text, field, os.urandom)


def schedule_inspection(
    db: Database,
    actor: Actor,
    *,
    inspection_id: int,
    arrival: dt.datetime,
    allow: Allow,
    at: dt.datetime,
    arrival_salt: str | None = None,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> InspectionPublic:
    """The inspecting party notifies the arrival time: planned -> notified.

    The log carries the arrival's salted commitment (over its RFC 3339 text in UTC as the
    server renders it); ``arrival_salt`` is the one a party-signed step signed over.
    """
    return _advance(
        db,
        actor,
        _NOTIFY,
        inspection_id=inspection_id,
        allow=allow,
        at=at,
        value=arrival,
        salt_text=arrival_salt,
        signed_entry=signed_entry,
        require_signature=require_signature,
    )


def start_inspection(
    db: Database,
    actor: Actor,
    *,
    inspection_id: int,
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> InspectionPublic:
    """The inspected party receives the team: notified -> in-progress (grants the inspectors)."""
    return _advance(
        db,
        actor,
        _START,
        inspection_id=inspection_id,
        allow=allow,
        at=at,
        signed_entry=signed_entry,
        require_signature=require_signature,
    )


def report_inspection(
    db: Database,
    actor: Actor,
    *,
    inspection_id: int,
    findings: list[dict[str, Any]],
    allow: Allow,
    at: dt.datetime,
    findings_salt: str | None = None,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> InspectionPublic:
    """The inspection team files its findings: in-progress -> reported.

    The report is the inspecting party's: a party-signed one is sealed with a key registered
    for it (the team's), over ``findings_salt``. The findings are canonicalised (RFC 8785)
    like notification bodies and the log carries their salted commitment (never their
    number), so a value that cannot be canonicalised (``1e400``) is refused on every
    backend instead of being stored differently by each.

    Raises:
        InputError: if the findings are outside the JSON bounds.
    """
    check_json(findings, "findings")
    canonical(findings)
    return _advance(
        db,
        actor,
        _REPORT,
        inspection_id=inspection_id,
        allow=allow,
        at=at,
        value=findings,
        salt_text=findings_salt,
        signed_entry=signed_entry,
        require_signature=require_signature,
    )


def reveal_site(
    db: Database,
    actor: Actor,
    *,
    inspection_id: int,
    declaration_id: int,
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
    reveal: Mapping[str, Any] | None = None,
    site_salt: str | None = None,
) -> RevealCreatePublic:
    """The inspected party opens every declared item at the inspected site, with proofs.

    The site is sealed at rest (the server cannot read it), so the party's client sends the
    site's salt with the reveal (``site_salt``, from its copy of the inspection): the server
    checks that the reveal's facility is the one the logged site commitment names. The reveal
    is stored sealed to both parties (the inspecting party's team opens it).

    For items in clear on the server, the server builds the reveal. For items sealed to the
    party (the server cannot read them), the party's client opens its rows and sends the
    ``reveal`` (``escrow.reveal_items`` with ``facility`` the site); the server accepts it only
    if it verifies against the logged commitment, is of the inspected site and is proven
    complete (every item committed there, none withheld).

    The log says which inspection and declaration were opened, never how many items: the
    count is the site's, confidential between the two parties (``entries.reveal_entry``).
    """
    with db.write() as (session, conn):
        row = _load(session, inspection_id)
        facts = _facts(session, row)
        allow(Resource(facts.kind, facts.ref, owner=row.inspected_party_id, parties=facts.parties))
        if row.state != "in-progress":
            raise ConflictError(f"inspection {inspection_id} is {row.state}, not in-progress")
        decl = session.get(Declaration, declaration_id)
        if decl is None or decl.party_id != row.inspected_party_id or decl.commitment is None:
            raise NotFoundError(
                f"no committed item-level declaration {declaration_id} of the inspected party"
            )
        sealed_site = (row.sealed or {}).get("site")
        if (decl.private or {}).get("sealed") is not None:
            document = _client_reveal(
                reveal,
                decl.commitment,
                row.site if sealed_site is None else None,
                None if sealed_site is None else str(sealed_site["commitment"]),
                site_salt,
            )
        elif sealed_site is not None:
            raise ConflictError("the site is sealed at rest: the inspected party's client reveals")
        else:
            items = session.scalars(
                select(DeclarationItem)
                .where(DeclarationItem.declaration_id == declaration_id)
                .order_by(DeclarationItem.position)
            ).all()
            opening = {
                "public": decl.commitment,
                "items": [
                    {"index": i.position, "salt": bytes(i.salt).hex(), "item": i.record}
                    for i in items
                ],
                **(decl.private or {}),
            }
            document = reveal_items(
                opening,
                facility=row.site,
                declaration={"declaration_id": decl.id, "log_index": decl.log_index},
            )
        report = verify_reveal(document, decl.commitment)
        stored = Reveal(
            inspection_id=row.id,
            declaration_id=decl.id,
            document={},
            # Only that it verified (it raised otherwise): the number of items is the site's,
            # confidential between the two parties, and stays in the sealed reveal.
            verified=1,
            created_at=at,
        )
        session.add(stored)
        session.flush()
        stored.document = _seal_reveal(session, row, stored, document, os.urandom)
        party = session.get(Party, row.inspected_party_id)
        assert party is not None
        draft: Draft = reveal_entry(
            treaty=row.treaty_id,
            party=party.code,
            inspection=row.id,
            declaration=decl.id,
            site_commitment=str(_site_fields(row)["site_commitment"]),
            at=at,
        )
        _append_as(party, db, session, conn, draft, signed_entry, require_signature)
        return RevealCreatePublic(
            id=stored.id,
            inspection=row.id,
            declaration=decl.id,
            verified=report.verified,
            complete=report.complete,
            revealed_counts=report.revealed_counts,
        )


def _client_reveal(
    reveal: Mapping[str, Any] | None,
    public: Mapping[str, Any],
    site: str | None,
    commitment: str | None = None,
    site_salt: str | None = None,
) -> dict[str, Any]:
    """A party's own reveal of a sealed declaration, checked before it is stored.

    Raises:
        InputError: naming ``reveal`` if it is missing, does not verify, is of another
            facility, or is not proven complete.
    """
    from armsctl.errors import IntegrityError

    def bad(message: str) -> InputError:
        return InputError([Problem("", "reveal", message)])

    if reveal is None:
        raise bad("the items are sealed to the party: its client sends the site's reveal")
    try:
        report = verify_reveal(reveal, public)
    except IntegrityError as exc:
        raise bad(f"does not verify: {exc}") from None
    if site is None:  # sealed at rest: check the facility against the logged commitment
        if site_salt is None:
            raise InputError(
                [Problem("", "site_salt", "the site is sealed: send its salt with the reveal")]
            )
        salt = parse_salt(site_salt, "site_salt", os.urandom)
        if site_commitment(salt, str(report.facility)) != commitment:
            raise bad("is not the reveal of the inspected site")
    elif report.facility != site:
        raise bad("is not the reveal of the inspected site")
    if report.complete is not True:
        raise bad("does not prove it holds every item committed at the site")
    return dict(reveal)


def read_reveals(
    db: Database, actor: Actor, *, inspection_id: int, allow: Allow, at: dt.datetime
) -> list[RevealPublic]:
    """The revealed items and their proofs, for the granted inspectors during the inspection."""
    return read_reveals_page(
        db, actor, inspection_id=inspection_id, allow=allow, at=at, limit=MAX_SAFE_ROWS
    ).results


def read_reveals_page(
    db: Database,
    actor: Actor,
    *,
    inspection_id: int,
    allow: Allow,
    at: dt.datetime,
    limit: int = 50,
    offset: int = 0,
) -> Page[RevealPublic]:
    """One page of reveals with their proofs (audited)."""
    with db.audited_read() as session:
        row = _load(session, inspection_id)
        facts = _facts(session, row)
        allow(replace(facts, kind="inspection-reveal", owner=row.inspected_party_id))
        query = select(Reveal).where(Reveal.inspection_id == row.id)
        found, total = fetch_page(session, query, Reveal.id, limit=limit, offset=offset)
        reveals = [r for (r,) in found]
        audit(
            session,
            actor,
            action="inspection.reveal.read",
            resource=facts.ref,
            at=at,
            detail=f"{len(reveals)} reveals from offset {offset}",
        )
        results = [
            RevealPublic.model_validate(
                {
                    "id": r.id,
                    "declaration": r.declaration_id,
                    "verified": r.verified,
                    "reveal": None if "sealed" in r.document else r.document,
                    "sealed_reveal": sealed_view(r.document, actor.party)
                    if "sealed" in r.document
                    else None,
                }
            )
            for r in reveals
        ]
        return Page(results, total, limit, offset)


def get_inspection(
    db: Database, actor: Actor, *, inspection_id: int, allow: Allow, at: dt.datetime
) -> InspectionPublic:
    """One inspection with its findings, for the parties involved and its inspectors; audited."""
    with db.audited_read() as session:
        row = _load(session, inspection_id)
        facts = _facts(session, row)
        allow(facts)
        audit(session, actor, action="inspection.read", resource=facts.ref, at=at)
        return _public(session, row, actor.party)


def list_inspections(
    db: Database, actor: Actor, listing: Listing, *, allow: Allow, at: dt.datetime
) -> Page[InspectionPublic]:
    """Inspections the actor's party is part of, or the inspector was granted; audited.

    The actor decides whose inspections are listed: ``listing`` names no party.
    """
    treaty = listing.unfiltered_treaty()
    with db.audited_read() as session:
        db.treaty(session, treaty)
        allow(Resource("inspections", f"{treaty}/inspections"))
        query = select(Inspection).where(Inspection.treaty_id == treaty)
        if actor.role == "inspector":
            query = query.join(
                InspectionInspector, InspectionInspector.inspection_id == Inspection.id
            ).where(InspectionInspector.user_id == actor.user_id)
        else:
            party = actor.party_id if actor.treaty == treaty else -1
            query = query.where(
                (Inspection.inspecting_party_id == party) | (Inspection.inspected_party_id == party)
            )
        found, total = fetch_page(
            session, query, Inspection.id, limit=listing.limit, offset=listing.offset
        )
        rows = [r for (r,) in found]
        audit(session, actor, action="inspection.read", resource=f"{treaty}/inspections", at=at)
        return listing.page([_public(session, r, actor.party) for r in rows], total)


def quota_status(db: Database, *, treaty: str, year: int) -> list[QuotaPublic]:
    """Slots used and left per party and inspection type for a year (public figures)."""
    with db.read() as session:
        doc = db.treaty(session, treaty)
        parties = session.scalars(
            select(Party).where(Party.treaty_id == treaty).order_by(Party.code)
        ).all()
        used = {
            f"{pid}:{qid}": n
            for pid, qid, n in session.execute(
                select(Inspection.inspecting_party_id, Inspection.quota_id, func.count())
                .where(Inspection.treaty_id == treaty, Inspection.year == year)
                .group_by(Inspection.inspecting_party_id, Inspection.quota_id)
            ).all()
        }
        accepted = {  # passive quotas are used up by the inspections a party accepts
            f"{pid}:{qid}": n
            for pid, qid, n in session.execute(
                select(Inspection.inspected_party_id, Inspection.quota_id, func.count())
                .where(Inspection.treaty_id == treaty, Inspection.year == year)
                .group_by(Inspection.inspected_party_id, Inspection.quota_id)
            ).all()
        }
        out = []
        for party in parties:
            for quota in doc.inspection_quotas:
                try:
                    allowed: int | None = allowance(
                        doc,
                        quota.id,
                        year,
                        inspecting=party.code,
                        inspected=party.code,
                        declared_units=_declared_units(session, treaty, party.id, year),
                    ).allowed
                except InputError:
                    allowed = None  # the rule needs a figure or party entry not on record
                counts = accepted if quota.kind == "passive" else used
                n = int(counts.get(f"{party.id}:{quota.id}", 0))
                out.append(
                    QuotaPublic(
                        party=party.code,
                        type=quota.id,
                        year=year,
                        allowed=allowed,
                        used=n,
                        left=None if allowed is None else allowed - n,
                    )
                )
        return out
