"""Which dates a treaty allows a record to carry: the rule that refuses a date, or none.

The server refuses to log, as if it happened under the treaty, a declaration, notification or
quota-consuming inspection request dated where the treaty does not apply: before its signature,
on or after its expiry (after every agreed extension), on or after the date a party's withdrawal
took effect, or further ahead than a record of that kind can be. A request that says it is
recording history (an explicit flag, itself logged) is exempt: the archive of a treaty that has
ended, or data a party held before signing, are legitimate records, but never by accident.

How far ahead: a declaration's figures are data *as of* its date, so its date may not be later
than today, allowing ``CLOCK_SKEW`` for clocks and time zones (New START Part Four, Section I:
the database is exchanged "as of" a date already passed; the Vienna Document's AEMI is valid "as
of 1 January" of the year that follows its 15 December exchange, hence ``AHEAD_DAYS`` per
treaty below). Notifications and inspection requests are dated by the server's clock when they
are made, so only the treaty's window applies to them. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from armsctl.treaty.schema import Treaty

__all__ = ["CLOCK_SKEW", "DateRefusal", "declaration_date_refusal", "treaty_date_refusal"]

CLOCK_SKEW = dt.timedelta(days=1)
"""How far a declaration's date may run ahead of the server's date (time zones, clocks)."""

AHEAD_DAYS = {"vienna-document-2011": 17}
"""Treaties whose declarations may be exchanged before their data date, by how many days.

The Vienna Document's AEMI is exchanged by 15 December, valid as of 1 January (Chapter I; the
treaty file's ``annual-exchange`` duty is due 17 days before its data date).
"""


@dataclass(frozen=True, slots=True)
class DateRefusal:
    """Why a date is refused: the rule, and the field of the request it names."""

    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


def treaty_date_refusal(
    treaty: Treaty, day: dt.date, *, parties: tuple[str, ...] = (), field: str, what: str
) -> DateRefusal | None:
    """Why ``day`` lies outside ``treaty``'s window for ``parties``, or ``None``.

    Args:
        treaty: the treaty.
        day: the record's date.
        parties: the parties whose withdrawal ends the record's validity (the declaring party;
            both parties of an inspection).
        field: the request field the refusal names.
        what: the record, for the message ("a declaration as of 2026-03-01").
    """
    name = treaty.short_title
    signed = treaty.dates.signed
    if day < signed:
        return DateRefusal(field, f"{what} is before {name} was signed ({signed.isoformat()})")
    expiry = treaty.expiry_on()
    if expiry is not None and day >= expiry:
        article = f"; {treaty.dates.expiry_article}" if treaty.dates.expiry_article else ""
        extended = " after its extension" if treaty.dates.extensions else ""
        return DateRefusal(
            field, f"{what} is after {name} expired{extended} on {expiry.isoformat()}{article}"
        )
    for party in parties:
        withdrawn = treaty.withdrawn_on(party, day)
        if withdrawn is not None:
            return DateRefusal(
                field,
                f"{what} is after {party}'s withdrawal from {name} took effect "
                f"({withdrawn.isoformat()})",
            )
    return None


def declaration_date_refusal(
    treaty: Treaty, party: str, as_of: dt.date, *, today: dt.date
) -> DateRefusal | None:
    """Why a declaration of ``party`` as of ``as_of`` is refused on ``today``, or ``None``."""
    what = f"a declaration as of {as_of.isoformat()}"
    found = treaty_date_refusal(treaty, as_of, parties=(party,), field="as_of", what=what)
    if found is not None:
        return found
    ahead = dt.timedelta(days=AHEAD_DAYS.get(treaty.id, 0)) + CLOCK_SKEW
    if as_of > today + ahead:
        return DateRefusal(
            "as_of",
            f"{what} is further ahead than {treaty.short_title} allows: a declaration gives "
            f"data as of a date already reached (at most {(today + ahead).isoformat()} today)",
        )
    return None
