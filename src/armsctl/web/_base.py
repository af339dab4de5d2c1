"""What every page shares: web state, error pages, the signed-in actor, CSRF, rendering.

The view cache is keyed by the log's size, so that any write makes cached views stale.

Every handler starts the same way, so the start has one home: ``signed_in`` (a page: the
signed-in user whose role may do the page's action) and ``posted`` (a form: the same, after the
form's CSRF check), whose ``Posted.grant`` and ``Posted.signed`` are the keywords every
use-case takes from its caller.

Errors never reach the browser as JSON or a traceback: ``WebRoute`` renders a refusal as a 403
page with the reason given by ``armsctl.access.authz``, a missing session as a redirect to the
sign-in page, and user errors as a 4xx page naming each problem.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from armsctl.access.authz import allow_for, decide, require
from armsctl.access.deps import AppState
from armsctl.errors import AccessDenied, ArmsctlError, InputError, outcome
from armsctl.service import Actor, Resource
from armsctl.web.format import plain_refusal
from armsctl.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionStore,
    WebSession,
    same_token,
)

__all__ = [
    "BadRequest",
    "Posted",
    "SignInRequired",
    "ViewCache",
    "WebRoute",
    "WebState",
    "app_state",
    "check_csrf",
    "current",
    "page_router",
    "posted",
    "render",
    "require_actor",
    "signed_in",
    "web_state",
]

log = logging.getLogger("armsctl.web")
HERE = Path(__file__).parent

#: Pages in the navigation bar: (path, label, action the role needs to see it).
NAV: tuple[tuple[str, str, str], ...] = (
    ("/overview", "Overview", "compliance.read"),
    ("/history", "History", "compliance.read"),
    ("/declarations", "Declarations", "declaration.read"),
    ("/notifications", "Notifications", "notification.read"),
    ("/inspections", "Inspections", "quota.read"),
    ("/monitoring", "Monitoring", "observation.read"),
    ("/workbench", "Workbench", "compliance.read"),
    ("/log", "Log", "log.read"),
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """The page needs a signed-in user; the route answers with a redirect to sign in."""


class BadRequest(Exception):
    """A form that fails its CSRF check or is malformed; answered with a 400 page."""


class ViewCache:
    """A small LRU of computed views; keys include the log size, so writes invalidate them."""

    def __init__(self, size: int = 128) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any:
        """The cached value under ``key``, or ``None``; for views that update themselves."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, stale: Callable[[Hashable], bool]) -> None:
        """Forget every entry whose key is ``stale``: old versions only cost memory (and GC)."""
        with self._lock:
            for key in [k for k in self._items if stale(k)]:
                del self._items[key]

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass
class WebState:
    """Built once by ``install_web``: templates, sessions and the view cache."""

    env: jinja2.Environment
    sessions: SessionStore
    cache: ViewCache = field(default_factory=ViewCache)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.armsctl
    return state


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.armsctl_web
    return state


def _session(request: Request) -> WebSession | None:
    now = app_state(request).clock()
    return web_state(request).sessions.get(request.cookies.get(SESSION_COOKIE), at=now)


def current(request: Request) -> tuple[Actor | None, WebSession | None]:
    """The signed-in actor (re-authenticated from the session's token) and the session."""
    if getattr(request.state, "web_checked", False):
        return request.state.web_actor, request.state.web_session
    from armsctl.service.accounts import authenticate

    session = _session(request)
    actor = None
    if session is not None:
        state = app_state(request)
        actor = authenticate(state.db, session.token, at=state.clock())
    request.state.web_actor, request.state.web_session = actor, session
    request.state.web_checked = True
    if actor is not None:
        request.state.actor = actor
    return actor, session


def require_actor(request: Request) -> tuple[Actor, WebSession]:
    actor, session = current(request)
    if actor is None or session is None:
        raise SignInRequired
    return actor, session


async def check_csrf(request: Request) -> dict[str, Any]:
    """Read a posted form and refuse it unless it carries this session's CSRF token."""
    _actor, session = require_actor(request)
    form = await request.form()
    fields: dict[str, Any] = {k: v for k, v in form.multi_items()}
    sent = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD)
    if not isinstance(sent, str) or not same_token(session.csrf, sent):
        raise BadRequest("the form's security token is missing or stale; reload the page")
    return fields


def signed_in(request: Request, action: str) -> Actor:
    """The signed-in actor, refused (403 with the table's reason) unless its role may ``action``."""
    actor, _ = require_actor(request)
    require(actor, action)
    return actor


