"""Automatic inspectors, scripted play and the comparison of strategies over many seeds.

An automatic inspector decides each turn from what the inspector side is entitled to see: the
quotas left, the notifications pending, the declared sites and the observations received. It
never reads the truth. Three are provided, so that an instructor can show what a trainee's play
is worth against a baseline:

* ``random``: spreads each quota evenly over the year, picking sites uniformly;
* ``greedy``: spends quota as early as possible on the most suspicious sites (observations,
  then the largest declared holdings, sites not yet visited this year first);
* ``equilibrium``: inspects now with the probability of Dresher's game for the turns and slots
  left, at a site drawn from the zero-sum site-selection game.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from armsctl.errors import InputError
from armsctl.exercise.engine import Exercise
from armsctl.exercise.hosts import game_table, site_game
from armsctl.exercise.scenario import Scenario

__all__ = [
    "AUTO_INSPECTORS",
    "AutoInspector",
    "compare_inspectors",
    "read_script",
    "run_inspector",
    "run_script",
    "score_distribution",
]

AUTO_INSPECTORS = ("random", "greedy", "equilibrium")


class AutoInspector:
    """One automatic inspector; ``actions(ex)`` gives this turn's actions (``end`` is implied)."""

    def __init__(self, name: str, seed: int) -> None:
        if name not in AUTO_INSPECTORS:
            raise InputError(f"unknown inspector {name!r} (known: {', '.join(AUTO_INSPECTORS)})")
        self.name = name
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
        self.suspicion: dict[str, float] = {}
        self.concerned: set[str] = set()

    def actions(self, ex: Exercise) -> list[str]:
        """This turn's actions as exercise commands (``inspect``, ``notify``, ``concern``).

        Reads only ``ex.view()`` and the declared sites, as a trainee would; pending notifications
        whose notice has run out are inspected first. Raises the inspector's suspicion of a site
        from the observations it sees, so it must be called once per turn, in order.
        """
        view = ex.view()
        for event in view["events"]:
            if event["kind"] == "observation" and event.get("site"):
                site = str(event["site"])
                self.suspicion[site] = self.suspicion.get(site, 0.0) + float(
                    event.get("reliability", 1.0)
                )
        out = [
            f"inspect {site}"
            for site, p in view["pending"].items()
            if p["earliest_turn"] <= view["turn"]
        ]
        taken = set(view["pending"])
        left = ex.turns_left_in_year()
        for qtype, quota in view["quotas"].items():
            slots = quota["remaining"]
            notice = quota["notice_turns"]
            if slots <= 0 or notice >= left:
                continue
            candidates = [s for s in ex.eligible_sites(qtype) if s not in taken]
            if not candidates:
                continue
            chosen = self._choose(ex, qtype, candidates, slots, left - notice)
            if chosen is None:
                continue
            taken.add(chosen)
            out.append(f"{'inspect' if notice == 0 else 'notify'} {chosen} {qtype}")
        if self.name == "greedy":
            out.extend(self._concerns(ex))
        return out

    def _choose(
        self, ex: Exercise, qtype: str, candidates: list[str], slots: int, turns: int
    ) -> str | None:
        if self.name == "random":
            if float(self.rng.random()) >= min(1.0, slots / turns):
                return None
            return candidates[int(self.rng.integers(len(candidates)))]
        if self.name == "greedy":
            seen = ex.state.inspected_this_year

            def rank(site: str) -> tuple[bool, float, int, str]:
                held = sum(ex.declared[site].values())
                return (site in seen, -self.suspicion.get(site, 0.0), -held, site)

            return min(candidates, key=rank)
        table = game_table(ex)
        n = min(turns, table.periods)
        p_now = table.inspect[n][min(slots, n)]
        if float(self.rng.random()) >= p_now:
            return None
        hidden = max(1, ex.scenario.host_strategy.hidden)
        game = site_game(ex, candidates, hidden)
        p = np.asarray(game.row_strategy, dtype=np.float64)
        return candidates[int(self.rng.choice(len(candidates), p=p / p.sum()))]

    def _concerns(self, ex: Exercise) -> list[str]:
        """Raise a concern where observations are strong but no inspection can go."""
        out = []
        for site, weight in sorted(self.suspicion.items()):
            if weight < 1.5 or site in self.concerned:
                continue
            if any(ex.remaining(t) > 0 for t in ex.types_for(site)):
                continue
            self.concerned.add(site)
            out.append(f"concern {site} 'repeated observations, no inspection possible'")
        return out


def run_inspector(scenario: Scenario, name: str, *, seed: int | None = None) -> Exercise:
    """Play a whole exercise with an automatic inspector."""
    ex = Exercise(scenario, seed=seed)
    inspector = AutoInspector(name, ex.seed)
    while not ex.finished:
        for line in inspector.actions(ex):
            ex.act(line)
        ex.act("end")
    return ex


def read_script(text: str, *, where: str = "") -> list[str]:
    """Action lines of a policy file: one action a line, ``#`` comments, blank lines ignored.

    Every line must read as an action (see ``parse_action``): a plan with an unknown action is
    a mistake in the file, refused before play with each bad line named, not an exercise played
    with a refusal in its record. (Actions the rules refuse, such as an exhausted quota, are
    moves of the game and stay in the record.)

    Raises:
        InputError: one problem per unreadable line, with ``where`` and its line number.
    """
    from armsctl.errors import InputError, Problem
    from armsctl.exercise.engine import parse_action

    lines: list[str] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            parse_action(line)
        except InputError as exc:
            problems.append(Problem(where, f"line {number}", exc.problems[0].message))
        lines.append(line)
    if problems:
        raise InputError(problems)
    return lines


def run_script(
    scenario: Scenario, actions: Iterable[str], *, seed: int | None = None, finish: bool = True
) -> Exercise:
    """Play scripted actions (refused ones included), then end the remaining turns."""
    ex = Exercise(scenario, seed=seed)
    for line in actions:
        if ex.finished:
            break
        ex.act(line)
    while finish and not ex.finished:
        ex.act("end")
    return ex


def compare_inspectors(scenario: Scenario, seed: int) -> dict[str, dict[str, Any]]:
    """What each automatic inspector scores on the same scenario and seed."""
    from armsctl.exercise.scoring import score

    return {
        name: score(run_inspector(scenario, name, seed=seed)).to_dict() for name in AUTO_INSPECTORS
    }


def score_distribution(
    scenario: Scenario, *, seeds: Sequence[int], inspectors: Sequence[str] = AUTO_INSPECTORS
) -> dict[str, dict[str, Any]]:
    """Scores and detection of each automatic inspector over many seeds of the same scenario."""
    from armsctl.exercise.scoring import score

    out: dict[str, dict[str, Any]] = {}
    for name in inspectors:
        totals: list[float] = []
        caught: list[bool] = []
        first: list[int] = []
        for s in seeds:
            sc = score(run_inspector(scenario, name, seed=s))
            totals.append(sc.total)
            caught.append(sc.detections > 0)
            if sc.first_detection_turn is not None:
                first.append(sc.first_detection_turn)
        arr = np.asarray(totals)
        out[name] = {
            "seeds": len(totals),
            "scores": totals,
            "mean": float(arr.mean()),
            "p10": float(np.percentile(arr, 10)),
            "median": float(np.median(arr)),
            "p90": float(np.percentile(arr, 90)),
            "detection_rate": float(np.mean(caught)),
            "mean_first_detection_turn": float(np.mean(first)) if first else None,
        }
    return out
