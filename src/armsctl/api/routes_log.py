"""The log (head, checkpoints, entries with proofs, audit) and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from armsctl.access.deps import Guard, PagingDep, StateDep, permit
from armsctl.api.schemas import PageOut
from armsctl.service import MAX_SAFE, log

__all__ = ["router"]

router = APIRouter(tags=["log"])


@router.get("/log")
def log_status(state: StateDep, _g: Annotated[Guard, permit("log.read")]) -> dict[str, Any]:
    """Size, root, the log key and the latest signed checkpoint."""
    return log.log_status(state.db)


@router.post("/log/checkpoints", status_code=201)
def sign_checkpoint(
    state: StateDep, _g: Annotated[Guard, permit("log.checkpoint")]
) -> dict[str, Any]:
    return log.sign_checkpoint(state.db)


@router.get("/log/entries/{index}")
def log_entry(
    index: Annotated[int, Path(ge=0, le=MAX_SAFE)],
    state: StateDep,
    _g: Annotated[Guard, permit("log.read")],
) -> dict[str, Any]:
    """An entry, its hash and the link to its proof bundle (entries hold digests only)."""
    return log.log_entry(state.db, index=index)


@router.get("/log/entries/{index}/proof")
def log_proof(
    index: Annotated[int, Path(ge=0, le=MAX_SAFE)],
    state: StateDep,
    from_size: Annotated[int | None, Query(ge=0, le=MAX_SAFE)] = None,
    checkpoint: Annotated[int | None, Query(ge=0, le=MAX_SAFE)] = None,
) -> dict[str, Any]:
    """The entry's ``armsctl/proof-bundle/v1`` against the latest signed checkpoint.

    No token: the log is public by design. ``from_size`` adds a consistency proof from an
    older checkpoint the client holds; ``checkpoint`` picks an older signed checkpoint. Verify
    it with ``armsctl ledger verify-proof BUNDLE --trust trust.toml``, with keys obtained out
    of band: the bundle carries no key to trust.
    """
    return log.proof_bundle(state.db, index=index, checkpoint=checkpoint, from_size=from_size)


@router.get("/log/audit")
def audit_log(state: StateDep, _g: Annotated[Guard, permit("log.audit")]) -> dict[str, Any]:
    return log.audit_log(state.db)


@router.get("/audit-events", response_model=PageOut, tags=["audit"])
def audit_events(
    state: StateDep, page: PagingDep, _g: Annotated[Guard, permit("audit.read")]
) -> dict[str, Any]:
    return log.list_audit_events(state.db, limit=page.limit, offset=page.offset).to_dict()
