"""Simulated host states: how a party that may be hiding items behaves during an exercise.

Each strategy is deterministic given its NumPy generator (drawn from the scenario seed) and the
inspector's actions. A strategy only sees what a real host would: the notifications it
received, the quota the inspector has left, the sites it declared. It moves its hidden items
through :meth:`Exercise.move_hidden`, which records each move (invisible to the trainee).

The equilibrium host uses the inspection-game solver of :mod:`armsctl.verification.games`:
where to hide comes from a zero-sum site-selection game (the inspector picks a site, the host
a hiding place, the payoff is the chance an inspection there finds the items), and when to
violate from Dresher's sequential game over the remaining turns and the inspections the
inspector can be expected to spend on that site.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from armsctl.exercise.scenario import HostStrategy

if TYPE_CHECKING:
    from armsctl.exercise.engine import Exercise
    from armsctl.verification.games import DresherSolution, ZeroSumSolution

__all__ = [
    "DRESHER_MAX",
    "EquilibriumHost",
    "HonestHost",
    "HostStrategyBase",
    "OpportunistHost",
    "ShellGameHost",
    "StaticHost",
    "detection_at",
    "dresher_table",
    "expected_inspections",
    "game_table",
    "make_host",
    "site_game",
    "visit_chance",
]


class HostStrategyBase:
    """The honest default: nothing hidden, nothing moved."""

    def __init__(self, spec: HostStrategy, rng: np.random.Generator) -> None:
        self.spec = spec
        self.rng = rng
        self.offsite = 0

    def setup(self, ex: Exercise) -> None:
        """Place hidden items before the first turn."""

    def start_turn(self, ex: Exercise) -> None:
        """Act at the start of a turn, before the inspector does."""

    def react(self, ex: Exercise) -> None:
        """Act at the end of a turn, knowing the notifications the inspector sent."""


class HonestHost(HostStrategyBase):
    """Declares what it holds; any discrepancy in the scenario is an honest record error."""


class StaticHost(HostStrategyBase):
    """Hides ``hidden`` items at one site and never moves them."""

    def setup(self, ex: Exercise) -> None:
        """Put all ``hidden`` items at the strategy's site before turn 1 (a recorded move)."""
        self.offsite = self.spec.hidden
        ex.move_hidden(None, self.spec.site, reason="initial placement")


class ShellGameHost(StaticHost):
    """Moves its hidden items away from a site notified for inspection, if the notice allows."""

    def react(self, ex: Exercise) -> None:
        """Move the items from a notified site to another unnotified site of the same kind.

        Only when the inspection's notice gives at least one turn, and then with the scenario's
        ``move_success`` chance; each move is recorded (hidden from the trainee).
        """
        for site in [s for s, n in sorted(ex.hidden.items()) if n]:
            pending = ex.state.pending.get(site)
            if pending is None or ex.quota[pending.type].notice_turns < 1:
                continue
            kind = ex.scenario.site(site).kind
            candidates = [
                s.id
                for s in ex.scenario.sites
                if s.kind == kind and s.id != site and s.id not in ex.state.pending
            ]
            if not candidates:
                continue
            if float(self.rng.random()) < self.spec.move_success:
                target = candidates[int(self.rng.integers(len(candidates)))]
                ex.move_hidden(site, target, reason=f"{site} was notified for inspection")


class OpportunistHost(HostStrategyBase):
    """Brings its items to the site only when its estimate of an inspection there is low."""

    def setup(self, ex: Exercise) -> None:
        """Keep every hidden item off site; ``start_turn`` brings them in when it seems safe."""
        self.offsite = self.spec.hidden

    def estimate(self, ex: Exercise) -> float:
        """Chance, as the host sees it, that its site is inspected and the items found now."""
        site = self.spec.site
        assert site is not None
        if site in ex.state.pending:
            return 1.0
        return visit_chance(ex, site) * detection_at(ex, site, self.spec.hidden)

    def start_turn(self, ex: Exercise) -> None:
        """Bring the items in while the estimated risk is at most the threshold, else take them out.

        The decision uses ``estimate`` only, i.e. what the host may know (notifications received,
        quota left), never the inspector's plans.
        """
        site = self.spec.site
        risk = self.estimate(ex)
        at_site = ex.hidden.get(site or "", 0) > 0
        if risk <= self.spec.threshold and not at_site:
            ex.move_hidden(None, site, reason=f"estimated detection {risk:.2f} is low")
        elif risk > self.spec.threshold and at_site:
            ex.move_hidden(site, None, reason=f"estimated detection {risk:.2f} is too high")


