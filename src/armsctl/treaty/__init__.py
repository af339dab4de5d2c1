"""Treaties as code: the schema of a treaty file, the loader, and the bundled treaties."""

from armsctl.treaty.loader import bundled_treaty_ids, load_treaty, parse_treaty, public_record_path
from armsctl.treaty.schema import (
    Category,
    CountingRule,
    CountingTerm,
    InspectionQuota,
    Interpretation,
    Limit,
    NotificationDuty,
    Treaty,
)

__all__ = [
    "Category",
    "CountingRule",
    "CountingTerm",
    "InspectionQuota",
    "Interpretation",
    "Limit",
    "NotificationDuty",
    "Treaty",
    "bundled_treaty_ids",
    "load_treaty",
    "parse_treaty",
    "public_record_path",
]
