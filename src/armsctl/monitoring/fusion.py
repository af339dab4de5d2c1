"""Fuse observations with declarations: how strongly do they say items are undeclared?

For each party, site and category, the hypotheses are

* H0, the declaration is true: ``N_t = D_t`` items are present at the time ``t`` of each
  observation, ``D_t`` being the count in the party's latest declaration as of that day;
* H1, the declaration understates by at least ``d``: ``N_t >= D_t + d``.

Observation models (``Y`` is the count the source reports):

* counting source (``p_detect = p``, ``fp_rate = λ``): ``Y = Binomial(N, p) + Poisson(λ)``, each
  present item seen independently with probability ``p`` (binomial thinning) plus spurious items
  (decoys, misidentifications) as Poisson noise. ``P(y | N) = Σ_k Bin(k; N, p) Pois(y - k; λ)``;
* estimating source (``se = σ``): ``Y ~ Normal(N, σ²)``.

Both families have a monotone likelihood ratio in ``N`` (the binomial has one and convolving with
the log-concave Poisson keeps it), so the least favourable point of H1 is its boundary
``N = D + d``, and the evidence of one observation is ``log LR = log P(y | D + d) - log P(y | D)``;
for the normal model this is ``d (y - D - d/2) / σ²``. Observations are taken as conditionally
independent given the true counts, and the understatement as persisting over the observed period,
so the log likelihood ratios add over time. Positive totals favour H1. The verdict uses the
Kass & Raftery (1995) scale on log10: above 2 decisive, above 1 strong, above 0.5 substantial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armsctl.errors import ParameterError
from armsctl.monitoring.observations import Observation, observations_table

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

__all__ = [
    "Fusion",
    "SiteEvidence",
    "count_log_likelihood",
    "fuse",
    "log_likelihood_ratio",
    "verdict",
]

LN10 = 2.302585092994046


def count_log_likelihood(
    y: npt.NDArray[np.int64],
    n: npt.NDArray[np.int64],
    p: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """``log P(Y = y | N = n)`` for ``Y = Binomial(n, p) + Poisson(lam)``, element-wise.

    Summed in log space over the number ``k`` of true items seen, so that counts far from what
    a hypothesis expects give large finite log ratios instead of ``0 / 0``.
    """
    import numpy as np
    from scipy.special import gammaln

    y = np.asarray(y, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    out = np.full(y.shape, -np.inf)
    top = np.minimum(y, n)
    log_p, log_q, log_lam = np.log(p), np.log1p(-p), np.log(lam)
    lg_n1 = gammaln(n + 1.0)
    for k in range(int(top.max(initial=-1)) + 1):
        live = top >= k
        if not live.any():
            break
        nk, yk = n[live], y[live]
        binom = (
            lg_n1[live]
            - gammaln(k + 1.0)
            - gammaln(nk - k + 1.0)
            + k * log_p[live]
            + (nk - k) * log_q[live]
        )
        j = yk - k
        pois = j * log_lam[live] - lam[live] - gammaln(j + 1.0)
        out[live] = np.logaddexp(out[live], binom + pois)
    return out


def log_likelihood_ratio(
    y: npt.NDArray[np.int64],
    declared: npt.NDArray[np.int64],
    d: int,
    *,
    p: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
    se: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Natural-log LR of ``N = D + d`` against ``N = D`` per observation (NaN ``se`` = counting)."""
    import numpy as np

    y = np.asarray(y, dtype=np.int64)
    declared = np.asarray(declared, dtype=np.int64)
    out = np.zeros(y.shape)
    gauss = ~np.isnan(se)
    if gauss.any():
        s2 = se[gauss] ** 2
        out[gauss] = d * (y[gauss] - declared[gauss] - d / 2.0) / s2
    cnt = ~gauss
    if cnt.any():
        h1 = count_log_likelihood(y[cnt], declared[cnt] + d, p[cnt], lam[cnt])
        h0 = count_log_likelihood(y[cnt], declared[cnt], p[cnt], lam[cnt])
        out[cnt] = h1 - h0
    return out


def verdict(log10_lr: float) -> str:
    """Words for the weight of evidence (Kass & Raftery 1995), for undeclared items or against."""
    if log10_lr > 2:
        return "decisive evidence of undeclared items"
    if log10_lr > 1:
        return "strong evidence of undeclared items"
    if log10_lr > 0.5:
        return "substantial evidence of undeclared items"
    if log10_lr >= -0.5:
        return "inconclusive"
    return "supports the declaration"


@dataclass(frozen=True, slots=True)
class SiteEvidence:
    """The fused evidence for one party, site and category, with each observation's share."""

    party: str
    site: str
    category: str
    observations: int
    log10_lr: float
    verdict: str
    latest_declared: int
    latest_observed: int
    evidence: list[dict[str, Any]]

    def explanation(self, d: int) -> str:
        """One sentence for a reader: the evidence for or against "at least ``d`` undeclared" here.

        ``d`` must be the understatement the evidence was computed for (``Fusion.d``); the sentence
        names it, so passing another value would misstate the hypothesis.
        """
        sign = "for" if self.log10_lr > 0 else "against"
        return (
            f"{self.party} site {self.site}, {self.category}: {self.observations} observation(s) "
            f"give log10 LR {self.log10_lr:+.2f} {sign} 'at least {d} undeclared' "
            f"(latest: declared {self.latest_declared}, observed {self.latest_observed}): {self.verdict}"
        )


