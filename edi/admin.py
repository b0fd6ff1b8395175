from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from edi.models import Interchange, Message, Partner


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "unb_id", "directory", "channel", "active"]
    exclude = ["credential"]  # never shown; set through the environment or the shell (docs/edi.md)
    filter_horizontal = ["users"]


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["type", "reference", "function", "subject", "status", "problems", "effects"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Interchange)
class InterchangeAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "direction", "partner", "status", "created_at", "attempts"]
    list_filter = ["direction", "status", "partner"]
    readonly_fields = [field.name for field in Interchange._meta.fields]
    inlines = [MessageInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
