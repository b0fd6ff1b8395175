from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from vessels.models import Berth, Booking, OnBoard, StowageProfile, Vessel, VesselCall


@admin.register(StowageProfile)
class StowageProfileAdmin(SimpleHistoryAdmin):
    list_display = ["name", "bays_20", "rows", "hold_tiers", "deck_tiers", "stack_max_kg", "is_default"]


@admin.register(Vessel)
class VesselAdmin(SimpleHistoryAdmin):
    list_display = ["name", "imo", "call_sign", "flag", "line", "capacity_teu", "profile"]
    search_fields = ["name", "imo", "call_sign"]


@admin.register(Berth)
class BerthAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "length_m"]
    filter_horizontal = ["equipment"]


class OnBoardInline(admin.TabularInline):
    model = OnBoard
    fields = ["cell", "container", "kind", "iso_type", "gross_kg", "pod", "restow"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class BookingInline(admin.TabularInline):
    model = Booking
    fields = ["container", "pod", "vgm_kg", "status", "cell", "sequence", "left_out_code", "left_out_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VesselCall)
class VesselCallAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "vessel", "line", "berth", "eta", "etd", "status"]
    list_select_related = ["carrier", "vessel", "berth"]
    readonly_fields = ["carrier", "created_by", "departure_bay_plan"]
    inlines = [OnBoardInline, BookingInline]

    def has_add_permission(self, request) -> bool:
        return False  # calls are announced through the service (API, EDI), which checks the berth window
