"""Forms for what a party authors on the web: figures, notifications, inspection steps.

Each form is signed in the browser with the party's own Ed25519 key file
(``static/sign-entry.mjs``: the file is read by the page and never sent). An aggregate
declaration's entry holds its figures as they are (the treaty exchanges them); for the rest the
page draws the
salt of the confidential content (the notification body, the inspected site, the arrival time,
the findings), computes the salted commitment the log will carry and signs the very entry the
use-case rebuilds from the request (``service.entries``), then sends the content, its salt and
``signed_entry``. The use-cases check the signature against the party's registered keys, never
a key in the request, so a signature by another key is refused (403) and a changed field no
longer matches the signed entry (422); either way nothing is stored. Without a key file the
request is unsigned, which only a server that does not require party signatures takes.

The site reveal is the exception: it needs the party's committed items and salts and its copy
of the site's salt, which only its client opens, so the client signs a reveal request and writes
it to a file (``armsctl client inspect reveal ... --key K --out FILE``) that the inspected
party uploads here; the server checks it as the API checks a reveal.

Every refusal is answered with the form's result fragment and its real status (from
``errors.OUTCOMES``), shown next to the form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from armsctl.access.authz import allow_for, require
from armsctl.errors import AccessDenied, ArmsctlError, InputError, Problem, outcome
from armsctl.service import MAX_SAFE
from armsctl.web._base import (
    Posted,
    _audit_refusal,
    app_state,
    check_csrf,
    page_router,
    posted,
    render,
    require_actor,
)

if TYPE_CHECKING:
    from armsctl.service.records import Record

__all__ = ["router"]

router = page_router()
_LOCAL_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_DIGITS = re.compile(r"^[0-9]{1,16}$")


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _optional(form: dict[str, Any], name: str) -> str | None:
    return _text(form, name) or None


def _checked(form: dict[str, Any], name: str) -> bool:
    return _text(form, name) in ("1", "on", "true")


def _json(form: dict[str, Any], name: str, expect: type, empty: Any) -> Any:
    """A JSON field of the form (``{}`` or ``[]`` when left empty), of the expected type."""
    text = _text(form, name)
    if not text:
        return empty
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError([Problem("", name, f"not JSON: {exc}")]) from None
    except RecursionError:
        raise InputError(
            [Problem("", name, "not JSON this server reads: nested too deeply")]
        ) from None
    if not isinstance(value, expect):
        what = "a JSON object" if expect is dict else "a JSON list of objects"
        raise InputError([Problem("", name, f"must be {what}")])
    return value


def _pattern(value: str | None, pattern: re.Pattern[str], name: str) -> None:
    if value is not None and not pattern.match(value):
        raise InputError([Problem("", name, f"{value!r} is not a valid {name}")])


async def _answer(
    request: Request,
    what: str,
    run: Callable[[], Record],
    *,
    signed: bool,
    back: str,
    how: str = "in this browser",
    again: str | None = None,
) -> Response:
    """Run the use-case; answer with the result fragment (htmx) or go back to the page.

    A refusal is the fragment with its real status for htmx; a plain form post gets the
    error page (``WebRoute``), as every other form does. ``signed`` says whether the request
    came signed, ``how`` where it was signed; ``again`` replaces the advice shown beside a
    refused signature.
    """
    from starlette.concurrency import run_in_threadpool

    htmx = bool(request.headers.get("HX-Request"))
    try:
        row = await run_in_threadpool(run)
    except ArmsctlError as exc:
        if not htmx:
            raise
        if isinstance(exc, AccessDenied):
            await _audit_refusal(request, exc)
            problems = [exc.reason]
        elif isinstance(exc, InputError):
            problems = [str(p) for p in exc.problems]
        else:
            problems = [str(exc)]
        status = outcome(exc).http_status
        signature = isinstance(exc, AccessDenied) and exc.action == "signed-entry"
        signature |= isinstance(exc, InputError) and any(
            p.location == "signed_entry" for p in exc.problems
        )
        return render(
            request,
            "_signed_result.html",
            status_code=status,
            result={
                "what": what,
                "status": status,
                "problems": problems,
                "signature": signature,
                "again": again,
            },
        )
    if not htmx:
        return RedirectResponse(back, status_code=303)
    return render(
        request,
        "_signed_result.html",
        status_code=201,
        result={"what": what, "row": row, "signed": signed, "back": back, "how": how},
    )


@router.post("/notifications/send")
async def send_notification(request: Request) -> Response:
    """Send a notification as the party, signed in the browser (``sign-entry.mjs``).

    The body is a JSON object; the *Event time* field, when given, is its ``event_time`` (the
    time the treaty's deadline counts from). A signed request carries ``body_salt``, the salt
    the page drew for the body's commitment in the signed entry.
    """
    from armsctl.service.notifications import submit_notification

    p = await posted(request, "notification.submit")
    form, treaty, kind = p.fields, _text(p.fields, "treaty"), _text(p.fields, "kind")

    def run() -> Record:
        recipient = _optional(form, "recipient")
        _pattern(kind, _KIND, "kind")
        _pattern(recipient, _CODE, "recipient")
        body = _json(form, "body", dict, {})
        if event := _optional(form, "event_time"):
            body["event_time"] = event
        doc = _treaty(p.state, treaty)
        if kind not in {d.id for d in doc.notifications}:
            raise InputError([Problem("", "kind", f"{kind!r} is not a notification of {treaty}")])
        return submit_notification(
            p.state.db,
            p.actor,
            treaty=treaty,
            sender=str(p.actor.party),
            recipient=recipient,
            kind=kind,
            body=body,
            body_salt=_optional(form, "body_salt"),
            rng=p.state.rng,
            recording_history=_checked(form, "recording_history"),
            **p.signed(),
        )

    return await _signed_answer(request, p, "Notification", run, f"/notifications?treaty={treaty}")


def _treaty(state: Any, treaty: str) -> Any:
    """The treaty document, or a 404 naming it (``views.treaty_doc`` reads the cached copy)."""
    from armsctl.web import views

    return views.treaty_doc(state.db, treaty)


async def _signed_answer(
    request: Request, p: Posted, what: str, run: Callable[[], Record], back: str
) -> Response:
    """``_answer`` for a form signed in this browser: signed when it sent a signed entry."""
    return await _answer(request, what, run, signed=p.signed_entry is not None, back=back)


@router.post("/inspections/request")
async def request_inspection(request: Request) -> Response:
    """Request an inspection as the party, signed in the browser.

    A signed request carries ``site_salt``, the salt of the site's commitment in the entry.
    """
    from armsctl.service.inspections import request_inspection as use_case

    p = await posted(request, "inspection.request")
    form, treaty = p.fields, _text(p.fields, "treaty")

    def run() -> Record:
        inspectors = [n for n in re.split(r"[\s,]+", _text(form, "inspectors")) if n]
        for name in inspectors:
            _pattern(name, _NAME, "inspectors")
        year_text = _text(form, "year")
        if year_text and not re.fullmatch(r"[0-9]{4}", year_text):
            raise InputError([Problem("", "year", "must be a year")])
        site = _text(form, "site")
        if not site or len(site) > 200 or "\x00" in site:
            raise InputError([Problem("", "site", "name the site to inspect (200 characters)")])
        return use_case(
            p.state.db,
            p.actor,
            treaty=treaty,
            inspecting=str(p.actor.party),
            inspected=_text(form, "inspected_party"),
            quota_id=_text(form, "type"),
            site=site,
            inspectors=inspectors,
            year=int(year_text) if year_text else None,
            rng=p.state.rng,
            site_salt=_optional(form, "site_salt"),
            recording_history=_checked(form, "recording_history"),
            **p.signed(),
        )

    return await _signed_answer(
        request, p, "Inspection request", run, f"/inspections?treaty={treaty}"
    )


@router.post("/inspections/{inspection_id}/schedule")
async def schedule_inspection(request: Request, inspection_id: int) -> Response:
    """Notify the arrival time (the inspecting party), signed in the browser.

    The form's field is a UTC time (its label says so): ``YYYY-MM-DDTHH:MM`` gets ``+00:00``.
    A signed step carries ``arrival_salt``, the salt of the arrival's commitment.
    """
    from armsctl.service.inspections import schedule_inspection as use_case
    from armsctl.times import parse_instant

    p = await posted(request, "inspection.schedule")
    text = _text(p.fields, "arrival")

    def run() -> Record:
        zoned = text + "+00:00" if _LOCAL_MINUTE.match(text) else text
        return use_case(
            p.state.db,
            p.actor,
            inspection_id=inspection_id,
            arrival=parse_instant(zoned, field="arrival"),
            arrival_salt=_optional(p.fields, "arrival_salt"),
            **p.signed(),
        )

    return await _signed_answer(request, p, "Arrival time", run, "/inspections")


@router.post("/inspections/{inspection_id}/start")
async def start_inspection(request: Request, inspection_id: int) -> Response:
    """Receive the team (the inspected party), signed in the browser."""
    from armsctl.service.inspections import start_inspection as use_case

    p = await posted(request, "inspection.start")

    def run() -> Record:
        return use_case(p.state.db, p.actor, inspection_id=inspection_id, **p.signed())

    return await _signed_answer(request, p, "Team received", run, "/inspections")


@router.post("/inspections/{inspection_id}/report")
async def report_inspection(request: Request, inspection_id: int) -> Response:
    """File the findings (the inspecting party or its granted inspectors), signed in the browser.

    The findings are a JSON list of objects; a signed report carries ``findings_salt``.
    """
    from armsctl.service.inspections import report_inspection as use_case

    p = await posted(request, "inspection.report")

    def run() -> Record:
        findings = _json(p.fields, "findings", list, [])
        if not all(isinstance(f, dict) for f in findings):
            raise InputError([Problem("", "findings", "must be a JSON list of objects")])
        return use_case(
            p.state.db,
            p.actor,
            inspection_id=inspection_id,
            findings=findings,
            findings_salt=_optional(p.fields, "findings_salt"),
            **p.signed(),
        )

    return await _signed_answer(request, p, "Report", run, "/inspections")


@router.post("/inspections/{inspection_id}/reveal")
async def reveal_site(request: Request, inspection_id: int) -> Response:
    """Reveal the inspected site (the inspected party): upload the reveal its client signed.

    The file is ``armsctl client inspect reveal ID --declaration D --decrypt-key K --key K
    --out FILE`` (``signed_requests.parse_signed_reveal``). The server checks the reveal
    against the logged commitment and the site commitment, and the signature against the
    inspected party's registered keys, never a key in the file; any refusal stores nothing.
    """
    from starlette.datastructures import UploadFile

    from armsctl.service.signed_requests import parse_signed_reveal, submit_signed_reveal

    actor, _ = require_actor(request)
    form = await check_csrf(request)
    file = form.get("file")
    data, name = b"", "the reveal file"
    if isinstance(file, UploadFile):  # read (and closed) before anything may refuse
        name = re.sub(r"[^A-Za-z0-9._ -]", "_", (file.filename or "")[-200:]) or name
        data = await file.read()
        await file.close()
    require(actor, "inspection.reveal")
    state = app_state(request)

    def run() -> Record:
        if not data:
            raise InputError([Problem("", "file", "choose the signed reveal file to upload")])
        parsed = parse_signed_reveal(data, inspection=inspection_id, name=name)
        return submit_signed_reveal(
            state.db,
            actor,
            parsed,
            allow=allow_for(actor, "inspection.reveal"),
            at=state.clock(),
            require_signature=state.settings.require_party_signatures,
        )

    return await _answer(
        request,
        "Site reveal",
        run,
        signed=True,
        back="/inspections",
        how="in your party's client",
        again=(
            "Write the reveal again with your party's own registered signing key (armsctl "
            f"client inspect reveal {inspection_id} --declaration ID --decrypt-key "
            f"{actor.party}.x25519.key --key {actor.party}.key --out FILE) and upload it "
            "within 5 minutes of writing it."
        ),
    )


@router.post("/declarations/declare")
async def declare_figures(request: Request) -> Response:
    """Declare aggregate figures as the party, signed in the browser.

    Each figure is a field ``figure.<measure>`` (left empty: not declared), read here as the page
    read it to sign; a declaration file, or items, go through the upload form instead.
    """
    import datetime as dt

    from armsctl.service.declarations import submit_aggregate

    p = await posted(request, "declaration.submit")
    form, treaty = p.fields, _text(p.fields, "treaty")

    def run() -> Record:
        try:
            as_of = dt.date.fromisoformat(_text(form, "as_of"))
        except ValueError:
            raise InputError([Problem("", "as_of", "must be a date (YYYY-MM-DD)")]) from None
        figures: dict[str, int] = {}
        for name in sorted(form):
            if not name.startswith("figure.") or not _text(form, name):
                continue
            text = _text(form, name)
            if not _DIGITS.match(text) or int(text) > MAX_SAFE:
                raise InputError([Problem("", name[7:], "must be a whole number >= 0")])
            figures[name[7:]] = int(text)
        note = (
            "declared on the web, signed by the party" if p.signed_entry else "declared on the web"
        )
        return submit_aggregate(
            p.state.db,
            p.actor,
            treaty=treaty,
            party=str(p.actor.party),
            as_of=as_of,
            figures=figures,
            status=_text(form, "status") or "provided",
            note=note,
            recording_history=_checked(form, "recording_history"),
            **p.signed(),
        )

    return await _signed_answer(request, p, "Declaration", run, f"/declarations?treaty={treaty}")
