"""Compliance: every limit evaluated at a date, with the figures explained."""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.compliance.engine import (
        LimitResult,
        LimitStatus,
        Part,
        PartyResult,
        Report,
        ScopeResult,
        WeightCache,
        component_weights,
        evaluate,
        expected_data_date,
        rule_weights,
    )
    from armsctl.compliance.views import history, report_to_dict
    from armsctl.inventory.io import explain_items

__all__ = [
    "LimitResult",
    "LimitStatus",
    "Part",
    "PartyResult",
    "Report",
    "ScopeResult",
    "WeightCache",
    "component_weights",
    "evaluate",
    "expected_data_date",
    "explain_items",
    "history",
    "report_to_dict",
    "rule_weights",
]

# Each name imported above for type checkers is imported from its module when first read.
lazy_exports(__name__)
