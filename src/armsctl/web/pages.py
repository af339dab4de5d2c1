"""Sign-in and sign-out, Overview, History, Log and the public transparency portal."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from armsctl.errors import ArmsctlError, IntegrityError, NotFoundError, ParameterError
from armsctl.service import Actor, Listing
from armsctl.treaty.schema import Treaty
from armsctl.web import views
from armsctl.web._base import (
    SECURITY_HEADERS,
    BadRequest,
    app_state,
    check_csrf,
    current,
    page_router,
    posted,
    render,
    signed_in,
    today,
    web_state,
)
from armsctl.web.session import PRE_COOKIE, SESSION_COOKIE, SessionStore, same_token, set_cookie

__all__ = ["pick_treaty", "router", "treaty_page"]

router = page_router()
PAGE = 50


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a link send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/overview"
    return target


def pick_treaty(request: Request, wanted: str | None) -> str | None:
    """The treaty a page shows: the one asked for, the user's own, else the first loaded."""
    state = app_state(request)
    ids = [t.id for t in views.treaty_ids(state.db, web_state(request).cache)]
    if wanted in ids:
        return wanted
    actor, _ = current(request)
    if actor is not None and actor.treaty in ids:
        return actor.treaty
    return ids[0] if ids else None


def treaty_page(request: Request, wanted: str | None, action: str) -> tuple[Actor, Treaty]:
    """The signed-in actor whose role may ``action``, and the treaty its page shows.

    The treaty is ``pick_treaty``'s; a page about one treaty answers 404 when none is loaded.
    """
    actor = signed_in(request, action)
    chosen = pick_treaty(request, wanted)
    if chosen is None:
        raise NotFoundError("no treaty is loaded on this server")
    return actor, views.treaty_doc(app_state(request).db, chosen)


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


# -- sign in / out -------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    actor, _ = current(request)
    return RedirectResponse("/overview" if actor else "/public", status_code=303)


@router.get("/signin")
def signin_page(request: Request, next: str | None = None, signed_out: int = 0) -> Response:
    token = SessionStore.new_signin_token(app_state(request).rng)
    response = render(
        request,
        "signin.html",
        title="Sign in",
        pre_token=token,
        next=_safe_next(next),
        signed_out=bool(signed_out),
        error=None,
    )
    set_cookie(response, PRE_COOKIE, token, secure=_secure(request), max_age=3600)
    return response


@router.post("/signin")
def signin(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/overview",
) -> Response:
    from armsctl.service.accounts import authenticate

    if not same_token(request.cookies.get(PRE_COOKIE, ""), csrf_token):
        raise BadRequest("the sign-in form expired; reload the page and try again")
    state = app_state(request)
    actor = authenticate(state.db, token.strip(), at=state.clock())
    if actor is None:
        fresh = SessionStore.new_signin_token(state.rng)
        response = render(
            request,
            "signin.html",
            status_code=401,
            title="Sign in",
            pre_token=fresh,
            next=_safe_next(next),
            signed_out=False,
            error="That token is wrong, expired or revoked.",
        )
        set_cookie(response, PRE_COOKIE, fresh, secure=_secure(request), max_age=3600)
        return response
    sessions = web_state(request).sessions
    session_id, _session = sessions.create(token.strip(), at=state.clock(), rng=state.rng)
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(
        redirect,
        SESSION_COOKIE,
        session_id,
        secure=_secure(request),
        max_age=int(sessions.lifetime.total_seconds()),
    )
    redirect.delete_cookie(PRE_COOKIE, path="/")
    return redirect


