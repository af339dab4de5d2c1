"""Scripted and automatic play of the shipped scenarios; replay, save and resume."""

from __future__ import annotations

import json

import pytest

from armsctl.errors import InputError, IntegrityError
from armsctl.exercise import (
    AUTO_INSPECTORS,
    load_scenario,
    read_script,
    replay,
    resume,
    run_inspector,
    run_script,
    score,
    score_distribution,
)
from armsctl.exercise.engine import ACTION_HELP

SCRIPTS = {
    "tutorial": ["inspect alpha inspection", "end", "inspect bravo", "concern charlie"],
    "new-start-year": [
        "notify storage-two type-two",
        "notify icbm-base-north type-one",
        "inspect storage-two",  # refused: notice
        "end",
        "inspect storage-two",
        "inspect icbm-base-north",
        "notify storage-three type-two",
        "end",
        "inspect storage-three",
        "clarify storage-two 'unusual activity'",
    ],
    "cfe-holdings": [
        "inspect dpss-08 declared-site",
        "inspect unit-01 challenge",
        "inspect dpss-04 challenge",
        "end",
        "inspect dpss-04 declared-site",
    ],
    "new-start-2011-2023": [
        "notify rus-deployed type-one",
        "inspect rus-deployed",
        "inspect rus-deployed",  # refused: one inspection of a site a turn
        "end",
        "inspect rus-launchers type-two",
        "concern rus-launchers 'launcher count rose'",
    ],
    "step-by-step-reveal": [
        "notify coastal-base verification-visit",
        "notify river-depot verification-visit",  # refused: not yet revealed
        "end",
        "inspect coastal-base",
        "end",
        "notify south-depot verification-visit",
        "end",
        "inspect south-depot",
    ],
}


@pytest.mark.parametrize("sid", sorted(SCRIPTS))
def test_scripted_run_end_to_end_and_exact_replay(sid: str) -> None:
    sc = load_scenario(sid)
    ex = run_script(sc, SCRIPTS[sid])
    assert ex.finished and ex.turn == sc.turns
    record = json.loads(json.dumps(ex.to_record()))
    assert record["score"] == score(ex).to_dict()
    again = replay(sc, sc.seed, record["actions"])
    assert again.to_record() == ex.to_record()
    assert resume(record).to_record() == ex.to_record()


def test_expected_refusals_in_scripts() -> None:
    ex = run_script(load_scenario("new-start-year"), SCRIPTS["new-start-year"])
    refused = [e["text"] for e in ex.events if e["kind"] == "refused"]
    assert len(refused) == 1 and "notice_turns" in refused[0] and "Protocol Part Five" in refused[0]
    ex = run_script(load_scenario("new-start-2011-2023"), SCRIPTS["new-start-2011-2023"])
    refused = [e["text"] for e in ex.events if e["kind"] == "refused"]
    assert len(refused) == 1 and "one a site a turn" in refused[0]
    assert score(ex).false_accusations == 1 and score(ex).detections == 0
    ex = run_script(load_scenario("step-by-step-reveal"), SCRIPTS["step-by-step-reveal"])
    refused = [e["text"] for e in ex.events if e["kind"] == "refused"]
    assert len(refused) == 1 and "revealed at turn 3" in refused[0]


def test_tutorial_script_scores_exactly() -> None:
    s = score(run_script(load_scenario("tutorial"), SCRIPTS["tutorial"]))
    # bravo caught at turn 2 (10 + 4 x 3/4), two inspections, a false concern about charlie.
    assert s.to_dict()["parts"] == {
        "detections": 10.0,
        "concerns_upheld": 0.0,
        "false_accusations": -8.0,
        "quota_used": -1.0,
        "time_to_detection": 3.0,
    }


def test_different_seed_can_differ_but_same_seed_is_identical() -> None:
    sc = load_scenario("new-start-year")
    a = run_inspector(sc, "random", seed=1).to_record()
    assert a == run_inspector(sc, "random", seed=1).to_record()
    assert a["events"] != run_inspector(sc, "random", seed=2).to_record()["events"]


