"""Monitoring between inspections: observations, their fusion with declarations, anomalies.

The pure core: observations and sites are validated with ``now=`` passed in (the readers of
their files are in ``monitoring.io``), fusion turns them into likelihood ratios against the
declarations, and the anomaly checks look for patterns over time. Nothing but ``monitoring.io`` reads a file, and nothing reads a clock.
"""

from armsctl.monitoring.anomalies import (
    BalanceDifference,
    CusumResult,
    Flag,
    TotalRow,
    arl_integral,
    arl_markov,
    arl_siegmund,
    arl_simulated,
    balance_differences,
    check_totals,
    cusum,
    cusum_flags,
    declaration_totals,
    detect,
    false_alarm_probability,
    false_alarm_simulated,
    false_alarm_union_bound,
    frozen_sites,
    round_numbers,
    series_breaks,
    site_series,
)
from armsctl.monitoring.fusion import (
    Fusion,
    SiteEvidence,
    count_log_likelihood,
    fuse,
    log_likelihood_ratio,
    verdict,
)
from armsctl.monitoring.io import declared_counts, read_observations, read_sites
from armsctl.monitoring.observations import (
    SOURCE_KINDS,
    Observation,
    Site,
    observations_table,
    parse_observations,
    sites_from_geojson,
)

__all__ = [
    "SOURCE_KINDS",
    "BalanceDifference",
    "CusumResult",
    "Flag",
    "Fusion",
    "Observation",
    "Site",
    "SiteEvidence",
    "TotalRow",
    "arl_integral",
    "arl_markov",
    "arl_siegmund",
    "arl_simulated",
    "balance_differences",
    "check_totals",
    "count_log_likelihood",
    "cusum",
    "cusum_flags",
    "declaration_totals",
    "declared_counts",
    "detect",
    "false_alarm_probability",
    "false_alarm_simulated",
    "false_alarm_union_bound",
    "frozen_sites",
    "fuse",
    "log_likelihood_ratio",
    "observations_table",
    "parse_observations",
    "read_observations",
    "read_sites",
    "round_numbers",
    "series_breaks",
    "site_series",
    "sites_from_geojson",
    "verdict",
]