@dataclass(frozen=True)
class Posted:
    """A posted form past its checks: who sent it, its fields and the action its role may do."""

    actor: Actor
    fields: dict[str, Any]
    state: AppState
    action: str

    @property
    def signed_entry(self) -> str | None:
        """The entry the party signed in the browser (``sign-entry.mjs``), if the form has one."""
        value = self.fields.get("signed_entry")
        return (value.strip() or None) if isinstance(value, str) else None

    def grant(self) -> dict[str, Any]:
        """What a use-case takes from its caller: the role's check of the resource, and now."""
        return {"allow": allow_for(self.actor, self.action), "at": self.state.clock()}

    def signed(self) -> dict[str, Any]:
        """``grant`` and the party's signature, for a use-case that writes a party's entry.

        Whether an unsigned entry is taken is the server's setting, never the form's.
        """
        return {
            **self.grant(),
            "signed_entry": self.signed_entry,
            "require_signature": self.state.settings.require_party_signatures,
        }


async def posted(request: Request, action: str) -> Posted:
    """A signed-in user's form: its CSRF token checked first, then whether the role may act."""
    actor, _ = require_actor(request)
    fields = await check_csrf(request)
    require(actor, action)
    return Posted(actor, fields, app_state(request), action)


def allowed(actor: Actor | None, action: str, resource: Resource | None = None) -> bool:
    """Whether the role x action table lets ``actor`` do ``action`` (anonymous: never)."""
    return actor is not None and decide(actor, action, resource) is None


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with what every page needs: the actor, CSRF token and navigation."""
    actor, session = current(request)
    nav = [(path, label) for path, label, action in NAV if allowed(actor, action)]
    page = (
        web_state(request)
        .env.get_template(template)
        .render(
            request=request,
            actor=actor,
            csrf=session.csrf if (session and actor) else "",
            csrf_field=CSRF_FIELD,
            nav=nav,
            path=request.url.path,
            allowed=lambda action, resource=None: allowed(actor, action, resource),
            **context,
        )
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


def _problem_page(
    request: Request, status: int, title: str, problems: list[str], detail: str = ""
) -> Response:
    try:
        return render(
            request,
            "error.html",
            status_code=status,
            title=title,
            problems=problems,
            detail=detail,
        )
    except Exception:  # the error page itself failed: answer in plain text, never a traceback
        log.exception("could not render the error page")
        return HTMLResponse("<p>error</p>", status_code=status, headers=SECURITY_HEADERS)


class WebRoute(APIRoute):
    """A route whose domain errors become HTML pages instead of the API's JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.headers.get("HX-Request"):
                    return Response(status_code=401, headers={"HX-Redirect": "/signin"})
                return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
            except BadRequest as exc:
                return _problem_page(request, 400, "Bad request", [str(exc)])
            except ArmsctlError as exc:
                # The status and title come from the one table the API and the CLI read too.
                kind = outcome(exc)
                detail = ""
                if isinstance(exc, AccessDenied):
                    await _audit_refusal(request, exc)
                    # In words for the reader; the table's reason stays as technical detail.
                    actor = getattr(request.state, "web_actor", None)
                    role = actor.role if actor is not None else None
                    problems = [plain_refusal(role, exc.action, exc.reason)]
                    detail = exc.reason
                elif isinstance(exc, InputError):
                    problems = [str(p) for p in exc.problems]
                else:
                    problems = [str(exc)]
                return _problem_page(request, kind.http_status, kind.title, problems, detail=detail)

        return guarded


def page_router() -> APIRouter:
    """A router of HTML pages: its errors answered as pages (``WebRoute``), not in the API schema."""
    return APIRouter(route_class=WebRoute, include_in_schema=False)


async def _audit_refusal(request: Request, exc: AccessDenied) -> None:
    """Write the refusal to the audit trail, as the API does."""
    from starlette.concurrency import run_in_threadpool

    from armsctl.service import audit

    actor = getattr(request.state, "web_actor", None)
    if not actor:
        return
    state = app_state(request)

    def write() -> None:
        with state.db.write() as (session, _conn):
            audit(
                session,
                actor,
                action=exc.action or "web",
                resource=exc.resource or request.url.path,
                at=state.clock(),
                outcome="denied",
                detail=exc.reason[:500],
            )

    try:
        await run_in_threadpool(write)
    except Exception:  # the refusal stands even if its audit write fails
        log.exception("could not record a refusal in the audit trail")


def today(request: Request) -> dt.date:
    return app_state(request).clock().date()
