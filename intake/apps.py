from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Applications")

    def ready(self):
        from intake import audit_labels, demo, messages, services
        from selvhjelp import registry

        registry.register_personal_data(
            registry.PersonalDataHandler(
                "intake", export=services._export_intake, erase=services._erase_intake
            )
        )
        registry.register_demo_data(registry.DemoData("intake.applications", demo.fill, order=10))
        messages.register()
        registry.register_audit_labels(audit_labels.LABELS)
        from intake import retention as intake_retention
        from selvhjelp import retention

        retention.register_rule(intake_retention.RULE)
