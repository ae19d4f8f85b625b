from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from selvhjelp import outbox
from selvhjelp.models import (
    AuditEvent,
    Centre,
    Notification,
    RetentionRun,
    StaffMembership,
    Theme,
)


def _retention_defaults() -> str:
    return _(
        "Empty fields use the defaults: %(ended)s months for ended applications, %(past)s "
        "for past participants and %(messages)s for sent messages. The privacy notice shows "
        "the times that apply."
    ) % {
        "ended": settings.RETENTION_ENDED_APPLICATION_MONTHS,
        "past": settings.RETENTION_PAST_PARTICIPANT_MONTHS,
        "messages": settings.RETENTION_FINISHED_MESSAGE_MONTHS,
    }


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "is_active", "group_min_size", "group_max_size"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline, StaffMembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "default_language"]}),
        (
            _("Address and contact"),
            {
                "fields": [
                    "street_address",
                    "postal_code",
                    "city",
                    "directions",
                    "phone",
                    "email",
                    "website",
                    "urgent_help",
                ]
            },
        ),
        (
            _("Group policy"),
            {
                "fields": [
                    ("group_min_size", "group_target_size", "group_max_size"),
                    "group_fragile_below",
                    ("age_span_enabled", "age_span_years"),
                    ("meeting_minutes", "opening_meeting_minutes"),
                    "written_confidentiality",
                    "typical_wait_weeks",
                ]
            },
        ),
        (
            _("Starters"),
            {
                "fields": [
                    "starters_per_group",
                    "starter_opening_meetings",
                    ("followup_rule", "followup_after"),
                ]
            },
        ),
        (
            _("How long personal data is kept"),
            {
                "fields": [
                    "retention_ended_application_months",
                    "retention_past_participant_months",
                    "retention_finished_message_months",
                ],
                "description": lazy(_retention_defaults, str)(),
            },
        ),
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only for everyone, administrators included."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "centre"]
    list_filter = ["action", "centre"]
    search_fields = ["actor_label", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["centre"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """Read-only: what the retention purge removed, run by run (counts only)."""

    list_display = ["started_at", "trigger", "dry_run", "scope", "total", "finished_at"]
    list_filter = ["dry_run", "trigger"]
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in RetentionRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows change only through the outbox service."""

    list_display = ["due_at", "kind", "channel", "to_name", "state", "attempts", "centre"]
    list_filter = ["state", "channel", "kind", "centre"]
    search_fields = ["idempotency_key", "to_name"]
    date_hierarchy = "due_at"
    list_select_related = ["centre"]
    actions = ["retry_failed"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed messages again"))
    def retry_failed(self, request, queryset):
        retried = sum(outbox.retry(notification) for notification in queryset)
        self.message_user(request, _("%(count)d messages will be sent again.") % {"count": retried})


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Users with the centres they work for."""

    class CentreInline(admin.TabularInline):
        model = StaffMembership
        extra = 0
        verbose_name = _("centre this user works for")
        verbose_name_plural = _("centres this user works for")

    inlines = [CentreInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]
