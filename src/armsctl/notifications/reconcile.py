"""Reconcile two successive item-level declarations with the notifications sent in between.

Every item that was added, removed, moved (facility changed), changed status or changed category
between the declaration as of ``before`` and the one as of ``after`` must be covered by a
notification from the declaring party whose event is a trigger accepted for that change, whose
``uid`` names the item, and whose event time falls in the window. A declaration as of day D is
taken to describe the holdings at 00:00 UTC on D, so the window is ``[before, after)`` in UTC.

Outcomes, per change:

* ``covered``: a notification was received by its deadline (or is in transit with time left);
* ``covered-late``: only late or overdue notifications cover it;
* ``uncovered``: nothing provided covers it (drafts and rejected notifications do not count);
* ``awaiting``: nothing yet, but a notification could still arrive in time at ``at``.

Separately, every late or overdue notification in the window is listed with the rule that made it
so, and every notification that no declaration change supports (its item did not change that way
between the two declarations). The work is one DuckDB query over two Arrow tables, the item
rows (read by :func:`armsctl.inventory.io.read_party_items`, the one item reader) and the
notifications, so a million items reconcile in seconds. Pure: nothing here opens a file.

Limitation: the declarations show only net change. An item moved out and back between two
declarations leaves two movement notifications with no supporting change; they are reported as
unsupported and an analyst should read them as a pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armsctl.errors import InputError
from armsctl.inventory.model import DeclarationSet
from armsctl.notifications.deadlines import rule_text
from armsctl.notifications.model import Notification, utc
from armsctl.treaty.schema import Treaty

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ACCEPTED_TRIGGERS",
    "NOTIFICATION_COLUMNS",
    "Reconciliation",
    "notifications_table",
    "reconcile",
]

#: Which notified events cover which kind of change between two declarations.
ACCEPTED_TRIGGERS: dict[str, tuple[str, ...]] = {
    "added": ("item-added",),
    "removed": ("item-removed", "item-eliminated"),
    "moved": ("item-moved",),
    "status-changed": ("status-changed", "item-converted"),
    "category-changed": ("item-converted", "status-changed"),
}

NOTIFICATION_COLUMNS = (
    "id",
    "type",
    "event",
    "sender",
    "uid",
    "category",
    "state",
    "event_time",
    "sent_at",
    "received_at",
)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value).replace(tzinfo=None)


def notifications_table(notifications: Sequence[Notification]) -> pa.Table:
    """The columns reconciliation reads, as Arrow; times are UTC without a zone marker."""
    import pyarrow as pa

    ts = pa.timestamp("us")
    # A rejected notification does not count as provided, so its receipt is not carried over.
    return pa.table(
        {
            "id": pa.array([n.id for n in notifications], pa.string()),
            "type": pa.array([n.type for n in notifications], pa.string()),
            "event": pa.array([n.event for n in notifications], pa.string()),
            "sender": pa.array([n.sender for n in notifications], pa.string()),
            "uid": pa.array([n.fields.get("uid") for n in notifications], pa.string()),
            "category": pa.array([n.fields.get("category") for n in notifications], pa.string()),
            "state": pa.array([n.state for n in notifications], pa.string()),
            "event_time": pa.array([_naive(n.event_time) for n in notifications], ts),
            "sent_at": pa.array([_naive(n.sent_at) for n in notifications], ts),
            "received_at": pa.array([_naive(n.provided_at) for n in notifications], ts),
        }
    )


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome of reconciling one party's two declarations with its notifications.

    ``problems`` holds uncovered and awaiting changes, ``late`` the late or overdue
    notifications, ``unsupported`` notifications no change supports; all are Arrow tables so
    that a million-item reconciliation does not become a million Python objects.
    """

    party: str
    before: dt.date
    after: dt.date
    at: dt.datetime
    counts: dict[str, int]
    problems: pa.Table
    late: pa.Table
    unsupported: pa.Table

    @property
    def uncovered(self) -> list[dict[str, Any]]:
        """The changes no notification covers (a subset of ``problems``), as plain rows."""
        return [r for r in self.problems.to_pylist() if r["outcome"] == "uncovered"]

    def findings(self, limit: int | None = None) -> list[dict[str, str]]:
        """Each problem as a self-explaining sentence, uncovered first; at most ``limit``."""
        out: list[dict[str, str]] = []
        window = f"between the declarations as of {self.before} and {self.after}"
        for r in self.problems.to_pylist():
            accepted = " or ".join(ACCEPTED_TRIGGERS[r["change"]])
            what = f"{r['change']} ({r['was'] or '-'} -> {r['now'] or '-'})"
            if r["outcome"] == "uncovered":
                tail = f"no notification of {accepted} was provided"
                if r["note"]:
                    tail += f" ({r['note']})"
            else:
                tail = f"no notification yet of {accepted}; one could still arrive in time"
            out.append(
                {
                    "kind": r["outcome"],
                    "subject": f"{self.party} {r['uid']}",
                    "explanation": f"{self.party} item {r['uid']} ({r['category']}) {what} {window}: {tail}",
                }
            )
        for r in self.late.to_pylist():
            out.append(
                {
                    "kind": r["verdict"],
                    "subject": r["id"],
                    "explanation": (
                        f"notification {r['id']} ({r['type']}, {r['event']} of {r['uid']}, event "
                        f"{_iso(r['event_time'])}) is {r['verdict']}: deadline {_iso(r['deadline'])}, "
                        f"{r['why']}; rule {r['rule']}"
                    ),
                }
            )
        for r in self.unsupported.to_pylist():
            out.append(
                {
                    "kind": "unsupported",
                    "subject": r["id"],
                    "explanation": (
                        f"notification {r['id']} ({r['type']}) reports {r['event']} of item "
                        f"{r['uid']} at {_iso(r['event_time'])}, but the declarations {window} show no "
                        "such change"
                    ),
                }
            )
        return out if limit is None else out[:limit]

    def to_dict(self, limit: int | None = 1000) -> dict[str, Any]:
        """The reconciliation as plain JSON, each table cut to its first ``limit`` rows.

        ``counts`` keeps the full totals, so a reader can tell when rows were left out;
        ``limit=None`` keeps every row (which may be a million for a large declaration).
        """

        def rows(table: pa.Table) -> list[dict[str, Any]]:
            data = table.slice(0, limit).to_pylist() if limit is not None else table.to_pylist()
            return [{k: _jsonable(v) for k, v in r.items()} for r in data]

        return {
            "party": self.party,
            "before": self.before.isoformat(),
            "after": self.after.isoformat(),
            "at": self.at.isoformat(),
            "counts": self.counts,
            "problems": rows(self.problems),
            "late": rows(self.late),
            "unsupported": rows(self.unsupported),
            "findings": self.findings(limit),
        }


