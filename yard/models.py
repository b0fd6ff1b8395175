from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from simple_history.models import HistoricalRecords


class IsoSizeType(models.Model):
    """An ISO 6346:1995 size/type code (22G1, 45R1, ...), loaded from yard/reference/."""

    class Group(models.TextChoices):
        GENERAL = "G", "General purpose"
        VENTILATED = "V", "Ventilated"
        REEFER = "R", "Integral reefer"
        THERMAL = "H", "Thermal (removable equipment or insulated)"
        OPEN_TOP = "U", "Open top"
        BULK = "B", "Bulk"
        TANK = "T", "Tank"
        PLATFORM = "P", "Platform or flat"
        NAMED_CARGO = "S", "Named cargo"

    code = models.CharField(max_length=4, primary_key=True)
    length_ft = models.PositiveSmallIntegerField(help_text="20, 40 or 45: decides how many 20' ground slots it fills.")
    length_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    width_mm = models.PositiveIntegerField(default=2438)
    group = models.CharField(max_length=1, choices=Group.choices)
    type_code = models.CharField(max_length=2, help_text="Detailed type, e.g. G1 or R1.")
    description = models.CharField(max_length=200)
    teu = models.DecimalField(max_digits=3, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = "ISO size/type"
        constraints = [
            models.CheckConstraint(condition=Q(length_ft__in=[20, 40, 45]), name="yard_isosizetype_known_length"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.length_ft}' {self.get_group_display()})"

    @property
    def is_reefer(self) -> bool:
        return self.group == self.Group.REEFER


class IsoTypeAlias(models.Model):
    """A legacy (ISO 6346:1984) code that EDI partners still send, mapped to its current code."""

    alias = models.CharField(max_length=4, primary_key=True)
    iso_type = models.ForeignKey(IsoSizeType, on_delete=models.CASCADE, related_name="aliases")
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name = "legacy ISO size/type code"

    def __str__(self) -> str:
        return f"{self.alias} → {self.iso_type_id}"


class Container(models.Model):
    """A physical container, identified by its ISO 6346 number (stored compact and upper case)."""

    number = models.CharField(max_length=11, unique=True, help_text="e.g. CSQU3054383")
    iso_type = models.ForeignKey(IsoSizeType, on_delete=models.PROTECT, related_name="+", verbose_name="ISO size/type")
    tare_kg = models.PositiveIntegerField(null=True, blank=True)
    max_gross_kg = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Exact(Length("number"), 11), name="yard_container_number_compact"),
            models.CheckConstraint(
                condition=Q(tare_kg__isnull=True) | Q(max_gross_kg__isnull=True) | Q(tare_kg__lt=F("max_gross_kg")),
                name="yard_container_tare_below_max_gross",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def owner_code(self) -> str:
        return self.number[:3]
