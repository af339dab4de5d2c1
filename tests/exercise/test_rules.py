"""Treaty rules during play: illegal actions are refused with their rule and the turn goes on."""

from __future__ import annotations

import pytest

from armsctl.errors import InputError
from armsctl.exercise import Action, Exercise, parse_action
from armsctl.exercise.scenario import Scenario

from .conftest import make_scenario


def refused(ex: Exercise, line: str) -> str:
    before = (ex.turn, dict(ex.state.used), dict(ex.state.pending))
    outcome = ex.act(line)
    assert not outcome.accepted
    assert outcome.refusal is not None
    assert (ex.turn, dict(ex.state.used), dict(ex.state.pending)) == before
    assert ex.events[-1]["kind"] == "refused"
    return str(outcome.refusal)


def test_parse_actions() -> None:
    assert parse_action("inspect alpha visit") == Action("inspect", "alpha", "visit")
    assert parse_action("  END ") == Action("end")
    assert parse_action("concern bravo 'odd traffic'") == Action(
        "concern", "bravo", text="odd traffic"
    )
    assert str(Action("concern", "bravo", text="odd traffic")) == "concern bravo 'odd traffic'"
    with pytest.raises(InputError, match="cannot read action"):
        parse_action("dance alpha")


def test_unknown_site_and_type(mini: Scenario) -> None:
    ex = Exercise(mini)
    assert "refused by sites: no site 'zulu'" in refused(ex, "inspect zulu visit")
    assert "no inspection type 'tour'" in refused(ex, "inspect alpha tour")
    assert "refused by syntax" in refused(ex, "fly over alpha")
    assert ex.turn == 1


def test_wrong_quota_type_for_the_site(mini: Scenario) -> None:
    ex = Exercise(mini)
    text = refused(ex, "inspect charlie visit")
    assert "quotas.visit.site_kinds" in text and "'store' site" in text


def test_exhausted_quota(mini: Scenario) -> None:
    ex = Exercise(mini)
    assert ex.act("inspect alpha visit").accepted
    assert ex.act("inspect bravo visit").accepted
    ex.act("end")
    text = refused(ex, "inspect alpha visit")
    assert "quotas.visit.per_year" in text and "exhausted" in text


def test_quota_resets_each_year() -> None:
    ex = Exercise(make_scenario(turns=3, turns_per_year=1))
    ex.act("inspect alpha visit")
    ex.act("inspect bravo visit")
    assert ex.remaining("visit") == 0
    ex.act("end")
    assert ex.year() == 2 and ex.remaining("visit") == 2


def test_inspection_before_its_notice_time(mini: Scenario) -> None:
    ex = Exercise(mini)
    text = refused(ex, "inspect charlie store-visit")
    assert "quotas.store-visit.notice_turns" in text and "notify" in text
    assert ex.act("notify charlie store-visit").accepted
    assert ex.remaining("store-visit") == 0  # the notification reserves the slot
    text = refused(ex, "inspect charlie")
    assert "cannot take place before turn 2" in text
    assert "already notified" in refused(ex, "notify charlie store-visit")
    ex.act("end")
    outcome = ex.act("inspect charlie")
    assert outcome.accepted and outcome.events[0]["kind"] == "inspection"


def test_notification_lapses_at_year_end() -> None:
    ex = Exercise(make_scenario(turns=2, turns_per_year=1))
    ex.act("notify charlie store-visit")
    ex.act("end")
    assert ex.state.pending == {}
    assert any(e["kind"] == "notification-lapsed" for e in ex.events)


def test_actions_after_the_end_are_refused(mini: Scenario) -> None:
    ex = Exercise(mini)
    for _ in range(mini.turns):
        ex.act("end")
    assert ex.finished
    assert "refused by turns" in refused(ex, "end")


def test_clarification_limit_and_answers() -> None:
    ex = Exercise(make_scenario(max_clarifications=1))
    outcome = ex.act("clarify bravo 'why the trucks?'")
    assert outcome.accepted and "confirms its declaration" in outcome.events[0]["text"]
    assert "max_clarifications" in refused(ex, "clarify alpha")


def test_honest_host_acknowledges_a_record_error() -> None:
    sites = [
        {"id": "alpha", "kind": "depot", "declared": {"missile": 20}, "holdings": {"missile": 19}},
        {"id": "bravo", "kind": "depot", "declared": {"missile": 10}},
    ]
    ex = Exercise(
        make_scenario(
            sites=sites,
            quotas=[{"type": "visit", "per_year": 2, "site_kinds": ["depot"]}],
            host_strategy={"kind": "honest"},
        )
    )
    assert "record-keeping discrepancy" in ex.act("clarify alpha").events[0]["text"]
    inspection = ex.act("inspect alpha").events[0]
    assert inspection["found"] and "DISCREPANCY" in inspection["text"]


