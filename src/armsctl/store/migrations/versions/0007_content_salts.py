"""Salts of the content commitments the log carries instead of unsalted digests.

``notifications.body_salt``, ``observations.body_salt``, ``inspections.arrival_salt`` and
``inspections.findings_salt`` hold the 32-byte salts of the commitments written to the log
(``SHA-256(salt || canonical(content))``); ``declarations.private`` keeps the facility salts
of an item-level commitment (sealed to the party when its items are), for the declaring party
only; ``sealed_items`` holds item rows encrypted to the
party's own X25519 key, which the server cannot read. A downgrade drops the salts and the
sealed item rows: the log's commitments then no longer open.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import NewColumns, NewTable, refers, salt, steps

revision = "0007"
down_revision = "0006"

upgrade, downgrade = steps(
    NewColumns(
        {
            "notifications": [salt("body_salt", nullable=True)],
            "observations": [salt("body_salt", nullable=True)],
            "inspections": [
                salt("arrival_salt", nullable=True),
                salt("findings_salt", nullable=True),
            ],
            "declarations": [sa.Column("private", sa.JSON(), nullable=True)],
        }
    ),
    NewTable(
        "sealed_items",
        refers("declaration_id", "declarations"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        primary_key=("declaration_id", "position"),
    ),
)
