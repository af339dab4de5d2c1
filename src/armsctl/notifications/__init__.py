"""Treaty notifications: their lifecycle, deadlines, and reconciliation with declarations.

Between data exchanges a treaty runs on notifications: each movement, conversion or elimination
is notified within a deadline, and the next declaration must agree with what was notified. This
package is the pure core: it takes the treaty, the notifications and the time of the question
(``at=``) and never reads a clock or a global.
"""

from armsctl.notifications.deadlines import (
    DeadlineStatus,
    Obligation,
    assess,
    deadline_of,
    due,
    known_at,
    periodic_obligations,
    rule_sentence,
    rule_text,
    span_text,
    thresholds_met,
    track,
)
from armsctl.notifications.io import (
    from_record,
    notification_to_dict,
    parse_time,
    read_notifications,
    write_notifications,
)
from armsctl.notifications.model import (
    STATES,
    TRANSITIONS,
    Notification,
    TransitionError,
    acknowledge,
    draft,
    duty_of,
    receive,
    reject,
    send,
    utc,
)
from armsctl.notifications.reconcile import (
    ACCEPTED_TRIGGERS,
    NOTIFICATION_COLUMNS,
    Reconciliation,
    notifications_table,
    reconcile,
)

__all__ = [
    "ACCEPTED_TRIGGERS",
    "NOTIFICATION_COLUMNS",
    "STATES",
    "TRANSITIONS",
    "DeadlineStatus",
    "Notification",
    "Obligation",
    "Reconciliation",
    "TransitionError",
    "acknowledge",
    "assess",
    "deadline_of",
    "draft",
    "due",
    "duty_of",
    "from_record",
    "known_at",
    "notification_to_dict",
    "notifications_table",
    "parse_time",
    "periodic_obligations",
    "read_notifications",
    "receive",
    "reconcile",
    "reject",
    "rule_sentence",
    "rule_text",
    "send",
    "span_text",
    "thresholds_met",
    "track",
    "utc",
    "write_notifications",
]
