"""Checks behind ``armsctl commit`` and ``verify-reveal``: the treaty's rules, the party's keys.

A commitment is only as good as what it commits to and who committed it: ``commit`` refuses
items the treaty does not know (category, status, attributes), items dated other than the
declaration, repeated uids, and a signing key that is not the named party's; ``verify-reveal``
accepts a declaration only if a key the verifier trusts for that party signed it. The keys come
from the user (``--party-key`` or a trust file, ``armsctl.ledger.trust``), never from the
message checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armsctl.ledger.note import VerifierKey
    from armsctl.treaty.schema import Treaty

__all__ = ["check_items", "party_keys"]

#: Fields an item may carry besides the treaty's attributes: the escrow's four, a zone, a date.
_FIELDS = frozenset({"uid", "category", "status", "facility", "zone", "as_of", "date", "party"})


def party_keys(party: str, *, party_key: str | None, trust: Path | None) -> tuple[VerifierKey, ...]:
    """The keys the user trusts for ``party``: ``--party-key`` and/or the trust file's.

    Raises:
        InputError: if neither is given, a file cannot be read, or the trust file lists no
            key for the party.
    """
    from armsctl.errors import InputError, Problem
    from armsctl.ledger.note import VerifierKey
    from armsctl.ledger.trust import parse_trust

    keys: list[VerifierKey] = []
    if party_key is not None:
        candidate = Path(party_key)
        try:
            text = candidate.read_text(encoding="utf-8") if candidate.is_file() else party_key
        except OSError as exc:
            raise InputError([Problem(party_key, "", f"cannot read: {exc}")]) from None
        keys.append(VerifierKey.parse(text.strip()))
    if trust is not None:
        try:
            text = trust.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError([Problem(str(trust), "", f"cannot read: {exc}")]) from None
        listed = parse_trust(text, where=str(trust)).get(party)
        if not listed:
            raise InputError([Problem(str(trust), "parties", f"no key for party {party!r}")])
        keys.extend(listed)
    if not keys:
        raise InputError(
            [Problem("", "--party-key", f"give {party}'s verifier key (--party-key or --trust)")]
        )
    return tuple(keys)


def check_items(
    items: Sequence[Mapping[str, Any]], treaty: Treaty, *, date: str, where: str
) -> None:
    """Check item records against the treaty and the declaration date.

    Raises:
        DeclarationError: listing (up to 50) items with an unknown category, status, zone or
            numeric field, a bad attribute value, or a date other than ``date``.
    """
    import datetime as dt

    from armsctl.errors import DeclarationError, Problem
    from armsctl.service.declarations import released_figures

    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise DeclarationError([Problem("", "--date", f"{date!r} is not an ISO date")]) from None
    categories = {c.id: c for c in treaty.categories}
    problems: list[Problem] = []
    for row, item in enumerate(items):
        for name in ("as_of", "date"):
            if name in item and str(item[name]) != date:
                problems.append(
                    Problem(where, f"item {row}", f"{name} {item[name]} is not --date {date}")
                )
        category = categories.get(str(item.get("category")))
        if category is None:
            continue  # reported below with the treaty's own checks
        known = set(category.attributes)
        for key, value in item.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if key not in _FIELDS and key not in known and number:
                problems.append(
                    Problem(where, f"item {row}", f"{key!r} is not an attribute of its category")
                )
    try:
        released_figures(items, treaty)
    except DeclarationError as exc:
        problems += [
            Problem(where, p.location.replace("items.", "item "), p.message) for p in exc.problems
        ]
    DeclarationError.raise_if_any(problems)
