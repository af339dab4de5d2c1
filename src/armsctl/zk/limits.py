"""The context of a proof, taken from the treaty the verifier holds (never from the proof)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from armsctl.errors import ParameterError
from armsctl.zk.range import Context

if TYPE_CHECKING:
    from armsctl.treaty import Treaty

__all__ = ["DEFAULT_BITS", "context_for"]

#: The default range: 16 bits covers every limit of the bundled treaties (New START's largest
#: is 1,550 < 2^11) with room to spare.
DEFAULT_BITS = 16


def context_for(
    treaty: Treaty,
    *,
    limit: str,
    party: str,
    as_of: dt.date | str,
    bits: int = DEFAULT_BITS,
    check_dates: bool = False,
) -> Context:
    """The context of a proof that ``party``'s ``limit`` total is within the treaty's maximum.

    Args:
        treaty: The treaty as the caller holds it; its limit gives the maximum.
        limit: The limit id.
        party: A party of the treaty (any code for a treaty open to accession).
        as_of: The date the counts are as of.
        bits: The width of the range proof.
        check_dates: Refuse a date outside the limit's effective period (the prover's check).

    Raises:
        ParameterError: for an unknown limit, a party not in the treaty, a bad date, or (with
            ``check_dates``) a date the limit does not cover.
        InputError: naming ``--bits`` if the range is too narrow for the maximum.
    """
    try:
        rule = treaty.limit(limit)
    except KeyError:
        known = ", ".join(x.id for x in treaty.limits) or "none"
        raise ParameterError(
            f"--limit: {treaty.id} has no limit {limit!r} (known: {known})"
        ) from None
    members = treaty.parties.members
    if members and not treaty.parties.open and party not in members:
        raise ParameterError(
            f"--party: {party!r} is not a party to {treaty.id} ({', '.join(members)})"
        )
    try:
        date = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    except ValueError:
        raise ParameterError(f"--date: {as_of!r} is not an ISO date (YYYY-MM-DD)") from None
    if check_dates and (date < rule.effective or (rule.ends is not None and date > rule.ends)):
        raise ParameterError(f"--date: the {limit} limit is not in effect on {date}")
    context = Context(
        treaty=treaty.id,
        limit=limit,
        maximum=rule.maximum,
        as_of=date.isoformat(),
        party=party,
        bits=bits,
    )
    context.check("--bits")
    return context
