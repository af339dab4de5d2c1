"""Scores: each term with the scenario's weights, exact values."""

from __future__ import annotations

from armsctl.exercise import run_script, score

from .conftest import make_scenario

WEIGHTS = {
    "detection": 10,
    "correct_concern": 5,
    "false_accusation": 8,
    "quota_used": 0.5,
    "time_to_detection": 4,
}


def test_detection_quota_and_timeliness() -> None:
    ex = run_script(make_scenario(scoring=WEIGHTS), ["end", "inspect bravo visit"])
    s = score(ex)
    assert s.detections == 1 and s.first_detection_turn == 2 and s.inspections == 1
    # time: 4 x (1 - (2 - 1) / 4) = 3
    assert s.parts == {
        "detections": 10.0,
        "concerns_upheld": 0.0,
        "false_accusations": 0.0,
        "quota_used": -0.5,
        "time_to_detection": 3.0,
    }
    assert s.total == 12.5


def test_concerns_upheld_and_false() -> None:
    ex = run_script(make_scenario(scoring=WEIGHTS), ["concern bravo", "concern alpha"])
    s = score(ex)
    assert (s.concerns_upheld, s.false_accusations, s.total) == (1, 1, -3.0)
    ev = [e for e in ex.events if e["kind"] == "concern-truth"]
    assert [e["upheld"] for e in ev] == [True, False] and not ev[0]["visible"]


def test_a_concern_at_a_caught_site_is_not_counted_twice() -> None:
    ex = run_script(make_scenario(scoring=WEIGHTS), ["inspect bravo visit", "concern bravo"])
    assert score(ex).concerns_upheld == 0 and score(ex).total == 10 - 0.5 + 4


def test_a_duplicate_concern_is_refused() -> None:
    ex = run_script(make_scenario(), ["concern bravo", "concern bravo"])
    assert len(ex.state.concerns) == 1
    assert "already raised" in next(e for e in ex.events if e["kind"] == "refused")["text"]


def test_nothing_done_scores_zero_and_honest_host_is_not_cheating() -> None:
    s = score(run_script(make_scenario(host_strategy={"kind": "honest"}), []))
    assert s.total == 0.0 and not s.cheating and s.first_detection_turn is None
