from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customs.models import CustomsDeclaration, InspectionOrder
from customs.services import HOLD_KINDS


class CustomsHoldInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=HOLD_KINDS)
    reason = serializers.CharField(max_length=500, help_text=_("Always required: it is kept in the hold's history."))


class CustomsDeclarationInput(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    procedure = serializers.ChoiceField(choices=CustomsDeclaration.Procedure.choices)
    containers = serializers.ListField(child=serializers.CharField(max_length=20), allow_empty=False)


class CustomsDeclarationOutput(serializers.ModelSerializer):
    containers = serializers.SerializerMethodField()

    class Meta:
        model = CustomsDeclaration
        fields = ["id", "number", "procedure", "status", "containers", "created_at", "released_at"]

    def get_containers(self, declaration: CustomsDeclaration) -> list[str]:
        return [visit.container.number for visit in declaration.visits.select_related("container")]


class InspectionOrderInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=InspectionOrder.Kind.choices)
    appointment_at = serializers.DateTimeField(required=False)


class InspectionResultInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=InspectionOrder.Result.choices)
    findings = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    seals = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, help_text=_("New seal numbers put on the box.")
    )


class PhotoInput(serializers.Serializer):
    image = serializers.FileField()


class InspectionOrderOutput(serializers.ModelSerializer):
    container = serializers.CharField(source="visit.container.number")
    hold = serializers.CharField(source="hold.reference")
    move_in = serializers.IntegerField(source="move_in_id", allow_null=True)
    move_out = serializers.IntegerField(source="move_out_id", allow_null=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = InspectionOrder
        fields = [
            "id", "container", "kind", "status", "appointment_at", "hold", "move_in", "move_out", "ordered_at",
            "arrived_at", "seals_before", "result", "findings", "seals_after", "recorded_at", "photos",
        ]  # fmt: skip

    def get_photos(self, order: InspectionOrder) -> list[str]:
        return [photo.image.url for photo in order.photos.all()]
