"""The negotiation workbench page: a draft from a loaded treaty, its cuts, schedule and brief.

The cuts are computed on request from the treaty loaded on the server, the changes typed in and
the treaty's bundled public record (or a public estimate). A party's user may save what it typed
as a draft (``service.workbench_drafts``): private to its party until shared with named parties
or everyone; saved drafts are listed, reopened and compared side by side. Whether a user may
open a draft is decided on the server: another party's private draft answers exactly as a
draft that does not exist (404), with no name and no figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from armsctl.access.authz import allow_for
from armsctl.errors import InputError, NotFoundError, Problem
from armsctl.web._base import (
    SECURITY_HEADERS,
    allowed,
    app_state,
    page_router,
    posted,
    render,
    require_actor,
)
from armsctl.web.pages import treaty_page

if TYPE_CHECKING:
    from armsctl.service.workbench_drafts import SavedDraft

__all__ = ["router"]

router = page_router()

Text = Annotated[str, Query(max_length=4000)]


def _typed(
    sets: Text = "",
    baselines: Text = "",
    years: Annotated[str, Query(max_length=4)] = "",
    cheat: Annotated[str, Query(max_length=9)] = "",
) -> dict[str, str]:
    """The draft as typed into the page's form: the query of the page and of its brief alike."""
    return {"sets": sets, "baselines": baselines, "years": years, "cheat": cheat}


Typed = Annotated[dict[str, str], Depends(_typed)]


def _lines(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def _analysis(request: Request, treaty: str | None, typed: dict[str, str]) -> dict[str, Any]:
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

    _actor, base = treaty_page(request, treaty, "compliance.read")
    default_date = base.dates.entry_into_force.isoformat()
    sets, baselines = typed.get("sets", ""), typed.get("baselines", "")
    years, cheat = typed.get("years", ""), typed.get("cheat", "")
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


def _drafts_context(request: Request, treaty_id: str) -> dict[str, Any]:
    """The saved drafts the user may open, and whether it may save (a party's user)."""
    from armsctl.service.workbench_drafts import list_drafts

    actor, _ = require_actor(request)
    drafts = list_drafts(
        app_state(request).db,
        actor,
        treaty=treaty_id,
        allow=allow_for(actor, "workbench.draft.read"),
    )
    return {
        "drafts": drafts,
        "can_save": allowed(actor, "workbench.draft.save") and actor.treaty == treaty_id,
        "actor_party": actor.party,
    }


def _page(
    request: Request, context: dict[str, Any], *, opened: SavedDraft | None = None
) -> Response:
    from armsctl.workbench.brief import schedule_svg

    charts = {}
    if context["result"] is not None:
        charts = {p["party"]: schedule_svg(p) for p in context["result"]["parties"]}
    status = 422 if context["problems"] else 200
    context = {**context, **_drafts_context(request, context["treaty"].id)}
    others = [p for p in context["treaty"].parties.members if p != context["actor_party"]]
    return render(
        request,
        "workbench.html",
        status_code=status,
        title="Workbench",
        charts=charts,
        opened=opened,
        other_parties=others,
        **context,
    )


@router.get("/workbench")
def workbench_page(
    request: Request,
    typed: Typed,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    draft: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The page; ``?draft=ID`` reopens a saved draft (404 unless the user may open it)."""
    from armsctl.service.workbench_drafts import get_draft

    opened = None
    if draft is not None:
        actor, _ = require_actor(request)
        opened = get_draft(
            app_state(request).db, actor, draft, allow=allow_for(actor, "workbench.draft.read")
        )
        treaty, typed = opened.treaty, dict(opened.form)
    return _page(request, _analysis(request, treaty, typed), opened=opened)


@router.post("/workbench/drafts")
async def save_workbench_draft(request: Request) -> Response:
    """Save what was typed as a draft of the user's party (private), then reopen it."""
    from starlette.concurrency import run_in_threadpool

    from armsctl.service.workbench_drafts import FORM_FIELDS, save_draft

    p = await posted(request, "workbench.draft.save")
    typed = {k: str(p.fields.get(k, "")) for k in FORM_FIELDS}
    treaty = str(p.fields.get("treaty", ""))
    raw_id = str(p.fields.get("draft_id", "") or "")
    context = await run_in_threadpool(_analysis, request, treaty, typed)
    if context["problems"]:  # a draft that does not compute is not saved
        return await run_in_threadpool(_page, request, context)
    row = await run_in_threadpool(
        lambda: save_draft(
            p.state.db,
            p.actor,
            treaty=context["treaty"].id,
            name=str(p.fields.get("name", "")),
            form=context["form"],
            draft_id=int(raw_id) if raw_id.isdecimal() else None,
            **p.grant(),
        )
    )
    return RedirectResponse(f"/workbench?draft={row.id}", status_code=303)


@router.post("/workbench/drafts/{draft_id}/share")
async def share_workbench_draft(request: Request, draft_id: int) -> Response:
    """Share one of the party's drafts: private, with named parties, or public."""
    from starlette.concurrency import run_in_threadpool

    from armsctl.service.workbench_drafts import share_draft

    p = await posted(request, "workbench.draft.share")
    form = await request.form()
    parties = [str(v) for v in form.getlist("parties")]
    await run_in_threadpool(
        lambda: share_draft(
            p.state.db,
            p.actor,
            draft_id,
            visibility=str(p.fields.get("visibility", "")),
            parties=parties,
            **p.grant(),
        )
    )
    return RedirectResponse(f"/workbench?draft={draft_id}", status_code=303)


@router.get("/workbench/compare")
def compare_workbench_drafts(
    request: Request,
    a: Annotated[int, Query(ge=1)],
    b: Annotated[int, Query(ge=1)],
) -> Response:
    """Two saved drafts side by side: each party's maxima, cuts and peak years."""
    from armsctl.service.workbench_drafts import get_draft
    from armsctl.workbench import compare

    actor, _ = require_actor(request)
    state = app_state(request)
    found = [
        get_draft(state.db, actor, i, allow=allow_for(actor, "workbench.draft.read"))
        for i in (a, b)
    ]
    contexts = [_analysis(request, d.treaty, dict(d.form)) for d in found]
    problems = [
        f"{d.name}: {p}" for d, c in zip(found, contexts, strict=True) for p in c["problems"]
    ]
    comparison = None
    if not problems:
        comparison = compare(contexts[0]["result"], contexts[1]["result"])
    context = {**_drafts_context(request, contexts[0]["treaty"].id)}
    return render(
        request,
        "workbench_compare.html",
        status_code=422 if problems else 200,
        title="Compare drafts",
        drafts_compared=found,
        comparison=comparison,
        problems=problems,
        treaty=contexts[0]["treaty"],
        **context,
    )


@router.get("/workbench/brief")
def workbench_brief(
    request: Request,
    typed: Typed,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The same draft as a self-contained HTML brief, downloaded as one file."""
    from armsctl.reports import brief_html
    from armsctl.workbench.brief import brief_document

    context = _analysis(request, treaty, typed)
    if context["result"] is None:
        raise InputError([Problem("", "", p) for p in context["problems"]])
    doc = brief_document(context["result"], changes=context["notes"], burdens=context["burdens"])
    headers = {**SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="brief.html"'}
    return HTMLResponse(brief_html(doc), headers=headers)
