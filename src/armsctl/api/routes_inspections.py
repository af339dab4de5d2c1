"""Inspections: request, schedule, start, reveal, read reveals, report."""

from __future__ import annotations

from typing import Annotated, Any

from armsctl.access.deps import Guard, IdPath, PagingDep, StateDep, TreatyPath, permit
from armsctl.api.public import InspectionPublic, Page, RevealCreatePublic, RevealPublic
from armsctl.api.routing import Router, acting, own_party, paged, signing
from armsctl.api.schemas import (
    FindingsCreate,
    InspectionCreate,
    RevealCreate,
    ScheduleCreate,
    Signed,
)
from armsctl.service import inspections

__all__ = ["router"]

router = Router(tags=["inspections"])


@router.post("/treaties/{treaty}/inspections", status_code=201, response_model=InspectionPublic)
def request_inspection(
    treaty: TreatyPath,
    body: InspectionCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.request")],
) -> dict[str, Any]:
    """Request an inspection; 409 when the year's quota of that type is spent."""
    return inspections.request_inspection(
        state.db,
        guard.actor,
        treaty=treaty,
        inspecting=own_party(guard, "requests inspections"),
        inspected=body.inspected_party,
        quota_id=body.type,
        site=body.site,
        inspectors=body.inspectors,
        year=body.year,
        rng=state.rng,
        site_salt=body.site_salt,
        recording_history=body.recording_history,
        **acting(state, guard),
        **signing(state, body.signed_entry),
    )


@router.get("/treaties/{treaty}/inspections", response_model=Page[InspectionPublic])
def list_inspections(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    guard: Annotated[Guard, permit("inspection.list")],
) -> dict[str, Any]:
    """The inspections the caller's party is in (or, for an inspector, is named in)."""
    return inspections.list_inspections(
        state.db, guard.actor, treaty=treaty, **paged(page), **acting(state, guard)
    ).to_dict()


@router.get("/inspections/{inspection_id}", response_model=InspectionPublic)
def get_inspection(
    inspection_id: IdPath, state: StateDep, guard: Annotated[Guard, permit("inspection.read")]
) -> dict[str, Any]:
    """One inspection with its findings, as the caller's party sees it (audited)."""
    return inspections.get_inspection(
        state.db, guard.actor, inspection_id=inspection_id, **acting(state, guard)
    )


@router.post("/inspections/{inspection_id}/schedule", response_model=InspectionPublic)
def schedule(
    inspection_id: IdPath,
    body: ScheduleCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.schedule")],
) -> dict[str, Any]:
    """The inspecting party notifies the arrival time: planned -> notified."""
    return inspections.schedule_inspection(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        arrival=body.arrival,
        arrival_salt=body.arrival_salt,
        **acting(state, guard),
        **signing(state, body.signed_entry),
    )


@router.post("/inspections/{inspection_id}/start", response_model=InspectionPublic)
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
        **acting(state, guard),
        **signing(state, body.signed_entry if body is not None else None),
    )


@router.post(
    "/inspections/{inspection_id}/reveals", status_code=201, response_model=RevealCreatePublic
)
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
        reveal=body.reveal,
        site_salt=body.site_salt,
        **acting(state, guard),
        **signing(state, body.signed_entry),
    )


@router.get("/inspections/{inspection_id}/reveals", response_model=Page[RevealPublic])
def read_reveals(
    inspection_id: IdPath,
    state: StateDep,
    page: PagingDep,
    guard: Annotated[Guard, permit("inspection.reveal.read")],
) -> dict[str, Any]:
    """Revealed items and proofs: granted inspectors while in progress (audited)."""
    return inspections.read_reveals_page(
        state.db, guard.actor, inspection_id=inspection_id, **paged(page), **acting(state, guard)
    ).to_dict()


@router.post("/inspections/{inspection_id}/report", response_model=InspectionPublic)
def report(
    inspection_id: IdPath,
    body: FindingsCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("inspection.report")],
) -> dict[str, Any]:
    """The inspection team files its findings: in-progress -> reported."""
    return inspections.report_inspection(
        state.db,
        guard.actor,
        inspection_id=inspection_id,
        findings=body.findings,
        findings_salt=body.findings_salt,
        **acting(state, guard),
        **signing(state, body.signed_entry),
    )
