from django.contrib import admin

from groups.models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "centre", "capacity", "is_active"]
    list_filter = ["centre", "is_active"]
    search_fields = ["name"]
    list_select_related = ["centre"]
