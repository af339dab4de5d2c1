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
from armsctl.api.routing import CodeQuery, Router, acting, own_party, paged, signing
from armsctl.api.schemas import NotificationCreate, ObservationCreate, Signed
from armsctl.service import notifications, observations, slice_page, transparency
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
    state: StateDep,
    guard: Annotated[Guard, permit("notification.submit")],
) -> dict[str, Any]:
    """Send a notification to one party (or, without recipient, to every other party)."""
    return notifications.submit_notification(
        state.db,
        guard.actor,
        treaty=treaty,
        sender=own_party(guard, "sends notifications"),
        recipient=body.recipient,
        kind=body.kind,
        body=body.body,
        body_salt=body.body_salt,
        rng=state.rng,
        recording_history=body.recording_history,
        **acting(state, guard),
        **signing(state, body.signed_entry),
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
        state.db, guard.actor, treaty=treaty, **paged(page), **acting(state, guard)
    )
    return Response(body, media_type="application/json")


@router.post(
    "/notifications/{notification_id}/acknowledge",
    tags=["notifications"],
    response_model=NotificationPublic,
)
def acknowledge(
    notification_id: IdPath,
    state: StateDep,
    guard: Annotated[Guard, permit("notification.acknowledge")],
    body: Signed | None = None,
) -> dict[str, Any]:
    """Acknowledge for the caller's party; ``signed_entry`` makes the log entry the party's."""
    return notifications.acknowledge_notification(
        state.db,
        guard.actor,
        notification_id=notification_id,
        **acting(state, guard),
        **signing(state, body.signed_entry if body is not None else None),
    )


@router.post(
    "/treaties/{treaty}/observations",
    status_code=201,
    tags=["observations"],
    response_model=ObservationPublic,
)
def record_observation(
    treaty: TreatyPath,
    body: ObservationCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("observation.record")],
) -> dict[str, Any]:
    """Record an observation (drone, in-situ, open-source, satellite); its body is committed."""
    return observations.record_observation(
        state.db,
        guard.actor,
        treaty=treaty,
        subject=body.subject,
        source=body.source,
        observed_at=body.observed_at,
        body=body.body,
        body_salt=body.body_salt,
        rng=state.rng,
        **acting(state, guard),
        **signing(state, body.signed_entry),
    )


@router.get(
    "/treaties/{treaty}/observations",
    response_model=Page[ObservationPublic],
    tags=["observations"],
)
def list_observations(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    _g: Annotated[Guard, permit("observation.read")],
    subject: CodeQuery = None,
) -> dict[str, Any]:
    """Observations, optionally of one subject party."""
    return observations.list_observations(
        state.db, treaty=treaty, subject=subject, **paged(page)
    ).to_dict()


@router.get("/treaties/{treaty}/quotas", response_model=Page[QuotaPublic], tags=["inspections"])
def quotas(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    _g: Annotated[Guard, permit("quota.read")],
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> dict[str, Any]:
    """Inspection slots used and left per party and type for a year (default: this year)."""
    rows = quota_status(state.db, treaty=treaty, year=year or state.clock().year)
    return slice_page(rows, page.limit, page.offset).to_dict()


@router.get(
    "/treaties/{treaty}/compliance",
    tags=["compliance"],
    response_model=CompliancePublic,
)
def compliance(
    treaty: TreatyPath,
    state: StateDep,
    _g: Annotated[Guard, permit("compliance.read")],
    at: Annotated[dt.date | None, Query(description="Date (default: today).")] = None,
) -> Response:
    """Every limit for every party at a date, from the declarations on the server.

    Served as JSON bytes kept per store version (``armsctl.service.read_cache``): the body is
    the ``CompliancePublic`` document, serialised once, not rebuilt per request.
    """
    from armsctl.service.read_cache import compliance_json

    body = compliance_json(state.db, treaty=treaty, at=at or state.clock().date())
    return Response(body, media_type="application/json")


@router.get(
    "/treaties/{treaty}/transparency", tags=["compliance"], response_model=TransparencyPublic
)
def transparency_view(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    _g: Annotated[Guard, permit("transparency.read")],
) -> dict[str, Any]:
    """What the parties release: aggregates, commitments, compliance, quotas, the log head.

    Declarations are paged (``limit``, ``offset``); ``declarations_page.next_offset`` says
    where the next page starts.
    """
    return transparency.transparency_view(state.db, treaty=treaty, at=state.clock(), **paged(page))
