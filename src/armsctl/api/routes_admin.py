"""Treaties, parties, users and tokens, and who the caller is.

Users and tokens follow the role x action table: the operator registers a party with its first
user and token, and manages users of no party; a party's users manage that party's users and
inspectors. Every list is paged.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from fastapi import Path

from armsctl.access.deps import ActorDep, Paging, PagingDep, StateDep, TreatyPath
from armsctl.api.public import (
    HealthPublic,
    IssuedTokenPublic,
    MePublic,
    Page,
    PartyBootstrapPublic,
    PartyPublic,
    RevokedTokenPublic,
    TokenPublic,
    TreatyLoadPublic,
    TreatyPublic,
    UserPublic,
)
from armsctl.api.routing import Call, Router, allowed, fields, paged
from armsctl.api.schemas import PartyBootstrap, TokenCreate, TreatyLoad, UserCreate
from armsctl.service import Actor, Allow, accounts, slice_page

__all__ = ["router"]

router = Router()
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
TokenPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


class _Changer(TypedDict):
    actor: Actor
    allow: Allow


def _changer(call: Call) -> _Changer:
    """Who changes an account (it is logged under that name) and what it may change."""
    return {"actor": call.guard.actor, "allow": call.guard.allow}


def _visible(call: Call, page: Paging) -> dict[str, Any]:
    """A page of users or tokens: a party user sees its own party's only, the operator all."""
    actor = call.guard.actor
    return {**paged(page), "party_id": actor.party_id if actor.role == "party" else None}


@router.get("/health", tags=["server"], response_model=HealthPublic)
def health(state: StateDep) -> dict[str, Any]:
    """Liveness (no token needed)."""
    return {"status": "ok"}


@router.get("/me", tags=["server"], response_model=MePublic)
def me(actor: ActorDep) -> dict[str, Any]:
    """The caller's user, role and party."""
    return {"name": actor.name, "role": actor.role, "party": actor.party, "treaty": actor.treaty}


@router.get("/treaties", response_model=Page[TreatyPublic], tags=["treaties"])
def list_treaties(page: PagingDep, call: Annotated[Call, allowed("treaty.read")]) -> dict[str, Any]:
    """The treaties loaded on this server."""
    return slice_page(accounts.list_treaties(call.db), page.limit, page.offset).to_dict()


@router.post("/treaties", status_code=201, tags=["treaties"], response_model=TreatyLoadPublic)
def load_treaty(
    body: TreatyLoad, call: Annotated[Call, allowed("treaty.load")]
) -> TreatyLoadPublic:
    """Load a bundled treaty onto the server."""
    return accounts.load_treaty(call.db, body.id, at=call.now())


@router.get("/treaties/{treaty}/parties", response_model=Page[PartyPublic], tags=["treaties"])
def list_parties(
    treaty: TreatyPath, page: PagingDep, call: Annotated[Call, allowed("treaty.read")]
) -> dict[str, Any]:
    """The treaty's registered parties and their public keys."""
    rows = accounts.list_parties(call.db, treaty=treaty)
    return slice_page(rows, page.limit, page.offset).to_dict()


@router.post(
    "/treaties/{treaty}/parties",
    status_code=201,
    tags=["treaties"],
    response_model=PartyBootstrapPublic,
)
def register_party(
    treaty: TreatyPath, body: PartyBootstrap, call: Annotated[Call, allowed("party.register")]
) -> PartyBootstrapPublic:
    """Register a party and its Ed25519 verifier key, optionally with its first user.

    With ``first_user`` the response holds that user's token (shown once): the bootstrap, the
    only credential for a party the operator ever hands out.
    """
    return accounts.register_party(
        call.db, treaty=treaty, at=call.now(), rng=call.rng, actor=call.guard.actor, **fields(body)
    )


@router.get("/users", response_model=Page[UserPublic], tags=["users"])
def list_users(page: PagingDep, call: Annotated[Call, allowed("user.read")]) -> dict[str, Any]:
    """Users, oldest first: a party user sees its own party's users and inspectors."""
    return accounts.list_users(call.db, **_visible(call, page)).to_dict()


@router.post("/users", status_code=201, tags=["users"], response_model=UserPublic)
def add_user(body: UserCreate, call: Annotated[Call, allowed("user.add")]) -> UserPublic:
    """Add a user (logged): a party adds its own users and inspectors."""
    return accounts.add_user(call.db, at=call.now(), **fields(body), **_changer(call))


@router.post(
    "/users/{name}/tokens", status_code=201, tags=["users"], response_model=IssuedTokenPublic
)
def issue_token(
    name: NamePath, body: TokenCreate, call: Annotated[Call, allowed("token.issue")]
) -> IssuedTokenPublic:
    """Issue a token (logged); the secret is in this response only."""
    return accounts.issue_token(
        call.db, user=name, at=call.now(), rng=call.rng, **fields(body), **_changer(call)
    )


@router.get("/tokens", response_model=Page[TokenPublic], tags=["users"])
def list_tokens(page: PagingDep, call: Annotated[Call, allowed("user.read")]) -> dict[str, Any]:
    """Token ids, owners and lifetimes: a party user sees its own party's tokens."""
    return accounts.list_tokens_page(call.db, **_visible(call, page)).to_dict()


@router.delete("/tokens/{token_id}", tags=["users"], response_model=RevokedTokenPublic)
def revoke_token(
    token_id: TokenPath, call: Annotated[Call, allowed("token.revoke")]
) -> RevokedTokenPublic:
    """Revoke a token (logged)."""
    return accounts.revoke_token(call.db, token_id=token_id, at=call.now(), **_changer(call))
