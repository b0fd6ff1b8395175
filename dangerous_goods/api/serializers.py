from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dangerous_goods.models import Declaration, DeclarationLine, SegregationAlert


class DgDeclarationLineInput(serializers.Serializer):
    def get_fields(self) -> dict:
        # "class" is a Python keyword, so the fields are named here rather than as attributes.
        return {
            "un_number": serializers.RegexField(r"^(UN)?\d{4}$", help_text=_("Four digits, e.g. 1203.")),
            "class": serializers.CharField(max_length=8, help_text=_("IMDG class or division, e.g. 3, 5.1, 1.4S.")),
            "packing_group": serializers.ChoiceField(choices=["I", "II", "III"], required=False, allow_blank=True),
            "net_mass_kg": serializers.DecimalField(
                max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=False
            ),
            "flash_point_c": serializers.DecimalField(max_digits=5, decimal_places=1, required=False),
            "limited_quantity": serializers.BooleanField(default=False),
            "marine_pollutant": serializers.BooleanField(default=False),
            "ems": serializers.CharField(max_length=20, required=False, allow_blank=True),
        }


class DgDeclarationInput(serializers.Serializer):
    container = serializers.CharField(max_length=20)
    lines = DgDeclarationLineInput(many=True, allow_empty=False)


class DgDeclarationLineOutput(serializers.ModelSerializer):
    un_number = serializers.CharField()

    class Meta:
        model = DeclarationLine
        fields = [
            "un_number", "class_division", "subsidiary_risks", "packing_group", "proper_shipping_name",
            "net_mass_kg", "flash_point_c", "limited_quantity", "marine_pollutant", "ems",
        ]  # fmt: skip


class DgDeclarationOutput(serializers.ModelSerializer):
    container = serializers.CharField(source="visit.container.number")
    lines = DgDeclarationLineOutput(many=True)
    alerts = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = ["id", "container", "lines", "updated_at", "alerts"]

    def get_alerts(self, declaration: Declaration) -> list[dict]:
        open_alerts = declaration.visit.dg_alerts.filter(resolved_at__isnull=True)
        return AlertOutput(open_alerts, many=True).data


class AlertOutput(serializers.ModelSerializer):
    container = serializers.CharField(source="visit.container.number")
    neighbour = serializers.CharField(source="neighbour.container.number")

    class Meta:
        model = SegregationAlert
        fields = ["id", "container", "neighbour", "position", "detail", "raised_at", "resolved_at"]


class InventoryRow(serializers.Serializer):
    def get_fields(self) -> dict:
        return {
            "block": serializers.CharField(),
            "position": serializers.CharField(),
            "container": serializers.CharField(),
            "un_number": serializers.CharField(),
            "class": serializers.CharField(),
            "subsidiary_risks": serializers.CharField(),
            "packing_group": serializers.CharField(),
            "proper_shipping_name": serializers.CharField(),
            "net_mass_kg": serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True),
            "limited_quantity": serializers.BooleanField(),
            "ems": serializers.CharField(),
        }
