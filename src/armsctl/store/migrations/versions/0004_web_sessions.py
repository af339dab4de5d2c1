"""Web sessions in the database, so that every server process (``--workers N``) shares them.

A downgrade drops them: every web user is signed out.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import NewTable, steps, timestamp

revision = "0004"
down_revision = "0003"

upgrade, downgrade = steps(
    NewTable(
        "web_sessions",
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        timestamp("created_at"),
        timestamp("expires_at"),
        primary_key=("key",),
        indexes=("expires_at",),
    )
)
