"""The score of an exercise, with its breakdown, from the scenario's weights.

The weights are magnitudes; each term's sign is fixed by what it rewards, so that a scenario
author cannot accidentally reward false accusations. Detections are counted per site (finding
the same cheat twice is not two detections); a concern counts as upheld only at a site the
inspections did not already catch, so that one discovery is not scored twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armsctl.exercise.engine import Exercise

__all__ = ["Score", "score"]


@dataclass(frozen=True, slots=True)
class Score:
    """The total and what makes it up."""

    total: float
    detections: int
    concerns_upheld: int
    false_accusations: int
    inspections: int
    first_detection_turn: int | None
    cheating: bool
    parts: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "detections": self.detections,
            "concerns_upheld": self.concerns_upheld,
            "false_accusations": self.false_accusations,
            "inspections": self.inspections,
            "first_detection_turn": self.first_detection_turn,
            "cheating": self.cheating,
            "parts": self.parts,
        }


def score(ex: Exercise) -> Score:
    """Score the inspector side of an exercise (finished or not: the score so far)."""
    w = ex.scenario.scoring
    st = ex.state
    detections = len(st.caught)
    upheld = sum(1 for c in st.concerns if c["upheld"] and c["site"] not in st.caught)
    false = sum(1 for c in st.concerns if not c["upheld"])
    inspections = len(st.inspections)
    first = min(st.caught.values()) if st.caught else None
    cheating = bool(st.dirty)
    timeliness = 0.0
    if first is not None:
        timeliness = w.time_to_detection * (1.0 - (first - 1) / ex.scenario.turns)
    parts = {
        "detections": w.detection * detections,
        "concerns_upheld": w.correct_concern * upheld,
        "false_accusations": -w.false_accusation * false,
        "quota_used": -w.quota_used * inspections,
        "time_to_detection": timeliness,
    }
    parts = {k: round(v, 6) + 0.0 for k, v in parts.items()}
    return Score(
        total=round(sum(parts.values()), 6) + 0.0,
        detections=detections,
        concerns_upheld=upheld,
        false_accusations=false,
        inspections=inspections,
        first_detection_turn=first,
        cheating=cheating,
        parts=parts,
    )
