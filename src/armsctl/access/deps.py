"""Request dependencies shared by the API and the web: the app state, the caller, paging.

The bearer token is read once, checked by ``armsctl.service.token_cache`` (in memory for a
token that verified before, else ``accounts.authenticate``; hash compared in constant time)
and never logged; a missing, wrong, expired or revoked token is a
401 with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from armsctl.access.authz import allow_for, require
from armsctl.service import MAX_SAFE, Actor, Allow, Database
from armsctl.settings import Settings

__all__ = [
    "ActorDep",
    "AppState",
    "Guard",
    "IdPath",
    "Paging",
    "PagingDep",
    "StateDep",
    "TreatyPath",
    "admit",
    "get_actor",
    "get_state",
    "paging",
    "permit",
]

# Path parameters every router shares: a treaty id as the treaty files spell it, a row id.
TreatyPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
IdPath = Annotated[int, Path(ge=1, le=MAX_SAFE)]


@dataclass
class AppState:
    """What the routes and pages need, built once by ``armsctl.server.create_app``."""

    db: Database
    settings: Settings
    clock: Callable[[], dt.datetime]
    rng: Callable[[int], bytes]


async def get_state(request: Request) -> AppState:
    """The ``AppState`` the server factory stored on the app, for routes and pages to depend on.

    Kept as a dependency (not a module global) so that tests and the server compose apps with
    their own database, settings, clock and rng.
    """
    state: AppState = request.app.state.armsctl
    return state


StateDep = Annotated[AppState, Depends(get_state)]
_bearer = HTTPBearer(auto_error=False, description="An API token: `armsctl tokens issue`.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_actor(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """Authenticate the bearer token and return its ``Actor``; also kept on ``request.state``.

    The token itself is never logged or kept on the request; the actor is, so that a refusal
    raised later in the request can be written to the audit trail with who was refused.

    Raises:
        HTTPException: 401 with ``WWW-Authenticate: Bearer`` when the token is missing, or is
            wrong, expired or revoked (those three share one message, so a caller cannot tell
            which).
    """
    if credentials is None:
        raise HTTPException(401, "missing bearer token", headers=_CHALLENGE)
    actor = await _authenticate(state, credentials.credentials)
    if actor is None:
        raise HTTPException(401, "invalid, expired or revoked token", headers=_CHALLENGE)
    request.state.actor = actor
    return actor


async def _authenticate(state: AppState, token: str) -> Actor | None:
    """In memory when the token is cached; otherwise the lookup runs in a worker thread."""
    from starlette.concurrency import run_in_threadpool

    from armsctl.service.token_cache import token_cache

    cache = token_cache(state.db, ttl=state.settings.token_cache_seconds)
    at = state.clock()
    return cache.lookup(token, at) or await run_in_threadpool(cache.authenticate, token, at)


ActorDep = Annotated[Actor, Depends(get_actor)]


@dataclass(frozen=True)
class Guard:
    """The caller, already allowed by role, and the callback for resource-level checks."""

    actor: Actor
    allow: Allow
    action: str


def admit(request: Request, actor: Actor, action: str) -> Guard:
    """Refuse the caller's role unless the table lists it for ``action``; else its ``Guard``.

    The action is kept on ``request.state`` first, so that a refusal is audited under it.
    """
    request.state.action = action
    require(actor, action)
    return Guard(actor, allow_for(actor, action), action)


def permit(action: str) -> Any:
    """A dependency that refuses the caller's role unless the table lists it for ``action``."""

    async def dependency(request: Request, actor: ActorDep) -> Guard:
        return admit(request, actor, action)

    return Depends(dependency)


@dataclass(frozen=True)
class Paging:
    """A validated page request: ``limit`` rows (1 to ``Settings.max_page``) after ``offset``.

    Built only by ``paging``, so a use-case receiving one need not check the bounds again.
    """

    limit: int
    offset: int


async def paging(
    state: StateDep,
    limit: Annotated[
        int, Query(ge=1, le=1_000_000, description="Rows per page (at most the server's max_page).")
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")] = 0,
) -> Paging:
    """Every list's paging, bounded by ``Settings.max_page`` (a larger page is a 422)."""
    from armsctl.errors import InputError, Problem

    if limit > state.settings.max_page:
        raise InputError([Problem("", "limit", f"at most {state.settings.max_page} rows per page")])
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]
