"""Compliance: every limit evaluated at a date, with the figures explained."""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.compliance.engine import (
        LimitResult,
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

# Each re-exported name and the module it comes from, imported on first use.
_SOURCE = {
    "component_weights": "engine",
    "evaluate": "engine",
    "expected_data_date": "engine",
    "explain_items": "armsctl.inventory.io",
    "history": "views",
    "LimitResult": "engine",
    "PartyResult": "engine",
    "Report": "engine",
    "report_to_dict": "views",
    "rule_weights": "engine",
    "ScopeResult": "engine",
    "WeightCache": "engine",
}
__getattr__, __dir__ = lazy_exports(__name__, _SOURCE)

__all__ = [
    "LimitResult",
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
