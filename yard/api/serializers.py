from rest_framework import serializers

from yard.models import Container


class ContainerRegisterInput(serializers.Serializer):
    number = serializers.CharField(max_length=20, help_text="ISO 6346; case and spaces do not matter.")
    iso_type = serializers.CharField(
        max_length=4, help_text="ISO 6346 size/type, e.g. 45G1 (1984 codes such as 4510 are mapped)."
    )
    tare_kg = serializers.IntegerField(min_value=1000, max_value=15000, required=False)
    max_gross_kg = serializers.IntegerField(min_value=1000, max_value=50000, required=False)


class ContainerOutput(serializers.ModelSerializer):
    iso_type = serializers.CharField(source="iso_type_id")
    length_ft = serializers.IntegerField(source="iso_type.length_ft")
    height_mm = serializers.IntegerField(source="iso_type.height_mm")
    iso_group = serializers.CharField(source="iso_type.group")
    owner_code = serializers.CharField()
    # Filled as the yard, customs and dangerous-goods parts of the terminal record a container's stay.
    status = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    holds = serializers.SerializerMethodField()
    dangerous_goods = serializers.SerializerMethodField()

    class Meta:
        model = Container
        fields = [
            "number",
            "iso_type",
            "length_ft",
            "height_mm",
            "iso_group",
            "owner_code",
            "tare_kg",
            "max_gross_kg",
            "status",
            "position",
            "visit",
            "holds",
            "dangerous_goods",
        ]

    def get_status(self, container: Container) -> str:
        return "not_in_terminal"

    def get_position(self, container: Container) -> str | None:
        return None

    def get_visit(self, container: Container) -> dict | None:
        return None

    def get_holds(self, container: Container) -> list[dict]:
        return []

    def get_dangerous_goods(self, container: Container) -> list[dict]:
        return []
