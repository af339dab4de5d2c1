"""The one Jinja environment for documents written to files (reports, debriefs, sections).

Autoescaping is on for every template; chart SVG enters only through the ``svg`` filter,
which marks the renderer's output (escaped by the renderer itself) as safe.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from armsctl.charts import Chart, Table, chart_table, render_responsive

__all__ = ["environment", "render"]


def _svg(chart: Chart) -> Any:
    from markupsafe import Markup

    return Markup(render_responsive(chart))


def _table(chart: Chart) -> Table:
    return chart_table(chart)


@cache
def environment() -> Any:
    """The documents' environment, built once per process (templates from this package)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("armsctl.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["svg"] = _svg
    env.filters["chart_table"] = _table
    return env


def render(name: str, **context: Any) -> str:
    """Render the template ``name`` with ``context``."""
    return str(environment().get_template(name).render(**context))
