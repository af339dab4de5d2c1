"""Parties' encryption keys and confidential fields kept sealed at rest.

``parties.encryption_key`` holds the party's registered X25519 public key
(``x25519:<base64>``): the server seals every item row it persists to it, so the database file
holds no item in clear. ``notifications.sealed_body`` and ``inspections.sealed`` hold the
confidential content (a notification's body; an inspection's site and findings) encrypted to
the parties the treaty entitles, with the salted commitment the log carries; the clear columns
then hold nothing confidential. ``zk_proofs.note`` says what the figures behind a proof are
(the demo's: synthetic), shown wherever the proof is. A downgrade drops those columns: sealed
content and parties' encryption keys are lost.
"""

import sqlalchemy as sa

from armsctl.store.migrations.tables import NewColumns, steps

revision = "0009"
down_revision = "0010"

upgrade, downgrade = steps(
    NewColumns(
        {
            "parties": [sa.Column("encryption_key", sa.Text(), nullable=True)],
            "notifications": [sa.Column("sealed_body", sa.JSON(), nullable=True)],
            "inspections": [sa.Column("sealed", sa.JSON(), nullable=True)],
            "zk_proofs": [sa.Column("note", sa.Text(), nullable=False, server_default="")],
        }
    )
)
