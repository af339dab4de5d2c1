"""The score of an exercise, with its breakdown, from the scenario's weights.

The weights are magnitudes; each term's sign is fixed by what it rewards, so that a scenario
author cannot accidentally reward false accusations. Detections are counted per site (finding
the same cheat twice is not two detections); a concern counts as upheld only at a site the
inspections did not already catch, so that one discovery is not scored twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armsctl.exercise.engine import Exercise

__all__ = ["Score", "score", "score_by_turn"]


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
        """The score as plain JSON: what the debrief shows and the strategy comparison collects."""
        return asdict(self)


def score(ex: Exercise, *, upto: int | None = None) -> Score:
    """Score the inspector side of an exercise (finished or not: the score so far).

    With ``upto``, the score as it stood at the end of that turn: only detections, concerns
    and inspections of turns up to ``upto`` count (the debrief's turn-by-turn timeline).
    """
    w = ex.scenario.scoring
    st = ex.state
    last = st.turn if upto is None else upto
    caught = {site: t for site, t in st.caught.items() if t <= last}
    concerns = [c for c in st.concerns if c["turn"] <= last]
    detections = len(caught)
    upheld = sum(1 for c in concerns if c["upheld"] and c["site"] not in caught)
    false = sum(1 for c in concerns if not c["upheld"])
    inspections = sum(1 for i in st.inspections if i["turn"] <= last)
    first = min(caught.values()) if caught else None
    cheating = any(t <= last for turns in st.dirty.values() for t in turns)
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


def score_by_turn(ex: Exercise) -> list[float]:
    """The total score at the end of each turn played so far (index 0 is turn 1)."""
    return [score(ex, upto=t).total for t in range(1, ex.turn + 1)]
