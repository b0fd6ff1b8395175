from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from yard import capacity, selectors
from yard.models import Container, ContainerVisit, Hold, YardMove


class ContainerRegisterInput(serializers.Serializer):
    number = serializers.CharField(max_length=20, help_text=_("ISO 6346; case and spaces do not matter."))
    iso_type = serializers.CharField(
        max_length=4, help_text=_("ISO 6346 size/type, e.g. 45G1 (1984 codes such as 4510 are mapped).")
    )
    tare_kg = serializers.IntegerField(min_value=1000, max_value=15000, required=False)
    max_gross_kg = serializers.IntegerField(min_value=1000, max_value=50000, required=False)


class HoldOutput(serializers.ModelSerializer):
    reference = serializers.CharField()
    active = serializers.BooleanField()
    container = serializers.CharField(source="visit.container.number")

    class Meta:
        model = Hold
        fields = [
            "id", "reference", "container", "authority", "kind", "reason", "blocked_move_kinds", "active",
            "placed_at", "released_at",
        ]  # fmt: skip


class VisitOutput(serializers.ModelSerializer):
    inbound_carrier = serializers.SerializerMethodField()
    outbound_carrier = serializers.SerializerMethodField()

    class Meta:
        model = ContainerVisit
        fields = [
            "id", "state", "category", "freight_kind", "gross_kg", "seals", "inbound_carrier", "outbound_carrier",
            "outbound_mode", "destination", "expected_departure", "arrived_at", "departed_at",
        ]  # fmt: skip

    def get_inbound_carrier(self, visit: ContainerVisit) -> str:
        return selectors.carrier_label(visit.inbound_carrier)

    def get_outbound_carrier(self, visit: ContainerVisit) -> str | None:
        return selectors.carrier_label(visit.outbound_carrier) if visit.outbound_carrier_id else None


class ContainerOutput(serializers.ModelSerializer):
    """A container with its current stay. `visit`, `position` and `holds` come from the open visit, if any."""

    iso_type = serializers.CharField(source="iso_type_id")
    length_ft = serializers.IntegerField(source="iso_type.length_ft")
    height_mm = serializers.IntegerField(source="iso_type.height_mm")
    iso_group = serializers.CharField(source="iso_type.group")
    owner_code = serializers.CharField()
    status = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    holds = serializers.SerializerMethodField()
    dangerous_goods = serializers.SerializerMethodField()

    class Meta:
        model = Container
        fields = [
            "number", "iso_type", "length_ft", "height_mm", "iso_group", "owner_code", "tare_kg", "max_gross_kg",
            "status", "position", "visit", "holds", "dangerous_goods",
        ]  # fmt: skip

    def _visit(self, container: Container) -> ContainerVisit | None:
        # The views attach the open visit with its prefetches (selectors.visit_open_for, visits_open_attach).
        return getattr(container, "open_visit", None)

    def get_status(self, container: Container) -> str:
        visit = self._visit(container)
        return visit.state if visit else "not_in_terminal"

    def get_position(self, container: Container) -> str | None:
        visit = self._visit(container)
        return selectors.visit_position(visit) if visit else None

    def get_visit(self, container: Container) -> dict | None:
        visit = self._visit(container)
        return VisitOutput(visit).data if visit else None

    def get_holds(self, container: Container) -> list[dict]:
        visit = self._visit(container)
        if not visit:
            return []
        for hold in visit.active_holds:
            hold.visit = visit  # already loaded: no query per hold for the container number
        return HoldOutput(visit.active_holds, many=True).data

    def get_dangerous_goods(self, container: Container) -> list[dict]:
        visit = self._visit(container)
        return list(visit.dangerous_goods) if visit else []


class MoveOutput(serializers.ModelSerializer):
    container = serializers.CharField(source="visit.container.number")
    from_ = serializers.SerializerMethodField(method_name="get_from")  # "from" in JSON: see get_fields
    to = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField(help_text=_("Where the container was put down, once done."))
    equipment = serializers.CharField(source="equipment.code", allow_null=True, default=None)

    class Meta:
        model = YardMove
        fields = [
            "id", "container", "kind", "from_", "to", "status", "priority", "deadline", "equipment", "planned_to",
            "deviation", "position", "created_at", "dispatched_at", "started_at", "finished_at", "awaiting_slot_since",
        ]  # fmt: skip

    def get_from(self, move: YardMove) -> str | None:
        return selectors.move_from(move)

    def get_to(self, move: YardMove) -> str | None:
        return selectors.move_to(move)

    def get_position(self, move: YardMove) -> str | None:
        return selectors.move_to(move) if move.status == YardMove.Status.DONE else None

    def get_fields(self) -> dict:
        # "from" is a Python keyword, so the field is declared as from_ and renamed here.
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}


