from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vessels import selectors
from vessels.models import Booking, OnBoard, Tally, VesselCall
from yard.api.serializers import CapacityWarningOutput, MoveOutput


class VesselInput(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    imo = serializers.CharField(max_length=12, help_text=_("Seven digits with the check digit, e.g. 9074729."))
    call_sign = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    flag = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")


class CallInput(serializers.Serializer):
    vessel = VesselInput()
    line = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    voyage_in = serializers.CharField(max_length=17)
    voyage_out = serializers.CharField(max_length=17, required=False, allow_blank=True, default="")
    berth = serializers.CharField(max_length=8)
    eta = serializers.DateTimeField()
    etb = serializers.DateTimeField(required=False, allow_null=True, default=None)
    etd = serializers.DateTimeField()
    rotation = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}[A-Za-z2-9]{3}$"), required=False, default=list, max_length=20,
        help_text=_("The next ports of call in order (UN/LOCODEs): boxes for earlier ports stow on top."),
    )  # fmt: skip


class ArriveInput(serializers.Serializer):
    berth = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ListInput(serializers.Serializer):
    """Rows are checked one by one by the service: a bad row is a problem in the answer, not a refusal."""

    containers = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=3000)


class VesselOutput(serializers.Serializer):
    name = serializers.CharField()
    imo = serializers.CharField()
    call_sign = serializers.CharField()


class ProgressOutput(serializers.Serializer):
    planned = serializers.IntegerField()
    done = serializers.IntegerField()


class CallOutput(serializers.ModelSerializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    vessel = VesselOutput()
    berth = serializers.CharField(source="berth.code")
    ata = serializers.DateTimeField(source="carrier.arrived_at", allow_null=True)
    atd = serializers.DateTimeField(source="carrier.departed_at", allow_null=True)
    discharge = serializers.SerializerMethodField()
    load = serializers.SerializerMethodField()
    through = serializers.SerializerMethodField()
    capacity_warnings = serializers.SerializerMethodField()

    class Meta:
        model = VesselCall
        fields = [
            "id", "reference", "status", "vessel", "line", "voyage_in", "voyage_out", "berth", "eta", "etb", "etd",
            "ata", "atd", "rotation", "discharge", "load", "through", "capacity_warnings",
        ]  # fmt: skip

    @extend_schema_field(CapacityWarningOutput(many=True))
    def get_capacity_warnings(self, call: VesselCall) -> list[dict]:
        return capacity_warnings_output(call.capacity_warnings)

    def _progress(self, call: VesselCall) -> dict:
        cache = self.context.setdefault("progress", {})
        if call.pk not in cache:
            cache[call.pk] = selectors.call_progress(call)
        return cache[call.pk]

    def get_discharge(self, call: VesselCall) -> dict:
        return self._progress(call)["discharge"]

    def get_load(self, call: VesselCall) -> dict:
        return self._progress(call)["load"]

    def get_through(self, call: VesselCall) -> int:
        return self._progress(call)["through"]


class ThroughOutput(serializers.ModelSerializer):
    stowage = serializers.CharField(source="cell")

    class Meta:
        model = OnBoard
        fields = ["container", "stowage", "iso_type", "pod", "restow"]


class BookingOutput(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ["container", "pod", "vgm_kg", "status", "cell", "sequence"]


class ProblemOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("The row's place in the list, from 0."))
    container = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


def capacity_warnings_output(warnings: list[dict]) -> list[dict]:
    """A call's capacity warnings as the API gives them, each with its sentence."""
    return CapacityWarningOutput(warnings, many=True, context={"subject": _("this call")}).data


class TallyInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    cell = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="",
        help_text=_("For a load or restow: the cell the box went into, BBRRTT as scanned."),
    )  # fmt: skip
    seal = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    damage = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TallyOutput(serializers.ModelSerializer):
    tallied_by = serializers.CharField(source="tallied_by.username")
    move = serializers.SerializerMethodField()

    class Meta:
        model = Tally
        fields = ["container", "kind", "cell", "seal_declared", "seal_scanned", "seal_ok", "damage", "tallied_by",
                  "tallied_at", "move"]  # fmt: skip

    @extend_schema_field(MoveOutput)
    def get_move(self, tally: Tally) -> dict:
        return MoveOutput(self.context["move"]).data
