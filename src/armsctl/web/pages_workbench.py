"""The negotiation workbench page: a draft from a loaded treaty, its cuts, schedule and brief.

Drafts are computed on request from the treaty loaded on the server, the changes typed in and
the treaty's bundled public record (or a public estimate); nothing is stored, so a draft is
private to the user who types it and is shared only by sending its link or brief.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from armsctl.access.authz import require
from armsctl.errors import InputError, NotFoundError, Problem
from armsctl.web import views
from armsctl.web._base import SECURITY_HEADERS, WebRoute, app_state, render, require_actor
from armsctl.web.pages import pick_treaty

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Text = Annotated[str, Query(max_length=4000)]


def _lines(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def _compute(
    request: Request, treaty: str | None, sets: str, baselines: str, years: str, cheat: str
) -> dict[str, Any]:
    """The draft and its analysis (or the problems that stop it), for the page and the brief."""
    from armsctl.workbench import (
        Options,
        analyse,
        apply_changes,
        merge_baselines,
        parse_baseline_arg,
        parse_quota,
        parse_set,
        resolve_baseline,
    )
    from armsctl.workbench.burden import analysis_burdens

    actor, _ = require_actor(request)
    require(actor, "compliance.read")
    chosen = pick_treaty(request, treaty)
    if chosen is None:
        raise NotFoundError("no treaty is loaded on this server")
    base = views.treaty_doc(app_state(request).db, chosen)
    default_date = base.dates.entry_into_force.isoformat()
    form = {
        "sets": sets,
        "baselines": baselines
        or "\n".join(f"{p}=record@{default_date}" for p in base.parties.members),
        "years": years,
        "cheat": cheat or "1",
    }
    context: dict[str, Any] = {"treaty": base, "form": form, "result": None, "problems": []}
    try:
        changes = []
        for line in _lines(sets):
            kind, _, rest = line.partition(" ")
            changes.append(parse_quota(rest) if kind == "quota" else parse_set(line))
        draft, notes = apply_changes(base, changes) if changes else (base, [])
        n_years = None
        if years.strip():
            try:
                n_years = int(years)
            except ValueError:
                raise InputError(f"years: {years!r} is not a whole number") from None
        grouped: dict[str, list[Any]] = {}
        for line in _lines(form["baselines"]):
            if line.startswith(("/", ".")):  # no server-side files from the web
                raise InputError(f"baseline {line!r}: use record@DATE or estimate:ID")
            party, source = parse_baseline_arg(line)
            if not source.startswith(("record@", "estimate:")):
                raise InputError(f"baseline {line!r}: use record@DATE or estimate:ID")
            grouped.setdefault(party, []).append(resolve_baseline(draft, party, source))
        result = analyse(
            draft, [merge_baselines(b) for b in grouped.values()], Options(years=n_years)
        )
        try:
            cheat_size = int(form["cheat"])
        except ValueError:
            raise InputError(f"cheat: {form['cheat']!r} is not a whole number") from None
        burdens = (
            analysis_burdens(draft, result, cheat=cheat_size) if draft.inspection_quotas else []
        )
        context.update(result=result, notes=notes, draft=draft, burdens=burdens)
    except InputError as exc:
        context["problems"] = [str(p) for p in exc.problems]
    except NotFoundError as exc:
        context["problems"] = [str(Problem("", "", str(exc)))]
    return context


@router.get("/workbench")
def workbench_page(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    sets: Text = "",
    baselines: Text = "",
    years: Annotated[str, Query(max_length=4)] = "",
    cheat: Annotated[str, Query(max_length=9)] = "",
) -> Response:
    from armsctl.workbench.brief import schedule_svg

    context = _compute(request, treaty, sets, baselines, years, cheat)
    charts = {}
    if context["result"] is not None:
        charts = {p["party"]: schedule_svg(p) for p in context["result"]["parties"]}
    status = 422 if context["problems"] else 200
    return render(
        request, "workbench.html", status_code=status, title="Workbench", charts=charts, **context
    )


@router.get("/workbench/brief")
def workbench_brief(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    sets: Text = "",
    baselines: Text = "",
    years: Annotated[str, Query(max_length=4)] = "",
    cheat: Annotated[str, Query(max_length=9)] = "",
) -> Response:
    """The same draft as a self-contained HTML brief, downloaded as one file."""
    from armsctl.workbench.brief import brief_document, render_html

    context = _compute(request, treaty, sets, baselines, years, cheat)
    if context["result"] is None:
        raise InputError([Problem("", "", p) for p in context["problems"]])
    doc = brief_document(context["result"], changes=context["notes"], burdens=context["burdens"])
    headers = {**SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="brief.html"'}
    return HTMLResponse(render_html(doc), headers=headers)
