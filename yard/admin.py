"""Operator screens. State changes go through the same services as the API (admin actions and forms)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from yard import selectors, services
from yard.identity import container_number_normalise
from yard.models import (
    AccessPoint,
    Block,
    CarrierVisit,
    Container,
    ContainerVisit,
    Equipment,
    Hold,
    IsoSizeType,
    IsoTypeAlias,
    Occupancy,
    Slot,
    YardMove,
)


def _run_each(modeladmin, request: HttpRequest, objects, call, done) -> None:
    """Calls a service per selected row; reports successes and each refusal with its reason. `done(count)` words
    the successes (with ngettext: the sentence agrees with the count in every language)."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
            succeeded += 1
        except DomainError as error:
            refused = _("%(object)s: %(reason)s") % {"object": obj, "reason": error.detail}
            modeladmin.message_user(request, refused, messages.ERROR)
    if succeeded:
        modeladmin.message_user(request, done(succeeded) % {"count": succeeded}, messages.SUCCESS)


def _plan_texts() -> dict[str, str]:
    """What the yard plan's script says, translated here (plan.js holds no wording of its own): whole phrases with
    {name} placeholders that the script fills in, so that a translation may put them in any order."""
    return {
        "tier": _("Tier"),
        "container_type": _("Container · size/type"),
        "line_destination": _("Line · destination"),
        "dwell": _("Dwell"),
        "dwell_days": pgettext("dwell in days, short", "{days} d"),
        "dg_title": _("Dangerous goods"),
        "dg_line": _("DG {dg_class} · UN {un_number}"),
        "empty_stack": _("No box stands here."),
        "stack_meta": _("height {used}/{max_tier} · {area}"),
        "stack_meta_powered": _("height {used}/{max_tier} · {area} · power point"),
        "from_bay": _("a 40' written at bay {bay}"),
        "leaves_with": _("leaves with {carrier}"),
        "reefer": pgettext("a box in a stack", "reefer"),
        "empty_box": pgettext("a box in a stack", "empty"),
        "awaiting_move": _("{kind}, waiting {minutes} min, for {blocks}"),
        "waiting_here": _("{count} waiting for this area"),
        "matching": _("{count} stacks match"),
        "found": _("{number} stands at {position}"),
        "status": _("Updated {time} · {boxes} boxes in the yard"),
        "paused": _("Updates paused while the page is hidden."),
        "offline": _("Cannot reach the server; trying again."),
        "north": pgettext("compass point, short", "N"),
        "gate": _("Gate"),
        "berth": _("Berth {berth}"),
        "rail_lines": _("{lines} — {gauge} mm"),
        "metres": _("{metres} m"),
    }


class IsoTypeAliasInline(admin.TabularInline):
    model = IsoTypeAlias
    extra = 0


@admin.register(IsoSizeType)
class IsoSizeTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "length_ft", "height_mm", "group", "type_code", "description", "teu"]
    list_filter = ["length_ft", "group"]
    search_fields = ["code", "description", "aliases__alias"]
    inlines = [IsoTypeAliasInline]


class ContainerForm(forms.ModelForm):
    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=20,
        help_text=gettext_lazy("As printed on the box; case and spaces do not matter."),
    )

    class Meta:
        model = Container
        fields = ["number", "iso_type", "tare_kg", "max_gross_kg"]

    def clean_number(self) -> str:
        try:
            return container_number_normalise(self.cleaned_data["number"])
        except DomainError as error:
            raise forms.ValidationError(error.detail, code=error.code) from None


@admin.register(Container)
class ContainerAdmin(SimpleHistoryAdmin):
    form = ContainerForm
    list_display = ["number", "iso_type", "length_ft", "iso_group", "tare_kg", "max_gross_kg", "created_at"]
    list_filter = ["iso_type__length_ft", "iso_type__group", "iso_type"]
    list_select_related = ["iso_type"]
    search_fields = ["number"]
    autocomplete_fields = ["iso_type"]
    readonly_fields = ["created_at"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("Length (ft)"), ordering="iso_type__length_ft")
    def length_ft(self, container: Container) -> int:
        return container.iso_type.length_ft

    @admin.display(description=gettext_lazy("Type group"), ordering="iso_type__group")
    def iso_group(self, container: Container) -> str:
        return container.iso_type.get_group_display()

    def get_search_results(self, request, queryset, search_term):
        # Operators type numbers as printed on the box ("CSQU 305438 3"): search the compact form.
        compact = "".join(search_term.split()).upper()
        return super().get_search_results(request, queryset, compact)


