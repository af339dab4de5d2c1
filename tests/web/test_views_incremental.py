"""The incrementally maintained views equal the same views computed from scratch.

The pages keep what they read from the declarations between versions (a stored declaration
never changes) and re-evaluate only the history dates whose inputs changed; these tests add
declarations, older and newer than everything stored, and compare every such view with the
result of the plain, non-incremental code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armsctl.charts import Axis, Chart, Point, ReferenceLine, Series, render_svg
from armsctl.compliance import history, report_to_dict
from armsctl.service import Listing, declarations
from armsctl.service._base import Database, allow_all
from armsctl.service.accounts import authenticate
from armsctl.service.dashboard import declaration_refs, declaration_set
from armsctl.service.transparency import transparency_view
from armsctl.settings import Settings
from armsctl.web import views
from armsctl.web._base import ViewCache

AT = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, dict[str, str]]:
    from armsctl.server import create_app
    from armsctl.web.demo import seed_demo

    work: Path = tmp_path_factory.mktemp("incremental")
    # As the demo server runs: signatures not required, so plain files upload unsigned.
    settings = Settings(database_url=f"sqlite:///{work / 'web.db'}", require_party_signatures=False)
    seeded = seed_demo(settings, work, items=20)
    return create_app(settings).state.armsctl.db, seeded["tokens"]


def _declare(db: Database, tokens: dict[str, str], party: str, day: dt.date) -> None:
    actor = authenticate(db, tokens[f"{party.lower()}-office"], at=AT)
    assert actor is not None
    declarations.submit_aggregate(
        db,
        actor,
        treaty="new-start",
        party=party,
        as_of=day,
        figures={"deployed-warheads": 1000 + day.day, "deployed-delivery-vehicles": 500},
        allow=allow_all,
        at=AT,
    )


def _plain_csv(db: Database) -> str:
    rows = declarations.list_declarations(db, Listing("new-start", limit=100_000)).results
    return views.public_csv([r.to_json_dict() for r in rows])


def test_views_after_new_declarations_equal_views_from_scratch(
    store: tuple[Database, dict[str, str]],
) -> None:
    db, tokens = store
    cache = ViewCache()
    # Before the record, after it, before again, in between: dates New START allows (it was
    # signed 2010-04-08 and expired 2026-02-05).
    days = [dt.date(2010, 6, 1), dt.date(2025, 12, 1), dt.date(2010, 9, 1), dt.date(2012, 2, 7)]
    for step, day in enumerate([None, *days]):
        if day is not None:
            _declare(db, tokens, "RUS" if step % 2 else "USA", day)
        fresh = declaration_set(db, treaty="new-start")
        for reading in (None, "counts-converted"):
            got = views.history_view(db, cache, treaty="new-start", interpretation=reading)
            want = history(fresh, interpretation=reading)
            assert [report_to_dict(r) for r in got] == [report_to_dict(r) for r in want]
        refs = {f"{p}|{d}": v for (p, d), v in declaration_refs(db, treaty="new-start").items()}
        assert views.declaration_refs(db, cache, "new-start") == refs
        assert views.public_csv_text(db, cache, treaty="new-start") == _plain_csv(db)
        public = views.public_json_view(db, cache, treaty="new-start", at=AT)
        assert public == transparency_view(db, treaty="new-start", at=AT)


def test_a_fresh_cache_reads_everything_again(store: tuple[Database, dict[str, str]]) -> None:
    db, _tokens = store
    state = views.declaration_state(db, ViewCache(), "new-start")
    assert len(state.stored) == len(declaration_set(db, treaty="new-start").declarations)
    assert [r.id for r in state.stored] == sorted(r.id for r in state.stored)


def test_chart_is_plain_svg_with_text_labels_and_decimated_long_series() -> None:
    start = dt.date(2000, 1, 1)
    points = [Point(start + dt.timedelta(days=i), 1000 + (i * 37) % 300) for i in range(20_000)]
    points[0] = Point(start, 1000, note="unverified")
    svg = render_svg(
        Chart(
            "Deployed warheads",
            x=Axis("data as of", "date"),
            series=(Series("USA", points),),
            references=(
                ReferenceLine("y", 1550, "limit 1,550"),
                ReferenceLine("x", dt.date(2018, 2, 5), "in force 2018-02-05"),
            ),
        )
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for text in ("Deployed warheads", "USA", "limit 1,550", "in force 2018-02-05", "unverified"):
        assert text in svg
    coords = svg.split('points="')[1].split('"')[0].split()
    assert len(coords) <= 4 * 720
    # The extremes survive decimation: the drawn range is the data's range.
    ys = [float(c.split(",")[1]) for c in coords]
    assert min(ys) < max(ys)


def test_chart_escapes_names() -> None:
    svg = render_svg(
        Chart(
            "<b>&",
            x=Axis(kind="date"),
            series=(Series("a<b", [(dt.date(2020, 1, 1), 1)], kind="points"),),
        )
    )
    assert "<b>&" not in svg and "&lt;b&gt;&amp;" in svg and "a&lt;b" in svg
