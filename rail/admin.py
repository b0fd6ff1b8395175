"""Rail screens: the train board (visits per line with their progress), trains with their wagons, the catalogue."""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from rail import services
from rail.errors import TrainListInvalid
from rail.models import LoadingLine, LoadPlanEntry, TrainVisit, TrainWagon, Wagon, WagonContainer, WagonModel
from yard.models import CarrierVisit


class TrainListUploadForm(forms.Form):
    """Columns: wagon_position, wagon_number, container, iso_type, gross_kg, seal, freight_kind, un_number, class,
    packing_group, override_check_digit (yes/no). One row per container; an empty wagon has no container."""

    train_number = forms.CharField(max_length=20)
    line = forms.ModelChoiceField(LoadingLine.objects.all(), to_field_name="code")
    origin = forms.CharField(max_length=60, required=False)
    category = forms.ChoiceField(choices=[("transit", "Transit"), ("import", "Import"), ("empty", "Empty")])
    file = forms.FileField(help_text="CSV, UTF-8, with a header row.")

    def clean_file(self):
        try:
            text = self.cleaned_data["file"].read().decode("utf-8-sig")
            self.rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error) as error:
            raise forms.ValidationError(f"Not a readable CSV file: {error}") from None
        missing = {"wagon_position", "wagon_number", "container"} - set(self.rows[0] if self.rows else [])
        if missing:
            raise forms.ValidationError(f"Missing columns: {', '.join(sorted(missing))}")
        return self.cleaned_data["file"]

    def train_list(self) -> dict:
        wagons: dict[str, dict] = {}
        for row in self.rows:
            wagon = wagons.setdefault(row["wagon_number"].strip(), {
                "number": row["wagon_number"].strip(), "position": int(row["wagon_position"] or 0), "containers": [],
                "override_check_digit": (row.get("override_check_digit") or "").lower() in ("yes", "true", "1"),
            })  # fmt: skip
            if not row["container"].strip():
                continue
            box = {"number": row["container"], "iso_type": row.get("iso_type", ""), "seal": row.get("seal", ""),
                   "freight_kind": row.get("freight_kind") or "full",
                   "gross_kg": int(row["gross_kg"]) if (row.get("gross_kg") or "").isdigit() else None}  # fmt: skip
            if row.get("un_number"):
                box["dangerous_goods"] = [{"un_number": row["un_number"], "class": row.get("class", ""),
                                           "packing_group": row.get("packing_group", "")}]  # fmt: skip
            wagon["containers"].append(box)
        data = self.cleaned_data
        return {"train_number": data["train_number"], "line": data["line"].code, "origin": data["origin"],
                "category": data["category"], "wagons": list(wagons.values())}  # fmt: skip


@admin.register(LoadingLine)
class LoadingLineAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "length_wagons"]
    filter_horizontal = ["blocks"]


@admin.register(WagonModel)
class WagonModelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "payload_kg", "tare_kg", "length_mm", "source"]
    search_fields = ["code", "kind"]


@admin.register(Wagon)
class WagonAdmin(SimpleHistoryAdmin):
    list_display = ["number", "model", "check_digit_ok"]
    list_filter = ["check_digit_ok", "model"]
    search_fields = ["number"]
    autocomplete_fields = ["model"]


class TrainWagonInline(admin.TabularInline):
    model = TrainWagon
    fields = ["position", "wagon", "check_digit_override", "released_at", "loaded", "utilisation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Inbound: discharged / listed")
    def loaded(self, wagon: TrainWagon) -> str:
        boxes = list(wagon.containers.all())
        return f"{sum(1 for box in boxes if box.discharged_at)} / {len(boxes)}" if boxes else "-"

    @admin.display(description="Outbound plan: length and payload used")
    def utilisation(self, wagon: TrainWagon) -> str:
        planned = list(wagon.load_plan.select_related("visit__container__iso_type"))
        if not planned:
            return "-"
        units = sum(1 if entry.visit.container.iso_type.length_ft == 20 else 2 for entry in planned)
        mass = sum(entry.visit.gross_kg or 0 for entry in planned)
        model = wagon.wagon.model
        capacity = model.units_20ft if model else 2
        payload = model.payload_kg if model and model.payload_kg else None
        loaded = sum(1 for entry in planned if entry.loaded_at)
        share = f"{mass / payload:.0%}" if payload else "payload unknown"
        return f"{units} of {capacity} x 20', {mass:,} kg ({share}); loaded {loaded}/{len(planned)}"


