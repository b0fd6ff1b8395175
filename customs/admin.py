"""Customs screens: declarations, inspections pending by age, containers under customs control with their clocks."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from customs import services
from customs.models import CustomsDeclaration, InspectionOrder, InspectionPhoto
from yard.models import ContainerVisit, Hold


@admin.register(CustomsDeclaration)
class CustomsDeclarationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "procedure", "status", "created_at", "released_at"]
    list_filter = ["procedure", "status"]
    search_fields = ["number", "visits__container__number"]
    readonly_fields = ["status", "created_by", "created_at", "released_by", "released_at"]
    raw_id_fields = ["visits"]
    actions = ["release"]

    def save_model(self, request, obj, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Release selected declarations (and their arrival holds)")
    def release(self, request: HttpRequest, queryset: QuerySet[CustomsDeclaration]) -> None:
        for declaration in queryset:
            try:
                services.declaration_release(declaration_id=declaration.pk, actor=request.user)
                self.message_user(request, f"{declaration}: released.", messages.SUCCESS)
            except DomainError as error:
                self.message_user(request, f"{declaration}: {error.detail}", messages.ERROR)


class InspectionPhotoInline(admin.TabularInline):
    model = InspectionPhoto
    extra = 0
    readonly_fields = ["image", "taken_by", "uploaded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InspectionOrder)
class InspectionOrderAdmin(SimpleHistoryAdmin):
    """Pending inspections, oldest first: the age column is what the inspection complex works down."""

    list_display = ["id", "container", "kind", "status", "age", "appointment_at", "result", "recorded_at"]
    list_filter = ["status", "kind", "result"]
    list_select_related = ["visit__container"]
    search_fields = ["visit__container__number"]
    ordering = ["ordered_at"]
    readonly_fields = [field.name for field in InspectionOrder._meta.fields]
    inlines = [InspectionPhotoInline]

    def has_add_permission(self, request) -> bool:
        return False  # ordered from the officers' handhelds (the API), which plan the moves too

    @admin.display(description="Container", ordering="visit__container__number")
    def container(self, order: InspectionOrder) -> str:
        return order.visit.container.number

    @admin.display(description="Age")
    def age(self, order: InspectionOrder) -> str:
        hours = int((timezone.now() - order.ordered_at).total_seconds() // 3600)
        return f"{hours // 24} d {hours % 24} h"

    def get_urls(self):
        control = path("under-control/", self.admin_site.admin_view(self.control_view), name="customs_control")
        return [control, *super().get_urls()]

    def control_view(self, request: HttpRequest) -> HttpResponse:
        """Containers under customs control (an active customs hold), with their temporary-storage clocks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        visits = (
            ContainerVisit.objects.filter(holds__authority=Hold.Authority.CUSTOMS, holds__released_at__isnull=True)
            .exclude(state=ContainerVisit.State.DEPARTED)
            .select_related("container")
            .prefetch_related("holds")
            .distinct()
            .order_by("arrived_at")
        )
        rows = []
        for visit in visits:
            holds = [h for h in visit.holds.all() if h.authority == Hold.Authority.CUSTOMS and h.released_at is None]
            rows.append({"visit": visit, "holds": holds, "clock": services.storage_clock(visit)})
        context = {
            **self.admin_site.each_context(request),
            "title": "Containers under customs control",
            "rows": rows,
            "warnings": sum(row["clock"]["warning"] for row in rows),
        }
        return TemplateResponse(request, "admin/customs/under_control.html", context)