class MoveDetailOutput(MoveOutput):
    allocation = serializers.JSONField(help_text=_("Why the target was chosen: score, costs and the runners-up."))

    class Meta(MoveOutput.Meta):
        fields = [*MoveOutput.Meta.fields, "allocation"]


# IMDG EmS: a fire schedule F-A..F-J and a spillage schedule S-A..S-Z, as the Dangerous Goods List writes them.
EMS_PATTERN = r"^F-[A-J], ?S-[A-Z]$"


class DangerousGoodsLineInput(serializers.Serializer):
    def get_fields(self) -> dict:
        # "class" is a Python keyword, so the fields are named here rather than as attributes.
        return {
            "un_number": serializers.RegexField(r"^\d{4}$", help_text=_("Four digits, e.g. 1203.")),
            "class": serializers.RegexField(r"^[1-9](\.[1-6])?[A-S]?$", help_text=_("IMDG class or division: 3, 5.1")),
            "packing_group": serializers.ChoiceField(choices=["I", "II", "III"], required=False, allow_blank=True),
            # What the emergency list needs besides the UN entry, when the shipper's papers give it at arrival.
            "net_mass_kg": serializers.DecimalField(
                max_digits=9,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
                help_text=_("Net mass of the dangerous goods (kg)."),
            ),
            "limited_quantity": serializers.BooleanField(required=False),
            "ems": serializers.RegexField(
                EMS_PATTERN, required=False, help_text=_("IMDG emergency schedules, fire and spillage: F-E,S-D.")
            ),
        }


class GateInInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    iso_type = serializers.CharField(max_length=4)
    gross_kg = serializers.IntegerField(min_value=1000, max_value=50000, required=False)
    freight_kind = serializers.ChoiceField(choices=ContainerVisit.FreightKind.choices)
    seal = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    truck = serializers.CharField(max_length=20, help_text=_("Plate of the truck that brought it."))
    dangerous_goods = DangerousGoodsLineInput(many=True, required=False, default=list)
    category = serializers.ChoiceField(
        choices=ContainerVisit.Category.choices, required=False, help_text=_("Default: export (empty for empties).")
    )
    line = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="",
        help_text=_("The shipping line's carrier code, when the box travels with one (its CODECO goes to that line)."),
    )  # fmt: skip


class GateInOutput(serializers.Serializer):
    container = serializers.CharField()
    visit = serializers.IntegerField()
    move = MoveDetailOutput()


class MoveCreateInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    to = serializers.CharField(
        max_length=20, help_text=_("A yard position BLOCK-BB-RR-T, or GATE for delivery by truck.")
    )


class MoveCompleteInput(serializers.Serializer):
    container = serializers.CharField(max_length=20, help_text=_("The container as scanned."))
    position = serializers.CharField(max_length=40, help_text=_("Where it was put down: BLOCK-BB-RR-T or GATE."))


class MoveCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    failed = serializers.BooleanField(default=False, help_text=_("True: the machine could not do it."))


class HoldPlaceInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    kind = serializers.CharField(max_length=32)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    blocked_move_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=YardMove.Kind.choices), required=False, allow_empty=False
    )


class CapacityWarningOutput(serializers.Serializer):
    """A special area a pre-advice would find short (yard/capacity.py); counts are 20' places. `subject` in the
    context names the pre-advice in `detail` ("this train")."""

    area = serializers.ChoiceField(choices=capacity.AREAS, help_text=_("dg, reefer (plugs) or inspection."))
    date = serializers.DateField(help_text=_("The busiest day of the window, local time."))
    places = serializers.IntegerField(help_text=_("The area's places (reefer: powered places)."))
    capacity = serializers.IntegerField(help_text=_("The places usable (CAPACITY_EFFECTIVE_SHARE)."))
    on_hand = serializers.IntegerField(help_text=_("Taken on that day by boxes in the yard now."))
    announced = serializers.IntegerField(help_text=_("Taken on that day by other boxes announced."))
    demand = serializers.IntegerField(help_text=_("This pre-advice's places in the area."))
    boxes = serializers.IntegerField(help_text=_("This pre-advice's boxes that need the area."))
    short = serializers.IntegerField(help_text=_("This pre-advice's places that will not fit."))
    detail = serializers.SerializerMethodField()

    def get_detail(self, warning: dict) -> str:
        return capacity.capacity_warning_text(warning, subject=self.context.get("subject"))
