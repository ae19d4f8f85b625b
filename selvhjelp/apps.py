from django.apps import AppConfig
from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "selvhjelp"
    label = "core"
    verbose_name = _("Centres and audit")

    def ready(self):
        from django.conf import settings
        from django.core import checks

        from selvhjelp import access, registry

        checks.register(access.check_matrix, checks.Tags.urls)

        registry.register_audit_labels(
            {
                "message.retried": _("sent a failed message again"),
                "message.cancelled": _("stopped a message before it was sent"),
                "access.refused": _("was refused access to a page"),
            }
        )

        from selvhjelp import messages

        messages.register()
        from selvhjelp import retention

        retention.register_rule(
            retention.RetentionRule(
                key="core.finished_messages",
                label=_("messages sent, failed or cancelled"),
                setting="RETENTION_FINISHED_MESSAGE_MONTHS",
                centre_field="retention_finished_message_months",
                select=retention.finished_messages,
                apply=retention.delete_messages,
                order=90,
            )
        )
        registry.register_audit_labels(
            {"retention.purged": _("deleted personal data whose time was up")}
        )
        from django.contrib.auth.signals import user_logged_in

        from selvhjelp.middleware import mark_signed_in

        user_logged_in.connect(mark_signed_in, dispatch_uid="selvhjelp-session-start")
        if not settings.CELERY_BROKER_URL and settings.OUTBOX_IN_PROCESS_TIMER:
            request_started.connect(_start_outbox_timer, dispatch_uid="outbox-timer")


def _start_outbox_timer(**kwargs):
    from selvhjelp import outbox

    outbox.start_in_process_timer()
