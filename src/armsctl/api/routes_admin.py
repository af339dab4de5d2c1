"""Treaties, parties, users and tokens, and who the caller is.

Users and tokens follow the role x action table: the operator registers a party with its first
user and token, and manages users of no party; a party's users manage that party's users and
inspectors. Every list is paged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from armsctl.access.deps import ActorDep, Guard, PagingDep, StateDep, TreatyPath, permit
from armsctl.api.schemas import PageOut, PartyBootstrap, TokenCreate, TreatyLoad, UserCreate
from armsctl.service import accounts, slice_page

__all__ = ["router"]

router = APIRouter()
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
TokenPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


def _own_party(guard: Guard) -> int | None:
    """A party user sees its own party's users only; the operator sees every user."""
    return guard.actor.party_id if guard.actor.role == "party" else None


@router.get("/health", tags=["server"])
def health(state: StateDep) -> dict[str, Any]:
    """Liveness (no token needed)."""
    return {"status": "ok"}


@router.get("/me", tags=["server"])
def me(actor: ActorDep) -> dict[str, Any]:
    """The caller's user, role and party."""
    return {"name": actor.name, "role": actor.role, "party": actor.party, "treaty": actor.treaty}


@router.get("/treaties", response_model=PageOut, tags=["treaties"])
def list_treaties(
    state: StateDep, page: PagingDep, _g: Annotated[Guard, permit("treaty.read")]
) -> dict[str, Any]:
    return slice_page(accounts.list_treaties(state.db), page.limit, page.offset).to_dict()


@router.post("/treaties", status_code=201, tags=["treaties"])
def load_treaty(
    body: TreatyLoad, state: StateDep, _g: Annotated[Guard, permit("treaty.load")]
) -> dict[str, Any]:
    """Load a bundled treaty onto the server."""
    return accounts.load_treaty(state.db, body.id, at=state.clock())


@router.get("/treaties/{treaty}/parties", response_model=PageOut, tags=["treaties"])
def list_parties(
    treaty: TreatyPath,
    state: StateDep,
    page: PagingDep,
    _g: Annotated[Guard, permit("treaty.read")],
) -> dict[str, Any]:
    rows = accounts.list_parties(state.db, treaty=treaty)
    return slice_page(rows, page.limit, page.offset).to_dict()


@router.post("/treaties/{treaty}/parties", status_code=201, tags=["treaties"])
def register_party(
    treaty: TreatyPath,
    body: PartyBootstrap,
    state: StateDep,
    guard: Annotated[Guard, permit("party.register")],
) -> dict[str, Any]:
    """Register a party and its Ed25519 verifier key, optionally with its first user.

    With ``first_user`` the response holds that user's token (shown once): the bootstrap, the
    only credential for a party the operator ever hands out.
    """
    return accounts.register_party(
        state.db,
        treaty=treaty,
        code=body.code,
        name=body.name,
        key=body.key,
        encryption_key=body.encryption_key,
        at=state.clock(),
        first_user=body.first_user,
        token_days=body.token_days,
        rng=state.rng,
        actor=guard.actor,
    )


@router.get("/users", response_model=PageOut, tags=["users"])
def list_users(
    state: StateDep, page: PagingDep, guard: Annotated[Guard, permit("user.read")]
) -> dict[str, Any]:
    return accounts.list_users(
        state.db, limit=page.limit, offset=page.offset, party_id=_own_party(guard)
    ).to_dict()


@router.post("/users", status_code=201, tags=["users"])
def add_user(
    body: UserCreate, state: StateDep, guard: Annotated[Guard, permit("user.add")]
) -> dict[str, Any]:
    """Add a user (logged): a party adds its own users and inspectors."""
    return accounts.add_user(
        state.db,
        name=body.name,
        role=body.role,
        treaty=body.treaty,
        party=body.party,
        at=state.clock(),
        actor=guard.actor,
        allow=guard.allow,
    )


@router.post("/users/{name}/tokens", status_code=201, tags=["users"])
def issue_token(
    name: NamePath,
    body: TokenCreate,
    state: StateDep,
    guard: Annotated[Guard, permit("token.issue")],
) -> dict[str, Any]:
    """Issue a token (logged); the secret is in this response only."""
    return accounts.issue_token(
        state.db,
        user=name,
        at=state.clock(),
        days=body.days,
        rng=state.rng,
        actor=guard.actor,
        allow=guard.allow,
    )


@router.get("/tokens", response_model=PageOut, tags=["users"])
def list_tokens(
    state: StateDep, page: PagingDep, guard: Annotated[Guard, permit("user.read")]
) -> dict[str, Any]:
    return accounts.list_tokens_page(
        state.db, limit=page.limit, offset=page.offset, party_id=_own_party(guard)
    ).to_dict()


@router.delete("/tokens/{token_id}", tags=["users"])
def revoke_token(
    token_id: TokenPath, state: StateDep, guard: Annotated[Guard, permit("token.revoke")]
) -> dict[str, Any]:
    """Revoke a token (logged)."""
    return accounts.revoke_token(
        state.db, token_id=token_id, at=state.clock(), actor=guard.actor, allow=guard.allow
    )
