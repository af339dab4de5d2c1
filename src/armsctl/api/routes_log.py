"""The log (head, checkpoints, entries with proofs, audit) and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from armsctl.access.deps import PagingDep, StateDep
from armsctl.api.public import (
    AuditEventPublic,
    CheckpointPublic,
    LogAuditPublic,
    LogEntryPublic,
    LogStatusPublic,
    Page,
    ProofBundlePublic,
)
from armsctl.api.routing import Call, Router, allowed, paged
from armsctl.service import MAX_SAFE, log

__all__ = ["router"]

router = Router(tags=["log"])
#: A log entry's index, or a tree size: within JavaScript's safe integers.
Index = Annotated[int, Path(ge=0, le=MAX_SAFE)]


@router.get("/log", response_model=LogStatusPublic)
def log_status(call: Annotated[Call, allowed("log.read")]) -> LogStatusPublic:
    """Size, root, the log key and the latest signed checkpoint."""
    return log.log_status(call.db)


@router.post("/log/checkpoints", status_code=201, response_model=CheckpointPublic)
def sign_checkpoint(call: Annotated[Call, allowed("log.checkpoint")]) -> CheckpointPublic:
    """Sign a checkpoint of the current tree (and gather the witnesses' cosignatures)."""
    return log.sign_checkpoint(call.db)


@router.get("/log/entries/{index}", response_model=LogEntryPublic)
def log_entry(index: Index, call: Annotated[Call, allowed("log.read")]) -> LogEntryPublic:
    """An entry, its hash and the link to its proof bundle (entries hold digests only)."""
    return log.log_entry(call.db, index=index)


@router.get("/log/entries/{index}/proof", response_model=ProofBundlePublic)
def log_proof(
    index: Index,
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


@router.get("/log/audit", response_model=LogAuditPublic)
def audit_log(call: Annotated[Call, allowed("log.audit")]) -> LogAuditPublic:
    """Recompute every leaf, node and checkpoint and check who signed each entry."""
    return log.audit_log(call.db)


@router.get("/audit-events", response_model=Page[AuditEventPublic], tags=["audit"])
def audit_events(page: PagingDep, call: Annotated[Call, allowed("audit.read")]) -> dict[str, Any]:
    """Audit events, newest first (who read confidential data, who was refused)."""
    return log.list_audit_events(call.db, **paged(page)).to_dict()
