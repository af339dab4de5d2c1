"""Declarations: list, upload (validated exactly as the CLI validates files), detail and diff.

An upload is written to a private temporary file and read by ``inventory.read_declarations``,
the same reader the CLI uses, so the messages are the CLI's. Problems are shown next to the
line (CSV), record (JSON) or row (Parquet) they name. A valid file is submitted through the
same use-cases as the API: aggregate figures as they are, item rows committed with the escrow
scheme so that only the declaring party ever reads them back.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from armsctl.access.authz import allow_for
from armsctl.errors import (
    ArmsctlError,
    DeclarationError,
    InputError,
    NotFoundError,
    Problem,
    outcome,
)
from armsctl.service import AccessDenied, ConflictError, Listing
from armsctl.web import views
from armsctl.web._base import (
    BadRequest,
    Posted,
    _audit_refusal,
    allowed,
    app_state,
    page_router,
    posted,
    render,
    signed_in,
    web_state,
)
from armsctl.web.format import natural_key
from armsctl.web.pages import pick_treaty

if TYPE_CHECKING:
    from armsctl.service.declarations import DeclarationPublic

__all__ = ["annotate_lines", "router"]

router = page_router()
SUFFIXES = {".csv", ".json", ".parquet", ".pq"}
_LOCATION = re.compile(r"^(line|record|row) (\d+)$")
PREVIEW_LINES = 400
CHUNK = 1 << 20


def annotate_lines(text: str, problems: list[Problem]) -> list[dict[str, Any]]:
    """The uploaded text's lines, each with the problems that name it (CSV ``line N``).

    Only lines with a problem and their neighbours are kept once the file is long, so that a
    large file with one bad line still renders quickly.
    """
    by_line: dict[int, list[str]] = {}
    out: list[dict[str, Any]] = []
    for p in problems:
        match = _LOCATION.match(p.location)
        if match and match.group(1) == "line":
            by_line.setdefault(int(match.group(2)), []).append(p.message)
    lines = text.splitlines()
    keep = set(range(1, min(len(lines), 20) + 1))
    for n in by_line:
        keep |= set(range(max(1, n - 2), min(len(lines), n + 2) + 1))
    previous = 0
    for n in sorted(keep)[:PREVIEW_LINES]:
        if n != previous + 1:
            out.append({"gap": True})
        out.append({"n": n, "text": lines[n - 1], "problems": by_line.get(n, [])})
        previous = n
    return out


def _rows_of(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems by record or row (JSON, Parquet) for the table beside the upload."""
    return [{"location": p.location or "file", "message": p.message} for p in problems]


