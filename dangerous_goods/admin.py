"""DG office screens: the UN list, declarations (lines picked from the UN list), alerts, the emergency inventory."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.audit import audited
from dangerous_goods import selectors, services
from dangerous_goods.api.views import inventory_csv
from dangerous_goods.documents import emergency_list_pdf
from dangerous_goods.models import Declaration, DeclarationLine, SegregationAlert, UnNumber


@admin.register(UnNumber)
class UnNumberAdmin(SimpleHistoryAdmin):
    list_display = ["un_number", "proper_shipping_name", "class_division", "packing_group", "subsidiary_risks",
                    "imdg_agrees"]  # fmt: skip
    list_filter = ["class_division", "packing_group", "imdg_agrees"]
    search_fields = ["un_number", "proper_shipping_name"]


class DeclarationLineInline(admin.TabularInline):
    model = DeclarationLine
    extra = 0
    autocomplete_fields = ["un_entry"]
    fields = ["un_entry", "class_division", "subsidiary_risks", "packing_group", "net_mass_kg", "flash_point_c",
              "limited_quantity", "marine_pollutant", "ems"]  # fmt: skip
    readonly_fields = ["class_division", "subsidiary_risks", "packing_group"]  # they follow the UN list entry


@admin.register(Declaration)
class DeclarationAdmin(SimpleHistoryAdmin):
    list_display = ["visit", "line_summary", "declared_by", "updated_at"]
    list_select_related = ["visit__container", "declared_by"]
    search_fields = ["visit__container__number", "lines__un_entry__un_number"]
    raw_id_fields = ["visit"]
    readonly_fields = ["declared_by", "updated_at"]
    inlines = [DeclarationLineInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__un_entry")

    @admin.display(description=_("Goods"))
    def line_summary(self, declaration: Declaration) -> str:
        return ", ".join(f"UN{line.un_entry.un_number} ({line.class_division})" for line in declaration.lines.all())

    def save_model(self, request, obj: Declaration, form, change: bool) -> None:
        obj.declared_by = request.user
        audited(obj, request.user).save()

    def save_formset(self, request, form, formset, change: bool) -> None:
        for line in formset.save(commit=False):
            entry = line.un_entry  # class, packing group, name and risks always follow the chosen UN list entry
            line.class_division, line.packing_group = entry.class_division, entry.packing_group
            line.subsidiary_risks, line.proper_shipping_name = entry.subsidiary_risks, entry.proper_shipping_name
            audited(line, request.user).save()
        for line in formset.deleted_objects:
            audited(line, request.user).delete()
        alert = services.declaration_synced(declaration=form.instance, actor=request.user)
        if alert:
            self.message_user(
                request, gettext("Segregation alert: %(detail)s") % {"detail": alert.detail}, messages.ERROR
            )

    def get_urls(self):
        inventory = path("inventory/", self.admin_site.admin_view(self.inventory_view), name="dg_inventory")
        return [inventory, *super().get_urls()]

    def inventory_view(self, request: HttpRequest) -> HttpResponse:
        """The printable emergency list: every DG container in the terminal now, by block. A value nobody
        declared is shown as not declared, never as a blank: the fire brigade must know it is unknown."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.GET.get("format") == "csv":
            return inventory_csv(selectors.inventory())
        if request.GET.get("format") == "pdf":
            response = HttpResponse(emergency_list_pdf(selectors.emergency_list()), content_type="application/pdf")
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'inline; filename="dg-emergency-list-{stamp}.pdf"'
            return response
        rows = selectors.emergency_list()
        blocks: dict[str, list[dict]] = {}
        for row in rows:
            row["container_url"] = reverse("admin:yard_container_change", args=[row["container_id"]])
            blocks.setdefault(row["block"], []).append(row)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dangerous goods in the terminal"),
            "blocks": sorted(blocks.items()),
            "count": len({row["container"] for row in rows}),
            "lines_without_mass": sum(1 for row in rows if row["net_mass_kg"] is None),
            "lines_without_ems": sum(1 for row in rows if not row["ems"]),
            "now": timezone.localtime(),
            "csv_url": reverse("admin:dg_inventory") + "?format=csv",
            "pdf_url": reverse("admin:dg_inventory") + "?format=pdf",
        }
        return TemplateResponse(request, "admin/dangerous_goods/inventory.html", context)


@admin.register(SegregationAlert)
class SegregationAlertAdmin(SimpleHistoryAdmin):
    list_display = ["raised_at", "visit", "neighbour", "position", "detail", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["visit__container", "neighbour__container"]
    readonly_fields = [field.name for field in SegregationAlert._meta.fields]
    actions = ["resolve"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Mark resolved (the containers were moved apart)"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[SegregationAlert]) -> None:
        for alert in queryset:
            services.alert_resolve(alert_id=alert.pk, actor=request.user)
        count = queryset.count()
        message = ngettext("Resolved %(count)d alert.", "Resolved %(count)d alerts.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
