"""Reports and debriefs: rendered through one Jinja environment, escaped, self-contained."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from armsctl.charts import Axis, Chart, Section, Series, Table
from armsctl.compliance import history
from armsctl.inventory import DeclarationSet, read_declarations
from armsctl.reports import debrief_html, render_sections, write_report
from armsctl.reports._templates import environment
from armsctl.treaty import Treaty, public_record_path


@pytest.fixture(scope="module")
def record(new_start: Treaty) -> DeclarationSet:
    path = public_record_path(new_start)
    assert path is not None
    return read_declarations([path], new_start)


def test_the_environment_escapes_everything() -> None:
    assert environment().autoescape is True
    assert environment() is environment()  # one per process


def test_html_report_has_a_chart_and_its_table_per_limit(
    new_start: Treaty, record: DeclarationSet, tmp_path: Path
) -> None:
    path = write_report(new_start, record, tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert text.count('class="armsctl-chart wide"') == len(new_start.limits)
    assert text.count("the values as a table</summary>") == len(new_start.limits)
    assert "540 (unverified)" in text  # RUS 2022-09-01 in the chart's table
    assert "matplotlib" not in text and "<script src" not in text


def test_extra_sections_from_data_are_rendered_and_escaped(
    new_start: Treaty, record: DeclarationSet, tmp_path: Path
) -> None:
    chart = Chart(
        "A <chart>", x=Axis(kind="date"), series=(Series("s", [(dt.date(2020, 1, 1), 1)]),)
    )
    section = Section(
        "Findings <b>",
        paragraphs=("<script>alert(1)</script>",),
        tables=(Table(("a", "b"), (("<i>", "2"),)),),
        charts=(chart,),
    )
    ((title, body),) = render_sections([section])
    assert title == "Findings <b>"
    assert "<script>alert" not in body and "&lt;script&gt;" in body and "&lt;i&gt;" in body
    assert "A &lt;chart&gt;" in body and body.count("<svg") == 2
    text = write_report(
        new_start, record, tmp_path / "r.html", extra_sections=[(title, body)]
    ).read_text(encoding="utf-8")
    assert "<h2>Findings &lt;b&gt;</h2>" in text and body in text


def test_markdown_and_json_are_unchanged_in_shape(
    new_start: Treaty, record: DeclarationSet, tmp_path: Path
) -> None:
    md = write_report(new_start, record, tmp_path / "r.md", fmt="md").read_text(encoding="utf-8")
    assert md.startswith(f"# {new_start.short_title}: compliance report\n")
    doc = json.loads(write_report(new_start, record, tmp_path / "r.json", fmt="json").read_text())
    assert set(doc) == {"latest", "history"} and len(doc["history"]) == len(history(record))


def test_debrief_page_embeds_its_data_safely() -> None:
    from tests.exercise.test_play import SCRIPTS, run_script

    from armsctl.exercise.debrief import debrief_exercise
    from armsctl.exercise.io import load_scenario

    doc = debrief_exercise(run_script(load_scenario("tutorial"), SCRIPTS["tutorial"]), seeds=2)
    doc["timeline"].append(
        {"turn": 9, "kind": "note", "seen_by_trainee": True, "text": "</script><b>x"}
    )
    page = debrief_html(doc)
    assert "<b>x" not in page.split('id="debrief-data">')[0]
    data = re.search(r'id="debrief-data">(.*?)</script>', page, re.S)
    assert data is not None and json.loads(data.group(1))["timeline"][-1]["text"] == "</script><b>x"
    assert page.count('class="armsctl-chart wide"') == 3


def test_a_report_without_declarations_evaluates_the_date_it_is_given(
    new_start: Treaty, tmp_path: Path
) -> None:
    import datetime as dt

    from armsctl.errors import ParameterError

    empty = DeclarationSet(new_start, [], [])
    doc = json.loads(
        write_report(
            new_start, empty, tmp_path / "r.json", fmt="json", at=dt.date(2020, 6, 1)
        ).read_text()
    )
    assert doc["history"] == [] and doc["latest"]["at"] == "2020-06-01"
    with pytest.raises(ParameterError, match="give the date"):
        write_report(new_start, empty, tmp_path / "r.json", fmt="json")
    assert not (tmp_path / "r.json.tmp").exists()
