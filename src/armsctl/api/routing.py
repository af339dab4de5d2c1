"""What every route does the same way: its router, its caller, and how it calls its use-case.

A route is let through by the role table, reads its body and calls one use-case. What a
use-case is handed besides the request's own values is the same everywhere, so it is put
together here once: the store and the caller (``Call``, the dependency ``allowed`` gives a
route), who may do it and when (``acting``), the party's own signed entry and the server's
signing policy (``signing``), and a list's page (``paged``). A request body's fields are the
keyword arguments of the same names of the use-case it is for, so ``Call.logs`` hands them on
as they are rather than each route spelling them out again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from armsctl.access.deps import ActorDep, AppState, Guard, Paging, StateDep, admit
from armsctl.service import AccessDenied, Allow, Database

__all__ = [
    "Acting",
    "Call",
    "CodeQuery",
    "PageArgs",
    "Router",
    "Signing",
    "acting",
    "allowed",
    "fields",
    "paged",
    "signing",
]

T = TypeVar("T")

#: An optional party code in a query string, spelled as treaty files spell it.
CodeQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]


class Router(APIRouter):
    """A router whose routes leave out the keys their use-case left out.

    Response models (``armsctl.api.public``) give the keys a use-case sometimes omits a
    default; serialising with ``exclude_unset`` keeps them omitted, so a declared model never
    adds a ``null`` that the use-case did not return.
    """

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        """Register the route as ``APIRouter`` does, serialising with ``exclude_unset``."""
        kwargs["response_model_exclude_unset"] = True
        super().add_api_route(path, endpoint, **kwargs)


class Acting(TypedDict):
    """Keyword arguments: the caller's resource-level check, and now."""

    allow: Allow
    at: dt.datetime


class Signing(TypedDict):
    """Keyword arguments: the party's own signed entry, and the server's signing policy."""

    signed_entry: str | None
    require_signature: bool


class PageArgs(TypedDict):
    """Keyword arguments: the page a list use-case reads."""

    limit: int
    offset: int


def acting(state: AppState, guard: Guard) -> Acting:
    """The resource-level check the role table gave the caller, and now."""
    return {"allow": guard.allow, "at": state.clock()}


def signing(state: AppState, signed_entry: str | None) -> Signing:
    """The party's own signed log entry (if it sent one) and whether the server requires one."""
    return {
        "signed_entry": signed_entry,
        "require_signature": state.settings.require_party_signatures,
    }


def paged(page: Paging) -> PageArgs:
    """The page a list use-case reads."""
    return {"limit": page.limit, "offset": page.offset}


def fields(body: BaseModel, renamed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A request body's fields as keyword arguments: each under its own name, or ``renamed``'s.

    The bodies (``armsctl.api.schemas``) name their fields as the use-cases name their
    arguments, so a route hands them on as they are; nested values stay as validated.
    """
    names = renamed or {}
    return {names.get(name, name): value for name, value in body}


@dataclass(frozen=True)
class Call:
    """A request the role table let through: the server's state and the allowed caller.

    Every use-case that acts for a caller takes the store and the caller first, then its own
    keyword arguments, then the resource-level check and now; one that writes a log entry also
    takes the party's signed entry and the server's policy. ``run`` and ``logs`` hand those on,
    so a route names only what is its own: the use-case and the values from its path and body.
    """

    state: AppState
    guard: Guard

    @property
    def db(self) -> Database:
        """The store the use-case reads and writes."""
        return self.state.db

    @property
    def rng(self) -> Callable[[int], bytes]:
        """The server's random bytes, for the salts and secrets a use-case draws."""
        return self.state.rng

    def now(self) -> dt.datetime:
        """Now, by the server's clock (tests pass a fixed one)."""
        return self.state.clock()

    def party(self, what: str) -> str:
        """The caller's party; only party users reach the routes that need one (the role table)."""
        party = self.guard.actor.party
        if party is None:
            raise AccessDenied(f"only a party {what}", action=self.guard.action)
        return party

    def run(self, use_case: Callable[..., T], /, **args: Any) -> T:
        """Call a use-case that checks the caller against what it reads or changes."""
        return use_case(self.state.db, self.guard.actor, **args, **acting(self.state, self.guard))

    def logs(
        self,
        use_case: Callable[..., T],
        body: BaseModel | None,
        /,
        renamed: Mapping[str, str] | None = None,
        **args: Any,
    ) -> T:
        """Call a use-case that logs an entry, with the body's fields as its arguments.

        Each field is handed on under its own name (or the one ``renamed`` gives it); the
        route's own ``args`` come after, so a value the route derives (the caller's party for
        one the body left out) is the one the use-case gets. ``signed_entry`` goes with the
        server's signing policy; a route without a body logs an entry the server seals unless
        the policy requires the party's.
        """
        given = fields(body, renamed) if body is not None else {}
        entry = given.pop("signed_entry", None)
        return self.run(use_case, **{**given, **args}, **signing(self.state, entry))


def allowed(action: str) -> Any:
    """A dependency giving the route its ``Call``, once the role table lets the caller do ``action``.

    It is ``permit(action)`` with the server's state beside it: a refused role is a 403 before
    the route touches the store.
    """

    async def dependency(request: Request, state: StateDep, actor: ActorDep) -> Call:
        return Call(state, admit(request, actor, action))

    return Depends(dependency)