@admin.register(AccessPoint)
class AccessPointAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "x_m", "y_m"]


@admin.register(Block)
class BlockAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "equipment_kind", "bays", "rows", "max_tier", "angle_deg", "map_link"]
    list_filter = ["kind", "equipment_kind"]
    search_fields = ["code", "name"]
    plan_poll_seconds = 10  # how often an open yard plan asks what changed

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("map/", view(self.map_view), name="yard_map"),
            path("map/stacks/", view(self.plan_stacks_view), name="yard_plan_stacks"),
            path("map/stacks/<str:block>/<int:bay>/<int:row>/", view(self.plan_stack_view), name="yard_plan_stack"),
            path("map/find/", view(self.plan_find_view), name="yard_plan_find"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("Plan"))
    def map_link(self, block: Block) -> str:
        return format_html('<a href="{}#block-{}">{}</a>', reverse("admin:yard_map"), block.code, _("plan"))

    def _plan_allowed(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def map_view(self, request: HttpRequest) -> HttpResponse:
        """The yard plan, drawn to scale: the page and the layout; plan.js draws it and keeps its stacks current."""
        from yard import plan

        self._plan_allowed(request)
        try:
            layout, layout_error = plan.plan_layout(), ""
        except ValueError as error:  # the layout file was edited into something the plan cannot draw
            layout, layout_error = None, str(error)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Yard plan"),
            "is_nav_sidebar_enabled": False,  # the plan needs the page's width
            "layout": layout,
            "layout_error": layout_error,
            "poll_seconds": self.plan_poll_seconds,
            "awaiting": selectors.moves_awaiting_slot_count(),
            "awaiting_url": reverse("admin:yard_yardmove_changelist") + "?awaiting_slot=yes",
            "visit_url": reverse("admin:yard_containervisit_change", args=[0]),
            "move_url": reverse("admin:yard_yardmove_change", args=[0]),
            "plan_texts": _plan_texts(),
        }
        return TemplateResponse(request, "admin/yard/plan.html", context)

    def plan_stacks_view(self, request: HttpRequest) -> HttpResponse:
        """Every stack's height and flags, and which the filters in the query string pick (JSON)."""
        from django.http import JsonResponse

        from yard import plan

        self._plan_allowed(request)
        try:
            filters = plan.StackFilter.from_query(request.GET)
        except ValueError as error:
            return JsonResponse({"error": str(error)}, status=400)
        return JsonResponse(plan.plan_stacks(filters), json_dumps_params={"separators": (",", ":")})

    def plan_stack_view(self, request: HttpRequest, block: str, bay: int, row: int) -> HttpResponse:
        """One stack's boxes, tier by tier (JSON)."""
        from django.http import JsonResponse

        from yard import plan

        self._plan_allowed(request)
        stack = plan.stack_boxes(block=block.upper(), bay=bay, row=row)
        if stack is None:
            return JsonResponse({"error": _("No such ground slot.")}, status=404)
        return JsonResponse(stack)

    def plan_find_view(self, request: HttpRequest) -> HttpResponse:
        """Where a container stands, from its number or a part of it only one box in the yard has (JSON)."""
        from django.http import JsonResponse

        from yard import plan

        self._plan_allowed(request)
        try:
            found = plan.container_locate(number=request.GET.get("number", ""))
        except DomainError as error:
            return JsonResponse({"error": error.detail}, status=error.status)
        if found.candidates:
            message = _("Several containers fit: %(numbers)s. Type more of the number.")
            return JsonResponse({"error": message % {"numbers": ", ".join(found.candidates)}}, status=404)
        if not found.number:
            return JsonResponse({"error": _("No container in the yard fits.")}, status=404)
        if not found.block:
            message = _("%(number)s is not standing in the yard now.") % {"number": found.number}
            return JsonResponse({"error": message}, status=404)
        return JsonResponse({
            "number": found.number, "position": found.position,
            "block": found.block, "bay": found.bay, "row": found.row, "tier": found.tier,
        })  # fmt: skip


