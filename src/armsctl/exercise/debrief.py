"""The instructor's debrief of a finished exercise: score, timeline, truth, baselines, charts.

The debrief is built from the record alone (it replays the actions to check the record first),
so an instructor can debrief any saved exercise. It compares the trainee with each automatic
inspector on the same scenario and seed, then over many seeds (the exercise engine played as a
Monte Carlo simulator), and, as an independent cross-check, with the verification simulator's
detection estimate for the same regime and a comparable cheating model. Charts are SVG drawn by
matplotlib (Agg) and inlined, so the HTML file is self-contained and works offline.
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

from armsctl.exercise.engine import Exercise, resume
from armsctl.exercise.inspectors import AUTO_INSPECTORS, compare_inspectors, score_distribution
from armsctl.exercise.scoring import score

__all__ = ["build_debrief", "debrief_exercise", "debrief_html", "simulator_reference"]

_SIM_STRATEGY = {
    "static": "concentrate",
    "shell-game": "move",
    "opportunist": "timed",
    "equilibrium": "timed",
}


def build_debrief(
    record: dict[str, Any], *, seeds: int = 50, where: str = "record"
) -> dict[str, Any]:
    """The debrief document (JSON-ready) of a saved exercise record."""
    ex = resume(record, where=where)
    return debrief_exercise(ex, seeds=seeds)


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
        }
        for s in sc.sites
    ]
    return {
        "scenario": {"id": sc.id, "title": sc.title, "turns": sc.turns, "seed": ex.seed},
        "finished": ex.finished,
        "host_strategy": sc.host_strategy.model_dump(mode="json"),
        "score": trainee,
        "weights": sc.scoring.model_dump(mode="json"),
        "timeline": [
            {
                "turn": e["turn"],
                "kind": e["kind"],
                "seen_by_trainee": e["visible"],
                "text": e["text"],
            }
            for e in ex.events
            if e["kind"] not in ("turn-start", "turn-end")
        ],
        "actions": list(ex.actions),
        "truth": truth,
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
    from armsctl.verification.planning import Quota, Site
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
            sites.append(Site(s.id, types[0], sum(s.declared.values()) + hs.hidden))
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


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _charts(doc: dict[str, Any]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = []
    with plt.rc_context({"svg.hashsalt": "armsctl", "svg.fonttype": "none"}):
        parts = doc["score"]["parts"]
        fig, ax = plt.subplots(figsize=(6, 2.8))
        names = list(parts)
        values = [parts[n] for n in names]
        ax.barh(names, values, color=["#2a7" if v >= 0 else "#c44" for v in values])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"Score breakdown (total {doc['score']['total']:g})")
        charts.append(("Score breakdown", _svg(fig)))
        plt.close(fig)
        dist = doc["distribution"]
        if dist:
            fig, ax = plt.subplots(figsize=(6, 3))
            data = [dist[n]["scores"] for n in AUTO_INSPECTORS if n in dist]
            ax.boxplot(data, orientation="horizontal")
            ax.set_yticks(range(1, len(data) + 1), [n for n in AUTO_INSPECTORS if n in dist])
            ax.axvline(doc["score"]["total"], color="#c44", linestyle="--", label="trainee")
            ax.set_xlabel("score")
            ax.set_title(f"Automatic inspectors over {dist[AUTO_INSPECTORS[0]]['seeds']} seeds")
            ax.legend(loc="lower right")
            charts.append(("Score distribution", _svg(fig)))
            plt.close(fig)
        turns = doc["scenario"]["turns"]
        dirty = [t for t in doc["truth"] if t["discrepant_turns"]]
        if dirty:
            fig, ax = plt.subplots(figsize=(6, 0.6 + 0.4 * len(dirty)))
            for i, row in enumerate(dirty):
                ax.scatter(
                    row["discrepant_turns"],
                    [i] * len(row["discrepant_turns"]),
                    marker="s",
                    color="#c44",
                    label="not as declared" if i == 0 else None,
                )
            inspected = [
                (e["turn"], e["text"].split(" inspection of ")[1].split(":")[0])
                for e in doc["timeline"]
                if e["kind"] == "inspection"
            ]
            index = {row["site"]: i for i, row in enumerate(dirty)}
            pts = [(t, index[s]) for t, s in inspected if s in index]
            if pts:
                ax.scatter(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    marker="o",
                    facecolors="none",
                    edgecolors="#222",
                    s=120,
                    label="inspected",
                )
            ax.set_yticks(range(len(dirty)), [row["site"] for row in dirty])
            ax.set_xlim(0.5, turns + 0.5)
            ax.set_xlabel("turn")
            ax.set_title("Where the truth differed from the declaration")
            ax.legend(loc="upper right", fontsize=7)
            charts.append(("Truth over time", _svg(fig)))
            plt.close(fig)
    return charts


def debrief_html(doc: dict[str, Any]) -> str:
    """A self-contained HTML page (inline CSS and SVG, no external asset) for the debrief."""
    e = html.escape
    sc = doc["scenario"]
    s = doc["score"]
    rows = "".join(f"<tr><td>{e(k)}</td><td>{v:g}</td></tr>" for k, v in s["parts"].items())
    same = "".join(
        f"<tr><td>{e(n)}</td><td>{d['total']:g}</td><td>{d['detections']}</td>"
        f"<td>{d['inspections']}</td><td>{d['first_detection_turn'] or '-'}</td></tr>"
        for n, d in doc["same_seed"].items()
    )
    dist = "".join(
        f"<tr><td>{e(n)}</td><td>{d['mean']:.2f}</td><td>{d['p10']:.2f} / {d['median']:.2f} / "
        f"{d['p90']:.2f}</td><td>{d['detection_rate']:.0%}</td></tr>"
        for n, d in doc["distribution"].items()
    )
    truth = "".join(
        f"<tr><td>{e(t['site'])}</td><td>{e(_counts(t['declared']))}</td>"
        f"<td>{e(_counts(t['holdings_at_end']))}</td>"
        f"<td>{e(', '.join(map(str, t['discrepant_turns'])) or '-')}</td>"
        f"<td>{t['caught_turn'] or '-'}</td></tr>"
        for t in doc["truth"]
    )
    timeline = "".join(
        f'<tr class="{"seen" if ev["seen_by_trainee"] else "hidden"}"><td>{ev["turn"]}</td>'
        f"<td>{e(ev['kind'])}</td><td>{'yes' if ev['seen_by_trainee'] else 'no'}</td>"
        f"<td>{e(ev['text'])}</td></tr>"
        for ev in doc["timeline"]
    )
    sim = doc["simulator"]
    sim_html = (
        "<p>Honest host: nothing to detect.</p>"
        if sim is None
        else f"<p>{e(sim['error'])}</p>"
        if "error" in sim
        else f"<p>Verification simulator ({e(sim['model'])}, {sim['trials']} trials, uniform "
        f"random inspections): detection probability {sim['detection_probability']:.1%} "
        f"(95% CI {sim['ci95'][0]:.1%}-{sim['ci95'][1]:.1%}).</p>"
    )
    charts = "".join(
        f"<figure>{svg}<figcaption>{e(t)}</figcaption></figure>" for t, svg in _charts(doc)
    )
    host = doc["host_strategy"]
    data = json.dumps(doc, default=str).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Debrief: {e(sc["title"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
td, th {{ border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }}
tr.hidden {{ background: #fff3f0; }} figure {{ margin: 1rem 0; }}
.total {{ font-size: 1.5rem; font-weight: bold; }}
</style></head><body>
<h1>Debrief: {e(sc["title"])}</h1>
<p>Scenario <code>{e(sc["id"])}</code>, seed {sc["seed"]}, {sc["turns"]} turns
{"" if doc["finished"] else "(stopped before the end)"}.
Host strategy: <b>{e(host["kind"])}</b>{
        f", hiding {host['hidden']} {e(str(host['category']))}" if host["hidden"] else ""
    }.</p>
<h2>Score</h2><p class="total">{s["total"]:g}</p>
<p>{s["detections"]} site(s) caught, first at turn {s["first_detection_turn"] or "-"};
{s["concerns_upheld"]} concern(s) upheld, {s["false_accusations"]} false accusation(s);
{s["inspections"]} inspection(s) used.</p>
<table><tr><th>part</th><th>points</th></tr>{rows}</table>
<h2>Truth against declaration</h2>
<table><tr><th>site</th><th>declared</th><th>held at end</th><th>not as declared in turns</th>
<th>caught at turn</th></tr>{truth}</table>
<h2>Automatic inspectors, same scenario and seed</h2>
<table><tr><th>inspector</th><th>score</th><th>detections</th><th>inspections</th>
<th>first detection</th></tr>{same}</table>
<h2>Over many seeds</h2>
<table><tr><th>inspector</th><th>mean score</th><th>p10 / median / p90</th>
<th>detection rate</th></tr>{dist}</table>
{sim_html}
<h2>Charts</h2>{charts}
<h2>Timeline</h2>
<p>Rows shaded are what the trainee did not see (the host's moves, the truth of concerns).</p>
<table><tr><th>turn</th><th>event</th><th>seen</th><th>what</th></tr>{timeline}</table>
<script type="application/json" id="debrief-data">{data}</script>
</body></html>
"""


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if v) or "nothing"
