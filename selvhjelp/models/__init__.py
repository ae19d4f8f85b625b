from selvhjelp.models.audit import AuditEvent, AuditLogIsAppendOnly
from selvhjelp.models.centres import DEFAULT_URGENT_HELP, Centre, StaffMembership, Theme
from selvhjelp.models.heartbeat import Heartbeat
from selvhjelp.models.notifications import Notification
from selvhjelp.models.retention import RetentionRun

__all__ = [
    "DEFAULT_URGENT_HELP",
    "AuditEvent",
    "AuditLogIsAppendOnly",
    "Centre",
    "Heartbeat",
    "Notification",
    "RetentionRun",
    "StaffMembership",
    "Theme",
]
