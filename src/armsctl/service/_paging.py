"""Queries the use-cases' lists share: paging, and rows with the code of the party they belong to.

Every paged list counts and slices its rows one way (``fetch_page``), and every party-owned
table is joined to its party's code one way (``with_party_code``), and listed by treaty and
party one way (``treaty_rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from armsctl.service._base import Listing
from armsctl.store.models import Declaration, Party, ZkProof

__all__ = ["fetch_page", "treaty_rows", "with_party_code"]

_Ts = TypeVarTuple("_Ts")
_Owned = TypeVar("_Owned", Declaration, ZkProof)


def fetch_page(
    session: Session, query: Select[*_Ts], *order_by: Any, limit: int, offset: int
) -> tuple[Sequence[Row[*_Ts]], int]:
    """One page of ``query``'s rows in ``order_by`` order, and how many rows it matches in all.

    Every paged list counts and pages the same way, so that ``Page.total`` counts exactly the
    rows its pages walk through (the order ends with a unique column, so no row is skipped or
    repeated between pages).
    """
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(*order_by).limit(limit).offset(offset)).all()
    return rows, int(total)


def with_party_code(model: type[_Owned]) -> Select[_Owned, str]:
    """Rows of a party-owned table, each with its party's code (the code the views show)."""
    return select(model, Party.code).join(Party, model.party_id == Party.id)


def treaty_rows(model: type[_Owned], listing: Listing) -> Select[_Owned, str]:
    """A listing's rows of a party-owned table with their party's code (only its party's if named)."""
    query = with_party_code(model).where(model.treaty_id == listing.treaty)
    return query if listing.party is None else query.where(Party.code == listing.party)
