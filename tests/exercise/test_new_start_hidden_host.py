"""New START 2011-2023 against a hypothetical cheating host, beside the honest public record.

The public-record scenario takes the record at its word (nothing to find); its variant plays the
same exchanges against an invented host that keeps warheads beyond its declaration, so that
inspections can find something, and says on its face that it is not the record.
"""

from __future__ import annotations

from armsctl.exercise import Exercise, load_scenario, run_inspector, run_script, score

HONEST, HIDDEN = "new-start-2011-2023", "new-start-2011-2023-hidden"


def test_the_public_record_stays_honest_and_the_variant_says_it_is_hypothetical() -> None:
    honest, hidden = load_scenario(HONEST), load_scenario(HIDDEN)
    assert honest.host_strategy.kind == "honest" and "public record" in honest.title
    assert "hypothetical" in hidden.title and "not the record" in hidden.title
    assert hidden.briefing.lstrip().startswith("HYPOTHETICAL")
    assert "Nothing in the public record says Russia did this" in hidden.briefing.replace("\n", " ")
    strategy = hidden.host_strategy
    assert (strategy.kind, strategy.site, strategy.category, strategy.hidden) == (
        "static",
        "rus-deployed",
        "deployed-warheads",
        60,
    )


def test_the_variant_declares_exactly_the_public_record_turn_by_turn() -> None:
    honest, hidden = Exercise(load_scenario(HONEST)), Exercise(load_scenario(HIDDEN))
    for _ in range(load_scenario(HONEST).turns):
        assert hidden.declared == honest.declared and hidden.turn_time() == honest.turn_time()
        if honest.finished:
            break
        honest.act("end")
        hidden.act("end")
    # The truth differs by the invented warheads only.
    assert hidden.truth("rus-deployed")["deployed-warheads"] == (
        honest.truth("rus-deployed")["deployed-warheads"] + 60
    )
    assert hidden.truth("rus-launchers") == honest.truth("rus-launchers")


def test_inspections_can_find_the_hidden_warheads_only_in_the_variant() -> None:
    assert score(run_inspector(load_scenario(HONEST), "greedy")).detections == 0
    found = score(run_inspector(load_scenario(HIDDEN), "greedy"))
    assert found.cheating and found.detections >= 1


def test_a_sampled_type_one_inspection_may_miss_them() -> None:
    # 30 items of about 2,100 at the deployed forces: one inspection is not sure to hit one of
    # the 60 extra warheads, so some seeds miss at turn 1 and some find them.
    first = []
    for seed in range(12):
        ex = run_script(load_scenario(HIDDEN), ["inspect rus-deployed type-one"], seed=seed)
        (report,) = [e for e in ex.events if e["kind"] == "inspection"]
        first.append(report["text"])
    missed = [t for t in first if " 0 not on the declaration" in t]
    assert 0 < len(missed) < len(first), first
