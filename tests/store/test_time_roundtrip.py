"""Every timestamp column keeps the instant it was given, on SQLite and PostgreSQL.

SQLite stores text and would drop an offset on the way back; the store normalises to UTC on
write, so ``10:00+05:00`` reads back as ``05:00+00:00`` (the same instant) on every backend.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from armsctl.store.engine import make_engine
from armsctl.store.models import Base, UTCDateTime
from armsctl.store.schema import upgrade

PLUS5 = dt.timezone(dt.timedelta(hours=5))
GIVEN = dt.datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=PLUS5)


def _time_columns() -> list[tuple[sa.Table, sa.Column[object]]]:
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (sa.DateTime, UTCDateTime))
    ]


def test_every_time_column_is_utc_normalised() -> None:
    columns = _time_columns()
    assert columns, "the models have timestamp columns"
    for table, column in columns:
        assert isinstance(column.type, UTCDateTime), f"{table.name}.{column.name}"


def test_an_offset_time_reads_back_as_the_same_instant(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    probe = sa.Table("time_probe", sa.MetaData(), sa.Column("at", UTCDateTime()))
    with engine.begin() as conn:
        probe.create(conn)
        conn.execute(probe.insert().values(at=GIVEN))
        back = conn.execute(sa.select(probe.c.at)).scalar_one()
        probe.drop(conn)
    engine.dispose()
    assert back == GIVEN
    assert back.utcoffset() == dt.timedelta(0)
    assert back.hour == 5


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), None)
