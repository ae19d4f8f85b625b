"""The core's own messages: a test message, and telling staff a message did not arrive."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from selvhjelp import outbox
from selvhjelp.enums import NotificationState
from selvhjelp.models import Notification


def failed_alert_context(notification) -> dict | None:
    failed = (
        Notification.objects.filter(
            pk=notification.params.get("notification_id"), state=NotificationState.FAILED
        )
        .only("kind", "channel", "to_name", "last_error", "centre")
        .first()
    )
    if failed is None:  # sent again meanwhile, or deleted
        return None
    return {
        "kind_label": outbox.kind_label(failed.kind),
        "channel": failed.get_channel_display(),
        "to_name": failed.to_name,
        "error": failed.last_error,
        "link": outbox.absolute(reverse("staff-messages") + "?state=failed"),
    }


def register() -> None:
    outbox.register_kind(
        outbox.Kind(
            "core.test_message",
            label=_("Test message"),
            template="core/test_message",
            context=lambda n: {},
        )
    )
    outbox.register_kind(
        outbox.Kind(
            outbox.FAILED_ALERT,
            label=_("A message could not be delivered (to staff)"),
            template="core/failed_alert",
            context=failed_alert_context,
        )
    )
