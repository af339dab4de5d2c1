"""Notifications, observations, quotas, compliance and the transparency view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Response

from armsctl.access.deps import Guard, IdPath, PagingDep, StateDep, TreatyPath, permit
from armsctl.api.public import (
    CompliancePublic,
    NotificationPublic,
    ObservationPublic,
    Page,
    QuotaPublic,
    TransparencyPublic,
)
from armsctl.api.routing import Call, CodeQuery, Router, acting, allowed, paged
from armsctl.api.schemas import NotificationCreate, ObservationCreate, Signed
from armsctl.service import Listing, notifications, observations, slice_page, transparency
from armsctl.service.inspections import quota_status

__all__ = ["router"]

router = Router()


@router.post(
    "/treaties/{treaty}/notifications",
    status_code=201,
    tags=["notifications"],
    response_model=NotificationPublic,
)
def submit_notification(
    treaty: TreatyPath,
    body: NotificationCreate,
    call: Annotated[Call, allowed("notification.submit")],
) -> NotificationPublic:
    """Send a notification to one party (or, without recipient, to every other party)."""
    sender = call.party("sends notifications")
    return call.logs(
        notifications.submit_notification, body, treaty=treaty, sender=sender, rng=call.rng
    )


@router.get(
    "/treaties/{treaty}/notifications",
    response_model=Page[NotificationPublic],
    tags=["notifications"],
)
def list_notifications(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    guard: Annotated[Guard, permit("notification.read")],
) -> Response:
    """Notifications the caller's party sent or received (audited).

    Served as JSON bytes kept per viewer and store version
    (``notifications.list_notifications_json``); every request is still checked and audited.
    """
    body = notifications.list_notifications_json(
        state.db, guard.actor, Listing(treaty, **paged(page)), **acting(state, guard)
    )
    return Response(body, media_type="application/json")


@router.post(
    "/notifications/{notification_id}/acknowledge",
    tags=["notifications"],
    response_model=NotificationPublic,
)
def acknowledge(
    notification_id: IdPath,
    call: Annotated[Call, allowed("notification.acknowledge")],
    body: Signed | None = None,
) -> NotificationPublic:
    """Acknowledge for the caller's party; ``signed_entry`` makes the log entry the party's."""
    return call.logs(notifications.acknowledge_notification, body, notification_id=notification_id)


@router.post(
    "/treaties/{treaty}/observations",
    status_code=201,
    tags=["observations"],
    response_model=ObservationPublic,
)
def record_observation(
    treaty: TreatyPath,
    body: ObservationCreate,
    call: Annotated[Call, allowed("observation.record")],
) -> ObservationPublic:
    """Record an observation (drone, in-situ, open-source, satellite); its body is committed."""
    return call.logs(observations.record_observation, body, treaty=treaty, rng=call.rng)


@router.get(
    "/treaties/{treaty}/observations",
    response_model=Page[ObservationPublic],
    tags=["observations"],
)
def list_observations(
    treaty: TreatyPath,
    page: PagingDep,
    call: Annotated[Call, allowed("observation.read")],
    subject: CodeQuery = None,
) -> dict[str, Any]:
    """Observations, optionally of one subject party."""
    found = observations.list_observations(call.db, Listing(treaty, subject, **paged(page)))
    return found.to_dict()


@router.get("/treaties/{treaty}/quotas", response_model=Page[QuotaPublic], tags=["inspections"])
def quotas(
    treaty: TreatyPath,
    page: PagingDep,
    call: Annotated[Call, allowed("quota.read")],
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> dict[str, Any]:
    """Inspection slots used and left per party and type for a year (default: this year)."""
    rows = quota_status(call.db, treaty=treaty, year=year or call.now().year)
    return slice_page(rows, page.limit, page.offset).to_dict()


@router.get(
    "/treaties/{treaty}/compliance",
    tags=["compliance"],
    response_model=CompliancePublic,
)
def compliance(
    treaty: TreatyPath,
    call: Annotated[Call, allowed("compliance.read")],
    at: Annotated[dt.date | None, Query(description="Date (default: today).")] = None,
) -> Response:
    """Every limit for every party at a date, from the declarations on the server.

    Served as JSON bytes kept per store version (``armsctl.service.read_cache``): the body is
    the ``CompliancePublic`` document, serialised once, not rebuilt per request.
    """
    from armsctl.service.read_cache import compliance_json

    body = compliance_json(call.db, treaty=treaty, at=at or call.now().date())
    return Response(body, media_type="application/json")


@router.get(
    "/treaties/{treaty}/transparency", tags=["compliance"], response_model=TransparencyPublic
)
def transparency_view(
    treaty: TreatyPath, page: PagingDep, call: Annotated[Call, allowed("transparency.read")]
) -> TransparencyPublic:
    """What the parties release: aggregates, commitments, compliance, quotas, the log head.

    Declarations are paged (``limit``, ``offset``); ``declarations_page.next_offset`` says
    where the next page starts.
    """
    return transparency.transparency_view(call.db, treaty=treaty, at=call.now(), **paged(page))
