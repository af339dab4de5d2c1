"""Inspection site commitments and per-recipient acknowledgements.

``inspections.site_salt`` holds the salt of the site commitment written to the log instead of
the site's name; ``notification_acks`` keeps one acknowledgement per recipient party, so that a
broadcast is acknowledged by each party on its own. A downgrade drops both: the site
commitments no longer open.
"""

from armsctl.store.migrations.tables import (
    NewColumns,
    NewTable,
    log_index,
    refers,
    salt,
    steps,
    timestamp,
)

revision = "0002"
down_revision = "0001"

upgrade, downgrade = steps(
    NewColumns({"inspections": [salt("site_salt", nullable=True)]}),
    NewTable(
        "notification_acks",
        refers("notification_id", "notifications"),
        refers("party_id", "parties"),
        refers("acknowledged_by", "users", nullable=True),
        timestamp("acknowledged_at"),
        log_index(),
        primary_key=("notification_id", "party_id"),
    ),
)
