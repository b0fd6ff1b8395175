"""Truck pre-notifications (COPINO) in the admin, to read only: they come from the partners' messages, and the
truck gate will match trucks against them. Kept apart from the EDI admin so each can change on its own."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from edi.models import TruckNotice


@admin.register(TruckNotice)
class TruckNoticeAdmin(SimpleHistoryAdmin):
    list_display = ["truck", "reference", "partner", "expected_at", "status", "created_at"]
    list_filter = ["status", "partner"]
    search_fields = ["truck", "reference", "driver"]
    readonly_fields = [field.name for field in TruckNotice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