@admin.register(Slot)
class SlotAdmin(SimpleHistoryAdmin):
    list_display = ["place", "block", "bay", "row", "reefer_power"]
    list_filter = ["block", "reefer_power"]
    list_select_related = ["block"]
    search_fields = ["block__code"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("Slot"))
    def place(self, slot: Slot) -> str:
        return str(slot)


@admin.register(Equipment)
class EquipmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "max_tier", "active", "current_block", "blocks_served"]
    list_filter = ["kind", "active"]
    filter_horizontal = ["blocks"]

    @admin.display(description=gettext_lazy("Blocks"))
    def blocks_served(self, machine: Equipment) -> str:
        return ", ".join(block.code for block in machine.blocks.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current_block").prefetch_related("blocks")


@admin.register(CarrierVisit)
class CarrierVisitAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "mode", "status", "eta", "etd", "arrived_at", "departed_at"]
    list_filter = ["mode", "status"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class HoldInline(admin.TabularInline):
    model = Hold
    fk_name = "visit"
    fields = ["authority", "kind", "reason", "blocked_move_kinds", "placed_by", "placed_at", "released_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContainerVisit)
class ContainerVisitAdmin(SimpleHistoryAdmin):
    list_display = ["container", "state", "category", "freight_kind", "position", "inbound_carrier", "arrived_at"]
    list_filter = ["state", "category", "freight_kind", "occupancies__slot__block"]
    list_select_related = ["container", "inbound_carrier"]
    search_fields = ["container__number"]
    raw_id_fields = ["container", "inbound_carrier", "outbound_carrier"]
    readonly_fields = ["state", "arrived_at", "departed_at", "position"]
    inlines = [HoldInline]
    actions = ["deliver_to_gate"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("occupancies__slot__block")

    def lookup_allowed(self, lookup: str, value: str, request=None) -> bool:
        # The yard map links to the containers of one stack.
        if lookup in ("occupancies__slot__block__code", "occupancies__slot__bay", "occupancies__slot__row"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=gettext_lazy("Position"))
    def position(self, visit: ContainerVisit) -> str:
        primary = [occupancy for occupancy in visit.occupancies.all() if occupancy.primary]
        if not primary:
            return "-"
        slot = primary[0].slot
        return f"{slot.block.code}-{slot.bay:02d}-{slot.row:02d}-{primary[0].tier}"

    @admin.action(description=gettext_lazy("Plan delivery to the gate (truck)"))
    def deliver_to_gate(self, request: HttpRequest, queryset: QuerySet[ContainerVisit]) -> None:
        _run_each(
            self,
            request,
            queryset.select_related("container"),
            lambda visit: services.move_create_adhoc(container=visit.container.number, to="GATE", actor=request.user),
            lambda count: ngettext("%(count)d delivery planned.", "%(count)d deliveries planned.", count),
        )


class HoldPlaceForm(forms.ModelForm):
    """Placing a hold in the admin goes through the service; its refusals (not your authority, no such
    container) show on the form. The admin's add view is one transaction, so nothing is half done."""

    container = forms.CharField(
        label=gettext_lazy("Container"), max_length=20, help_text=gettext_lazy("Container number as printed.")
    )
    blocked_move_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Blocked move kinds"),
        choices=YardMove.Kind.choices,
        initial=["load", "delivery"],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The moves this hold refuses."),
    )
    actor = None  # set by HoldAdmin.get_form

    class Meta:
        model = Hold
        fields = ["authority", "kind", "reason"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.placed = services.hold_place(
                container=data["container"],
                authority=data["authority"],
                kind=data["kind"],
                reason=data.get("reason", ""),
                blocked_move_kinds=data["blocked_move_kinds"],
                actor=self.actor,
            )
        except DomainError as error:
            raise forms.ValidationError(error.detail, code=error.code) from None
        return data


@admin.register(Hold)
class HoldAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "container", "authority", "kind", "active", "placed_by", "placed_at", "released_at"]
    list_filter = ["authority", "kind", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["visit__container", "placed_by"]
    search_fields = ["visit__container__number", "kind"]
    actions = ["release"]
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = type("HoldPlaceFormFor", (HoldPlaceForm,), {"actor": request.user})
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [field.name for field in Hold._meta.fields]  # changed only through actions (release)

    def save_model(self, request, obj: Hold, form, change: bool) -> None:
        if not change:  # placed by the form's service call; the admin only needs to know which row it is
            obj.pk = form.placed.pk

    @admin.display(description=gettext_lazy("Reference"), ordering="pk")
    def reference(self, hold: Hold) -> str:
        return hold.reference

    @admin.display(description=gettext_lazy("Container"), ordering="visit__container__number")
    def container(self, hold: Hold) -> str:
        return hold.visit.container.number

    @admin.display(description=gettext_lazy("Active"), boolean=True)
    def active(self, hold: Hold) -> bool:
        return hold.active

    @admin.action(description=gettext_lazy("Release selected holds"))
    def release(self, request: HttpRequest, queryset: QuerySet[Hold]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda hold: services.hold_release(hold_id=hold.pk, actor=request.user),
            lambda count: ngettext("%(count)d hold released.", "%(count)d holds released.", count),
        )


# The costs allocation names (yard.allocation), as the admin shows them; another app's rule shows its own name.
_COST_LABELS = {
    "rehandle": pgettext_lazy("allocation cost", "rehandle"),
    "grouping": pgettext_lazy("allocation cost", "grouping"),
    "gap": pgettext_lazy("allocation cost", "departure gap"),
    "weight": pgettext_lazy("allocation cost", "weight"),
    "height": pgettext_lazy("allocation cost", "height"),
    "distance": pgettext_lazy("allocation cost", "distance"),
    "workload": pgettext_lazy("allocation cost", "workload"),
    "rule": pgettext_lazy("allocation cost", "rule"),
}


def _cost_label(name: str) -> str:
    return str(_COST_LABELS.get(name, name))


class AwaitingSlotFilter(admin.SimpleListFilter):
    title = gettext_lazy("awaiting a slot")
    parameter_name = "awaiting_slot"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Awaiting a slot")), ("no", gettext_lazy("Has a place"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(awaiting_slot_since__isnull=self.value() == "no")
        return queryset


@admin.register(YardMove)
class YardMoveAdmin(SimpleHistoryAdmin):
    class ReassignForm(forms.Form):
        """The move board's per-move form: which move, to which machine (the service checks the rest)."""

        move_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)
        equipment_code = forms.CharField(max_length=16)

    list_display = ["id", "container", "kind", "status", "from_label", "to_label", "equipment", "priority", "deviation"]
    list_filter = ["status", AwaitingSlotFilter, "kind", "equipment", "deviation"]
    search_fields = ["visit__container__number"]
    readonly_fields = [field.name for field in YardMove._meta.fields] + ["allocation_table"]
    exclude = ["allocation"]
    actions = ["cancel", "dispatch_now", "send_to_overflow", "look_for_places"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "visit__container", "from_slot__block", "to_slot__block", "from_carrier", "to_carrier", "equipment"
            )
        )

    def has_add_permission(self, request) -> bool:
        return False  # moves come from gate-in, train lists, inspections and ad hoc requests

    def get_urls(self):
        board = path("board/", self.admin_site.admin_view(self.board_view), name="yard_move_board")
        reassign = path(
            "board/reassign/", self.admin_site.admin_view(require_POST(self.reassign_view)), name="yard_move_reassign"
        )
        return [board, reassign, *super().get_urls()]

    @admin.display(description=gettext_lazy("Container"), ordering="visit__container__number")
    def container(self, move: YardMove) -> str:
        return move.visit.container.number

    @admin.display(description=gettext_lazy("From"))
    def from_label(self, move: YardMove) -> str:
        return selectors.move_from(move) or "-"

    @admin.display(description=gettext_lazy("To"))
    def to_label(self, move: YardMove) -> str:
        if move.awaiting_slot_since:
            return format_html('<strong class="awaiting">{}</strong>', _("awaiting a slot"))
        return selectors.move_to(move) or "-"

    @admin.display(description=gettext_lazy("Why this slot"))
    def allocation_table(self, move: YardMove) -> str:
        if not move.allocation:
            return "-"
        if "chosen" not in move.allocation:  # waiting: no place was free when it was planned
            return format_html(
                "<p>{}</p>", _("No place yet: %(refusal)s") % {"refusal": move.allocation.get("refusal", "")}
            )
        rows = [move.allocation["chosen"], *move.allocation.get("runners_up", [])]
        count, strategy = move.allocation.get("considered"), move.allocation.get("strategy", "?")
        if isinstance(count, int):
            considered = ngettext(
                "%(count)d legal place considered (%(strategy)s strategy).",
                "%(count)d legal places considered (%(strategy)s strategy).",
                count,
            ) % {"count": count, "strategy": strategy}
        else:
            considered = _("Legal places considered: unknown (%(strategy)s strategy).") % {"strategy": strategy}
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><p>{}</p>",
            _("position"),
            _("score"),
            _("costs"),
            format_html(
                "".join(
                    format_html(
                        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                        _("%(position)s (chosen)") % {"position": row["position"]} if index == 0 else row["position"],
                        row["score"],
                        ", ".join(f"{_cost_label(name)} {value:+g}" for name, value in row["costs"].items()),
                    )
                    for index, row in enumerate(rows)
                )
            ),
            considered,
        )

    @admin.action(description=gettext_lazy("Cancel selected moves"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[YardMove]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda move: services.move_cancel(move_id=move.pk, actor=request.user, reason=_("cancelled in the admin")),
            lambda count: ngettext("%(count)d move cancelled.", "%(count)d moves cancelled.", count),
        )

    @admin.action(description=gettext_lazy("Dispatch planned moves now"))
    def dispatch_now(self, request: HttpRequest, queryset: QuerySet[YardMove]) -> None:
        dispatched = services.moves_dispatch()
        words = ngettext("Dispatched %(count)d planned move.", "Dispatched %(count)d planned moves.", dispatched)
        self.message_user(request, words % {"count": dispatched}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Send to the overflow area (moves awaiting a slot)"))
    def send_to_overflow(self, request: HttpRequest, queryset: QuerySet[YardMove]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda move: services.move_send_to_overflow(move_id=move.pk, actor=request.user),
            lambda count: ngettext(
                "%(count)d move sent to the overflow area.", "%(count)d moves sent to the overflow area.", count
            ),
        )

    @admin.action(description=gettext_lazy("Look for places for the moves awaiting a slot now"))
    def look_for_places(self, request: HttpRequest, queryset: QuerySet[YardMove]) -> None:
        found = services.awaiting_slots_allocate()
        words = ngettext("%(count)d waiting move got a place.", "%(count)d waiting moves got a place.", found)
        self.message_user(request, words % {"count": found}, messages.SUCCESS)

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Each machine's work queue side by side (idle machines too), what no machine has taken yet, and what awaits
        a slot. The page reloads its board by itself (live.js): asked with X-Live-Refresh, it answers the board alone.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        board = selectors.move_board()
        context = {
            "board": board,
            "can_reassign": self.has_change_permission(request),
            "awaiting_url": reverse("admin:yard_yardmove_changelist") + "?awaiting_slot=yes",
        }
        if request.headers.get("X-Live-Refresh") == "fragment":
            return TemplateResponse(request, "admin/yard/move_board_fragment.html", context)
        context.update(self.admin_site.each_context(request), title=_("Move board"))
        return TemplateResponse(request, "admin/yard/move_board.html", context)

    def reassign_view(self, request: HttpRequest) -> HttpResponse:
        """A move given to another machine from the board, through the dispatch service; back to the board."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = self.ReassignForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose a move and a machine."), messages.ERROR)
            return redirect("admin:yard_move_board")
        try:
            moved = services.move_reassign(**form.cleaned_data, actor=request.user)
        except DomainError as error:
            refusal = _("%(detail)s (code: %(code)s)") % {"detail": error.detail, "code": error.code}
            self.message_user(request, refusal, messages.ERROR)
        else:
            done = _("Move %(move)s is now with %(machine)s.") % {"move": moved.pk, "machine": moved.equipment.code}
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:yard_move_board")


@admin.register(Occupancy)
class OccupancyAdmin(SimpleHistoryAdmin):
    """Read-only: positions change only by completing moves."""

    list_display = ["position", "visit", "primary"]
    list_select_related = ["slot__block", "visit__container"]
    search_fields = ["visit__container__number"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("Position"))
    def position(self, occupancy: Occupancy) -> str:
        return str(occupancy)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
