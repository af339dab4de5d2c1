"""Inspections: request, schedule, start, reveal, read reveals, report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from armsctl.access.deps import Guard, IdPath, PagingDep, StateDep, TreatyPath, permit
from armsctl.api.schemas import (
    FindingsCreate,
    InspectionCreate,
    PageOut,
    RevealCreate,
    ScheduleCreate,
    Signed,
)
from armsctl.service import AccessDenied, inspections

__all__ = ["router"]

router = APIRouter(tags=["inspections"])


@router.post("/treaties/{treaty}/inspections", status_code=201)
def request_inspection(
    treaty: TreatyPath,
    body: InspectionCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.request")],
) -> dict[str, Any]:
    """Request an inspection; 409 when the year's quota of that type is spent."""
    if guard.actor.party is None:  # pragma: no cover - only party users get this far
        raise AccessDenied("only a party requests inspections", action=guard.action)
    return inspections.request_inspection(
        state.db,
        guard.actor,
        treaty=treaty,
        inspecting=guard.actor.party,
        inspected=body.inspected_party,
        quota_id=body.type,
        site=body.site,
        inspectors=body.inspectors,
        year=body.year,
        allow=guard.allow,
        at=state.clock(),
        rng=state.rng,
        site_salt=body.site_salt,
        signed_entry=body.signed_entry,
        require_signature=state.settings.require_party_signatures,
        recording_history=body.recording_history,
    )


@router.get("/treaties/{treaty}/inspections", response_model=PageOut)
def list_inspections(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    guard: Annotated[Guard, permit("inspection.list")],
) -> dict[str, Any]:
    return inspections.list_inspections(
        state.db,
        guard.actor,
        treaty=treaty,
        allow=guard.allow,
        limit=page.limit,
        offset=page.offset,
        at=state.clock(),
    ).to_dict()


@router.get("/inspections/{inspection_id}")
def get_inspection(
    inspection_id: IdPath, state: StateDep, guard: Annotated[Guard, permit("inspection.read")]
) -> dict[str, Any]:
    return inspections.get_inspection(
        state.db, guard.actor, inspection_id=inspection_id, allow=guard.allow, at=state.clock()
    )


@router.post("/inspections/{inspection_id}/schedule")
def schedule(
    inspection_id: IdPath,
    body: ScheduleCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.schedule")],
) -> dict[str, Any]:
    return inspections.schedule_inspection(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        arrival=body.arrival,
        allow=guard.allow,
        at=state.clock(),
        arrival_salt=body.arrival_salt,
        signed_entry=body.signed_entry,
        require_signature=state.settings.require_party_signatures,
    )


@router.post("/inspections/{inspection_id}/start")
def start(
    inspection_id: IdPath,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.start")],
    body: Signed | None = None,
) -> dict[str, Any]:
    """The inspected party receives the team; ``signed_entry`` makes the entry the party's."""
    return inspections.start_inspection(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        allow=guard.allow,
        at=state.clock(),
        signed_entry=body.signed_entry if body is not None else None,
        require_signature=state.settings.require_party_signatures,
    )


@router.post("/inspections/{inspection_id}/reveals", status_code=201)
def reveal(
    inspection_id: IdPath,
    body: RevealCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.reveal")],
) -> dict[str, Any]:
    """Open every declared item at the inspected site, with inclusion proofs."""
    return inspections.reveal_site(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        declaration_id=body.declaration_id,
        allow=guard.allow,
        at=state.clock(),
        reveal=body.reveal,
        site_salt=body.site_salt,
        signed_entry=body.signed_entry,
        require_signature=state.settings.require_party_signatures,
    )


@router.get("/inspections/{inspection_id}/reveals", response_model=PageOut)
def read_reveals(
    inspection_id: IdPath,
    state: StateDep,
    page: PagingDep,
    guard: Annotated[Guard, permit("inspection.reveal.read")],
) -> dict[str, Any]:
    """Revealed items and proofs: granted inspectors while in progress (audited)."""
    return inspections.read_reveals_page(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        allow=guard.allow,
        at=state.clock(),
        limit=page.limit,
        offset=page.offset,
    ).to_dict()


@router.post("/inspections/{inspection_id}/report")
def report(
    inspection_id: IdPath,
    body: FindingsCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.report")],
) -> dict[str, Any]:
    return inspections.report_inspection(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        findings=body.findings,
        allow=guard.allow,
        at=state.clock(),
        findings_salt=body.findings_salt,
        signed_entry=body.signed_entry,
        require_signature=state.settings.require_party_signatures,
    )
