"""Idempotency keys: the first answer to a POST, replayed to its retries for 24 hours.

A downgrade drops them: retries after it are treated as new requests.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import NewTable, key, steps, timestamp

revision = "0003"
down_revision = "0002"

upgrade, downgrade = steps(
    NewTable(
        "idempotency_keys",
        key(),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        timestamp("created_at"),
        unique=("scope", "key"),
        indexes=("created_at",),
    )
)
