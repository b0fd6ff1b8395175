from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from yard.models import ContainerVisit


class UnNumber(models.Model):
    """One entry of the dangerous goods list. A UN number may have several (by packing group or concentration)."""

    un_number = models.CharField(max_length=4, db_index=True)
    proper_shipping_name = models.CharField(max_length=300)
    class_division = models.CharField(max_length=16, help_text="Primary class or division, e.g. 3, 5.1, 1.4S.")
    packing_group = models.CharField(max_length=3, blank=True)
    subsidiary_risks = models.CharField(max_length=40, blank=True, help_text="Semicolon-separated, e.g. 8;6.1")
    source_row = models.PositiveIntegerField(unique=True, help_text="Row of the source list (US DOT HMT row id).")
    imdg_agrees = models.BooleanField(default=True, help_text="Class, packing group and subsidiary risks as in IMDG.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["un_number", "packing_group", "source_row"]
        verbose_name = "UN number"

    def __str__(self) -> str:
        group = f" PG {self.packing_group}" if self.packing_group else ""
        return f"UN{self.un_number} {self.proper_shipping_name[:60]} ({self.class_division}{group})"

    @property
    def subsidiary(self) -> list[str]:
        return [risk for risk in self.subsidiary_risks.split(";") if risk]


class Declaration(models.Model):
    """The dangerous goods in a container for one stay, as declared and checked against the UN list."""

    visit = models.OneToOneField(ContainerVisit, on_delete=models.PROTECT, related_name="dg_declaration")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "DG declaration"

    def __str__(self) -> str:
        return f"DG declaration of {self.visit.container.number}"


class DeclarationLine(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    un_entry = models.ForeignKey(UnNumber, on_delete=models.PROTECT, related_name="+")
    class_division = models.CharField(max_length=8)
    subsidiary_risks = models.CharField(max_length=40, blank=True)
    packing_group = models.CharField(max_length=3, blank=True)
    proper_shipping_name = models.CharField(max_length=300)
    net_mass_kg = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    flash_point_c = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    limited_quantity = models.BooleanField(default=False)
    marine_pollutant = models.BooleanField(default=False)
    ems = models.CharField(max_length=20, blank=True, help_text="Emergency schedules, e.g. F-E, S-D.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["declaration", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(net_mass_kg__isnull=True) | Q(net_mass_kg__gt=0), name="dangerous_goods_line_mass_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"UN{self.un_entry.un_number} class {self.class_division}"

    @property
    def un_number(self) -> str:
        return self.un_entry.un_number


class SegregationAlert(models.Model):
    """A container found too close to an incompatible one (after its declaration changed): someone must act."""

    visit = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="dg_alerts")
    neighbour = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=20)
    detail = models.TextField()
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"Segregation alert {self.pk}: {self.detail[:60]}"
