"""Writing charts to files: the chart package's only I/O.

A ``.png`` path gets a PNG, any other path the wide drawing as SVG text; ``.png`` files are that same SVG rasterised by
resvg (through the ``resvg-py`` wheel, which needs no system library), so a PNG never differs
from the SVG in content. Files are written whole or not at all (a temporary file, then a
rename).
"""

from __future__ import annotations

import os
from pathlib import Path

from armsctl.charts.model import Chart
from armsctl.charts.svg import WIDE, Layout, render_svg
from armsctl.errors import ParameterError

__all__ = ["write_chart"]


def write_chart(chart: Chart, path: Path, *, layout: Layout = WIDE, scale: float = 2.0) -> str:
    """Write ``chart`` to ``path`` (PNG at ``scale`` for ``.png``, else SVG); return the SVG."""
    if scale <= 0:
        raise ParameterError(f"scale: {scale} is not a positive zoom factor")
    suffix = path.suffix.lower()
    text = render_svg(chart, layout)
    data: bytes
    if suffix == ".png":
        import resvg_py

        data = bytes(resvg_py.svg_to_bytes(svg_string=text, zoom=scale, background="#ffffff"))
    else:
        # A standalone file says what it is; the inline form (returned) needs no prolog.
        data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return text
