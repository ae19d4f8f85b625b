from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups and meetings")

    def ready(self):
        from groups import demo
        from selvhjelp import registry

        registry.register_demo_data(registry.DemoData("groups.rooms", demo.fill, order=20))
