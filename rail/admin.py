"""Rail screens: the train board (visits per line with their progress), trains with their wagons, the catalogue."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from rail.models import LoadingLine, TrainVisit, TrainWagon, Wagon, WagonContainer, WagonModel
from yard.models import CarrierVisit


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
    fields = ["position", "wagon", "check_digit_override", "released_at", "loaded"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Containers (discharged / listed)")
    def loaded(self, wagon: TrainWagon) -> str:
        boxes = list(wagon.containers.all())
        return f"{sum(1 for box in boxes if box.discharged_at)} / {len(boxes)}"


@admin.register(TrainVisit)
class TrainVisitAdmin(SimpleHistoryAdmin):
    list_display = ["train_number", "direction", "origin", "line", "status", "created_at"]
    list_filter = ["direction", "line"]
    list_select_related = ["line", "carrier"]
    search_fields = ["train_number", "wagons__wagon__number"]
    readonly_fields = ["carrier", "train_number", "direction", "origin", "line", "created_by", "created_at"]
    inlines = [TrainWagonInline]

    def has_add_permission(self, request) -> bool:
        return False  # train lists arrive through the API (partners' systems) and are checked whole there

    @admin.display(description="Status")
    def status(self, train: TrainVisit) -> str:
        return train.carrier.get_status_display()

    def get_urls(self):
        board = path("board/", self.admin_site.admin_view(self.board_view), name="rail_train_board")
        return [board, *super().get_urls()]

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
