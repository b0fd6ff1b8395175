from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rail.models import TrainVisit, TrainWagon, WagonContainer
from yard.api.serializers import DangerousGoodsLineInput
from yard.models import ContainerVisit


class TrainListContainerInput(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    iso_type = serializers.CharField(max_length=4)
    gross_kg = serializers.IntegerField(min_value=1000, max_value=50000, required=False)
    seal = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    freight_kind = serializers.ChoiceField(choices=ContainerVisit.FreightKind.choices, default="full")
    dangerous_goods = DangerousGoodsLineInput(many=True, required=False, default=list)


class TrainListWagonInput(serializers.Serializer):
    number = serializers.CharField(max_length=12, help_text=_("8-digit 1520 mm wagon number."))
    position = serializers.IntegerField(min_value=1, max_value=120, help_text=_("Place in the train, from 1."))
    override_check_digit = serializers.BooleanField(
        default=False, help_text=_("Accept a number whose check digit does not match (the rule is single-source).")
    )
    containers = TrainListContainerInput(many=True, max_length=3, required=False, default=list)


class TrainListInput(serializers.Serializer):
    train_number = serializers.CharField(max_length=20)
    direction = serializers.ChoiceField(choices=TrainVisit.Direction.choices)
    line = serializers.CharField(max_length=8, help_text=_("Loading line code, e.g. L1."))
    origin = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    eta = serializers.DateTimeField(required=False)
    destination = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    etd = serializers.DateTimeField(required=False, help_text=_("Outbound: expected departure."))
    category = serializers.ChoiceField(
        choices=[ContainerVisit.Category.TRANSIT, ContainerVisit.Category.IMPORT, ContainerVisit.Category.EMPTY],
        default=ContainerVisit.Category.TRANSIT,
    )
    wagons = TrainListWagonInput(many=True, allow_empty=False, max_length=120)


class CheckInInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    seal = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    damage = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class WagonContainerOutput(serializers.ModelSerializer):
    container = serializers.CharField(source="visit.container.number")

    class Meta:
        model = WagonContainer
        fields = ["container", "seal_declared", "seal_scanned", "seal_ok", "damage", "checked_in_at", "discharged_at"]


class TrainWagonOutput(serializers.ModelSerializer):
    number = serializers.CharField(source="wagon.number")
    containers = WagonContainerOutput(many=True)

    class Meta:
        model = TrainWagon
        fields = ["position", "number", "check_digit_override", "released_at", "containers"]


class TrainVisitOutput(serializers.ModelSerializer):
    line = serializers.CharField(source="line.code", allow_null=True)
    status = serializers.CharField(source="carrier.status")
    wagons = TrainWagonOutput(many=True)

    class Meta:
        model = TrainVisit
        fields = ["id", "train_number", "direction", "origin", "line", "status", "created_at", "wagons"]


class LoadInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    wagon_position = serializers.IntegerField(min_value=1)


class RollInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    reason = serializers.CharField(
        max_length=200, help_text=_("Why it does not go with this train (kept in the audit).")
    )


class RollOutput(serializers.Serializer):
    container = serializers.CharField(source="visit.container.number")
    wagon_position = serializers.IntegerField(source="train_wagon.position")
    place = serializers.IntegerField()
    move = serializers.IntegerField(source="move_id", allow_null=True, help_text=_("Its loading move, now cancelled."))


class DepartInput(serializers.Serializer):
    roll_unloaded = serializers.BooleanField(
        default=False, help_text=_("Outbound: leave on time, rolling every container not loaded yet to a later train.")
    )
