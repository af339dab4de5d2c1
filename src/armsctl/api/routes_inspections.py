"""Inspections: request, schedule, start, reveal, read reveals, report."""

from __future__ import annotations

from typing import Annotated, Any

from armsctl.access.deps import IdPath, PagingDep, TreatyPath
from armsctl.api.public import InspectionPublic, Page, RevealCreatePublic, RevealPublic
from armsctl.api.routing import Call, Router, allowed, paged
from armsctl.api.schemas import (
    FindingsCreate,
    InspectionCreate,
    RevealCreate,
    ScheduleCreate,
    Signed,
)
from armsctl.service import Listing, inspections

__all__ = ["router"]

router = Router(tags=["inspections"])
#: The request's names for what ``inspections.request_inspection`` calls ``inspected`` and ``quota_id``.
_REQUEST_NAMES = {"inspected_party": "inspected", "type": "quota_id"}


@router.post("/treaties/{treaty}/inspections", status_code=201, response_model=InspectionPublic)
def request_inspection(
    treaty: TreatyPath,
    body: InspectionCreate,
    call: Annotated[Call, allowed("inspection.request")],
) -> InspectionPublic:
    """Request an inspection; 409 when the year's quota of that type is spent."""
    return call.logs(
        inspections.request_inspection,
        body,
        renamed=_REQUEST_NAMES,
        treaty=treaty,
        inspecting=call.party("requests inspections"),
        rng=call.rng,
    )


@router.get("/treaties/{treaty}/inspections", response_model=Page[InspectionPublic])
def list_inspections(
    treaty: TreatyPath, page: PagingDep, call: Annotated[Call, allowed("inspection.list")]
) -> dict[str, Any]:
    """The inspections the caller's party is in (or, for an inspector, is named in)."""
    return call.run(inspections.list_inspections, listing=Listing(treaty, **paged(page))).to_dict()


@router.get("/inspections/{inspection_id}", response_model=InspectionPublic)
def get_inspection(
    inspection_id: IdPath, call: Annotated[Call, allowed("inspection.read")]
) -> InspectionPublic:
    """One inspection with its findings, as the caller's party sees it (audited)."""
    return call.run(inspections.get_inspection, inspection_id=inspection_id)


@router.post("/inspections/{inspection_id}/schedule", response_model=InspectionPublic)
def schedule(
    inspection_id: IdPath,
    body: ScheduleCreate,
    call: Annotated[Call, allowed("inspection.schedule")],
) -> InspectionPublic:
    """The inspecting party notifies the arrival time: planned -> notified."""
    return call.logs(inspections.schedule_inspection, body, inspection_id=inspection_id)


@router.post("/inspections/{inspection_id}/start", response_model=InspectionPublic)
def start(
    inspection_id: IdPath,
    call: Annotated[Call, allowed("inspection.start")],
    body: Signed | None = None,
) -> InspectionPublic:
    """The inspected party receives the team; ``signed_entry`` makes the entry the party's."""
    return call.logs(inspections.start_inspection, body, inspection_id=inspection_id)


@router.post(
    "/inspections/{inspection_id}/reveals", status_code=201, response_model=RevealCreatePublic
)
def reveal(
    inspection_id: IdPath,
    body: RevealCreate,
    call: Annotated[Call, allowed("inspection.reveal")],
) -> RevealCreatePublic:
    """Open every declared item at the inspected site, with inclusion proofs."""
    return call.logs(inspections.reveal_site, body, inspection_id=inspection_id)


@router.get("/inspections/{inspection_id}/reveals", response_model=Page[RevealPublic])
def read_reveals(
    inspection_id: IdPath,
    page: PagingDep,
    call: Annotated[Call, allowed("inspection.reveal.read")],
) -> dict[str, Any]:
    """Revealed items and proofs: granted inspectors while in progress (audited)."""
    found = call.run(inspections.read_reveals_page, inspection_id=inspection_id, **paged(page))
    return found.to_dict()


@router.post("/inspections/{inspection_id}/report", response_model=InspectionPublic)
def report(
    inspection_id: IdPath,
    body: FindingsCreate,
    call: Annotated[Call, allowed("inspection.report")],
) -> InspectionPublic:
    """The inspection team files its findings: in-progress -> reported."""
    return call.logs(inspections.report_inspection, body, inspection_id=inspection_id)
