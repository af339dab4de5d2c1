"""Notifications (inbox, outbox, deadlines, acknowledge), Inspections and Monitoring.

The server stores a notification as sent, addressed and acknowledged; the deadline rules come
from the pure core (``armsctl.notifications``): a stored notification counts as received when
the server accepted it, so each one is judged on time or late against its duty, and the
periodic duties (six-monthly updates) nobody has met yet show as due or overdue, each with the
rule and article that make it so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from armsctl.access.authz import allow_for
from armsctl.access.deps import AppState
from armsctl.errors import InputError, NotFoundError, ParameterError
from armsctl.service import Actor
from armsctl.treaty.schema import Treaty
from armsctl.web import views
from armsctl.web._base import allowed, app_state, page_router, posted, render, web_state
from armsctl.web.pages import treaty_page

__all__ = ["core_notification", "router"]

router = page_router()
R = TypeVar("R")


def _time(text: object) -> dt.datetime | None:
    """A stored time, read by the one parser (``armsctl.times``): a time without a zone is none.

    The service writes every stored time with its zone, so nothing stored is refused.
    """
    from armsctl.times import parse_time

    return parse_time(text)[0] if isinstance(text, str) else None


def _listed(
    use_case: Callable[..., R],
    state: AppState,
    actor: Actor,
    treaty: str,
    limit: int,
    action: str,
    at: dt.datetime,
) -> R:
    """The first ``limit`` of a treaty's records that ``actor`` reads with its role's ``action``."""
    from armsctl.service import Listing

    return use_case(
        state.db, actor, Listing(treaty, limit=limit), allow=allow_for(actor, action), at=at
    )


def core_notification(row: dict[str, Any], treaty: Treaty) -> Any:
    """A stored notification as the core's ``Notification``, or ``None`` if it cannot be judged.

    The conversion is ``armsctl.notifications.from_record``, the reading rule of the command
    line's notification files: a time without a zone is refused rather than taken as UTC.
    """
    from armsctl.notifications import from_record

    try:
        return from_record(row, treaty)
    except InputError:
        return None


def _assessed(rows: list[dict[str, Any]], treaty: Treaty, at: dt.datetime) -> list[dict[str, Any]]:
    """Each stored notification with its deadline standing, as ``armsctl notify track`` has it.

    A row that cannot be judged (an unknown duty, a time without a zone) says why instead.
    """
    from armsctl.notifications import assess, duty_of, from_record, rule_sentence

    out = []
    for row in rows:
        try:
            n = from_record(row, treaty)
        except InputError as exc:
            out.append(
                {**row, "deadline": None, "problem": "; ".join(p.message for p in exc.problems)}
            )
            continue
        standing = assess(n, treaty, at=at).to_dict()
        standing["rule_words"] = rule_sentence(duty_of(treaty, n.type))
        out.append({**row, "deadline": standing, "problem": None})
    return out


@router.get("/notifications")
def notifications_page(
    request: Request, treaty: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    from armsctl.notifications import periodic_obligations, rule_sentence
    from armsctl.service.notifications import list_notifications

    actor, doc = treaty_page(request, treaty, "notification.read")
    state, chosen = app_state(request), doc.id
    now = state.clock()
    page = _listed(list_notifications, state, actor, chosen, 500, "notification.read", now)
    rows = _assessed([note.to_json_dict() for note in page.results], doc, now)
    inbox = [r for r in rows if r["sender"] != actor.party]
    outbox = [r for r in rows if r["sender"] == actor.party]
    core = [n for n in (core_notification(r, doc) for r in outbox) if n is not None]
    start = max(doc.dates.entry_into_force or now.date(), now.date() - dt.timedelta(days=3 * 365))
    obligations = [
        o
        for o in periodic_obligations(doc, core, start=start, end=now.date(), at=now)
        if o.sender == actor.party and o.verdict in ("due", "overdue", "pending")
    ]
    return render(
        request,
        "notifications.html",
        title="Notifications",
        treaty=chosen,
        inbox=inbox,
        outbox=outbox,
        obligations=obligations,
        rules={d.id: rule_sentence(d) for d in doc.notifications},
        total=page.total,
        duties=doc.notifications,
        others=[p for p in doc.parties.members if p != actor.party],
    )


@router.post("/notifications/{notification_id}/acknowledge")
async def acknowledge(request: Request, notification_id: int) -> Response:
    from armsctl.service.notifications import acknowledge_notification

    p = await posted(request, "notification.acknowledge")  # signed in the browser (sign-entry.mjs)
    state = p.state
    row = acknowledge_notification(state.db, p.actor, notification_id=notification_id, **p.signed())
    if request.headers.get("HX-Request"):
        doc = views.treaty_doc(state.db, row.treaty)
        # Focus moves to the row's new status (htmx focuses [autofocus] in swapped content),
        # not to <body>, which is where it would fall when the button it was on is replaced.
        return render(
            request,
            "_notification_row.html",
            n=_assessed([row.to_json_dict()], doc, state.clock())[0],
            box="in",
            focus=True,
        )
    return RedirectResponse(f"/notifications?treaty={row.treaty}", status_code=303)


def _selection(request: Request, sites: str, count: int, nonces: str) -> dict[str, Any] | None:
    """A verifiable random selection from the latest checkpoint and the parties' nonces."""
    from armsctl.service.log import log_status
    from armsctl.verification import commit, select_from_log

    if not sites.strip():
        return None
    candidates = sorted({s.strip() for s in sites.replace("\n", ",").split(",") if s.strip()})
    pairs = [p.split("=", 1) for p in nonces.split() if "=" in p]
    reveals = {party.strip(): nonce.strip().lower() for party, nonce in pairs}
    if not reveals:
        raise ParameterError("nonces: give each party's revealed nonce as PARTY=<64 hex digits>")
    checkpoint = log_status(app_state(request).db).checkpoint
    if checkpoint is None:
        raise NotFoundError("the log has no signed checkpoint to draw from yet")
    commitments = {party: commit(party, nonce) for party, nonce in reveals.items()}
    if not 1 <= count <= len(candidates):
        raise ParameterError(f"count must be between 1 and {len(candidates)}")
    chosen = select_from_log(commitments, reveals, checkpoint, {"sites": (candidates, count)})
    return {
        "inputs": {
            "checkpoint": checkpoint,
            "candidates": candidates,
            "count": count,
            "commitments": commitments,
            "reveals": reveals,
        },
        "result": chosen.to_dict(),
    }