def _iso(value: dt.datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%S}Z"


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    return value


def reconcile(
    declarations: DeclarationSet,
    items: pa.Table,
    notifications: Sequence[Notification] | pa.Table,
    *,
    party: str,
    before: dt.date,
    after: dt.date,
    at: dt.datetime,
) -> Reconciliation:
    """Reconcile ``party``'s declarations as of ``before`` and ``after`` with ``notifications``.

    ``items`` holds the party's item rows as text with their ``as_of`` date, as
    :func:`armsctl.inventory.io.read_party_items` reads them (rows of other dates are passed
    over); ``declarations`` says which declarations exist, so that a date with none is refused
    rather than read as "every item removed".
    ``notifications`` is a list of :class:`Notification` or an Arrow table with
    :data:`NOTIFICATION_COLUMNS` (times UTC, no zone), which is how large streams come in.
    ``at`` is the moment of the reconciliation: it decides what is overdue and what may still
    arrive.
    Two identical declarations are the most compliant case: no change, so every count is 0
    (DuckDB's ``count_if`` over no rows is NULL, hence the ``coalesce`` in the count query).
    """
    import duckdb
    import pyarrow as pa

    treaty = declarations.treaty
    at_naive = _naive(at)
    if not after > before:
        raise InputError(f"after ({after}) must be later than before ({before})")
    if not declarations.item_sources:
        raise InputError(
            "reconciliation needs item-level declarations (uid, category, status, facility)"
        )
    for day in (before, after):
        if not any(
            d.as_of == day and d.party == party and d.kind == "items"
            for d in declarations.declarations
        ):
            raise InputError(f"no item-level declaration of {party} as of {day}")
    table = (
        notifications if isinstance(notifications, pa.Table) else notifications_table(notifications)
    )
    missing = [c for c in NOTIFICATION_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(f"notification table lacks column(s) {', '.join(missing)}")
    duties = _duty_table(treaty)
    accept = pa.table(
        {
            "change": [c for c, ts in ACCEPTED_TRIGGERS.items() for _ in ts],
            "trigger": [t for ts in ACCEPTED_TRIGGERS.values() for t in ts],
        }
    )
    con = duckdb.connect(":memory:")
    con.register("notes", table)
    con.register("duties", duties)
    con.register("accept", accept)
    con.register("items", items)
    t0 = dt.datetime(before.year, before.month, before.day)
    t1 = dt.datetime(after.year, after.month, after.day)
    # The latest deadline any accepted duty could have for an event just before ``after``.
    horizon = {
        change: max(
            (
                d["seconds"]
                for d in duties.to_pylist()
                if d["trigger"] in ts and d["direction"] == "after"
            ),
            default=0,
        )
        for change, ts in ACCEPTED_TRIGGERS.items()
    }
    con.register(
        "horizon",
        pa.table({"change": list(horizon), "seconds": list(horizon.values())}),
    )
    params = {"party": party, "before": before, "after": after, "t0": t0, "t1": t1, "at": at_naive}
    for statement in (
        """CREATE TEMP TABLE j AS
        WITH a AS (SELECT uid, category, status, facility FROM items WHERE as_of = $before),
             b AS (SELECT uid, category, status, facility FROM items WHERE as_of = $after)
        SELECT coalesce(a.uid, b.uid) AS uid,
               a.category AS ac, b.category AS bc, a.status AS ast, b.status AS bst,
               a.facility AS af, b.facility AS bf
        FROM a FULL OUTER JOIN b ON a.uid = b.uid
        WHERE a.uid IS NULL OR b.uid IS NULL OR a.facility <> b.facility
           OR a.status <> b.status OR a.category <> b.category""",
        """CREATE TEMP TABLE changes AS
        SELECT uid, 'added' AS change, bc AS category, NULL AS was, bf || '/' || bst AS now FROM j WHERE ac IS NULL
        UNION ALL SELECT uid, 'removed', ac, af || '/' || ast, NULL FROM j WHERE bc IS NULL
        UNION ALL SELECT uid, 'moved', bc, af, bf FROM j WHERE ac IS NOT NULL AND bc IS NOT NULL AND af <> bf
        UNION ALL SELECT uid, 'status-changed', bc, ast, bst FROM j WHERE ac IS NOT NULL AND bc IS NOT NULL AND ast <> bst
        UNION ALL SELECT uid, 'category-changed', bc, ac, bc FROM j WHERE ac IS NOT NULL AND bc IS NOT NULL AND ac <> bc""",
        """CREATE TEMP TABLE nv AS
        SELECT *, CASE
            WHEN state IN ('drafted', 'rejected') THEN 'not-provided'
            WHEN received_at IS NOT NULL AND received_at <= deadline THEN 'on-time'
            WHEN received_at IS NOT NULL THEN 'late'
            WHEN sent_at > deadline THEN 'late'
            WHEN $at > deadline THEN 'overdue'
            ELSE 'pending' END AS verdict
        FROM (
            SELECT n.id, n.type, n.event, n.uid, n.state, n.event_time, n.sent_at, n.received_at,
                   d.rule, d.article,
                   CASE WHEN d.direction = 'before' THEN n.event_time - to_seconds(d.seconds)
                        ELSE n.event_time + to_seconds(d.seconds) END AS deadline
            FROM notes n JOIN duties d ON n.type = d.type AND n.event = d.trigger
            WHERE n.sender = $party AND n.event_time >= $t0 AND n.event_time < $t1
              AND n.event IN (SELECT trigger FROM accept))""",
        """CREATE TEMP TABLE best AS
        SELECT c.uid, c.change,
               bool_or(nv.verdict IN ('on-time', 'pending')) AS ok,
               bool_or(nv.verdict IN ('late', 'overdue')) AS late,
               string_agg(DISTINCT nv.id || ' ' || nv.state, ', ') AS seen
        FROM changes c JOIN accept x ON x.change = c.change
             JOIN nv ON nv.uid = c.uid AND nv.event = x.trigger
        GROUP BY c.uid, c.change""",
    ):
        _run(con, statement, params)
    problems = _arrow(
        con,
        """
        SELECT c.uid, c.change, c.category, c.was, c.now,
               CASE WHEN $at <= $t1 + to_seconds(h.seconds) THEN 'awaiting' ELSE 'uncovered' END
                   AS outcome,
               CASE WHEN best.seen IS NULL THEN '' ELSE 'only ' || best.seen END AS note
        FROM changes c LEFT JOIN best USING (uid, change) JOIN horizon h ON h.change = c.change
        WHERE best.uid IS NULL OR NOT (best.ok OR best.late)
        ORDER BY outcome DESC, c.uid, c.change
        """,
        params,
    )
    counts_row = con.execute(
        """
        SELECT count(*), coalesce(count_if(best.ok), 0),
               coalesce(count_if(NOT coalesce(best.ok, false) AND coalesce(best.late, false)), 0)
        FROM changes c LEFT JOIN best USING (uid, change)
        """
    ).fetchall()[0]
    assert counts_row is not None
    late = _arrow(
        con,
        """
        SELECT id, type, event, uid, state, event_time, deadline, sent_at, received_at, verdict,
               CASE WHEN verdict = 'overdue' THEN 'not received by the deadline'
                    WHEN received_at IS NOT NULL THEN 'received '
                         || round(epoch(received_at - deadline) / 3600, 1) || ' hours late'
                    ELSE 'sent ' || round(epoch(sent_at - deadline) / 3600, 1)
                         || ' hours after the deadline' END AS why,
               rule, article
        FROM nv WHERE verdict IN ('late', 'overdue') ORDER BY event_time, id
        """,
    )
    unsupported = _arrow(
        con,
        """
        SELECT id, type, event, uid, state, event_time FROM nv
        WHERE state <> 'drafted' AND NOT EXISTS (
            SELECT 1 FROM changes c JOIN accept x ON x.change = c.change
            WHERE c.uid = nv.uid AND x.trigger = nv.event)
        ORDER BY event_time, id
        """,
    )
    n_uncovered = sum(o == "uncovered" for o in problems.column("outcome").to_pylist())
    counts = {
        "changes": int(counts_row[0]),
        "covered": int(counts_row[1]),
        "covered-late": int(counts_row[2]),
        "uncovered": n_uncovered,
        "awaiting": problems.num_rows - n_uncovered,
        "notifications": int(con.execute("SELECT count(*) FROM nv").fetchall()[0][0]),
        "late": late.num_rows,
        "unsupported": unsupported.num_rows,
    }
    return Reconciliation(party, before, after, utc(at), counts, problems, late, unsupported)


def _duty_table(treaty: Treaty) -> pa.Table:
    import pyarrow as pa

    rows = [
        (d.id, t, int(d.deadline_delta.total_seconds()), d.direction, rule_text(d), d.article)
        for d in treaty.notifications
        for t in d.triggers
    ]
    names = ("type", "trigger", "seconds", "direction", "rule", "article")
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


def _arrow(con: Any, query: str, params: dict[str, Any] | None = None) -> pa.Table:
    """A query's rows as Arrow, read through the relational API (no extra copy)."""
    table: pa.Table = con.sql(query, params=_used(query, params)).to_arrow_table()
    return table


def _used(query: str, params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only the named parameters a statement mentions: DuckDB refuses the others."""
    if params is None:
        return None
    return {k: v for k, v in params.items() if f"${k}" in query} or None


def _run(con: Any, query: str, params: dict[str, Any]) -> None:
    con.execute(query, _used(query, params))
