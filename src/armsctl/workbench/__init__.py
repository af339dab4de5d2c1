"""The negotiation workbench: drafts, baselines, required cuts, schedules and verification burden.

A draft is a treaty file derived from another; baselines say what each party holds and where the
figures come from; the core computes what each party must eliminate (an integer program where
limits overlap), on what yearly schedule (minimal peak), and what the draft's inspections would
detect. Everything here is pure except reading bundled data, and ``workbench.io``, which reads
the declaration and commitment files a baseline names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.workbench.analysis import (
        Options,
        analyse,
        compare,
        parse_capacity,
        parse_milestone,
    )
    from armsctl.workbench.baselines import Baseline, merge_baselines, parse_baseline_arg
    from armsctl.workbench.burden import Burden, synthetic_sites, verification_burden
    from armsctl.workbench.cuts import (
        CutPlan,
        LimitRow,
        limit_rows,
        optimise_cuts,
        parse_cost,
        parse_fix,
    )
    from armsctl.workbench.drafts import (
        Change,
        apply_changes,
        derive_draft,
        draft_toml,
        parse_quota,
        parse_set,
    )
    from armsctl.workbench.estimates import Estimate, estimate, estimate_observation, estimates
    from armsctl.workbench.io import resolve_baseline
    from armsctl.workbench.schedule import Milestone, Schedule, min_peak_schedule

__all__ = [
    "Baseline",
    "Burden",
    "Change",
    "CutPlan",
    "Estimate",
    "LimitRow",
    "Milestone",
    "Options",
    "Schedule",
    "analyse",
    "apply_changes",
    "compare",
    "derive_draft",
    "draft_toml",
    "estimate",
    "estimate_observation",
    "estimates",
    "limit_rows",
    "merge_baselines",
    "min_peak_schedule",
    "optimise_cuts",
    "parse_baseline_arg",
    "parse_capacity",
    "parse_cost",
    "parse_fix",
    "parse_milestone",
    "parse_quota",
    "parse_set",
    "resolve_baseline",
    "synthetic_sites",
    "verification_burden",
]

# Each name imported above for type checkers is imported from its module when first read.
lazy_exports(__name__)
