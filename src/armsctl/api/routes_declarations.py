"""Declarations: submit (aggregate, committed items), the public view, a party's own items."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request

from armsctl.access.deps import IdPath, PagingDep, TreatyPath
from armsctl.api.public import DeclarationFilePublic, DeclarationItemPublic, DeclarationPublic, Page
from armsctl.api.routing import Call, CodeQuery, Router, allowed, paged, signing
from armsctl.api.schemas import AggregateCreate, ItemsCreate
from armsctl.errors import DeclarationError, InputError, Problem
from armsctl.service import Listing, declarations

__all__ = ["router"]

router = Router(tags=["declarations"])


def _party(call: Call, party: str | None) -> str:
    """The party a declaration is for: the one the body names, else the caller's own."""
    return party or call.party("submits declarations")


@router.post("/treaties/{treaty}/declarations", status_code=201, response_model=DeclarationPublic)
def submit_aggregate(
    treaty: TreatyPath,
    body: AggregateCreate,
    call: Annotated[Call, allowed("declaration.submit")],
) -> DeclarationPublic:
    """Submit an aggregate declaration (figures per limit or component).

    With ``signed_entry`` the log entry is the party's own signature over
    ``armsctl.service.entries.declaration_entry(...)`` for this request.
    """
    party = _party(call, body.party)
    return call.logs(declarations.submit_aggregate, body, treaty=treaty, party=party)


@router.post(
    "/treaties/{treaty}/declarations/items", status_code=201, response_model=DeclarationPublic
)
def submit_items(
    treaty: TreatyPath,
    body: ItemsCreate,
    call: Annotated[Call, allowed("declaration.submit")],
) -> DeclarationPublic:
    """Submit an item-level declaration: committed, items kept for the party only.

    With ``sealed`` (and the ``commitment`` and ``components`` the party's client computed)
    the items are encrypted to the party and the server never sees them in clear.
    """
    common: dict[str, Any] = {
        "treaty": treaty,
        "party": _party(call, body.party),
        "as_of": body.as_of,
        "note": body.note,
        "recording_history": body.recording_history,
        **signing(call.state, body.signed_entry),
    }
    if body.sealed is not None:
        if body.items is not None or body.commitment is None or body.components is None:
            raise DeclarationError(
                [Problem("", "sealed", "comes with commitment and components, without items")]
            )
        return call.run(
            declarations.submit_sealed_items,
            commitment=body.commitment,
            components=body.components,
            sealed=body.sealed.model_dump(),
            **common,
        )
    if body.items is None:
        raise DeclarationError([Problem("", "items", "give items, or sealed items")])
    items = [item.model_dump(exclude_unset=True) for item in body.items]
    return call.run(
        declarations.submit_items, items=items, rng=call.rng, salts=body.salts, **common
    )


_FORMATS = {
    "text/csv": ".csv",
    "application/json": ".json",
    "application/vnd.apache.parquet": ".parquet",
    "application/x-parquet": ".parquet",
}
_FORMAT_NAMES = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}


@router.post(
    "/treaties/{treaty}/declarations/file",
    status_code=201,
    response_model=DeclarationFilePublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("text/csv", "application/json", "application/vnd.apache.parquet")
            },
        }
    },
)
async def submit_file(
    treaty: TreatyPath,
    request: Request,
    call: Annotated[Call, allowed("declaration.submit")],
    format: Annotated[Literal["csv", "json", "parquet"] | None, Query()] = None,
    recording_history: bool = False,
) -> DeclarationFilePublic:
    """Submit a declaration file: every declaration in it stored and logged, or none.

    CSV, JSON or Parquet, read as ``armsctl check`` reads it, in one transaction. The body is the file itself; its format is the ``format`` query parameter or the
    Content-Type (``text/csv``, ``application/json``, ``application/vnd.apache.parquet``). The
    file is streamed to a private temporary file and read by the CLI's reader: problems are
    refused with 422 naming the line (CSV), record (JSON) or row (Parquet). The server seals
    the log entries; a party that signs its entries submits one declaration per request.
    """
    import tempfile
    from pathlib import Path

    from starlette.concurrency import run_in_threadpool

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = _FORMAT_NAMES[format] if format else _FORMATS.get(kind)
    if suffix is None:
        raise InputError(
            [Problem("", "format", "give ?format=csv|json|parquet or a matching Content-Type")]
        )
    with tempfile.TemporaryDirectory(prefix="armsctl-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)

        def submit() -> list[DeclarationPublic]:
            return call.run(
                declarations.submit_file,
                treaty=treaty,
                path=path,
                name=f"upload{suffix}",
                rng=call.rng,
                require_signature=call.state.settings.require_party_signatures,
                recording_history=recording_history,
            )

        rows = await run_in_threadpool(submit)
    return DeclarationFilePublic(results=rows, total=len(rows))


@router.get("/treaties/{treaty}/declarations", response_model=Page[DeclarationPublic])
def list_declarations(
    treaty: TreatyPath,
    page: PagingDep,
    call: Annotated[Call, allowed("declaration.read")],
    party: CodeQuery = None,
) -> dict[str, Any]:
    """Public figures and commitments (never an item)."""
    found = declarations.list_declarations(call.db, Listing(treaty, party, **paged(page)))
    return found.to_dict()


@router.get("/declarations/{declaration_id}", response_model=DeclarationPublic)
def get_declaration(
    declaration_id: IdPath, call: Annotated[Call, allowed("declaration.read")]
) -> DeclarationPublic:
    """The public view of one declaration."""
    return declarations.get_declaration(call.db, declaration_id=declaration_id)


@router.get("/declarations/{declaration_id}/items", response_model=Page[DeclarationItemPublic])
def read_items(
    declaration_id: IdPath,
    page: PagingDep,
    call: Annotated[Call, allowed("declaration.items.read")],
) -> dict[str, Any]:
    """The declaring party's own items with their salts (audited)."""
    found = call.run(declarations.read_items, declaration_id=declaration_id, **paged(page))
    return found.to_dict()
