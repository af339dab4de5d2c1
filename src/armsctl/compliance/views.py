"""Compliance results as plain data: the JSON contract and histories.

The items behind a figure are read from their files by :func:`armsctl.inventory.io.explain_items`.
"""

from __future__ import annotations

from typing import Any

from armsctl.compliance.activities import activity_to_dict
from armsctl.compliance.engine import LimitResult, PartyResult, Report, WeightCache, evaluate
from armsctl.inventory.model import DeclarationSet

__all__ = ["history", "report_to_dict"]


def _limit(x: LimitResult) -> dict[str, Any]:
    return {
        "id": x.id,
        "value": x.value,
        "max": x.max,
        "margin": x.margin,
        "in_force": x.in_force,
        "status": x.status,
        "title": x.title,
        "effective": x.effective.isoformat(),
        "article": x.article,
        "basis": x.basis,
        "provenance": x.provenance,
        "unverified": x.provenance == "M",
        "note": x.note,
        "parties": x.parties,
        "missing": x.missing,
        "lower_bound": x.lower_bound,
        "step": x.step,
        "exact": x.exact,
        "limit_provenance": x.limit_provenance,
        "limit_unverified": x.limit_provenance == "M",
        "explanation": [
            {"measure": p.measure, "weight": p.weight, "value": p.value, "provenance": p.provenance}
            for p in x.parts
        ],
    }


def _party(p: PartyResult) -> dict[str, Any]:
    return {
        "party": p.party,
        "declaration_as_of": p.declaration_as_of.isoformat() if p.declaration_as_of else None,
        "status": p.status,
        "limits": [_limit(x) for x in p.limits],
        "declaration_kind": p.declaration_kind,
        "stale": p.stale,
        "not_provided": p.not_provided.isoformat() if p.not_provided else None,
        "flags": p.flags,
        "unverified": p.unverified,
        "withdrawn_on": p.withdrawn_on.isoformat() if p.withdrawn_on else None,
        "suspended_on": p.suspended_on.isoformat() if p.suspended_on else None,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The ``check --format json`` document; keys may be added, never renamed."""
    return {
        "treaty": report.treaty,
        "at": report.at.isoformat(),
        "status": report.status,
        "parties": [_party(p) for p in report.parties],
        "interpretation": report.interpretation,
        "treaty_in_force": report.treaty_in_force,
        "groups": [
            {
                "group": g.group,
                "members": g.members,
                "status": g.status,
                "covers": g.covers,
                "withdrawn": g.withdrawn,
                "limits": [_limit(x) for x in g.limits],
            }
            for g in report.groups
        ],
        "notes": report.notes,
        "activities": [activity_to_dict(r) for r in report.activities],
    }


def history(declarations: DeclarationSet, *, interpretation: str | None = None) -> list[Report]:
    """Compliance at every declaration date, oldest first (one weight cache for all dates)."""
    treaty = declarations.treaty
    weights = WeightCache()
    return [
        evaluate(treaty, declarations, day, interpretation=interpretation, weights=weights)
        for day in declarations.dates()
    ]
