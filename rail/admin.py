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
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from rail import selectors, services
from rail.errors import TrainListInvalid
from rail.models import LoadingLine, LoadPlanEntry, TrainVisit, Wagon, WagonContainer, WagonModel
from yard import selectors as yard_selectors
from yard.models import CarrierVisit


class TrainListUploadForm(forms.Form):
    """Columns: wagon_position, wagon_number, container, iso_type, gross_kg, seal, freight_kind, un_number, class,
    packing_group, override_check_digit (yes/no). One row per container; an empty wagon has no container."""

    train_number = forms.CharField(label=_("Train number"), max_length=20)
    line = forms.ModelChoiceField(LoadingLine.objects.all(), to_field_name="code", label=_("Loading line"))
    origin = forms.CharField(label=_("Origin"), max_length=60, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[
            ("transit", _("Transit")),
            ("import", _("Import")),
            ("empty", pgettext_lazy("container category", "Empty")),
        ],
    )
    file = forms.FileField(label=_("File"), help_text=_("CSV, UTF-8, with a header row."))

    def clean_file(self):
        try:
            text = self.cleaned_data["file"].read().decode("utf-8-sig")
            self.rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error) as error:
            raise forms.ValidationError(
                _("Not a readable CSV file: %(error)s"), code="unreadable", params={"error": error}
            ) from None
        missing = {"wagon_position", "wagon_number", "container"} - set(self.rows[0] if self.rows else [])
        if missing:
            raise forms.ValidationError(
                # Translators: the columns are named as in the file's header row (wagon_position, ...); keep them.
                _("Missing columns: %(columns)s"),
                code="columns_missing",
                params={"columns": ", ".join(sorted(missing))},
            )
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
    list_display = ["number", "model__code", "check_digit_ok"]  # "model" alone would name ModelAdmin.model
    list_filter = ["check_digit_ok", "model"]
    search_fields = ["number"]
    autocomplete_fields = ["model"]


@admin.register(TrainVisit)
class TrainVisitAdmin(SimpleHistoryAdmin):
    list_display = ["train_number", "direction", "origin", "line", "status", "created_at"]
    list_filter = ["direction", "line"]
    list_select_related = ["line", "carrier"]
    search_fields = ["train_number", "wagons__wagon__number"]
    # A train's page shows it as the yard sees it: wagons in order, the containers on each (seal, check-in, where
    # each box is now), the load plan. It is read-only: a train changes through its services (list, check-in,
    # load plan, departure), whose actions are on the list of trains.
    change_form_template = "admin/rail/train_page.html"
    actions = ["build_load_plan", "depart", "depart_rolling_unloaded"]

    def has_add_permission(self, request) -> bool:
        return False  # train lists arrive through the API (partners' systems) and are checked whole there

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("carrier", "line")

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        """Only a train that never arrived and lists no wagon (entered by mistake) may go; one with history never."""
        if obj is None or obj.carrier.arrived_at or obj.wagons.exists():
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        train = self.get_object(request, object_id)
        if train is not None:
            wagons = selectors.train_wagons(train)
            boxes = [box for wagon in wagons for box in wagon.containers.all()]
            planned = [entry for wagon in wagons for entry in wagon.load_plan.all()]
            for row in boxes + planned:  # where each box is now, and the way to its record
                row.where_now = yard_selectors.visit_position(row.visit)
                row.container_url = reverse("admin:yard_container_change", args=[row.visit.container_id])
            extra_context = {
                **(extra_context or {}),
                "train": train,
                "wagons": wagons,
                "counts": {
                    "wagons": len(wagons),
                    "released": sum(1 for wagon in wagons if wagon.released_at),
                    "listed": len(boxes),
                    "checked_in": sum(1 for box in boxes if box.checked_in_at),
                    "seal_differs": sum(1 for box in boxes if box.seal_ok is False),
                    "discharged": sum(1 for box in boxes if box.discharged_at),
                    "planned": len(planned),
                    "loaded": sum(1 for entry in planned if entry.loaded_at),
                },
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Status"))
    def status(self, train: TrainVisit) -> str:
        return train.carrier.get_status_display()

    @admin.action(description=_("Build the load plan (outbound)"))
    def build_load_plan(self, request: HttpRequest, queryset) -> None:
        for train in queryset:
            try:
                plan = services.load_plan_build(train_id=train.pk, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{train}: {error.detail}", messages.ERROR)
                continue
            left_out = [
                gettext("%(container)s (%(reason)s)") % {"container": row["container"], "reason": row["reason"]}
                for row in plan["excluded"]
            ]
            summary = ngettext(
                "%(train)s: %(count)d container, %(teu)d TEU planned (optimal: %(optimal)s); left out: %(left)s.",
                "%(train)s: %(count)d containers, %(teu)d TEU planned (optimal: %(optimal)s); left out: %(left)s.",
                plan["entries"],
            ) % {
                "train": train,
                "count": plan["entries"],
                "teu": plan["loaded_teu"],
                "optimal": gettext("yes") if plan["optimal"] else gettext("no"),
                "left": ", ".join(left_out) or gettext("none"),
            }
            self.message_user(request, summary, messages.SUCCESS)
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
                message = ngettext(
                    "%(train)s: %(count)d discharge move planned.",
                    "%(train)s: %(count)d discharge moves planned.",
                    len(moves),
                ) % {"train": train, "count": len(moves)}
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:rail_trainvisit_change", train.pk)
        context = {**self.admin_site.each_context(request), "title": _("Upload a train list"), "form": form,
                   "problems": problems}  # fmt: skip
        return TemplateResponse(request, "admin/rail/train_upload.html", context)

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Each loading line with its train: direction, how long it has stood on the line, wagons released, containers
        checked in and discharged (inbound) or loaded (outbound). The page reloads its board by itself (live.js):
        asked with X-Live-Refresh, it answers the board alone."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        trains = list(
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
        # The load plans counted apart: joined with the wagons' containers above, every pair would be a row.
        plans = (
            LoadPlanEntry.objects.filter(train__in=trains)
            .values("train")
            .annotate(planned=Count("pk"), loaded=Count("pk", filter=Q(loaded_at__isnull=False)))
            .order_by()
        )
        plan_of = {row["train"]: row for row in plans}
        by_line = {line: [] for line in LoadingLine.objects.order_by("code")}
        for train in trains:
            train.planned = plan_of.get(train.pk, {}).get("planned", 0)
            train.loaded = plan_of.get(train.pk, {}).get("loaded", 0)
            by_line.setdefault(train.line, []).append(train)
        context = {
            "lines": list(by_line.items()),
            "seal_mismatches": WagonContainer.objects.filter(seal_ok=False, visit__state="in_yard").count(),
        }
        if request.headers.get("X-Live-Refresh") == "fragment":
            return TemplateResponse(request, "admin/rail/train_board_fragment.html", context)
        context.update(self.admin_site.each_context(request), title=_("Train board"))
        return TemplateResponse(request, "admin/rail/train_board.html", context)
