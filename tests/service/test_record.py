"""Stored figures get the public record's provenance: the marks ``armsctl check`` prints."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.compliance import evaluate, report_to_dict
from armsctl.inventory.io import DeclarationSet
from armsctl.service.record import record_figure, record_figures, unverified_measures

RUS_2022 = dt.date(2022, 9, 1)


def test_a_stored_figure_equal_to_the_record_keeps_its_tag_and_source() -> None:
    figure = record_figure("new-start", "RUS", RUS_2022, "deployed-delivery-vehicles", 540)
    assert figure.provenance == "M" and figure.source.startswith("https://")
    confirmed = record_figure("new-start", "USA", dt.date(2011, 2, 5), "deployed-warheads", 1800)
    assert confirmed.provenance == "C"


def test_a_figure_that_differs_from_the_record_is_the_party_own() -> None:
    assert (
        record_figure("new-start", "RUS", RUS_2022, "deployed-delivery-vehicles", 541).provenance
        == "C"
    )
    assert record_figure("no-such-treaty", "RUS", RUS_2022, "x", 1).provenance == "C"
    assert record_figures("vienna-document-2011") == {}  # bundled, ships no record


def test_unverified_measures() -> None:
    figures = {"deployed-delivery-vehicles": 540, "deployed-warheads": 1549, "total-launchers": 1}
    assert unverified_measures("new-start", "RUS", RUS_2022, figures) == [
        "deployed-delivery-vehicles",
        "deployed-warheads",
    ]


def test_the_stored_record_is_marked_as_check_marks_the_file(tmp_path: object) -> None:
    """Declarations as a server stores them (numbers only) against ``armsctl check``."""
    from armsctl.inventory.model import Declaration, Figure
    from armsctl.treaty import load_treaty

    treaty = load_treaty("new-start")
    result = CliRunner().invoke(
        build_app(), ["check", "new-start", "--at", "2024-09-01", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    cli = json.loads(result.stdout)
    # Rebuild what the server holds: the same declarations with numbers only, re-tagged.
    from armsctl.inventory.io import read_declarations
    from armsctl.treaty import public_record_path

    path = public_record_path(treaty)
    assert path is not None
    stored = []
    for d in read_declarations([path], treaty).declarations:
        bare = Declaration(d.party, d.as_of, d.kind, d.origin, d.status, note=d.note)
        for measure, f in d.limits.items():
            bare.limits[measure] = record_figure(treaty.id, d.party, d.as_of, measure, f.value)
        assert all(isinstance(f, Figure) for f in bare.limits.values())
        stored.append(bare)
    report = report_to_dict(
        evaluate(treaty, DeclarationSet(treaty, stored, []), RUS_2022.replace(year=2024))
    )

    def marks(doc: dict) -> dict:
        return {(p["party"], x["id"]): x["unverified"] for p in doc["parties"] for x in p["limits"]}

    assert marks(report) == marks(cli)
    assert marks(report)[("RUS", "deployed-delivery-vehicles")] is True
