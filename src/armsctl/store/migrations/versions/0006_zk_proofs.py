"""Published zero-knowledge proofs that a committed total is within a limit.

A downgrade drops ``zk_proofs`` and every published proof with it.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import (
    NewTable,
    key,
    log_index,
    refers,
    steps,
    timestamp,
    treaty,
)

revision = "0006"
down_revision = "0005"

upgrade, downgrade = steps(
    NewTable(
        "zk_proofs",
        key(),
        treaty(),
        refers("party_id", "parties"),
        sa.Column("limit_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        refers("published_by", "users", nullable=True),
        timestamp("published_at"),
        log_index(),
        indexes=("treaty_id",),
    )
)