def test_inspection_sees_only_its_categories() -> None:
    ex = Exercise(
        make_scenario(
            treaty={"categories": ["missile", "launcher"]},
            quotas=[
                {
                    "type": "visit",
                    "per_year": 2,
                    "site_kinds": ["depot"],
                    "categories": ["launcher"],
                },
                {"type": "store-visit", "per_year": 1, "site_kinds": ["store"]},
            ],
        )
    )
    assert not ex.act("inspect bravo visit").events[0]["found"]


def test_sampled_inspection_draws_from_the_world_generator() -> None:
    sc = make_scenario(
        quotas=[{"type": "visit", "per_year": 2, "site_kinds": ["depot"], "sample": 1}],
        sites=[
            {"id": "alpha", "kind": "depot", "declared": {"missile": 200}},
            {"id": "bravo", "kind": "depot", "declared": {"missile": 200}},
        ],
    )
    found = [Exercise(sc, seed=s).act("inspect bravo").events[0]["found"] for s in range(60)]
    assert 0 < sum(found) < 10  # 3 hidden among 203, one item checked: about 1.5 %


def test_reveal_order_is_enforced() -> None:
    ex = Exercise(
        make_scenario(
            reveal={"stages": [{"turn": 1, "sites": ["alpha"]}, {"turn": 2, "sites": ["bravo"]}]}
        )
    )
    assert any(e["kind"] == "commitment" for e in ex.events)
    text = refused(ex, "inspect bravo visit")
    assert "reveal.inspect_revealed_only" in text and "revealed at turn 2" in text
    ex.act("end")
    reveal = [e for e in ex.events if e["kind"] == "reveal" and e["site"] == "bravo"]
    assert reveal[0]["verified"] == 10
    assert ex.act("inspect bravo visit").events[0]["found"]


def test_view_never_shows_the_truth(mini: Scenario) -> None:
    ex = Exercise(mini)
    view = ex.view()
    assert all(e["visible"] for e in view["events"])
    assert [s["declared"] for s in view["sites"]][1] == {"missile": 10}
    assert any(not e["visible"] and e["kind"] == "host-move" for e in ex.events)


def test_a_second_inspection_of_a_site_in_one_turn_is_refused_without_spending_quota(
    mini: Scenario,
) -> None:
    ex = Exercise(mini)
    assert ex.act("inspect alpha visit").accepted
    assert ex.remaining("visit") == 1
    text = refused(ex, "inspect alpha")
    assert "one a site a turn" in text and "no quota slot is used" in text
    assert ex.remaining("visit") == 1 and len(ex.state.inspections) == 1
    ex.act("end")
    assert ex.act("inspect alpha visit").accepted  # another turn, another visit


def test_inspection_texts_name_the_type_once() -> None:
    ex = Exercise(
        make_scenario(
            quotas=[
                {
                    "type": "inspection",
                    "title": "On-site inspection",
                    "per_year": 2,
                    "site_kinds": ["depot"],
                },
                {"type": "store-visit", "per_year": 1, "site_kinds": ["store"]},
            ]
        )
    )
    text = ex.act("inspect alpha").events[0]["text"]
    assert text.startswith("on-site inspection of alpha: counted 20 missile, as declared")
    assert "inspection inspection" not in text
    assert (
        ex.act("notify charlie store-visit")
        .events[0]["text"]
        .startswith("notification N002 of a store-visit of charlie")
    )


def test_a_sample_reports_what_it_counted_and_the_estimate_it_implies() -> None:
    sc = make_scenario(
        quotas=[{"type": "visit", "per_year": 2, "site_kinds": ["depot"], "sample": 40}],
        sites=[
            {"id": "alpha", "kind": "depot", "declared": {"missile": 95}},
            {"id": "bravo", "kind": "depot", "declared": {"missile": 95}},
        ],
    )
    for seed in range(8):
        ev = Exercise(sc, seed=seed).act("inspect bravo").events[0]
        sample = ev["sample"]
        hits = sample["undeclared_in_sample"]
        assert sample["checked"] == 40 and sample["declared"] == 95
        assert "counted 98" not in ev["text"]  # the true total (95 + 3 hidden) is not shown
        assert (
            f"sample of 40 of the 95 declared item(s); {hits} not on the declaration" in ev["text"]
        )
        assert ev["found"] == (hits > 0)
        low, high = sample["ci95"]
        if hits:
            assert low <= sample["estimated_undeclared"] <= high
            assert "DISCREPANCY" in ev["text"] and "95% interval" in ev["text"]
        else:
            assert low == 0 and high is not None and "at most" in ev["text"]
    clean = Exercise(sc).act("inspect alpha").events[0]
    assert not clean["found"] and clean["sample"]["undeclared_in_sample"] == 0
