from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StartersConfig(AppConfig):
    name = "starters"
    verbose_name = _("Starters")

    def ready(self):
        # Starters hold no applicant data, so there is no personal-data handler to register.
        from selvhjelp import registry
        from starters import audit_labels, messages, receivers

        messages.register()
        registry.register_audit_labels(audit_labels.LABELS)
        receivers.connect()
        from starters import demo
        from starters.views import staff

        registry.register_group_section(
            registry.GroupSection(
                "starters.group",
                slug=staff.GROUP_TAB,
                label=pgettext_lazy("group tab", "Starters"),
                template="starters/staff/group_section.html",
                context=staff.group_section,
            )
        )
        registry.register_demo_data(registry.DemoData("starters", demo.fill, order=30))
        from starters import scale

        registry.register_scale_data(
            registry.ScaleData("starters", scale.fill, scale.delete, sizes=scale.SIZES)
        )
