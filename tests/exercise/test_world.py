"""Exercises on armsctl's own model: notifications, deadlines, observations and the clock."""

from __future__ import annotations

import datetime as dt

from armsctl.exercise import Exercise, load_scenario
from armsctl.exercise.world import exercise_treaty, turn_time
from armsctl.monitoring import Observation
from armsctl.notifications import Notification, assess

from .conftest import make_scenario


def test_turns_run_on_a_calendar_clock() -> None:
    sc = make_scenario(start="2011-02-05", turns_per_year=2)
    assert turn_time(sc, 1) == dt.datetime(2011, 2, 5, tzinfo=dt.UTC)
    assert turn_time(sc, 2) == dt.datetime(2011, 8, 5, tzinfo=dt.UTC)
    monthly = make_scenario(start="2025-01-31")
    assert [turn_time(monthly, t).date().isoformat() for t in (1, 2, 3)] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-28",
    ]


def test_notices_are_notifications_judged_by_the_deadline_rules(mini) -> None:  # type: ignore[no-untyped-def]
    ex = Exercise(mini)
    ev = ex.act("notify charlie store-visit").events[0]
    n = ex.notifications[-1]
    assert isinstance(n, Notification) and n.state == "received"
    assert (n.sender, n.recipients, n.type) == ("BLU", ("RED",), "store-visit-intent")
    assert ev["notification"]["id"] == n.id and ev["notification"]["received_at"]
    ex.act("end")
    inspection = ex.act("inspect charlie").events[0]
    assert inspection["deadline"]["verdict"] == "on-time"
    assert inspection["notification"]["event_time"] == ex.turn_time(2).isoformat()
    assert assess(ex.notifications[0], ex.treaty, at=ex.turn_time(2)).verdict == "on-time"


def test_a_notice_in_hours_lets_the_team_arrive_within_the_turn() -> None:
    quotas = [{"type": "visit", "per_year": 2, "site_kinds": ["depot"], "notice_hours": 32}]
    ex = Exercise(make_scenario(quotas=quotas))
    ev = ex.act("inspect bravo visit").events[-1]
    assert ev["kind"] == "inspection" and ev["found"]
    assert ev["arrival"] == (ex.turn_time() + dt.timedelta(hours=32)).isoformat()
    assert ev["deadline"]["verdict"] == "on-time" and "PT32H before" in ev["deadline"]["rule"]
    # With daily turns, 32 hours' notice cannot be met inside one turn.
    daily = Exercise(make_scenario(quotas=quotas, turns_per_year=365, turn_label="day"))
    outcome = daily.act("inspect bravo visit")
    assert not outcome.accepted and outcome.refusal is not None
    assert "quotas.visit.notice_hours" in outcome.refusal.rule
    assert "notify bravo visit and inspect next day" in outcome.refusal.message
    assert daily.remaining("visit") == 2


def test_new_start_notice_carries_the_treatys_unverified_rule() -> None:
    sc = load_scenario("new-start-2011-2023")
    treaty = exercise_treaty(sc)
    duty = next(d for d in treaty.notifications if d.id == "type-one-intent")
    assert duty.deadline == "PT32H" and duty.provenance == "M"
    assert duty.article == "Protocol Part Five, Section III"


def test_a_late_movement_notification_is_flagged_with_its_rule() -> None:
    events = [
        {
            "turn": 1,
            "kind": "movement",
            "site": "alpha",
            "to_site": "bravo",
            "category": "missile",
            "count": 2,
            "delay_hours": 24 * 7,
        }
    ]
    ex = Exercise(make_scenario(events=events))
    ev = next(e for e in ex.events if e["kind"] == "notification")
    assert ev["deadline"]["verdict"] == "late"
    assert "LATE: received 2.0 days after the deadline" in ev["text"]
    assert "movement: received within P5D after the event" in ev["text"]
    on_time = Exercise(make_scenario(events=[{**events[0], "delay_hours": 0}]))
    ev = next(e for e in on_time.events if e["kind"] == "notification")
    assert ev["deadline"]["verdict"] == "on-time" and "LATE" not in ev["text"]