class EquilibriumHost(HostStrategyBase):
    """Violates once, where the site game and when Dresher's game say, then withdraws."""

    def setup(self, ex: Exercise) -> None:
        """Keep the items off site; draw, once, where to violate from the site game's mix."""
        self.offsite = self.spec.hidden
        self.done = False
        sites = [s.id for s in ex.scenario.sites]
        game = site_game(ex, sites, self.spec.hidden)
        p = game.column_strategy
        self.site = sites[int(self.rng.choice(len(sites), p=p / p.sum()))]

    def start_turn(self, ex: Exercise) -> None:
        """Violate now with Dresher's probability for the turns and expected inspections left.

        Once the items have been at the site for a turn they are withdrawn and the host stays
        honest for the rest of the exercise: it violates at most once.
        """
        if ex.hidden.get(self.site, 0):
            ex.move_hidden(self.site, None, reason="the violation is over")
            self.done = True
            return
        if self.done:
            return
        table = game_table(ex)
        periods = min(ex.scenario.turns - ex.turn + 1, table.periods)
        expected = expected_inspections(ex, self.site)
        low = min(int(expected), periods)
        high = min(low + 1, periods)
        frac = expected - int(expected) if high > low else 0.0
        # A fractional expectation of inspections mixes the two neighbouring games.
        p_violate = (1 - frac) * table.violate[periods][low] + frac * table.violate[periods][high]
        if float(self.rng.random()) < p_violate:
            ex.move_hidden(None, self.site, reason=f"equilibrium violation (p={p_violate:.2f})")


_HOSTS: dict[str, type[HostStrategyBase]] = {
    "honest": HonestHost,
    "static": StaticHost,
    "shell-game": ShellGameHost,
    "opportunist": OpportunistHost,
    "equilibrium": EquilibriumHost,
}


def make_host(spec: HostStrategy, rng: np.random.Generator) -> HostStrategyBase:
    """The strategy object for a scenario's ``host_strategy``."""
    return _HOSTS[spec.kind](spec, rng)


def visit_chance(ex: Exercise, site: str) -> float:
    """Chance an inspection of ``site`` happens this turn if the inspector spreads its quota.

    Each type that may visit the site spends what is left of its yearly quota evenly over the
    turns left in the year and over the sites it may visit.
    """
    miss = 1.0
    left = max(1, ex.turns_left_in_year())
    for qtype in ex.types_for(site):
        eligible = max(1, sum(1 for s in ex.scenario.sites if s.kind in ex.quota[qtype].site_kinds))
        per_turn = min(1.0, max(0, ex.remaining(qtype)) / left)
        miss *= 1.0 - per_turn / eligible
    return 1.0 - miss


def expected_inspections(ex: Exercise, site: str) -> float:
    """Inspections the inspector can be expected to spend on ``site`` for the rest of the run."""
    total = 0.0
    tpy = ex.scenario.turns_per_year
    later_years = max(0, (ex.scenario.turns - 1) // tpy + 1 - ex.year())
    for qtype in ex.types_for(site):
        eligible = max(1, sum(1 for s in ex.scenario.sites if s.kind in ex.quota[qtype].site_kinds))
        slots = max(0, ex.remaining(qtype)) + later_years * ex.per_year[qtype][0]
        total += slots / eligible
    return total


def detection_at(ex: Exercise, site: str, hidden: int) -> float:
    """Chance one inspection of ``site`` finds ``hidden`` extra items (sampling, if any)."""
    from armsctl.verification.sampling import detection_probability

    types = ex.types_for(site)
    if not types or hidden < 1:
        return 0.0
    sample = ex.quota[types[0]].sample
    if sample is None:
        return 1.0
    population = sum(ex.declared[site].values()) + hidden
    return float(detection_probability(population, hidden, min(sample, population)))


def site_game(ex: Exercise, sites: list[str], hidden: int) -> ZeroSumSolution:
    """The zero-sum game of where to hide against where to inspect.

    Rows are the inspector's sites, columns the host's; the payoff to the inspector is the
    chance that inspecting row ``i`` finds items hidden at column ``j`` (zero off the diagonal).
    """
    from armsctl.verification.games import solve_zero_sum

    payoff = np.diag([detection_at(ex, s, hidden) for s in sites])
    if not payoff.any():
        n = len(sites)
        return _uniform_solution(n, sites)
    return solve_zero_sum(payoff, row_labels=sites, column_labels=sites)


def _uniform_solution(n: int, labels: list[str]) -> ZeroSumSolution:
    from armsctl.verification.games import ZeroSumSolution

    even = np.full(n, 1.0 / n)
    return ZeroSumSolution(0.0, even, even.copy(), list(labels), list(labels))


DRESHER_MAX = 24
"""Longest Dresher game solved; longer horizons are played as their last 24 turns."""


def game_table(ex: Exercise) -> DresherSolution:
    """Dresher's game large enough for this exercise (capped at ``DRESHER_MAX`` periods)."""
    size = min(ex.scenario.turns, DRESHER_MAX)
    return dresher_table(size, size)


@functools.cache
def dresher_table(periods: int, inspections: int) -> DresherSolution:
    """Dresher's game solved once for every smaller game (cached: it is pure)."""
    from armsctl.verification.games import dresher_game

    return dresher_game(periods, inspections)
