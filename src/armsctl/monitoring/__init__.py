"""Monitoring between inspections: observations, their fusion with declarations, anomalies.

The pure core: observations and sites are validated with ``now=`` passed in (the readers of
their files are in ``monitoring.io``), fusion turns them into likelihood ratios against the
declarations, and the anomaly checks look for patterns over time. Nothing but ``monitoring.io`` reads a file, and nothing reads a clock.
"""

# The package's API is its submodules' (each lists its own in ``__all__``): the star imports
# take exactly those names.
from armsctl.monitoring import anomalies, fusion, io, observations
from armsctl.monitoring.anomalies import *  # noqa: F403
from armsctl.monitoring.fusion import *  # noqa: F403
from armsctl.monitoring.io import *  # noqa: F403
from armsctl.monitoring.observations import *  # noqa: F403

__all__ = [*observations.__all__, *fusion.__all__, *anomalies.__all__, *io.__all__]
