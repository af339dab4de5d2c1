"""Verification science: detection statistics, inspection games, planning, random selection.

Exact mathematics first (hypergeometric sampling, linear-programming games), simulation second
(vectorised Monte Carlo, Dask sweeps), each tested against the other. Submodules:
``sampling``, ``games``, ``planning``, ``sites``, ``selection``, ``simulate``, ``inference``,
``plots``, and ``io`` (the planner's file readers, the package's only module that reads files). The most used names are re-exported here, each imported when first used: the
sampling statistics need no NumPy, so ``armsctl inspect probability`` does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armsctl.verification.games import (
        bimatrix_equilibria,
        dresher_closed_form,
        dresher_game,
        dresher_lp,
        lemke_howson,
        solve_bimatrix,
        solve_zero_sum,
    )
    from armsctl.verification.inference import (
        estimate_serials,
        fraction_not_as_declared,
        undeclared_items,
    )
    from armsctl.verification.planning import (
        InspectionPlan,
        Quota,
        Site,
        draw_schedule,
        plan_inspections,
    )
    from armsctl.verification.sampling import (
        allocate_checks,
        detection_probability,
        detection_within_years,
        iaea_sample_size,
        sample_size,
        stratified_detection_probability,
    )
    from armsctl.verification.selection import (
        commit,
        derive_seed,
        select_from_log,
        verify_selection,
    )
    from armsctl.verification.simulate import Cheating, Regime, run_sweep, simulate

_SOURCE = {
    "Cheating": "simulate",
    "InspectionPlan": "planning",
    "Quota": "planning",
    "Regime": "simulate",
    "Site": "planning",  # armsctl.sites.Site, the one site type
    "allocate_checks": "sampling",
    "bimatrix_equilibria": "games",
    "commit": "selection",
    "derive_seed": "selection",
    "detection_probability": "sampling",
    "detection_within_years": "sampling",
    "draw_schedule": "planning",
    "dresher_closed_form": "games",
    "dresher_game": "games",
    "dresher_lp": "games",
    "estimate_serials": "inference",
    "fraction_not_as_declared": "inference",
    "iaea_sample_size": "sampling",
    "lemke_howson": "games",
    "plan_inspections": "planning",
    "run_sweep": "simulate",
    "sample_size": "sampling",
    "select_from_log": "selection",
    "simulate": "simulate",
    "solve_bimatrix": "games",
    "solve_zero_sum": "games",
    "stratified_detection_probability": "sampling",
    "undeclared_items": "inference",
    "verify_selection": "selection",
}


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its submodule on first use (PEP 562)."""
    if name in _SOURCE:
        value = getattr(importlib.import_module(f"armsctl.verification.{_SOURCE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'armsctl.verification' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCE})


__all__ = [
    "Cheating",
    "InspectionPlan",
    "Quota",
    "Regime",
    "Site",
    "allocate_checks",
    "bimatrix_equilibria",
    "commit",
    "derive_seed",
    "detection_probability",
    "detection_within_years",
    "draw_schedule",
    "dresher_closed_form",
    "dresher_game",
    "dresher_lp",
    "estimate_serials",
    "fraction_not_as_declared",
    "iaea_sample_size",
    "lemke_howson",
    "plan_inspections",
    "run_sweep",
    "sample_size",
    "select_from_log",
    "simulate",
    "solve_bimatrix",
    "solve_zero_sum",
    "stratified_detection_probability",
    "undeclared_items",
    "verify_selection",
]
