"""Drafts saved from the workbench page, private to their party unless shared.

A downgrade drops ``workbench_drafts`` and every saved draft.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import NewTable, key, refers, steps, timestamp, treaty

revision = "0010"
down_revision = "0007"

upgrade, downgrade = steps(
    NewTable(
        "workbench_drafts",
        key(),
        treaty(),
        refers("party_id", "parties"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        refers("created_by", "users", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        indexes=("party_id", "treaty_id"),
    )
)
