"""Zero-knowledge proofs that a committed total is within a limit: publish (a party), read (all)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from armsctl.access.deps import IdPath, PagingDep, TreatyPath
from armsctl.api.public import Page, ZkProofPublic
from armsctl.api.routing import Call, CodeQuery, Router, allowed, paged
from armsctl.api.schemas import SignedEntry
from armsctl.service import Listing, zk

__all__ = ["router"]

router = Router(tags=["zero-knowledge"])


class ZkProofCreate(BaseModel):
    """A proof document written by ``armsctl zk prove`` (format ``armsctl-zk-range/1``)."""

    model_config = ConfigDict(extra="forbid")
    proof: dict[str, Any] = Field(description="The public proof document (docs/zk.md).")
    note: str = Field(
        "",
        max_length=200,
        description="What the figures behind the proof are (e.g. synthetic demo data); "
        "logged with the proof (and signed with it by a party-signed entry).",
    )
    signed_entry: SignedEntry = None


@router.post("/treaties/{treaty}/zk-proofs", status_code=201, response_model=ZkProofPublic)
def publish_proof(
    treaty: TreatyPath, body: ZkProofCreate, call: Annotated[Call, allowed("zk.publish")]
) -> ZkProofPublic:
    """Publish the caller's party's proof; refused (422, naming the check) if it does not verify.

    The server checks it against its own copy of the treaty (the limit's maximum) and logs the
    whole public document, site commitments included; with ``signed_entry`` the log entry is
    the party's own, signed with its registered key (``armsctl zk publish --key``).
    """
    return call.logs(zk.publish_proof, body, renamed={"proof": "document"}, treaty=treaty)


@router.get("/treaties/{treaty}/zk-proofs", response_model=Page[ZkProofPublic])
def list_proofs(
    treaty: TreatyPath,
    page: PagingDep,
    call: Annotated[Call, allowed("zk.read")],
    party: CodeQuery = None,
) -> dict[str, Any]:
    """Published proofs, oldest first, each with its public document (no count in it)."""
    return zk.list_proofs(call.db, Listing(treaty, party, **paged(page))).to_dict()


@router.get("/zk-proofs/{proof_id}", response_model=ZkProofPublic)
def get_proof(proof_id: IdPath, call: Annotated[Call, allowed("zk.read")]) -> ZkProofPublic:
    """One published proof; check it yourself with ``armsctl zk verify`` or the portal."""
    return zk.get_proof(call.db, proof_id=proof_id)