class LoadPlanEntryInline(admin.TabularInline):
    model = LoadPlanEntry
    fields = ["train_wagon", "place", "visit", "move", "loaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainVisit)
class TrainVisitAdmin(SimpleHistoryAdmin):
    list_display = ["train_number", "direction", "origin", "line", "status", "created_at"]
    list_filter = ["direction", "line"]
    list_select_related = ["line", "carrier"]
    search_fields = ["train_number", "wagons__wagon__number"]
    readonly_fields = ["carrier", "train_number", "direction", "origin", "destination", "line", "created_by",
                       "created_at"]  # fmt: skip
    inlines = [TrainWagonInline, LoadPlanEntryInline]
    actions = ["build_load_plan", "depart", "depart_rolling_unloaded"]

    def has_add_permission(self, request) -> bool:
        return False  # train lists arrive through the API (partners' systems) and are checked whole there

    @admin.display(description="Status")
    def status(self, train: TrainVisit) -> str:
        return train.carrier.get_status_display()

    @admin.action(description="Build the load plan (outbound)")
    def build_load_plan(self, request: HttpRequest, queryset) -> None:
        for train in queryset:
            try:
                plan = services.load_plan_build(train_id=train.pk, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{train}: {error.detail}", messages.ERROR)
                continue
            left = ", ".join(f"{row['container']} ({row['reason']})" for row in plan["excluded"]) or "none"
            summary = (
                f"{train}: {plan['entries']} containers, {plan['loaded_teu']} TEU planned (optimal: {plan['optimal']})"
            )
            self.message_user(request, f"{summary}; left out: {left}.", messages.SUCCESS)
            for warning in plan["warnings"]:
                self.message_user(request, warning, messages.WARNING)

    @admin.action(description=_("Depart (frees the line)"))
    def depart(self, request: HttpRequest, queryset) -> None:
        for train in queryset:
            try:
                services.train_depart(train_id=train.pk, actor=request.user)
                self.message_user(request, gettext("%(train)s departed.") % {"train": train}, messages.SUCCESS)
            except DomainError as error:
                self.message_user(request, f"{train}: {error.detail}", messages.ERROR)

    @admin.action(description=_("Depart on time, rolling what is not loaded to a later train (outbound)"))
    def depart_rolling_unloaded(self, request: HttpRequest, queryset) -> None:
        for train in queryset:
            try:
                departed = services.train_depart(train_id=train.pk, actor=request.user, roll_unloaded=True)
            except DomainError as error:
                self.message_user(request, f"{train}: {error.detail}", messages.ERROR)
                continue
            self.message_user(
                request, gettext("%(train)s departed; %(count)d container(s) rolled to a later train.")
                % {"train": train, "count": len(departed.rolled)}, messages.SUCCESS,
            )  # fmt: skip

    def get_urls(self):
        board = path("board/", self.admin_site.admin_view(self.board_view), name="rail_train_board")
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="rail_train_upload")
        return [board, upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """An inbound train list as a CSV file (one row per container), checked whole like the API's."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = TrainListUploadForm(request.POST or None, request.FILES or None)
        problems = None
        if request.method == "POST" and form.is_valid():
            try:
                train, moves = services.train_list_register(actor=request.user, **form.train_list())
            except TrainListInvalid as error:
                problems = sorted(error.errors.items())
            else:
                self.message_user(request, f"{train}: {len(moves)} discharge moves planned.", messages.SUCCESS)
                return redirect("admin:rail_trainvisit_change", train.pk)
        context = {**self.admin_site.each_context(request), "title": "Upload a train list", "form": form,
                   "problems": problems}  # fmt: skip
        return TemplateResponse(request, "admin/rail/train_upload.html", context)

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Each loading line with its train: containers listed, checked in, discharged; wagons released."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        trains = (
            TrainVisit.objects.exclude(carrier__status=CarrierVisit.Status.DEPARTED)
            .select_related("line", "carrier")
            .annotate(
                listed=Count("wagons__containers", distinct=True),
                checked_in=Count("wagons__containers", filter=Q(wagons__containers__checked_in_at__isnull=False),
                                 distinct=True),
                discharged=Count("wagons__containers", filter=Q(wagons__containers__discharged_at__isnull=False),
                                 distinct=True),
                wagon_count=Count("wagons", distinct=True),
                released=Count("wagons", filter=Q(wagons__released_at__isnull=False), distinct=True),
            )
        )  # fmt: skip
        by_line = {line: [] for line in LoadingLine.objects.order_by("code")}
        for train in trains:
            by_line.setdefault(train.line, []).append(train)
        context = {
            **self.admin_site.each_context(request),
            "title": "Train board",
            "lines": list(by_line.items()),
            "seal_mismatches": WagonContainer.objects.filter(seal_ok=False, visit__state="in_yard").count(),
        }
        return TemplateResponse(request, "admin/rail/train_board.html", context)