def test_save_mid_exercise_and_resume() -> None:
    sc = load_scenario("tutorial")
    full = run_script(sc, SCRIPTS["tutorial"])
    part = run_script(sc, SCRIPTS["tutorial"][:2], finish=False)
    assert not part.finished
    saved = json.loads(json.dumps(part.to_record()))
    ex = resume(saved)
    for line in SCRIPTS["tutorial"][2:]:
        ex.act(line)
    while not ex.finished:
        ex.act("end")
    assert ex.to_record() == full.to_record()


def test_a_tampered_record_is_detected() -> None:
    record = json.loads(json.dumps(run_script(load_scenario("tutorial"), ["end"]).to_record()))
    record["events"][1]["text"] = "nothing happened"
    with pytest.raises(IntegrityError, match="does not reproduce"):
        resume(record)
    with pytest.raises(InputError, match="not an exercise record"):
        resume({"format": "other"})


def test_automatic_inspectors_only_use_legal_actions() -> None:
    for sid in SCRIPTS:
        sc = load_scenario(sid)
        for name in AUTO_INSPECTORS:
            ex = run_inspector(sc, name)
            assert ex.finished
            assert not [e for e in ex.events if e["kind"] == "refused"], (sid, name)


def test_greedy_beats_random_on_the_tutorial_over_seeds() -> None:
    dist = score_distribution(load_scenario("tutorial"), seeds=range(20))
    assert dist["greedy"]["detection_rate"] == 1.0
    assert dist["random"]["detection_rate"] < 1.0
    assert dist["greedy"]["mean"] > dist["random"]["mean"]


def test_read_script() -> None:
    assert read_script("# a plan\ninspect alpha  # first\n\nend\n") == ["inspect alpha", "end"]
    with pytest.raises(InputError) as info:
        read_script("inspect alpha\nfly over\n\nnotify\n", where="plan.txt")
    assert [str(p) for p in info.value.problems] == [
        "plan.txt:line 2: cannot read action 'fly over'; actions: " + ACTION_HELP,
        "plan.txt:line 4: cannot read action 'notify'; actions: " + ACTION_HELP,
    ]


def test_debrief_document_compares_with_the_simulator() -> None:
    from armsctl.exercise.debrief import debrief_exercise
    from armsctl.reports import debrief_html

    ex = run_script(load_scenario("tutorial"), SCRIPTS["tutorial"])
    doc = debrief_exercise(ex, seeds=3)
    sim = doc["simulator"]
    assert sim["model"] == "static as concentrate"
    assert 0.0 < sim["detection_probability"] <= 1.0
    truth = {t["site"]: t for t in doc["truth"]}
    assert truth["bravo"]["discrepant_turns"] == [1, 2, 3, 4] and truth["bravo"]["caught_turn"] == 2
    assert any(not e["seen_by_trainee"] for e in doc["timeline"])
    assert "Debrief: Tutorial" in debrief_html(doc)
    honest = run_script(
        load_scenario("tutorial").model_copy(
            update={
                "host_strategy": load_scenario("tutorial").host_strategy.model_copy(
                    update={"kind": "honest", "hidden": 0, "site": None, "category": None}
                )
            }
        ),
        [],
    )
    assert debrief_exercise(honest, seeds=0)["simulator"] is None


def test_the_truth_chart_data_includes_inspections_of_compliant_sites() -> None:
    from armsctl.exercise.debrief import debrief_exercise

    ex = run_script(load_scenario("tutorial"), SCRIPTS["tutorial"])
    rows = {r["site"]: r for r in debrief_exercise(ex, seeds=0)["truth_chart"]}
    assert set(rows) == {"alpha", "bravo"}  # charlie was neither inspected nor discrepant
    assert rows["alpha"] == {
        "site": "alpha",
        "compliant": True,
        "discrepant_turns": [],
        "inspections": [{"turn": 1, "type": "inspection", "found": False}],
    }
    assert rows["bravo"]["inspections"] == [{"turn": 2, "type": "inspection", "found": True}]
    assert not rows["bravo"]["compliant"]


def test_a_record_of_the_earlier_format_is_replayed_from_its_actions() -> None:
    sc = load_scenario("tutorial")
    current = run_script(sc, SCRIPTS["tutorial"]).to_record()
    old = json.loads(json.dumps(current))
    old["format"] = "armsctl-exercise/1"
    old["events"][1]["text"] = "on-site inspection inspection of alpha: as worded before"
    ex = resume(old)
    assert ex.note is not None and "armsctl-exercise/1" in ex.note
    assert ex.to_record() == current
