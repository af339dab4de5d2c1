"""Schedules: yearly eliminations that meet every milestone with the smallest possible peak.

Year ``t`` (1..N) is the twelve months ending on the ``t``-th anniversary of the baseline date.
A milestone "``R`` eliminated by date ``D``" constrains the cumulative eliminations of every year
that ends on or before ``D``. With ``R_t`` the cumulative requirement at the end of year ``t``,
no schedule can peak below ``P = max_t ceil(R_t / t)``, and ``P`` is reached: with
``L_t = max_{j >= t} (R_j - (j - t) P)`` (what must be done by year ``t`` so that later years
can keep up), the cumulative ``S_t = max(L_t, S_{t-1} + ceil((T - S_{t-1}) / (N - t + 1)))``
rises by at most ``P`` a year, meets every milestone, and spreads what remains evenly over the
years left (``T`` the total). A per-year capacity
``c < P`` makes the schedule infeasible; the finding names the first milestone missed and by
how much.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from armsctl.errors import ParameterError

__all__ = [
    "Milestone",
    "Schedule",
    "Shortfall",
    "anniversary",
    "min_peak_schedule",
    "years_until",
]


@dataclass(frozen=True, slots=True)
class Milestone:
    """``required`` eliminations (cumulative) due by ``due``; ``label`` names it in findings."""

    due: dt.date
    required: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A milestone that cannot be met: what it needs and what the years before it allow."""

    label: str
    due: dt.date
    required: int
    achievable: int

    @property
    def shortfall(self) -> int:
        """How many eliminations are missing on the due date."""
        return self.required - self.achievable


@dataclass(frozen=True, slots=True)
class Schedule:
    """Eliminations per year (index 0 is year 1), the peak, and a shortfall if infeasible."""

    per_year: list[int]
    peak: int
    shortfall: Shortfall | None = None


def anniversary(start: dt.date, years: int) -> dt.date:
    """``start`` plus whole years (29 February falls back to 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def years_until(start: dt.date, due: dt.date) -> int:
    """Whole years after ``start`` whose end falls on or before ``due`` (0 if ``due`` is earlier)."""
    k = max(0, due.year - start.year)
    while k > 0 and anniversary(start, k) > due:
        k -= 1
    return k


def min_peak_schedule(
    start: dt.date,
    years: int,
    milestones: list[Milestone],
    *,
    capacity: int | None = None,
) -> Schedule:
    """The minimal-peak yearly schedule over ``years`` years after ``start``.

    The total is the largest requirement among the milestones. Without a capacity the peak is
    ``max_t ceil(R_t / t)`` (so ``ceil(T / N)`` with a single milestone at the end); with one,
    a milestone that needs more than ``t * capacity`` by its year ``t`` is reported as a
    shortfall and the schedule runs at capacity.

    Raises:
        ParameterError: ``years`` below 1, a negative requirement or capacity.
    """
    if years < 1:
        raise ParameterError(f"years must be at least 1, got {years}")
    if capacity is not None and capacity < 0:
        raise ParameterError(f"capacity must be >= 0, got {capacity}")
    need = [0] * (years + 1)  # cumulative requirement at the end of year t
    label: dict[int, Milestone] = {}
    for m in milestones:
        if m.required < 0:
            raise ParameterError(f"milestone {m.label or m.due}: negative requirement")
        t = min(years, years_until(start, m.due))
        if t == 0 and m.required > 0:
            return Schedule([0] * years, 0, Shortfall(m.label, m.due, m.required, 0))
        if m.required > need[t]:
            need[t] = m.required
            label[t] = m
    for t in range(1, years + 1):
        need[t] = max(need[t], need[t - 1])
    total = need[years]
    if total == 0:
        return Schedule([0] * years, 0)
    peak = max(math.ceil(need[t] / t) for t in range(1, years + 1))
    if capacity is not None and capacity < peak:
        for t in range(1, years + 1):
            if need[t] > t * capacity:
                due = _milestone_at(label, need, t)
                return Schedule(
                    _greedy(total, years, capacity),
                    min(capacity, total),
                    Shortfall(due.label, due.due, due.required, t * capacity),
                )
    late = [0] * (years + 1)
    for t in range(years, 0, -1):
        later = late[t + 1] - peak if t < years else 0
        late[t] = max(need[t], later)
    per_year = []
    done = 0
    for t in range(1, years + 1):
        even = done + -(-(total - done) // (years - t + 1))
        step = max(late[t], even) - done
        per_year.append(step)
        done += step
    return Schedule(per_year, max(per_year))


def _milestone_at(label: dict[int, Milestone], need: list[int], t: int) -> Milestone:
    for s in range(t, len(need)):
        if s in label and label[s].required >= need[t]:
            return label[s]
    return next(iter(label.values()))


def _greedy(total: int, years: int, capacity: int) -> list[int]:
    out = []
    left = total
    for _ in range(years):
        step = min(capacity, left)
        out.append(step)
        left -= step
    return out