@dataclass(frozen=True, slots=True)
class Fusion:
    """Per-observation contributions (Arrow) and the ranked site evidence."""

    d: int
    contributions: pa.Table
    ranking: list[SiteEvidence]
    without_declaration: int

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """The ranking as plain JSON, most evidence of undeclared items first; ``top`` cuts it.

        ``log10_lr`` is rounded to four decimals; the per-observation Arrow table is left out.
        """
        rows = self.ranking if top is None else self.ranking[:top]
        return {
            "d": self.d,
            "without_declaration": self.without_declaration,
            "sites": [
                {
                    "party": s.party,
                    "site": s.site,
                    "category": s.category,
                    "observations": s.observations,
                    "log10_lr": round(s.log10_lr, 4),
                    "verdict": s.verdict,
                    "latest_declared": s.latest_declared,
                    "latest_observed": s.latest_observed,
                    "explanation": s.explanation(self.d),
                    "evidence": s.evidence,
                }
                for s in rows
            ],
        }


def fuse(
    observations: Sequence[Observation] | pa.Table,
    declared: pa.Table,
    *,
    d: int = 1,
    evidence_rows: int = 10,
) -> Fusion:
    """Fuse observations with declared counts, ranked strongest first.

    ``declared`` is the table :func:`armsctl.monitoring.io.declared_counts` reads from the item
    files: party, site, category, as_of and declared.

    Observations of a party before its first declaration have no declared count to test and are
    counted in ``without_declaration`` instead.
    """
    import duckdb
    import numpy as np
    import pyarrow as pa

    if d < 1:
        raise ParameterError(f"d: the understatement tested must be at least 1 item, not {d}")
    obs = observations if isinstance(observations, pa.Table) else observations_table(observations)
    con = duckdb.connect(":memory:")
    con.register("obs", obs)
    con.register("declared", declared)
    joined: pa.Table = con.sql(
        """
        WITH dates AS (SELECT DISTINCT party, as_of FROM declared),
             o AS (SELECT obs.*, dates.as_of FROM obs ASOF LEFT JOIN dates
                   ON obs.party = dates.party AND CAST(obs.time AS DATE) >= dates.as_of)
        SELECT o.*, CASE WHEN o.as_of IS NULL THEN NULL ELSE coalesce(dc.declared, 0) END
                    AS declared
        FROM o LEFT JOIN declared dc
          ON dc.party = o.party AND dc.site = o.site AND dc.category = o.category
         AND dc.as_of = o.as_of
        ORDER BY o.party, o.site, o.category, o.time, o.id
        """
    ).to_arrow_table()
    has_decl = np.asarray(joined.column("declared").is_valid())
    table = joined.filter(pa.array(has_decl))
    y = table.column("count").to_numpy().astype(np.int64)
    dec = table.column("declared").to_numpy().astype(np.int64)
    p = table.column("p_detect").to_numpy(zero_copy_only=False).astype(float)
    lam = table.column("fp_rate").to_numpy(zero_copy_only=False).astype(float)
    se = table.column("se").to_numpy(zero_copy_only=False).astype(float)
    llr = log_likelihood_ratio(y, dec, d, p=p, lam=lam, se=se) if len(y) else np.zeros(0)
    table = table.append_column("log10_lr", pa.array(llr / LN10))
    con.register("contrib", table)
    groups = con.sql(
        """
        SELECT party, site, category, count(*) AS n, sum(log10_lr) AS total,
               arg_max(declared, time) AS latest_declared, arg_max(count, time) AS latest_observed
        FROM contrib GROUP BY ALL ORDER BY total DESC, party, site, category
        """
    ).fetchall()
    top = con.sql(
        f"""
        SELECT party, site, category, id, time, source, count, declared, log10_lr FROM (
            SELECT *, row_number() OVER (PARTITION BY party, site, category
                                         ORDER BY abs(log10_lr) DESC, id) AS r
            FROM contrib) WHERE r <= {int(evidence_rows)} ORDER BY party, site, category, time
        """
    ).fetchall()
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for party, site, category, ident, time, source, count, declared_n, lr in top:
        evidence.setdefault((party, site, category), []).append(
            {
                "observation": ident,
                "time": f"{time:%Y-%m-%dT%H:%M:%S}Z"
                if isinstance(time, dt.datetime)
                else str(time),
                "source": source,
                "observed": int(count),
                "declared": int(declared_n),
                "log10_lr": round(float(lr), 4),
            }
        )
    ranking = [
        SiteEvidence(
            party,
            site,
            category,
            int(n),
            float(total),
            verdict(float(total)),
            int(latest_d),
            int(latest_o),
            evidence.get((party, site, category), []),
        )
        for party, site, category, n, total, latest_d, latest_o in groups
    ]
    return Fusion(d, table, ranking, int((~has_decl).sum()))
