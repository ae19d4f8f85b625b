from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups and meetings")

    def ready(self):
        from groups import audit_labels, dashboard, demo, messages, personal_data, public_section
        from selvhjelp import registry

        messages.register()
        registry.register_audit_labels(audit_labels.LABELS)
        registry.register_personal_data(
            registry.PersonalDataHandler(
                "groups", export=personal_data.export, erase=personal_data.erase
            )
        )
        registry.register_applicant_section(
            registry.ApplicantSection(
                "groups.participant",
                "groups/applicant/section.html",
                public_section.context,
                order=10,
            )
        )
        registry.register_staff_section(
            registry.StaffSection(
                "groups.dashboard", "groups/staff/dashboard.html", dashboard.context, order=10
            )
        )
        registry.register_demo_data(registry.DemoData("groups.rooms", demo.fill, order=20))
        from groups import retention as groups_retention
        from selvhjelp import retention

        retention.register_rule(groups_retention.RULE)
        retention.register_hold(groups_retention.HOLD)