def test_counted_observations_are_monitoring_observations_weighed_by_fusion() -> None:
    events = [
        {
            "turn": 1,
            "kind": "observation",
            "site": "bravo",
            "category": "missile",
            "count": 13,
            "reliability": 0.9,
            "fp_rate": 0.2,
            "text": "imagery of bravo",
        },
        {"turn": 1, "kind": "observation", "site": "alpha", "text": "a rumour"},
    ]
    ex = Exercise(make_scenario(events=events))
    counted, rumour = [e for e in ex.events if e["kind"] == "observation"]
    assert len(ex.observations) == 1 and isinstance(ex.observations[0], Observation)
    obs = ex.observations[0]
    assert (obs.site, obs.category, obs.count, obs.source) == ("bravo", "missile", 13, "satellite")
    assert counted["evidence"]["log10_lr"] > 0.5  # 13 seen with p 0.9 against 10 declared
    assert "evidence of undeclared items" in counted["text"]
    assert "observation" not in rumour and rumour["text"] == "a rumour (reliability 100%)"


def test_new_start_2011_2023_plays_the_public_record_with_sources_and_marks() -> None:
    sc = load_scenario("new-start-2011-2023")
    ex = Exercise(sc)
    assert ex.turn_time(1).date() == dt.date(2011, 2, 5)
    first = [e for e in ex.events if e["kind"] == "declaration"]
    assert ex.declared["rus-deployed"] == {
        "deployed-delivery-vehicles": 521,
        "deployed-warheads": 1537,
    }
    assert ex.declared["rus-launchers"] == {"total-launchers": 865}
    assert "insidedefense.com" in first[0]["text"]
    assert first[0]["figures"]["deployed-warheads"]["source"].startswith("https://")
    while ex.turn < 24:  # data as of 2022-09-01: single-source figures, marked
        ex.act("end")
    decl = [e for e in ex.events if e["kind"] == "declaration" and e["turn"] == 24]
    assert ex.turn_time().date() == dt.date(2022, 9, 1)
    assert "540 deployed-delivery-vehicles (unverified)" in decl[0]["text"]
    assert decl[0]["figures"]["deployed-warheads"]["unverified"]
    ex.act("end")
    last = [e for e in ex.events if e["turn"] == 25]
    texts = " | ".join(e["text"] for e in last)
    assert "RUS did not provide its data as of 2023-03-01" in texts
    assert "suspension effective 2023-02-28" in texts
    # Where the party stands against the limits, as `armsctl check` on the record says.
    assert "RUS against the limits as of 2023-03-01: compliant" in texts
    assert "1549 of 1550 deployed-warheads (unverified)" in texts
    assert "declaration as of 2023-03-01 was not provided" in texts
    turn1 = [e["text"] for e in ex.events if e["kind"] == "compliance" and e["turn"] == 1]
    assert turn1 and "not-in-force (the limits apply from 2018-02-05)" in turn1[0]
    assert ex.declared["rus-launchers"] == {"total-launchers": 759}  # the previous figures stand
    outcome = ex.act("inspect rus-launchers type-two")
    assert outcome.accepted and "759 total-launchers, as declared" in outcome.events[-1]["text"]
    assert "[unverified deadline]" in outcome.events[-1]["text"]


def test_a_record_scenario_with_the_wrong_number_of_turns_is_refused() -> None:
    import tomllib

    import pytest

    from armsctl.errors import InputError
    from armsctl.exercise.io import check_scenario
    from armsctl.exercise.scenario import scenario_from_mapping

    raw = tomllib.loads(
        (
            __import__("importlib.resources").resources.files("armsctl.exercise.scenarios")
            / "new-start-2011-2023.toml"
        ).read_text()
    )
    raw["turns"] = 10
    with pytest.raises(InputError, match="give turns = 25"):
        check_scenario(scenario_from_mapping(raw, where="x.toml"), where="x.toml")
