"""Chart files: SVG text with an XML prolog, PNG through resvg, written whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from armsctl.charts import Chart, Series, render_svg
from armsctl.charts.io import write_chart
from armsctl.errors import ParameterError

CHART = Chart("c", series=(Series("s", [(0, 1), (1, 2)]),))


def test_svg_file_is_the_wide_drawing(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.svg"
    returned = write_chart(CHART, path)
    assert returned == render_svg(CHART)
    assert path.read_text(encoding="utf-8") == '<?xml version="1.0" encoding="UTF-8"?>\n' + returned
    assert not list(path.parent.glob("*.tmp"))


def test_png_file_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    write_chart(CHART, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_scale_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="scale"):
        write_chart(CHART, tmp_path / "c.png", scale=0)
    assert not list(tmp_path.iterdir())
