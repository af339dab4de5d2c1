"""Observations in, evidence of undeclared items out, against exact values."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from armsctl.errors import InputError, ParameterError
from armsctl.inventory import read_declarations
from armsctl.monitoring import (
    Observation,
    count_log_likelihood,
    declared_counts,
    fuse,
    log_likelihood_ratio,
    read_observations,
    read_sites,
    verdict,
)
from armsctl.treaty import Treaty

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def exact_log_p(y: int, n: int, p: float, lam: float) -> float:
    return math.log(
        sum(stats.binom.pmf(k, n, p) * stats.poisson.pmf(y - k, lam) for k in range(min(y, n) + 1))
    )


@pytest.mark.parametrize(
    ("y", "n", "p", "lam"),
    [(0, 5, 0.8, 0.3), (3, 5, 0.8, 0.3), (12, 5, 0.9, 0.1), (7, 0, 0.5, 2.0), (30, 30, 0.95, 0.05)],
)
def test_binomial_thinning_plus_poisson_matches_direct_sum(
    y: int, n: int, p: float, lam: float
) -> None:
    got = count_log_likelihood(np.array([y]), np.array([n]), np.array([p]), np.array([lam]))[0]
    assert got == pytest.approx(exact_log_p(y, n, p, lam), rel=1e-10)


def test_gaussian_log_ratio_is_closed_form() -> None:
    llr = log_likelihood_ratio(
        np.array([13]),
        np.array([10]),
        2,
        p=np.array([np.nan]),
        lam=np.array([np.nan]),
        se=np.array([1.5]),
    )
    assert llr[0] == pytest.approx(2 * (13 - 10 - 1) / 1.5**2)
    assert llr[0] == pytest.approx(stats.norm.logpdf(13, 12, 1.5) - stats.norm.logpdf(13, 10, 1.5))


def test_verdict_scale() -> None:
    assert verdict(2.1).startswith("decisive") and verdict(1.5).startswith("strong")
    assert verdict(0.6).startswith("substantial") and verdict(0) == "inconclusive"
    assert verdict(-1) == "supports the declaration"


@pytest.fixture
def decls(write_csv, new_start: Treaty):
    rows = [["party", "as_of", "uid", "category", "status", "facility", "warheads"]]
    for i in range(5):
        rows.append(["USA", "2024-03-01", f"U{i}", "icbm-launcher", "deployed", "F1", 1])
    for i in range(3):
        rows.append(["USA", "2024-04-01", f"U{i}", "icbm-launcher", "deployed", "F1", 1])
    rows.append(["USA", "2024-04-01", "U9", "icbm-launcher", "deployed", "F2", 1])
    return read_declarations([write_csv(rows)], new_start)


def obs(i: int, site: str, count: int, day: int, month: int = 3, **kw: float) -> Observation:
    params = kw or {"p_detect": 0.9, "fp_rate": 0.1}
    return Observation(
        f"O{i}",
        "USA",
        site,
        "icbm-launcher",
        count,
        dt.datetime(2024, month, day, tzinfo=dt.UTC),
        "satellite",
        **params,
    )  # type: ignore[arg-type]


def test_fusion_uses_the_declaration_in_effect_and_adds_over_time(decls) -> None:
    declared = declared_counts(decls)
    observations = [
        obs(1, "F1", 6, 10),
        obs(2, "F1", 6, 5, month=4),
        obs(3, "F2", 1, 5, month=4),
        obs(4, "F1", 4, 1, month=2),
    ]
    result = fuse(observations, declared, d=1)
    assert result.without_declaration == 1  # O4 predates the first declaration
    f1 = next(s for s in result.ranking if s.site == "F1")
    expected = (exact_log_p(6, 6, 0.9, 0.1) - exact_log_p(6, 5, 0.9, 0.1)) + (
        exact_log_p(6, 4, 0.9, 0.1) - exact_log_p(6, 3, 0.9, 0.1)
    )
    assert f1.log10_lr == pytest.approx(expected / math.log(10), rel=1e-9)
    assert (f1.latest_declared, f1.latest_observed, f1.observations) == (3, 6, 2)
    assert result.ranking[0].site == "F1"
    assert [e["declared"] for e in f1.evidence] == [5, 3]


def test_a_site_dropped_from_a_later_declaration_counts_zero(decls) -> None:
    # F2 holds nothing on 2024-03-01: an observation then is tested against 0 declared.
    result = fuse([obs(1, "F2", 2, 10, se=0.5)], declared_counts(decls), d=1)
    assert result.ranking[0].latest_declared == 0
    assert result.ranking[0].log10_lr == pytest.approx((2 - 0.5) / 0.25 / math.log(10))


def test_d_must_be_positive(decls) -> None:
    with pytest.raises(ParameterError, match="d:"):
        fuse([], declared_counts(decls), d=0)


SITES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [10.0, 50.0]},
            "properties": {"id": "F1", "party": "USA"},
        }
    ],
}


def test_reading_sites_and_observations(tmp_path: Path, new_start: Treaty) -> None:
    sites_path = tmp_path / "s.geojson"
    sites_path.write_text(json.dumps(SITES))
    sites = read_sites(sites_path, new_start)
    assert sites[0].party == "USA" and sites[0].lon == 10.0
    path = tmp_path / "o.csv"
    path.write_text(
        "id,site,category,count,time,source,p_detect,fp_rate,se\nO1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,0.8,0.1,\n"
    )
    (o,) = read_observations([path], new_start, now=NOW, sites=sites)
    assert (o.party, o.count, o.source, o.p_detect) == ("USA", 4, "drone", 0.8)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "O1,F9,icbm-launcher,4,2024-03-02T00:00:00Z,drone,0.8,0.1,",
            "line 2: site: unknown site 'F9'",
        ),
        (
            "O1,F1,tank,4,2024-03-02T00:00:00Z,drone,0.8,0.1,",
            "line 2: category: unknown category 'tank'",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00,drone,0.8,0.1,",
            "line 2: time: time '2024-03-02T00:00:00' has no time zone",
        ),
        (
            "O1,F1,icbm-launcher,4,2030-03-02T00:00:00Z,drone,0.8,0.1,",
            "line 2: time: 2030-03-02T00:00:00+00:00 is in the future",
        ),
        (
            "O1,F1,icbm-launcher,-1,2024-03-02T00:00:00Z,drone,0.8,0.1,",
            "line 2: count: '-1' is not a whole number",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,balloon,0.8,0.1,",
            "line 2: source: 'balloon' is not one of",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,1.0,0.1,",
            "line 2: p_detect: 1.0 is not in (0, 1)",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,0.8,0,",
            "line 2: fp_rate: 0.0 must be > 0",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,,,",
            "line 2: p_detect: give p_detect and fp_rate",
        ),
        (
            "O1,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,0.8,0.1,2",
            "line 2: se: give either se or p_detect",
        ),
    ],
)
def test_bad_observations(tmp_path: Path, new_start: Treaty, row: str, message: str) -> None:
    sites_path = tmp_path / "s.geojson"
    sites_path.write_text(json.dumps(SITES))
    path = tmp_path / "o.csv"
    path.write_text(
        "id,site,category,count,time,source,p_detect,fp_rate,se\n"
        "OK,F1,icbm-launcher,4,2024-03-02T00:00:00Z,drone,0.8,0.1,\n".replace("OK", "O0").replace(
            "line", ""
        )
        + row
        + "\n"
    )
    with pytest.raises(InputError) as info:
        read_observations([path], new_start, now=NOW, sites=read_sites(sites_path, new_start))
    assert any(
        str(p).startswith(f"{path}:{message.replace('line 2', 'line 3')}")
        for p in info.value.problems
    ), info.value


def test_bad_sites(tmp_path: Path, new_start: Treaty) -> None:
    path = tmp_path / "s.geojson"
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [200.0, 50.0]},
                "properties": {"id": "F1", "party": "XXX"},
            }
        ],
    }
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError) as info:
        read_sites(path, new_start)
    text = str(info.value)
    assert "features[0].properties.party: unknown party 'XXX'" in text
    assert "features[0].geometry.coordinates: bad position" in text
