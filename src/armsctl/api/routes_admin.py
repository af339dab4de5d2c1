"""Treaties, parties, users and tokens, and who the caller is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from armsctl.api.deps import ActorDep, Guard, PagingDep, StateDep, permit
from armsctl.api.schemas import PageOut, PartyCreate, TokenCreate, TreatyLoad, UserCreate
from armsctl.service import accounts

__all__ = ["router"]

router = APIRouter()
TreatyPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
TokenPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@router.get("/health", tags=["server"])
def health(state: StateDep) -> dict[str, Any]:
    """Liveness (no token needed)."""
    return {"status": "ok"}


@router.get("/me", tags=["server"])
def me(actor: ActorDep) -> dict[str, Any]:
    """The caller's user, role and party."""
    return {"name": actor.name, "role": actor.role, "party": actor.party, "treaty": actor.treaty}


@router.get("/treaties", tags=["treaties"])
def list_treaties(
    state: StateDep, _g: Annotated[Guard, permit("treaty.read")]
) -> list[dict[str, Any]]:
    return accounts.list_treaties(state.db)


@router.post("/treaties", status_code=201, tags=["treaties"])
def load_treaty(
    body: TreatyLoad, state: StateDep, _g: Annotated[Guard, permit("treaty.load")]
) -> dict[str, Any]:
    """Load a bundled treaty onto the server."""
    return accounts.load_treaty(state.db, body.id, at=state.clock())


@router.get("/treaties/{treaty}/parties", tags=["treaties"])
def list_parties(
    treaty: TreatyPath, state: StateDep, _g: Annotated[Guard, permit("treaty.read")]
) -> list[dict[str, Any]]:
    return accounts.list_parties(state.db, treaty=treaty)


@router.post("/treaties/{treaty}/parties", status_code=201, tags=["treaties"])
def register_party(
    treaty: TreatyPath,
    body: PartyCreate,
    state: StateDep,
    _g: Annotated[Guard, permit("party.register")],
) -> dict[str, Any]:
    """Register a party and its Ed25519 verifier key."""
    return accounts.register_party(
        state.db, treaty=treaty, code=body.code, name=body.name, key=body.key, at=state.clock()
    )


@router.get("/users", response_model=PageOut, tags=["users"])
def list_users(
    state: StateDep, page: PagingDep, _g: Annotated[Guard, permit("user.manage")]
) -> dict[str, Any]:
    return accounts.list_users(state.db, limit=page.limit, offset=page.offset).to_dict()


@router.post("/users", status_code=201, tags=["users"])
def add_user(
    body: UserCreate, state: StateDep, _g: Annotated[Guard, permit("user.manage")]
) -> dict[str, Any]:
    return accounts.add_user(
        state.db,
        name=body.name,
        role=body.role,
        treaty=body.treaty,
        party=body.party,
        at=state.clock(),
    )


@router.post("/users/{name}/tokens", status_code=201, tags=["users"])
def issue_token(
    name: NamePath,
    body: TokenCreate,
    state: StateDep,
    _g: Annotated[Guard, permit("user.manage")],
) -> dict[str, Any]:
    """Issue a token; the secret is in this response only."""
    return accounts.issue_token(
        state.db, user=name, at=state.clock(), days=body.days, rng=state.rng
    )


@router.get("/tokens", tags=["users"])
def list_tokens(
    state: StateDep, _g: Annotated[Guard, permit("user.manage")]
) -> list[dict[str, Any]]:
    return accounts.list_tokens(state.db)


@router.delete("/tokens/{token_id}", tags=["users"])
def revoke_token(
    token_id: TokenPath, state: StateDep, _g: Annotated[Guard, permit("user.manage")]
) -> dict[str, Any]:
    return accounts.revoke_token(state.db, token_id=token_id, at=state.clock())
