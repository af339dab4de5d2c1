"""Verification science: detection statistics, inspection games, planning, random selection.

Exact mathematics first (hypergeometric sampling, linear-programming games), simulation second
(vectorised Monte Carlo, Dask sweeps), each tested against the other. Submodules:
``sampling``, ``games``, ``planning``, ``sites``, ``selection``, ``simulate``, ``inference``,
``plots``. The most used names are re-exported here.
"""

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
from armsctl.verification.selection import commit, derive_seed, select_from_log, verify_selection
from armsctl.verification.simulate import Cheating, Regime, run_sweep, simulate

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
