"""Applications in the Django admin: a read-only list for administrators.

Staff do their work in /stab/. An administrator may need to find an application (a
support question, a data request), never to read what the person wrote about themselves:
`about`, the areas, the theme group and the reason for "not suitable" are health-related
and stay on the centre's staff pages, and the private-link key stays in the database.
Nothing can be added, changed or deleted here: every change goes through intake.services.
"""

from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from intake.models import Application

# The only columns the admin ever loads: nothing sensitive is read into memory.
SHOWN_FIELDS = [
    "first_name",
    "last_name",
    "centre",
    "status",
    "status_changed_at",
    "applied_at",
    "source",
    "language",
]

# Filters an administrator may put in the changelist's query string. Any other field of the
# application (what they wrote, their areas or theme, contact details, the link key) is
# refused, so no URL can probe it (`?about__icontains=…` answers 400, not a list).
FILTERABLE = {"id", "status", "centre", "centre_id", "applied_at", "first_name", "last_name"}
REFUSED_LOOKUPS = frozenset(
    name
    for field in Application._meta.get_fields()
    for name in (field.name, getattr(field, "attname", field.name))
    if name not in FILTERABLE
)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "centre", "status", "applied_at"]
    list_filter = ["status", "centre"]
    list_per_page = 50
    list_select_related = ["centre"]
    search_fields = ["first_name", "last_name"]
    fields = SHOWN_FIELDS
    readonly_fields = SHOWN_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).only(*SHOWN_FIELDS, "centre__name")

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, application):
        return f"{application.first_name} {application.last_name}"

    def lookup_allowed(self, lookup, value, request):
        if lookup.split(LOOKUP_SEP, 1)[0] in REFUSED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
