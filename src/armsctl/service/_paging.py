"""Queries the use-cases' lists share: paging, and rows with the code of the party they belong to.

Every treaty's list is asked for one way (``Listing``), every paged list counts and slices its
rows one way (``fetch_page``), and every party-owned table is joined to its party's code one way
(``with_party_code``), and listed by treaty and party one way (``owned_page``). The one exception
is the notifications list, the hottest read: ``service.notifications`` runs the same count and
slice as Core statements built once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from armsctl.errors import ParameterError, Problem
from armsctl.service._base import Page
from armsctl.store.models import Declaration, Party, ZkProof

__all__ = ["Listing", "fetch_page", "owned_page", "with_party_code"]

_Ts = TypeVarTuple("_Ts")
_Owned = TypeVar("_Owned", Declaration, ZkProof)
_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class Listing:
    """Which page of a treaty's rows a list use-case is asked for.

    The treaty's lists (declarations, proofs, observations, inspections, notifications) are
    all asked the same question: which treaty, whose rows (``party``, a party code: the
    declaring or proving party, the observed one; ``None`` for every party's) and which page
    (``limit`` rows from ``offset``). One value carries it from the HTTP query, the web page or
    the command line to the query, and back into the ``Page`` it answers with.
    """

    treaty: str
    party: str | None = None
    limit: int = 50
    offset: int = 0

    def page(self, results: list[_Row], total: int) -> Page[_Row]:
        """The answer to this listing: ``results`` of ``total`` rows, with its limit and offset."""
        return Page(results, total, self.limit, self.offset)

    def unfiltered_treaty(self) -> str:
        """The treaty of a list the caller's own party scopes, refusing a party filter.

        Inspections and notifications are listed as the caller takes part in them; naming a
        party there would suggest a filter the list does not apply.

        Raises:
            ParameterError: naming ``party`` if one is given.
        """
        if self.party is not None:
            raise ParameterError(
                [Problem("", "party", "this list shows the caller's own party's; name none")]
            )
        return self.treaty


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


def owned_page(
    session: Session, model: type[_Owned], listing: Listing, *order_by: Any
) -> tuple[Sequence[Row[_Owned, str]], int]:
    """One page of a listing's rows of a party-owned table, each with its party's code.

    The treaty's rows, only ``listing.party``'s if it names one, in ``order_by`` order; and
    how many there are in all (``fetch_page``).
    """
    query = with_party_code(model).where(model.treaty_id == listing.treaty)
    if listing.party is not None:
        query = query.where(Party.code == listing.party)
    return fetch_page(session, query, *order_by, limit=listing.limit, offset=listing.offset)
