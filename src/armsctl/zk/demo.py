"""The demo's zero-knowledge step: synthetic per-site counts, never real data.

Russia stopped New START data exchanges in February 2023, so it published no figure for
2023-09-01; the demo plays a party that, in that position, still proves its deployed-warheads
total is within 1,550 without revealing it. The sites and counts below are invented.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEMO_AS_OF", "DEMO_LIMIT", "DEMO_NOTE", "DEMO_PARTY", "DEMO_SITES", "DEMO_TREATY"]

DEMO_TREATY: Final = "new-start"
DEMO_LIMIT: Final = "deployed-warheads"
DEMO_PARTY: Final = "RUS"
DEMO_AS_OF: Final = "2023-09-01"
#: The label the demo's published proof carries wherever it is shown (API, log, portal).
DEMO_NOTE: Final = "synthetic demo data: invented per-site counts, not real figures of any party"
#: Synthetic (label, warheads) per site; the labels are opaque because labels are public.
DEMO_SITES: Final[tuple[tuple[str, int], ...]] = (
    ("site-01", 212),
    ("site-02", 180),
    ("site-03", 96),
    ("site-04", 154),
    ("site-05", 230),
    ("site-06", 118),
    ("site-07", 144),
    ("site-08", 160),
    ("site-09", 88),
    ("site-10", 121),
)
