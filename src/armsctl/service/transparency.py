"""Compliance at a date from the stored declarations, and the public transparency view.

Both are built only from public material: aggregate figures, commitments, checkpoints and quota
counts. Neither reads ``declaration_items``. For an item-level declaration the compliance
engine works from the components derived from the items, which are not released: the
explanation of each limit is cut back to the limit's own value, so the report shows what the
public declaration view shows and no status breakdown, attribute sum or per-zone count.

The use-cases return records (``CompliancePublic``, ``TransparencyPublic``). The compliance
report is also built as plain data (``_compliance_report``), which ``read_cache.compliance_json``
serialises straight to the bytes it keeps, so the hot read never builds a record it does not
serve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from armsctl.compliance import evaluate, report_to_dict
from armsctl.inventory.io import DeclarationSet
from armsctl.service._base import Database, Page, iso
from armsctl.service._paging import Listing, with_party_code
from armsctl.service.accounts import PartyPublic, list_parties
from armsctl.service.dashboard import log_head
from armsctl.service.declarations import DeclarationPublic, core_declaration, list_declarations
from armsctl.service.inspections import QuotaPublic, quota_status
from armsctl.service.records import Number, Record, Time
from armsctl.store.models import Declaration

__all__ = [
    "ActivityPublic",
    "ComplianceLimitPublic",
    "CompliancePartyPublic",
    "CompliancePublic",
    "ExplanationPublic",
    "GroupCompliancePublic",
    "InspectionsSummaryPublic",
    "LogHeadPublic",
    "PageInfo",
    "TransparencyPublic",
    "check_compliance",
    "released",
    "transparency_document",
    "transparency_view",
]


class PageInfo(Record):
    """Where a page sits in a list: ``total`` counts every row before paging.

    ``next_offset`` is where the next page starts (``null`` on the last page).
    """

    total: int
    limit: int
    offset: int
    next_offset: int | None


class ExplanationPublic(Record):
    """One component's contribution to a limit's value: ``weight * value``."""

    measure: str
    weight: Number
    value: int
    provenance: str


class ComplianceLimitPublic(Record):
    """One limit's result (the ``check --format json`` contract)."""

    id: str
    value: int | None
    max: int
    margin: int | None
    in_force: bool
    status: str
    title: str
    effective: str
    article: str
    basis: str
    provenance: str
    unverified: bool
    note: str
    parties: list[str]
    missing: list[str]
    lower_bound: bool
    step: str
    exact: Number | None
    limit_provenance: str
    limit_unverified: bool
    explanation: list[ExplanationPublic]


class CompliancePartyPublic(Record):
    """One party's results from its latest declaration on or before the date."""

    party: str
    declaration_as_of: str | None
    status: str
    limits: list[ComplianceLimitPublic]
    declaration_kind: str | None
    stale: bool
    not_provided: str | None
    flags: list[str]
    unverified: list[str]
    withdrawn_on: str | None
    suspended_on: str | None


class GroupCompliancePublic(Record):
    """A limit shared by a group of parties: ``covers`` is who was counted."""

    group: str
    members: list[str]
    status: str
    covers: list[str]
    withdrawn: list[str]
    limits: list[ComplianceLimitPublic]


class ActivityPublic(Record):
    """A treaty rule applied to one reported activity."""

    rule: str
    title: str
    article: str
    party: str
    uid: str
    event: str
    time: str
    status: str
    reason: str
    notification: str | None
    unverified: bool


class CompliancePublic(Record):
    """Every limit for every party at a date (the ``check --format json`` document)."""

    treaty: str
    at: str
    status: str
    parties: list[CompliancePartyPublic]
    interpretation: str | None
    treaty_in_force: bool
    groups: list[GroupCompliancePublic]
    notes: list[str]
    activities: list[ActivityPublic]


class InspectionsSummaryPublic(Record):
    """How many inspections the treaty has, and this year's quotas."""

    total: int
    quotas: list[QuotaPublic]


class LogHeadPublic(Record):
    """The log's size and latest signed checkpoint."""

    size: int
    checkpoint: str | None


class TransparencyPublic(Record):
    """What the parties release; ``declarations_page`` pages ``declarations``."""

    treaty: str
    generated_at: Time
    parties: list[PartyPublic]
    declarations: list[DeclarationPublic]
    declarations_page: PageInfo
    compliance: CompliancePublic
    inspections: InspectionsSummaryPublic
    log: LogHeadPublic


