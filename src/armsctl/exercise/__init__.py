"""Training exercises: scenario-based verification games with simulated parties and a debrief.

A scenario (TOML) sets a treaty, sites with declared and true holdings, a host strategy, the
inspector's quotas and notice times, scripted events and scoring weights. The engine plays it
turn by turn from the trainee's actions (or an automatic inspector's), deterministically from
the scenario seed, and records everything; the debrief scores the play and compares it with
automatic inspectors on the same seed and over many seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.exercise.engine import (
        ACTION_HELP,
        Action,
        Exercise,
        Outcome,
        Refusal,
        parse_action,
        replay,
    )
    from armsctl.exercise.inspectors import (
        AUTO_INSPECTORS,
        AutoInspector,
        compare_inspectors,
        read_script,
        run_inspector,
        run_script,
        score_distribution,
    )
    from armsctl.exercise.io import build_debrief, bundled_scenario_ids, load_scenario, resume
    from armsctl.exercise.scenario import Scenario, parse_scenario
    from armsctl.exercise.scoring import Score, score

__all__ = [
    "ACTION_HELP",
    "AUTO_INSPECTORS",
    "Action",
    "AutoInspector",
    "Exercise",
    "Outcome",
    "Refusal",
    "Scenario",
    "Score",
    "build_debrief",
    "bundled_scenario_ids",
    "compare_inspectors",
    "demo_hint",
    "load_scenario",
    "parse_action",
    "parse_scenario",
    "read_script",
    "replay",
    "resume",
    "run_inspector",
    "run_script",
    "score",
    "score_distribution",
]


def demo_hint() -> str:
    """One line for the end of ``make demo``: how a first-time user starts the tutorial."""
    return (
        "Try a training exercise: `armsctl exercise play tutorial` "
        "(list them with `armsctl exercise list`)."
    )


# Each name imported above for type checkers is imported from its module when first read.
lazy_exports(__name__)
