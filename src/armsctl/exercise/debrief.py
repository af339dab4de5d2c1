"""The instructor's debrief of a finished exercise: score, timeline, truth, baselines, charts.

The debrief is built from the record alone (it replays the actions to check the record first),
so an instructor can debrief any saved exercise. It compares the trainee with each automatic
inspector on the same scenario and seed, then over many seeds (the exercise engine played as a
Monte Carlo simulator), and, as an independent cross-check, with the verification simulator's
detection estimate for the same regime and a comparable cheating model. The charts are data
(:func:`debrief_charts`); :func:`armsctl.reports.debrief_html` renders the page with them
inlined as SVG, so the HTML file is self-contained and works offline.
"""

from __future__ import annotations

from typing import Any

from armsctl.charts import Axis, Bar, Chart, Point, ReferenceLine, Series
from armsctl.exercise.engine import Exercise
from armsctl.exercise.inspectors import AUTO_INSPECTORS, compare_inspectors, score_distribution
from armsctl.exercise.scoring import score, score_by_turn

__all__ = [
    "TIMELINE_KINDS",
    "debrief_charts",
    "debrief_exercise",
    "simulator_reference",
    "truth_chart_rows",
    "turn_timeline",
]

_SIM_STRATEGY = {
    "static": "concentrate",
    "shell-game": "move",
    "opportunist": "timed",
    "equilibrium": "timed",
}


TIMELINE_KINDS = {
    "commitment": "declaration",
    "reveal": "declaration",
    "declaration": "declaration",
    "compliance": "compliance",
    "notification": "notification",
    "notify": "notification",
    "notification-lapsed": "notification",
    "exercise": "notification",
    "observation": "observation",
    "inspection": "inspection",
    "clarification": "clarification",
    "concern": "concern",
    "concern-truth": "finding",
    "host-move": "host",
    "refused": "refused",
}
"""How each recorded event kind is grouped in the turn-by-turn timeline."""


def turn_timeline(ex: Exercise) -> list[dict[str, Any]]:
    """The exercise turn by turn: what was declared, notified, inspected and found, and the score.

    Turn 0 holds the declarations the host started with. Each turn lists its events in order
    (``seen`` says whether the trainee saw them: the host's moves and the truth of concerns are
    revealed only in the debrief), the inspections' findings, and the score at the end of the
    turn. Built from the exercise alone, so it is the same for a live game and a saved record.
    """
    scores = score_by_turn(ex)
    sc = ex.scenario
    start = {s.id: {c: n for c, n in sorted(s.declared.items()) if n} for s in sc.sites}
    turns: list[dict[str, Any]] = [
        {
            "turn": 0,
            "label": "start",
            "events": [
                {
                    "kind": "declaration",
                    "seen": True,
                    "site": site,
                    "text": f"{site} declared: {_counts(counts)}",
                }
                for site, counts in start.items()
                if counts or sc.record is None  # a record's sites are declared at turn 1
            ]
            + _turn_events(ex, 0),
            "findings": [],
            "score": None,
        }
    ]
    for t in range(1, ex.turn + 1):
        events = _turn_events(ex, t)
        findings = [
            {
                "site": i["site"],
                "type": i["type"],
                "found": i["found"],
                **({"sample": i["sample"]} if "sample" in i else {}),
            }
            for i in ex.state.inspections
            if i["turn"] == t
        ]
        turns.append(
            {
                "turn": t,
                "label": f"{sc.turn_label} {t}",
                "time": ex.turn_time(t).isoformat(),
                "events": events,
                "findings": findings,
                "score": scores[t - 1],
            }
        )
    return turns


def _turn_events(ex: Exercise, turn: int) -> list[dict[str, Any]]:
    events = []
    for e in ex.events:
        if e["turn"] != turn or e["kind"] not in TIMELINE_KINDS:
            continue
        row = {
            "kind": TIMELINE_KINDS[e["kind"]],
            "seen": bool(e["visible"]),
            "site": e.get("site"),
            "text": e["text"],
        }
        for key in ("notification", "deadline", "observation"):
            if key in e:
                row[key] = e[key]
        events.append(row)
    return events


def truth_chart_rows(ex: Exercise) -> list[dict[str, Any]]:
    """Rows of the truth-over-time chart: every site that was not as declared or was inspected.

    Each row has the turns in which the site differed from its declaration and every inspection
    of it (turn, type, whether it found a discrepancy), so that a clean inspection of a
    compliant site shows as well as a catch.
    """
    out = []
    for s in ex.scenario.sites:
        dirty = ex.state.dirty.get(s.id, [])
        visits = [
            {"turn": i["turn"], "type": i["type"], "found": i["found"]}
            for i in ex.state.inspections
            if i["site"] == s.id
        ]
        if dirty or visits:
            out.append(
                {
                    "site": s.id,
                    "compliant": not dirty,
                    "discrepant_turns": list(dirty),
                    "inspections": visits,
                }
            )
    return out


