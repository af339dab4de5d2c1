"""What every route does the same way: its router, and the arguments it hands its use-case.

A route checks the caller (``permit``), reads its body and calls one use-case; the arguments
that come from the request rather than the body are the same everywhere, so they are built
here once: who may do it and when (``acting``), the party's own signed entry and the server's
signing policy (``signing``), and a list's page (``paged``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypedDict

from fastapi import APIRouter, Query

from armsctl.access.deps import AppState, Guard, Paging
from armsctl.service import AccessDenied, Allow

__all__ = [
    "Acting",
    "CodeQuery",
    "PageArgs",
    "Router",
    "Signing",
    "acting",
    "own_party",
    "paged",
    "signing",
]

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


def own_party(guard: Guard, what: str) -> str:
    """The caller's party; only party users reach the routes that need one (the role table)."""
    if guard.actor.party is None:  # pragma: no cover - only party users get this far
        raise AccessDenied(f"only a party {what}", action=guard.action)
    return guard.actor.party
