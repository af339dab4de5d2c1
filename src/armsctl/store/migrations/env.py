"""Alembic environment: runs on the connection handed over by ``armsctl.store.schema``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from armsctl.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from armsctl.store.engine import database_url, make_engine

        engine = make_engine(database_url(config.get_main_option("sqlalchemy.url") or None))
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
        return
    _run(connection)


_main()
