"""What changed between two item-level declarations of a party: added, removed, changed items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from armsctl.errors import InputError
from armsctl.inventory.model import DeclarationSet

__all__ = ["ItemChange", "diff_items"]


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One item's change between two dates; ``fields`` maps a field to (before, after)."""

    party: str
    uid: str
    change: Literal["added", "removed", "changed"]
    category: str
    fields: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def diff_items(
    declarations: DeclarationSet, *, party: str, before: dt.date, after: dt.date
) -> list[ItemChange]:
    """Items added, removed and changed between the declarations as of ``before`` and ``after``."""
    import duckdb

    if not declarations.item_sources:
        raise InputError("diff needs item-level declarations (uid, category, status, facility)")
    attrs = sorted({a for c in declarations.treaty.categories for a in c.attributes})
    cols = ["category", "status", "facility", *attrs]
    select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols)
    union = " UNION ALL ".join(
        f"SELECT CAST(uid AS VARCHAR) AS uid, try_cast(as_of AS DATE) AS as_of, {select} "
        f"FROM {s.relation_sql()} WHERE CAST(party AS VARCHAR) = $party"
        for s in declarations.item_sources
    )
    for day in (before, after):
        if not any(
            d.as_of == day and d.party == party and d.kind == "items"
            for d in declarations.declarations
        ):
            raise InputError(f"no item-level declaration of {party} as of {day}")
    con = duckdb.connect(":memory:")
    a_cols = ", ".join(f'a."{c}" AS "a_{c}", b."{c}" AS "b_{c}"' for c in cols)
    rows = con.execute(
        f"""WITH all_items AS ({union}),
                 a AS (SELECT * FROM all_items WHERE as_of = $before),
                 b AS (SELECT * FROM all_items WHERE as_of = $after)
            SELECT coalesce(a.uid, b.uid) AS uid, a.uid IS NULL AS added, b.uid IS NULL AS removed,
                   {a_cols}
            FROM a FULL OUTER JOIN b ON a.uid = b.uid
            ORDER BY uid""",
        {"party": party, "before": before, "after": after},
    ).fetchall()
    changes: list[ItemChange] = []
    for uid, added, removed, *values in rows:
        pairs = {c: (values[2 * i], values[2 * i + 1]) for i, c in enumerate(cols)}
        if added:
            changes.append(
                ItemChange(
                    party,
                    uid,
                    "added",
                    pairs["category"][1] or "",
                    {c: (None, v[1]) for c, v in pairs.items()},
                )
            )
        elif removed:
            changes.append(
                ItemChange(
                    party,
                    uid,
                    "removed",
                    pairs["category"][0] or "",
                    {c: (v[0], None) for c, v in pairs.items()},
                )
            )
        else:
            changed = {c: v for c, v in pairs.items() if v[0] != v[1]}
            if changed:
                changes.append(
                    ItemChange(party, uid, "changed", pairs["category"][1] or "", changed)
                )
    return changes
