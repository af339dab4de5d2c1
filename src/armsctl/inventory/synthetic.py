"""Synthetic New START-shaped item inventories, for tests, benchmarks and demos.

Real item-level declarations are confidential; these are generated with a seeded NumPy
generator so that every run of a test or a benchmark sees the same items. Generating is pure;
:func:`armsctl.inventory.io.write_items` writes a generated table to a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

__all__ = ["NEW_START_MIX", "generate_items"]

# (category, status, share of items, warheads range) — a rough shape of a strategic force.
NEW_START_MIX: tuple[tuple[str, str, float, tuple[int, int]], ...] = (
    ("icbm-launcher", "deployed", 0.30, (1, 3)),
    ("icbm-launcher", "non-deployed", 0.06, (0, 0)),
    ("icbm-launcher", "test", 0.01, (0, 0)),
    ("slbm-launcher", "deployed", 0.24, (1, 8)),
    ("slbm-launcher", "non-deployed", 0.06, (0, 0)),
    ("slbm-launcher", "converted", 0.04, (0, 0)),
    ("heavy-bomber", "deployed", 0.05, (0, 20)),
    ("heavy-bomber", "non-deployed", 0.02, (0, 0)),
    ("heavy-bomber", "converted", 0.03, (0, 0)),
    ("icbm-launcher", "converted", 0.19, (0, 0)),
)


def generate_items(
    n: int,
    *,
    parties: Sequence[str] = ("USA", "RUS"),
    dates: Sequence[dt.date] = (dt.date(2020, 3, 1), dt.date(2020, 9, 1)),
    facilities: int = 40,
    seed: int = 0,
) -> object:
    """A ``pyarrow.Table`` of ``n`` items spread evenly over parties and dates."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    shares = np.array([m[2] for m in NEW_START_MIX])
    kind = rng.choice(len(NEW_START_MIX), size=n, p=shares / shares.sum())
    lo = np.array([m[3][0] for m in NEW_START_MIX])[kind]
    hi = np.array([m[3][1] for m in NEW_START_MIX])[kind]
    warheads = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    groups = len(parties) * len(dates)
    group = np.arange(n) % groups
    party = np.array(parties, dtype=object)[group // len(dates)]
    as_of = np.array(dates, dtype="datetime64[D]")[group % len(dates)]
    # uids are unique within a (party, date) declaration and stable across dates for one party.
    serial = np.arange(n) // groups
    uid = np.char.add("U", serial.astype("U12"))
    categories = np.array([m[0] for m in NEW_START_MIX], dtype=object)[kind]
    statuses = np.array([m[1] for m in NEW_START_MIX], dtype=object)[kind]
    facility = np.char.add("F", rng.integers(0, facilities, size=n).astype("U4"))
    return pa.table(
        {
            "party": pa.array(party, pa.string()),
            "as_of": pa.array(as_of),
            "uid": pa.array(uid),
            "category": pa.array(categories, pa.string()),
            "status": pa.array(statuses, pa.string()),
            "facility": pa.array(facility),
            "warheads": pa.array(warheads, pa.int64()),
        }
    )
