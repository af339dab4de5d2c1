"""Host strategies: each behaves as documented and is deterministic given the seed."""

from __future__ import annotations

from armsctl.exercise import Exercise, run_script

from .conftest import make_scenario

FOUR_DEPOTS = [
    {"id": "alpha", "kind": "depot", "declared": {"missile": 20}},
    {"id": "bravo", "kind": "depot", "declared": {"missile": 10}},
    {"id": "charlie", "kind": "depot", "declared": {"missile": 5}},
    {"id": "delta", "kind": "depot", "declared": {"missile": 5}},
]


def test_honest_host_hides_nothing() -> None:
    ex = run_script(make_scenario(host_strategy={"kind": "honest"}), ["inspect bravo visit"])
    assert ex.hidden == {} and ex.state.dirty == {}
    assert not ex.state.inspections[0]["found"]


def test_static_host_keeps_its_items_in_place(mini) -> None:  # type: ignore[no-untyped-def]
    ex = run_script(mini, ["end", "end", "inspect bravo visit"])
    assert ex.hidden == {"bravo": 3}
    assert ex.state.dirty == {"bravo": [1, 2, 3, 4]}
    assert ex.state.caught == {"bravo": 3}


def shell(move_success: float, notice: int) -> Exercise:
    sc = make_scenario(
        sites=FOUR_DEPOTS,
        quotas=[{"type": "visit", "per_year": 4, "site_kinds": ["depot"], "notice_turns": notice}],
        host_strategy={
            "kind": "shell-game",
            "site": "bravo",
            "category": "missile",
            "hidden": 3,
            "move_success": move_success,
        },
    )
    script = ["notify bravo visit", "end", "inspect bravo"] if notice else ["inspect bravo"]
    return run_script(sc, script, finish=False)


def test_shell_game_moves_away_from_a_notified_site() -> None:
    ex = shell(1.0, 1)
    assert ex.hidden.get("bravo", 0) == 0 and sum(ex.hidden.values()) == 3
    assert not ex.state.inspections[0]["found"]
    moves = [e for e in ex.events if e["kind"] == "host-move" and e["site"] == "bravo"]
    assert moves and not moves[0]["visible"]


def test_shell_game_cannot_move_without_notice_or_luck() -> None:
    assert shell(1.0, 0).state.inspections[0]["found"]
    assert shell(0.0, 1).state.inspections[0]["found"]


def test_opportunist_cheats_only_when_risk_is_low() -> None:
    sc = make_scenario(
        sites=FOUR_DEPOTS,
        turns=4,
        quotas=[{"type": "visit", "per_year": 4, "site_kinds": ["depot"]}],
        host_strategy={
            "kind": "opportunist",
            "site": "bravo",
            "category": "missile",
            "hidden": 3,
            "threshold": 0.2,
        },
    )
    # Four slots over the four turns and four sites: about 0.25 a turn, too risky.
    ex = Exercise(sc)
    assert ex.hidden.get("bravo", 0) == 0
    for site in ("alpha", "charlie", "delta"):
        ex.act(f"inspect {site}")
    ex.act("end")
    # One slot left over three turns: 1/3 / 4 = 0.083, low enough to bring the items in.
    assert ex.hidden.get("bravo") == 3
    assert ex.state.dirty == {"bravo": [2]}


def test_equilibrium_host_violates_once_then_withdraws() -> None:
    sc = make_scenario(
        sites=FOUR_DEPOTS,
        turns=8,
        quotas=[{"type": "visit", "per_year": 2, "site_kinds": ["depot"]}],
        host_strategy={"kind": "equilibrium", "category": "missile", "hidden": 2},
    )
    spans = []
    for seed in range(40):
        ex = run_script(sc, [], seed=seed)
        dirty = ex.state.dirty
        assert len(dirty) <= 1
        for turns in dirty.values():
            assert len(turns) == 1  # one turn of violation, then withdrawn
            spans.append(turns[0])
    assert len(spans) > 20  # it usually violates within the exercise
    assert len(set(spans)) > 2  # at mixed times


def test_hosts_are_deterministic_given_the_seed() -> None:
    for kind in ("shell-game", "equilibrium"):
        extra = {"site": "bravo"} if kind == "shell-game" else {}
        sc = make_scenario(
            sites=FOUR_DEPOTS,
            quotas=[{"type": "visit", "per_year": 4, "site_kinds": ["depot"], "notice_turns": 1}],
            host_strategy={
                "kind": kind,
                "category": "missile",
                "hidden": 2,
                "move_success": 0.5,
                **extra,
            },
        )
        script = ["notify bravo visit", "end", "inspect bravo", "notify alpha visit"]
        a = run_script(sc, script, seed=3).events
        b = run_script(sc, script, seed=3).events
        assert a == b
