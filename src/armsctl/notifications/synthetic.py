"""Synthetic declaration pairs with the notifications between them, and planted problems.

Tests, the demo and the benchmark need a month (or a year) of item changes where the truth is
known: every change is notified on time except the ones planted late or left unnotified. The
generator is vectorised with NumPy so the same code makes ten items or a million.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from armsctl.notifications.model import Notification

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["SyntheticExchange", "notifications_from_table", "synthetic_exchange"]

_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class SyntheticExchange:
    """Items of both declarations, notifications (Arrow) and what was planted."""

    items: pa.Table
    notifications: pa.Table
    late_ids: list[str]
    unnotified: list[tuple[str, str]]


def synthetic_exchange(
    n_items: int,
    n_changes: int,
    *,
    party: str = "USA",
    before: dt.date = dt.date(2024, 3, 1),
    after: dt.date = dt.date(2024, 4, 1),
    late: int = 1,
    unnotified: int = 1,
    facilities: int = 40,
    seed: int = 0,
) -> SyntheticExchange:
    """Two item-level declarations of ``party`` and the notifications of their differences.

    Changes are 40% moves, 20% status changes, 20% removals and 20% additions, each at a random
    time in the window and received 1 to 96 hours later (on time under a 5-day rule). The first
    ``late`` notifications are received 6 days after their event; the last ``unnotified``
    changes get no notification at all.
    """
    import numpy as np
    import pyarrow as pa

    from armsctl.inventory.synthetic import generate_items

    rng = np.random.default_rng(seed)
    base: pa.Table = generate_items(
        n_items, parties=(party,), dates=(before,), facilities=facilities, seed=seed
    )
    n_changes = min(n_changes, n_items)
    kind = np.zeros(n_changes, dtype=np.int8)  # 0 moved, 1 status, 2 removed, 3 added
    cut = np.array([0.4, 0.6, 0.8]) * n_changes
    idx = np.arange(n_changes)
    kind[(idx >= cut[0]) & (idx < cut[1])] = 1
    kind[(idx >= cut[1]) & (idx < cut[2])] = 2
    kind[idx >= cut[2]] = 3
    rng.shuffle(kind)
    n_existing = int((kind != 3).sum())
    picked = rng.choice(n_items, size=n_existing, replace=False)
    existing_kind = kind[kind != 3]
    uid = base.column("uid").to_numpy(zero_copy_only=False).astype(object)
    category = base.column("category").to_numpy(zero_copy_only=False).astype(object)
    status = base.column("status").to_numpy(zero_copy_only=False).astype(object)
    facility = base.column("facility").to_numpy(zero_copy_only=False).astype(object)
    warheads = base.column("warheads").to_numpy()

    new_facility = facility.copy()
    new_status = status.copy()
    moved = picked[existing_kind == 0]
    shift = rng.integers(1, facilities, size=moved.size)
    old_num = np.array([int(f[1:]) for f in facility[moved]], dtype=np.int64)
    new_facility[moved] = np.char.add("F", ((old_num + shift) % facilities).astype("U4")).astype(
        object
    )
    restat = picked[existing_kind == 1]
    new_status[restat] = np.where(status[restat] == "deployed", "non-deployed", "deployed")
    keep = np.ones(n_items, dtype=bool)
    keep[picked[existing_kind == 2]] = False
    n_added = int((kind == 3).sum())
    add_uid = np.char.add("N", np.arange(n_added).astype("U12")).astype(object)
    add_cat = np.full(n_added, "icbm-launcher", dtype=object)
    add_status = np.full(n_added, "deployed", dtype=object)
    add_fac = np.char.add("F", rng.integers(0, facilities, size=n_added).astype("U4")).astype(
        object
    )

    def table(as_of: dt.date, u: object, c: object, s: object, f: object, w: object) -> pa.Table:
        size = len(u)  # type: ignore[arg-type]
        return pa.table(
            {
                "party": pa.array([party] * size, pa.string()),
                "as_of": pa.array(np.full(size, np.datetime64(as_of, "D"))),
                "uid": pa.array(u, pa.string()),
                "category": pa.array(c, pa.string()),
                "status": pa.array(s, pa.string()),
                "facility": pa.array(f, pa.string()),
                "warheads": pa.array(w, pa.int64()),
            }
        )

    items = pa.concat_tables(
        [
            table(before, uid, category, status, facility, warheads),
            table(
                after,
                np.concatenate([uid[keep], add_uid]),
                np.concatenate([category[keep], add_cat]),
                np.concatenate([new_status[keep], add_status]),
                np.concatenate([new_facility[keep], add_fac]),
                np.concatenate(
                    [
                        np.where(new_status[keep] == "deployed", warheads[keep], 0),
                        np.ones(n_added, np.int64),
                    ]
                ),
            ),
        ]
    )
    # One notification per change, with the fields its duty asks for.
    removed = picked[existing_kind == 2]
    none = np.full(n_items, None, dtype=object)
    parts = [
        (
            uid[moved],
            category[moved],
            "movement",
            "item-moved",
            none[moved],
            none[moved],
            facility[moved],
            new_facility[moved],
        ),
        (
            uid[restat],
            category[restat],
            "change-in-data",
            "status-changed",
            facility[restat],
            new_status[restat],
            none[restat],
            none[restat],
        ),
        (
            uid[removed],
            category[removed],
            "change-in-data",
            "item-removed",
            facility[removed],
            status[removed],
            none[removed],
            none[removed],
        ),
        (
            add_uid,
            add_cat,
            "change-in-data",
            "item-added",
            add_fac,
            add_status,
            np.full(n_added, None, dtype=object),
            np.full(n_added, None, dtype=object),
        ),
    ]
    order = rng.permutation(sum(p[0].size for p in parts))
    cols = [np.concatenate([p[i] for p in parts])[order] for i in (0, 1, 4, 5, 6, 7)]
    all_uid, all_cat, all_fac, all_status, all_from, all_to = cols
    all_type = np.concatenate([np.full(p[0].size, p[2], dtype=object) for p in parts])[order]
    all_event = np.concatenate([np.full(p[0].size, p[3], dtype=object) for p in parts])[order]
    t0 = np.datetime64(before, "us")
    window_us = (np.datetime64(after, "us") - t0).astype(np.int64)
    event_us = rng.integers(0, window_us // 1_000_000, size=all_uid.size) * 1_000_000
    delay_us = rng.integers(3_600, 4 * 86_400, size=all_uid.size) * 1_000_000
    late = min(late, all_uid.size)
    delay_us[:late] = 6 * _US_PER_DAY
    event_time = t0 + event_us.astype("timedelta64[us]")
    received = event_time + delay_us.astype("timedelta64[us]")
    sent = received - np.timedelta64(60_000_000, "us")
    n_keep = all_uid.size - min(unnotified, all_uid.size)
    ids = np.char.add("N-", np.arange(all_uid.size).astype("U12")).astype(object)
    notifications = pa.table(
        {
            "id": pa.array(ids[:n_keep], pa.string()),
            "type": pa.array(all_type[:n_keep], pa.string()),
            "event": pa.array(all_event[:n_keep], pa.string()),
            "sender": pa.array([party] * n_keep, pa.string()),
            "uid": pa.array(all_uid[:n_keep], pa.string()),
            "category": pa.array(all_cat[:n_keep], pa.string()),
            "facility": pa.array(all_fac[:n_keep], pa.string()),
            "status": pa.array(all_status[:n_keep], pa.string()),
            "from_facility": pa.array(all_from[:n_keep], pa.string()),
            "to_facility": pa.array(all_to[:n_keep], pa.string()),
            "state": pa.array(["received"] * n_keep, pa.string()),
            "event_time": pa.array(event_time[:n_keep], pa.timestamp("us")),
            "sent_at": pa.array(sent[:n_keep], pa.timestamp("us")),
            "received_at": pa.array(received[:n_keep], pa.timestamp("us")),
        }
    )
    change_of = {
        "item-moved": "moved",
        "status-changed": "status-changed",
        "item-removed": "removed",
        "item-added": "added",
    }
    missing = [(str(all_uid[i]), change_of[str(all_event[i])]) for i in range(n_keep, all_uid.size)]
    return SyntheticExchange(items, notifications, [str(i) for i in ids[:late]], missing)


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    return None if v is None else v.replace(tzinfo=dt.UTC)


def notifications_from_table(
    table: pa.Table, treaty_id: str, recipients: tuple[str, ...]
) -> list[Notification]:
    """Notification objects for a (small) Arrow table, for files the CLI can read."""
    field_names = ("facility", "status", "from_facility", "to_facility")
    out: list[Notification] = []
    for r in table.to_pylist():
        extra = {k: r[k] for k in field_names if r.get(k) is not None}
        out.append(
            Notification(
                id=r["id"],
                treaty=treaty_id,
                type=r["type"],
                sender=r["sender"],
                recipients=recipients,
                event=r["event"],
                event_time=r["event_time"].replace(tzinfo=dt.UTC),
                fields={"uid": r["uid"], "category": r["category"], **extra},
                state=r["state"],
                sent_at=_aware(r["sent_at"]),
                received_at=_aware(r["received_at"]),
            )
        )
    return out