def debrief_exercise(ex: Exercise, *, seeds: int = 50) -> dict[str, Any]:
    """The debrief document of an exercise in memory (finished or stopped early)."""
    sc = ex.scenario
    trainee = score(ex).to_dict()
    same_seed = compare_inspectors(sc, ex.seed)
    seed_list = [ex.seed + 1 + i for i in range(seeds)] if seeds > 0 else []
    distribution = score_distribution(sc, seeds=seed_list) if seed_list else {}
    truth = [
        {
            "site": s.id,
            "kind": s.kind,
            "declared": ex.declared[s.id],
            "holdings_at_end": ex.truth(s.id),
            "discrepant_turns": ex.state.dirty.get(s.id, []),
            "caught_turn": ex.state.caught.get(s.id),
            "inspected_turns": [i["turn"] for i in ex.state.inspections if i["site"] == s.id],
        }
        for s in sc.sites
    ]
    return {
        "scenario": {"id": sc.id, "title": sc.title, "turns": sc.turns, "seed": ex.seed},
        "finished": ex.finished,
        "note": ex.note,
        "host_strategy": sc.host_strategy.model_dump(mode="json"),
        "score": trainee,
        "weights": sc.scoring.model_dump(mode="json"),
        "timeline": [
            {
                "turn": e["turn"],
                "kind": e["kind"],
                "seen_by_trainee": e["visible"],
                "text": e["text"],
                "site": e.get("site"),
            }
            for e in ex.events
            if e["kind"] not in ("turn-start", "turn-end")
        ],
        "actions": list(ex.actions),
        "turns": turn_timeline(ex),
        "truth": truth,
        "truth_chart": truth_chart_rows(ex),
        "same_seed": same_seed,
        "distribution": distribution,
        "simulator": simulator_reference(ex),
    }


def simulator_reference(ex: Exercise, *, trials: int = 2000) -> dict[str, Any] | None:
    """Detection chance from :mod:`armsctl.verification.simulate` for a comparable regime.

    Uniform random inspections of each type over the year against the host's cheating mapped to
    the simulator's models (static to ``concentrate``, shell game to ``move``, opportunist and
    equilibrium to ``timed``); ``None`` for an honest host. A yardstick, not the same game.
    """
    from armsctl.errors import ParameterError
    from armsctl.verification.planning import Quota
    from armsctl.verification.simulate import Cheating, Regime, simulate

    sc = ex.scenario
    hs = sc.host_strategy
    if hs.kind == "honest":
        return None
    import numpy as np

    sites = []
    for s in sc.sites:
        types = ex.types_for(s.id)
        if types:
            sites.append(s.as_site(types[0], items=sum(s.declared.values()) + hs.hidden))
    quotas = tuple(Quota(t, ex.per_year[t][0]) for t in ex.quota)
    samples = [q.sample for q in sc.quotas if q.sample is not None]
    try:
        regime = Regime(
            sites=tuple(sites),
            quotas=quotas,
            periods=sc.turns_per_year,
            items_checked=min(samples) if samples else None,
        )
        cheating = Cheating(
            strategy=_SIM_STRATEGY[hs.kind],  # type: ignore[arg-type]
            size=hs.hidden,
            target=hs.site if hs.kind in ("static", "shell-game") else None,
            move_success=hs.move_success,
            window=min(3, sc.turns_per_year),
        )
        years = max(1, -(-sc.turns // sc.turns_per_year))
        result = simulate(
            regime,
            cheating,
            years=years,
            trials=trials,
            rng=np.random.default_rng(np.random.SeedSequence([ex.seed, 17])),
            label=f"{hs.kind} as {cheating.strategy}",
        )
    except ParameterError as exc:
        return {"error": str(exc)}
    doc = result.to_dict()
    return {
        "model": doc["label"],
        "trials": doc["trials"],
        "detection_probability": doc["detection_probability"],
        "ci95": doc["ci95"],
        "exact": doc["exact"],
    }


def debrief_charts(doc: dict[str, Any]) -> list[Chart]:
    """The debrief's charts as data: score breakdown, score distribution, truth over time."""
    charts = []
    parts = doc["score"]["parts"]
    charts.append(
        Chart(
            title=f"Score breakdown (total {doc['score']['total']:g})",
            x=Axis("points"),
            y=Axis("part of the score"),
            bars=tuple(Bar(name, float(value)) for name, value in parts.items()),
        )
    )
    dist = doc["distribution"]
    names = [n for n in AUTO_INSPECTORS if n in dist]
    if names:
        charts.append(
            Chart(
                title=f"Automatic inspectors over {dist[names[0]]['seeds']} seeds",
                x=Axis("inspector", categories=tuple(names)),
                y=Axis("score"),
                series=(
                    Series(
                        "median score (bar: 10th to 90th percentile)",
                        [
                            Point(i, dist[n]["median"], low=dist[n]["p10"], high=dist[n]["p90"])
                            for i, n in enumerate(names)
                        ],
                        kind="points",
                    ),
                ),
                references=(
                    ReferenceLine("y", doc["score"]["total"], f"trainee {doc['score']['total']:g}"),
                ),
            )
        )
    # Every site that was not as declared or was inspected: clean inspections show too.
    dirty = doc["truth_chart"]
    if dirty:
        inspected = [(v["turn"], i) for i, row in enumerate(dirty) for v in row["inspections"]]
        charts.append(
            Chart(
                title="Where the truth differed from the declaration",
                x=Axis("turn", low=0.5, high=doc["scenario"]["turns"] + 0.5),
                y=Axis("site", categories=tuple(row["site"] for row in dirty)),
                series=(
                    Series(
                        "not as declared",
                        [
                            Point(turn, i)
                            for i, row in enumerate(dirty)
                            for turn in row["discrepant_turns"]
                        ],
                        kind="points",
                    ),
                    Series(
                        "inspected",
                        [Point(t, i) for t, i in inspected],
                        kind="points",
                        hollow=True,
                        size=1.8,
                    ),
                ),
            )
        )
    return charts


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if v) or "nothing"
