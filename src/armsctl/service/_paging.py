"""Paging a query: every paged list of the use-cases counts and slices its rows one way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

__all__ = ["fetch_page"]

_Ts = TypeVarTuple("_Ts")


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
