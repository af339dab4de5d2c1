"""Compliance: every limit evaluated at a date, with the figures explained."""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.compliance.engine import *  # noqa: F403
    from armsctl.compliance.views import *  # noqa: F403
    from armsctl.inventory.io import explain_items

__all__ = ["explain_items"]
# Each name imported above for type checkers is imported from its module when first read; the
# star imports stand for the engine's and the views' whole __all__, which join the package's.
__all__ += lazy_exports(__name__)