@router.get("/declarations")
def declarations_page(
    request: Request,
    treaty: Annotated[str | None, Query(max_length=64)] = None,
    party: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
) -> Response:
    from armsctl.service.declarations import list_declarations

    signed_in(request, "declaration.read")
    chosen = pick_treaty(request, treaty)
    rows: dict[str, Any] = {"results": [], "total": 0}
    if chosen is not None:
        total = list_declarations(app_state(request).db, Listing(chosen, party or None, limit=1))
        n = total.total
        offset = max(0, n - page * 50)
        limit = min(50, n - (page - 1) * 50) if n else 1
        got = list_declarations(
            app_state(request).db, Listing(chosen, party or None, max(1, limit), offset)
        )
        rows = {"results": list(reversed(got.results)), "total": n}
    return render(
        request,
        "declarations.html",
        title="Declarations",
        treaty=chosen,
        party=party or "",
        treaties=views.treaty_ids(app_state(request).db, web_state(request).cache),
        rows=rows,
        page=page,
        pages=max(1, -(-rows["total"] // 50)),
        upload=None,
        max_upload_bytes=app_state(request).settings.max_upload_bytes,
        limits=views.treaty_doc(app_state(request).db, chosen).limits if chosen else [],
    )


async def _save(upload: UploadFile, folder: Path) -> Path:
    """Copy the upload to a private file in chunks (never the whole file in memory)."""
    name = Path(upload.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        await upload.close()
        raise BadRequest("upload a .csv, .json or .parquet file")
    path = folder / f"upload{suffix}"
    try:
        with path.open("wb") as handle:
            while chunk := await upload.read(CHUNK):
                handle.write(chunk)
    finally:
        await upload.close()
    return path


def _refusal(display: str, status: int, exc: Exception) -> dict[str, Any]:
    """An upload the server refused whole: its message, and the field or line it names."""
    if isinstance(exc, AccessDenied):
        problems = [{"location": "file", "message": exc.reason}]
    elif isinstance(exc, InputError):
        problems = [
            {
                "location": p.location or "file",
                "message": f"{p.where}: {p.message}" if p.where else p.message,
            }
            for p in exc.problems
        ]
    else:
        problems = [{"location": "file", "message": str(exc)}]
    return {"name": display, "status": status, "problems": problems, "lines": [], "submitted": []}


@router.post("/declarations/upload")
async def upload(request: Request) -> Response:
    """Validate an uploaded file as the CLI does; submit all of it, or none of it.

    Every refusal (403 another party's file, 409 a date already declared, 422 bad content or
    a date the treaty forbids) is answered with the upload result fragment and the real
    status, so the page shows the server's message next to the form.
    """
    from starlette.concurrency import run_in_threadpool

    from armsctl.inventory.io import read_declarations
    from armsctl.service import declarations

    sent = await posted(request, "declaration.submit")
    form, state = sent.fields, sent.state
    treaty = pick_treaty(request, str(form.get("treaty") or ""))
    history = str(form.get("recording_history") or "") in ("1", "on", "true")
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise BadRequest("choose a file to upload")
    if treaty is None:
        await file.close()
        raise BadRequest("choose a treaty")
    display = Path(file.filename or "upload").name
    doc = views.treaty_doc(state.db, treaty)
    result: dict[str, Any] = {"name": display, "problems": [], "lines": [], "submitted": []}
    with tempfile.TemporaryDirectory(prefix="armsctl-upload-") as folder:
        path = await _save(file, Path(folder))
        if path.suffix == ".json" and _head(path):
            return await _signed_upload(request, sent, treaty, path, display)
        try:
            read = await run_in_threadpool(read_declarations, [path], doc)
        except DeclarationError as exc:
            problems = [Problem(display, p.location, p.message) for p in exc.problems]
            result["problems"] = _rows_of(problems)
            result["status"] = 422
            if path.suffix == ".csv":
                text = path.read_text(encoding="utf-8", errors="replace")
                result["lines"] = annotate_lines(text, problems)
            return _upload_page(request, treaty, result, status=422)

        def submit() -> list[DeclarationPublic]:
            return declarations.submit_declarations(
                state.db,
                sent.actor,
                treaty=treaty,
                submissions=declarations.file_submissions(read, note=f"uploaded from {display}"),
                rng=state.rng,
                require_signature=state.settings.require_party_signatures,
                recording_history=history,
                **sent.grant(),
            )

        try:
            result["submitted"] = await run_in_threadpool(submit)
        except (AccessDenied, ConflictError, NotFoundError, InputError) as exc:
            return await _refused(request, treaty, display, exc)
    return _upload_page(request, treaty, result, status=201)


async def _refused(request: Request, treaty: str, display: str, exc: ArmsctlError) -> Response:
    """The result fragment of a refused upload, with the status ``errors.OUTCOMES`` gives it.

    A plain file refused because the server requires party signatures also says how to sign
    it: in the party's client, into a signed request file this form takes.
    """
    status = outcome(exc).http_status
    if isinstance(exc, AccessDenied):
        await _audit_refusal(request, exc)
    result = _refusal(display, status, exc)
    result["treaty"] = treaty
    result["signature"] = any(p.location == "signed_entry" for p in getattr(exc, "problems", []))
    result["signature"] |= isinstance(exc, AccessDenied) and exc.action == "signed-entry"
    return _upload_page(request, treaty, result, status=status)


def _head(path: Path) -> bool:
    """Whether a saved JSON upload is a signed request file (``signed_requests.looks_signed``)."""
    from armsctl.service.signed_requests import looks_signed

    with path.open("rb") as handle:
        return looks_signed(handle.read(1024))


async def _signed_upload(
    request: Request, sent: Posted, treaty: str, path: Path, display: str
) -> Response:
    """Submit a signed request file (``armsctl client submit ... --key K --out FILE``).

    The server checks the party's signature against the party's registered keys, rebuilds
    the signed entry from the request and refuses the whole file on any difference: a
    signature by another key (403), a changed figure, item or commitment, or a signature
    older than the allowed clock skew (422, naming ``signed_entry``).
    """
    from starlette.concurrency import run_in_threadpool

    from armsctl.service.signed_requests import parse_signed_request, submit_signed_request

    def submit() -> DeclarationPublic:
        parsed = parse_signed_request(path.read_bytes(), treaty=treaty, name=display)
        return submit_signed_request(
            sent.state.db,
            sent.actor,
            parsed,
            rng=sent.state.rng,
            note=f"uploaded from {display}, signed by the party",
            require_signature=sent.state.settings.require_party_signatures,
            **sent.grant(),
        )

    try:
        submitted = await run_in_threadpool(submit)
    except (AccessDenied, ConflictError, NotFoundError, InputError) as exc:
        return await _refused(request, treaty, display, exc)
    result: dict[str, Any] = {"name": display, "problems": [], "lines": []}
    result.update(submitted=[submitted], signed=True)
    return _upload_page(request, treaty, result, status=201)


def _upload_page(request: Request, treaty: str, result: dict[str, Any], *, status: int) -> Response:
    """The result fragment (htmx) or the whole page, with the real status either way.

    The page's upload script lets htmx swap the fragment of a refusal too (htmx leaves 4xx
    answers unswapped by default).
    """
    if request.headers.get("HX-Request"):
        return render(request, "_upload_result.html", status_code=status, upload=result)
    return render(
        request,
        "declarations.html",
        status_code=status,
        title="Declarations",
        treaty=treaty,
        party="",
        treaties=views.treaty_ids(app_state(request).db, web_state(request).cache),
        rows={"results": [], "total": 0},
        page=1,
        pages=1,
        upload=result,
        max_upload_bytes=app_state(request).settings.max_upload_bytes,
    )


@router.get("/declarations/diff")
def diff_page(
    request: Request,
    a: Annotated[int, Query(ge=1, le=2**53)],
    b: Annotated[int, Query(ge=1, le=2**53)],
) -> Response:
    from armsctl.service.dashboard import SealedItemsError, declaration_items_for_diff
    from armsctl.service.declarations import get_declaration

    actor = signed_in(request, "declaration.read")
    db = app_state(request).db
    first, second = get_declaration(db, declaration_id=a), get_declaration(db, declaration_id=b)
    if (first.treaty, first.party) != (second.treaty, second.party):
        raise BadRequest("a diff compares two declarations of the same party")
    if str(first.as_of) > str(second.as_of):
        # A diff always reads forward in time (before -> after), whichever order the link used.
        first, second, a, b = second, first, b, a
    measures = sorted(set(first.figures) | set(second.figures))
    figures = [
        {
            "measure": m,
            "before": first.figures.get(m),
            "after": second.figures.get(m),
        }
        for m in measures
        if first.figures.get(m) != second.figures.get(m)
    ]
    items: list[dict[str, Any]] | None = None
    both_items = first.kind == second.kind == "items"
    own = (
        allowed(actor, "declaration.items.read")
        and actor.party == first.party
        and actor.treaty == first.treaty
    )
    sealed_note = None
    if both_items and own:
        try:
            left, right = declaration_items_for_diff(
                db,
                actor,
                declaration_ids=(a, b),
                allow=allow_for(actor, "declaration.items.read"),
                at=app_state(request).clock(),
            )
            items = _item_changes(left, right)
        except SealedItemsError as exc:
            sealed_note = str(exc)
    return render(
        request,
        "declaration_diff.html",
        title="Declaration diff",
        first=first,
        second=second,
        figures=figures,
        items=items,
        items_hidden=both_items and not own,
        sealed_note=sealed_note,
    )


def _item_changes(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = {str(i["uid"]): i for i in left}
    after = {str(i["uid"]): i for i in right}
    out: list[dict[str, Any]] = []
    for uid in sorted(before.keys() | after.keys(), key=natural_key):
        x, y = before.get(uid), after.get(uid)
        if x is None:
            out.append({"uid": uid, "change": "added", "fields": dict(y or {})})
        elif y is None:
            out.append({"uid": uid, "change": "removed", "fields": dict(x)})
        else:
            changed = {
                k: f"{x.get(k)} → {y.get(k)}" for k in x.keys() | y.keys() if x.get(k) != y.get(k)
            }
            if changed:
                out.append({"uid": uid, "change": "changed", "fields": changed})
        if len(out) >= 500:
            break
    return out


@router.get("/declarations/{declaration_id}")
def declaration_page(request: Request, declaration_id: int, offset: int = 0) -> Response:
    from armsctl.service.dashboard import declaration_dates
    from armsctl.service.declarations import get_declaration, read_items

    actor = signed_in(request, "declaration.read")
    db = app_state(request).db
    decl = get_declaration(db, declaration_id=declaration_id)
    items = None
    own = actor.party == decl.party and actor.treaty == decl.treaty
    if decl.kind == "items" and own and allowed(actor, "declaration.items.read"):
        page = read_items(
            db,
            actor,
            declaration_id=declaration_id,
            allow=allow_for(actor, "declaration.items.read"),
            limit=100,
            offset=max(0, offset),
            at=app_state(request).clock(),
        )
        # As JSON: the page hands the sealed rows to the browser's opener as they are served.
        items = {**page.to_dict(), "results": [row.to_json_dict() for row in page.results]}
    others = [
        d
        for d in declaration_dates(db, treaty=decl.treaty, party=decl.party)
        if d.id != declaration_id
    ][:200]
    return render(
        request,
        "declaration.html",
        title=f"Declaration {declaration_id}",
        decl=decl,
        items=items,
        others=others,
    )
