from django.contrib import admin

from starters.models import Assignment, Booking, Starter


@admin.register(Starter)
class StarterAdmin(admin.ModelAdmin):
    """Administrators may correct a profile; staff do their work in /stab/igangsettere/."""

    list_display = ["name", "is_active", "max_groups", "language", "invited_at"]
    list_filter = ["centres", "is_active"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]
    filter_horizontal = ["centres"]
    readonly_fields = ["user", "calendar_token", "invited_at", "created_at"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read only: assignments change through the services (locks, bookings, messages)."""

    list_display = ["starter", "group", "status", "created_at", "answered_at", "released_at"]
    list_filter = ["status", "group__centre"]
    list_select_related = ["starter__user", "group"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["starter", "meeting", "starts_at", "ends_at", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["starter__user", "meeting__group"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
