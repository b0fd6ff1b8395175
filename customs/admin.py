"""Customs screens: declarations, inspections pending by age (and held boxes still waiting for an order),
containers under customs control with their clocks. Each box shows where it stands now and links to its record."""

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from customs import selectors, services
from customs.models import CustomsDeclaration, InspectionOrder, InspectionPhoto
from yard import selectors as yard_selectors
from yard.models import Container, ContainerVisit, Hold


def _container_url(container: Container) -> str:
    return reverse("admin:yard_container_change", args=[container.pk])


def _container_link(container: Container) -> str:
    return format_html('<a href="{}">{}</a>', _container_url(container), container.number)


def _position(visit: ContainerVisit) -> str:
    """Where the box stands now (from the prefetched occupancies the selectors attach)."""
    return yard_selectors.visit_position(visit) or gettext("not in the yard")


def _age(since: datetime) -> str:
    hours = int((timezone.now() - since).total_seconds() // 3600)
    return gettext("%(days)d d %(hours)d h") % {"days": hours // 24, "hours": hours % 24}


@admin.register(CustomsDeclaration)
class CustomsDeclarationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "procedure", "status", "containers", "created_at", "released_at"]
    list_filter = ["procedure", "status"]
    search_fields = ["number", "visits__container__number"]
    readonly_fields = ["status", "containers", "created_by", "created_at", "released_by", "released_at"]
    raw_id_fields = ["visits"]
    actions = ["release"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomsDeclaration]:
        return selectors.declarations_with_boxes(super().get_queryset(request))

    def save_model(self, request, obj, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Containers (where they stand now)"))
    def containers(self, declaration: CustomsDeclaration) -> str:
        if declaration.pk is None:  # the add form: no boxes yet
            return "-"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            ((_container_url(visit.container), visit.container.number, _position(visit))
             for visit in declaration.visits.all()),
        ) or "-"  # fmt: skip

    @admin.action(description=_("Release selected declarations (and their arrival holds)"))
    def release(self, request: HttpRequest, queryset: QuerySet[CustomsDeclaration]) -> None:
        for declaration in queryset:
            try:
                services.declaration_release(declaration_id=declaration.pk, actor=request.user)
                self.message_user(
                    request, gettext("%(declaration)s: released.") % {"declaration": declaration}, messages.SUCCESS
                )
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
    """Pending inspections, oldest first: the age column is what the inspection complex works down. Above them,
    the held boxes no order answers yet (a scan_required hold placed by an officer, say), so none is forgotten."""

    list_display = ["id", "container", "position", "kind", "status", "hold_kind", "age", "appointment_at", "result",
                    "recorded_at"]  # fmt: skip
    list_filter = ["status", "kind", "result"]
    list_select_related = ["visit__container", "hold"]
    search_fields = ["visit__container__number"]
    ordering = ["ordered_at"]
    readonly_fields = [field.name for field in InspectionOrder._meta.fields] + ["position"]
    inlines = [InspectionPhotoInline]

    def has_add_permission(self, request) -> bool:
        return False  # ordered from the officers' handhelds (the API), or for a held box from the list's button

    def get_queryset(self, request: HttpRequest) -> QuerySet[InspectionOrder]:
        return selectors.orders_with_boxes(super().get_queryset(request))

    @admin.display(description=_("Container"), ordering="visit__container__number")
    def container(self, order: InspectionOrder) -> str:
        return _container_link(order.visit.container)

    @admin.display(description=_("Position now"))
    def position(self, order: InspectionOrder) -> str:
        return _position(order.visit)

    @admin.display(description=_("Hold"), ordering="hold__kind")
    def hold_kind(self, order: InspectionOrder) -> str:
        return f"{order.hold.reference} {selectors.hold_kind_label(order.hold.kind)}"

    @admin.display(description=_("Age"))
    def age(self, order: InspectionOrder) -> str:
        return _age(order.ordered_at)

    def get_urls(self):
        control = path("under-control/", self.admin_site.admin_view(self.control_view), name="customs_control")
        order_for_hold = path(
            "order-for-hold/<int:hold_id>/",
            self.admin_site.admin_view(require_POST(self.order_for_hold_view)),
            name="customs_order_for_hold",
        )
        return [control, order_for_hold, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        held = [
            {
                "hold": hold,
                "label": selectors.hold_kind_label(hold.kind),
                "container": hold.visit.container,
                "container_url": _container_url(hold.visit.container),
                "position": _position(hold.visit),
                "age": _age(hold.placed_at),
                "order_kind": InspectionOrder.Kind(selectors.INSPECTION_FOR_HOLD[hold.kind]).label,
            }
            for hold in selectors.holds_without_order()
        ]
        extra_context = {
            **(extra_context or {}),
            "held_without_order": held,
            "held_boxes": len({row["hold"].visit_id for row in held}),
            "may_order": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _back_to_list() -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:customs_inspectionorder_changelist"))

    def order_for_hold_view(self, request: HttpRequest, hold_id: int) -> HttpResponse:
        """Orders the inspection a held box waits for, through the same service as the officers' handhelds (the
        service refuses anyone but a customs officer, and a box that already has an open order)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        hold = (
            Hold.objects.select_related("visit__container")
            .filter(pk=hold_id, authority=Hold.Authority.CUSTOMS, kind__in=list(selectors.INSPECTION_FOR_HOLD))
            .first()
        )
        if hold is None:
            raise Http404(gettext("No customs hold asking for an inspection has this number."))
        number = hold.visit.container.number
        if not hold.active:
            message = gettext("%(hold)s on %(container)s was released meanwhile: nothing to order.")
            self.message_user(request, message % {"hold": hold.reference, "container": number}, messages.WARNING)
            return self._back_to_list()
        try:
            order = services.inspection_order(
                container=number, kind=selectors.INSPECTION_FOR_HOLD[hold.kind], actor=request.user
            )
        except DomainError as error:
            self.message_user(request, f"{number}: {error.detail}", messages.ERROR)
        else:
            message = gettext("%(container)s: %(kind)s ordered (order %(order)d).")
            self.message_user(
                request,
                message % {"container": number, "kind": order.get_kind_display(), "order": order.pk},
                messages.SUCCESS,
            )
        return self._back_to_list()

    def control_view(self, request: HttpRequest) -> HttpResponse:
        """Containers under customs control (an active customs hold), with their temporary-storage clocks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = []
        for visit in selectors.visits_under_control():
            holds = [
                {"hold": hold, "label": selectors.hold_kind_label(hold.kind), "age": _age(hold.placed_at)}
                for hold in visit.customs_holds
            ]
            rows.append({
                "visit": visit, "holds": holds, "clock": services.storage_clock(visit),
                "container_url": _container_url(visit.container), "position": _position(visit),
            })  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Containers under customs control"),
            "rows": rows,
            "warnings": sum(row["clock"]["warning"] for row in rows),
        }
        return TemplateResponse(request, "admin/customs/under_control.html", context)