@router.post("/signout")
async def signout(request: Request) -> Response:
    await check_csrf(request)
    web_state(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# -- overview and history ------------------------------------------------------------------


@router.get("/overview")
def overview(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    at: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    signed_in(request, "compliance.read")
    state, cache = app_state(request), web_state(request).cache
    treaties = views.treaty_ids(state.db, cache)
    chosen = pick_treaty(request, treaty)
    blocks = []
    for t in treaties if treaty is None else [x for x in treaties if x.id == chosen]:
        report = views.compliance_view(
            state.db, cache, treaty=t.id, at=_date(at, "at"), today=today(request)
        )
        blocks.append({"treaty": t, "report": report, "refs": _refs(request, t.id)})
    return render(
        request,
        "overview.html",
        title="Overview",
        blocks=blocks,
        treaties=treaties,
        chosen=treaty,
        at=at or "",
        bar=views.bar_percent,
    )


def _refs(request: Request, treaty: str) -> dict[str, dict[str, int]]:
    return views.declaration_refs(app_state(request).db, web_state(request).cache, treaty)


@router.get("/history")
def history_page(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    interpretation: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    _actor, doc = treaty_page(request, treaty, "compliance.read")
    state, cache, chosen = app_state(request), web_state(request).cache, doc.id
    reading = interpretation or None
    if reading is not None and reading not in {i.id for i in doc.interpretations}:
        raise NotFoundError(f"{chosen} has no interpretation {reading!r}")
    return render(
        request,
        "history.html",
        title="History",
        treaty=doc,
        treaties=views.treaty_ids(state.db, cache),
        charts=views.limit_charts(state.db, cache, treaty=chosen, interpretation=reading),
        tables=views.series_tables(state.db, cache, treaty=chosen),
        reading=reading and doc.interpretation(reading),
        dispute=views.dispute_rows(state.db, cache, treaty=chosen, interpretation=reading)
        if reading
        else [],
    )


# -- log -----------------------------------------------------------------------------------


@router.get("/log")
def log_page(
    request: Request, before: Annotated[int | None, Query(ge=0, le=2**53)] = None
) -> Response:
    from armsctl.service.accounts import list_parties
    from armsctl.service.dashboard import checkpoint_list, log_entries
    from armsctl.service.log import trust_policy

    signed_in(request, "log.read")
    state, cache = app_state(request), web_state(request).cache
    witnesses = [
        {"treaty": t.id, **p.to_json_dict()}
        for t in views.treaty_ids(state.db, cache)
        for p in list_parties(state.db, treaty=t.id)
    ]
    return render(
        request,
        "log.html",
        title="Log",
        page=log_entries(state.db, limit=PAGE, before=before),
        checkpoints=checkpoint_list(state.db),
        log_key=str(state.db.signer.verifier()),
        witnesses=witnesses,
        trust=trust_policy(state.db).to_json(),
    )


def _json(data: Any) -> JSONResponse:
    return JSONResponse(data, headers=SECURITY_HEADERS)


def _json_error(exc: ArmsctlError) -> JSONResponse:
    """Errors of the proof endpoints as JSON, which the browser's verifier reads."""
    status = 404 if isinstance(exc, NotFoundError) else 422
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=SECURITY_HEADERS)


@router.get("/log/proof/{index}")
def log_proof(
    request: Request,
    index: int,
    checkpoint: int | None = None,
    from_size: Annotated[int | None, Query(ge=0, le=2**53)] = None,
) -> Response:
    """The entry's proof bundle (the browser adds ``from_size``: the checkpoint it holds)."""
    from armsctl.service.log import proof_bundle

    signed_in(request, "log.read")
    try:
        bundle = proof_bundle(
            app_state(request).db, index=index, checkpoint=checkpoint, from_size=from_size
        )
        return _json(bundle)
    except (NotFoundError, ParameterError, IntegrityError) as exc:
        return _json_error(exc)


@router.get("/log/consistency")
def log_consistency(request: Request, old: int, new: int) -> Response:
    from armsctl.service.dashboard import consistency_between

    signed_in(request, "log.read")
    try:
        return _json(consistency_between(app_state(request).db, old=old, new=new).to_json_dict())
    except (NotFoundError, ParameterError, IntegrityError) as exc:
        return _json_error(exc)


@router.post("/log/checkpoint")
async def log_checkpoint(request: Request) -> Response:
    from armsctl.service.log import sign_checkpoint

    form = await posted(request, "log.checkpoint")
    sign_checkpoint(form.state.db)
    return RedirectResponse("/log", status_code=303)


# -- public portal -------------------------------------------------------------------------


def _public_declarations(request: Request, treaty: str, page: int | None) -> dict[str, Any]:
    """One page of the released declarations, newest first: page 1 is the newest ``PAGE``.

    Counted from the newest end, so that every page but the last (the oldest) is full and the
    landing page shows the newest declarations, not the remainder of a division.
    """
    from armsctl.service.declarations import list_declarations

    db = app_state(request).db
    total = list_declarations(db, Listing(treaty, limit=1)).total
    pages = max(1, -(-total // PAGE))
    page = 1 if page is None else max(1, min(page, pages))
    end = total - (page - 1) * PAGE
    start = max(0, end - PAGE)
    rows = list_declarations(db, Listing(treaty, limit=end - start, offset=start)).results
    return {
        "rows": list(reversed(rows)) if end > start else [],
        "page": page,
        "pages": pages,
        "total": total,
        "first": total - end + 1,
        "last": total - start,
    }


@router.get("/public")
def public_page(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int | None, Query(ge=1, le=10**9)] = None,
) -> Response:
    from armsctl.service.log import log_status, trust_policy

    state, cache = app_state(request), web_state(request).cache
    chosen = pick_treaty(request, treaty)
    block = None
    if chosen is not None:
        block = {
            "treaty": views.treaty_doc(state.db, chosen),
            "report": views.compliance_view(
                state.db, cache, treaty=chosen, at=None, today=today(request)
            ),
            "declarations": _public_declarations(request, chosen, page),
            "refs": _refs(request, chosen),
            "zk": _public_zk(request, chosen),
        }
    return render(
        request,
        "public.html",
        title="Public transparency portal",
        treaties=views.treaty_ids(state.db, cache),
        chosen=chosen,
        block=block,
        log=log_status(state.db),
        trust=trust_policy(state.db).to_json(),
        bar=views.bar_percent,
    )


def _public_zk(request: Request, treaty: str) -> list[dict[str, Any]]:
    """Published zero-knowledge proofs, newest first, with the context each is checked in."""
    from armsctl.service.zk import list_proofs

    page = list_proofs(app_state(request).db, Listing(treaty, limit=PAGE))
    rows = [r.to_json_dict() for r in page.results]
    for row in rows:
        row["expected"] = {
            "treaty": row["treaty"],
            "limit": row["limit"],
            "maximum": row["maximum"],
            "as_of": row["as_of"],
            "party": row["party"],
            "bits": row["bits"],
        }
    return list(reversed(rows))


@router.get("/public/zk/{proof_id}")
def public_zk_proof(request: Request, proof_id: Annotated[int, Path(ge=1, le=2**53)]) -> Response:
    """A published zero-knowledge proof (public: it holds commitments, no count)."""
    from armsctl.service.zk import get_proof

    try:
        return _json(get_proof(app_state(request).db, proof_id=proof_id).to_json_dict())
    except NotFoundError as exc:
        return _json_error(exc)


@router.get("/public/proof/{index}")
def public_proof(
    request: Request,
    index: int,
    from_size: Annotated[int | None, Query(ge=0, le=2**53)] = None,
) -> Response:
    """A proof bundle for a released entry (declarations, treaty and party records) only."""
    from armsctl.service.log import proof_bundle

    try:
        bundle = proof_bundle(app_state(request).db, index=index, from_size=from_size)
    except (NotFoundError, ParameterError, IntegrityError) as exc:
        return _json_error(exc)
    if json.loads(base64.b64decode(bundle["entry"])).get("kind") not in views.PROOF_KINDS:
        return _json_error(NotFoundError(f"entry {index} is not part of the released data"))
    return _json(bundle)


def _download_cache(request: Request, treaty: str, kind: str, build: Any) -> Any:
    """Downloads change only when the log grows (every write appends to it)."""
    from armsctl.service.dashboard import log_size

    key = ("download", treaty, kind, log_size(app_state(request).db))
    return web_state(request).cache.get(key, build)


@router.get("/public/{treaty}.json")
def public_json(request: Request, treaty: str) -> Response:
    state, cache = app_state(request), web_state(request).cache
    if treaty not in {t.id for t in views.treaty_ids(state.db, cache)}:
        raise NotFoundError(f"no treaty {treaty!r} on this server")
    data = _download_cache(
        request,
        treaty,
        "json",
        lambda: views.public_json_view(
            state.db, cache, treaty=treaty, at=state.clock()
        ).to_json_dict(),
    )
    return JSONResponse(
        data,
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{treaty}-public.json"',
        },
    )


@router.get("/public/{treaty}.csv")
def public_csv(request: Request, treaty: str) -> Response:
    """Released figures; they change only with the declarations, so cached by their version."""
    state, cache = app_state(request), web_state(request).cache
    if treaty not in {t.id for t in views.treaty_ids(state.db, cache)}:
        raise NotFoundError(f"no treaty {treaty!r} on this server")
    return PlainTextResponse(
        views.public_csv_text(state.db, cache, treaty=treaty),
        media_type="text/csv",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{treaty}-public.csv"',
        },
    )