def check_compliance(db: Database, *, treaty: str, at: dt.date) -> CompliancePublic:
    """Evaluate every limit for every party at ``at`` from the declarations on the server."""
    return CompliancePublic.model_validate(_compliance_report(db, treaty=treaty, at=at))


def _compliance_report(db: Database, *, treaty: str, at: dt.date) -> dict[str, Any]:
    """``check_compliance`` as plain data, key for key: what the kept compliance bytes hold.

    ``read_cache.compliance_json`` serialises this directly; building and validating the
    record on top would only slow the read it serves.
    """
    with db.read() as session:
        doc = db.treaty(session, treaty)
        # Only each party's latest provided and latest not-provided declaration on or before
        # ``at`` can matter, so the read stays the same size however long the history grows.
        rank = (
            func.row_number()
            .over(
                partition_by=(Declaration.party_id, Declaration.status),
                order_by=(Declaration.as_of.desc(), Declaration.id.desc()),
            )
            .label("rank")
        )
        latest = (
            select(Declaration.id, rank)
            .where(Declaration.treaty_id == treaty, Declaration.as_of <= at)
            .subquery()
        )
        rows = session.execute(
            with_party_code(Declaration)
            .join(latest, latest.c.id == Declaration.id)
            .where(latest.c.rank == 1)
        ).all()
        declarations = [core_declaration(d, code) for d, code in rows]
    report = evaluate(doc, DeclarationSet(doc, declarations, []), at)
    return released(report_to_dict(report))


def _collapse(limit: dict[str, Any]) -> None:
    limit["explanation"] = (
        []
        if limit.get("value") is None
        else [
            {
                "measure": limit["id"],
                "weight": 1,
                "value": limit["value"],
                "provenance": limit.get("provenance", "C"),
            }
        ]
    )


def released(report: dict[str, Any]) -> dict[str, Any]:
    """Cut explanations built from item-derived components back to the limit values.

    Works on the engine's plain document (``report_to_dict``), in place, and returns it: the
    kept compliance bytes and the web's public page cut what they evaluated themselves, so
    the cut stays plain data rather than a record.
    """
    itemised = False
    for party in report["parties"]:
        if party.get("declaration_kind") == "items":
            itemised = True
            for limit in party["limits"]:
                _collapse(limit)
    if itemised:
        for group in report.get("groups", []):
            for limit in group["limits"]:
                _collapse(limit)
    return report


def transparency_document(
    db: Database,
    *,
    treaty: str,
    at: dt.datetime,
    declarations: Sequence[DeclarationPublic | Mapping[str, Any]],
    total: int,
    limit: int,
    offset: int,
    compliance: CompliancePublic,
) -> TransparencyPublic:
    """The public document around one page of declarations and the compliance report.

    The one place its shape is made: the API (``transparency_view``) and the web's cached
    public page (which reads its declarations and report incrementally) both call it, so the
    two can never drift apart. Parties, quotas and the log head are read here. A declaration
    may come as its record or as the plain data of one (``DeclarationPublic.to_json_dict``),
    as the web keeps them; either way the document holds the record.
    """
    head = log_head(db, treaty=treaty)
    return TransparencyPublic(
        treaty=treaty,
        generated_at=iso(at),
        parties=list_parties(db, treaty=treaty),
        declarations=declarations,
        declarations_page=Page(list(declarations), total, limit, offset).bounds(),
        compliance=compliance,
        inspections=InspectionsSummaryPublic(
            total=head.inspections, quotas=quota_status(db, treaty=treaty, year=at.year)
        ),
        log=LogHeadPublic(size=head.size, checkpoint=head.checkpoint),
    )


def transparency_view(
    db: Database, *, treaty: str, at: dt.datetime, limit: int = 10_000, offset: int = 0
) -> TransparencyPublic:
    """What the parties release: parties and keys, aggregates, commitments, log head, quotas.

    Declarations come one page at a time (``limit``, ``offset``); ``declarations_page`` says
    how many there are and where the next page starts, so a long history is never cut
    silently.
    """
    page = list_declarations(db, Listing(treaty, limit=limit, offset=offset))
    return transparency_document(
        db,
        treaty=treaty,
        at=at,
        declarations=page.results,
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        compliance=check_compliance(db, treaty=treaty, at=at.date()),
    )