@router.get("/inspections")
def inspections_page(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    sites: Annotated[str, Query(max_length=4000)] = "",
    count: Annotated[int, Query(ge=1, le=1000)] = 1,
    nonces: Annotated[str, Query(max_length=4000)] = "",
) -> Response:
    from armsctl.service.inspections import list_inspections, quota_status

    actor, doc = treaty_page(request, treaty, "quota.read")
    state, chosen = app_state(request), doc.id
    now = state.clock()
    year = year or now.year
    plan = None
    if allowed(actor, "inspection.list"):
        listed = _listed(list_inspections, state, actor, chosen, 200, "inspection.list", now)
        plan = [i.to_json_dict() for i in listed.results]  # the sealed copies go out as JSON
    selection, selection_error = None, None
    try:
        selection = _selection(request, sites, count, nonces)
    except (InputError, NotFoundError) as exc:
        selection_error = str(exc)
    return render(
        request,
        "inspections.html",
        title="Inspections",
        treaty=doc,
        year=year,
        quotas=quota_status(state.db, treaty=chosen, year=year),
        plan=plan,
        selection=selection,
        selection_error=selection_error,
        form={"sites": sites, "count": count, "nonces": nonces},
        others=[p for p in doc.parties.members if p != actor.party],
        this_year=now.year,
    )


def _site_chart(points: list[dict[str, Any]], title: str) -> str:
    """Declared against observed counts of one site (the monitoring core's chart), as SVG."""
    from armsctl.charts import render_responsive
    from armsctl.monitoring.views import site_chart

    timed = [p for p in points if p["time"] is not None]
    return render_responsive(
        site_chart(
            title, [(p["time"], p["declared"], p["observed"], str(p["source"])) for p in timed]
        )
    )


@router.get("/monitoring")
def monitoring_page(
    request: Request, treaty: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    from armsctl.service import Listing
    from armsctl.service.observations import list_observations
    from armsctl.web.prepare import anomaly_flags

    _actor, doc = treaty_page(request, treaty, "observation.read")
    state, cache, chosen = app_state(request), web_state(request).cache, doc.id
    observations = list_observations(state.db, Listing(chosen, limit=500)).results
    sites: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for o in observations:
        body = o.body or {}
        if not {"site", "category", "observed", "declared"} <= body.keys():
            continue
        key = (str(o.subject or "?"), str(body["site"]), str(body["category"]))
        sites.setdefault(key, []).append(
            {
                "time": _time(o.observed_at),
                "observed": int(body["observed"]),
                "declared": int(body["declared"]),
                "source": o.source,
            }
        )
    discrepancies = sorted(
        (
            {
                "party": party,
                "site": site,
                "category": category,
                "observed": points[-1]["observed"],
                "declared": points[-1]["declared"],
                "difference": points[-1]["observed"] - points[-1]["declared"],
                "n": len(points),
            }
            for (party, site, category), points in sites.items()
        ),
        key=lambda d: (-abs(d["difference"]), d["party"], d["site"]),
    )
    shown = sorted(sites.items())[:6]
    charts = cache.get(
        # Built from these points alone: keyed by them, so other writes do not redraw them.
        ("site-charts", chosen, repr(shown)),
        lambda: [
            {
                "title": f"{p} {s}: {c}",
                "svg": _site_chart(sorted(pts, key=lambda x: x["time"]), f"{p} {s}: {c}"),
                "points": sorted(pts, key=lambda x: x["time"]),
            }
            for (p, s, c), pts in shown
        ],
    )
    flags = anomaly_flags(
        state.db, cache, chosen, getattr(request.app.state, "armsctl_prepare", None)
    )
    return render(
        request,
        "monitoring.html",
        title="Monitoring",
        treaty=chosen,
        observations=observations[-50:],
        discrepancies=discrepancies,
        charts=charts,
        flags=flags or [],
        flags_preparing=flags is None,
    )
