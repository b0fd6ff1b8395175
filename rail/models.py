from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from yard.models import Block, CarrierVisit, ContainerVisit


class LoadingLine(models.Model):
    """One of the hub's rail loading/unloading lines (1520 mm); it holds one train visit at a time."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100, blank=True)
    length_wagons = models.PositiveSmallIntegerField(help_text="Wagon positions along the line.")
    blocks = models.ManyToManyField(Block, related_name="loading_lines", blank=True, help_text="Blocks it serves.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class WagonModel(models.Model):
    """A 1520 mm container flat wagon model (editable catalogue; some values are still unknown)."""

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=60, blank=True)
    payload_kg = models.PositiveIntegerField(null=True, blank=True, help_text="Load capacity; unknown: no check.")
    tare_kg = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True, help_text="Over couplers.")
    units_20ft = models.PositiveSmallIntegerField(default=2, help_text="Loading length in 20' boxes: 2 (40'), 3 (60').")
    allows_45 = models.BooleanField(default=False, help_text="Takes a 45' container.")
    max_box_gross_kg = models.PositiveIntegerField(
        null=True, blank=True, help_text="Heaviest single container a place on it takes (e.g. 36 t); empty: no limit."
    )
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Wagon(models.Model):
    """A wagon by its 8-digit 1520 mm number. A number whose check digit does not match is kept, flagged."""

    number = models.CharField(max_length=8, unique=True)
    model = models.ForeignKey(WagonModel, on_delete=models.PROTECT, null=True, blank=True, related_name="wagons")
    check_digit_ok = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class TrainVisit(models.Model):
    """The rail details of a carrier visit: train number, line and wagons in order."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    carrier = models.OneToOneField(CarrierVisit, on_delete=models.PROTECT, related_name="train")
    train_number = models.CharField(max_length=20)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    origin = models.CharField(max_length=60, blank=True)
    destination = models.CharField(max_length=60, blank=True)
    line = models.ForeignKey(LoadingLine, on_delete=models.PROTECT, null=True, blank=True, related_name="visits")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Train {self.train_number} ({self.direction})"


class TrainWagon(models.Model):
    """A wagon at its position in one train visit; released once it is empty."""

    train = models.ForeignKey(TrainVisit, on_delete=models.CASCADE, related_name="wagons")
    position = models.PositiveSmallIntegerField()
    wagon = models.ForeignKey(Wagon, on_delete=models.PROTECT, related_name="+")
    check_digit_override = models.BooleanField(default=False, help_text="Accepted despite a check-digit mismatch.")
    released_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["train", "position"]
        constraints = [
            models.UniqueConstraint(fields=["train", "position"], name="rail_trainwagon_one_per_position"),
            models.UniqueConstraint(fields=["train", "wagon"], name="rail_trainwagon_wagon_once"),
        ]

    def __str__(self) -> str:
        return f"{self.wagon.number} at {self.position}"


class WagonContainer(models.Model):
    """A container on a wagon of a train visit, and its check-in by the clerk (seal and damage)."""

    train_wagon = models.ForeignKey(TrainWagon, on_delete=models.CASCADE, related_name="containers")
    visit = models.OneToOneField(ContainerVisit, on_delete=models.PROTECT, related_name="wagon_place")
    seal_declared = models.CharField(max_length=40, blank=True)
    seal_scanned = models.CharField(max_length=40, blank=True)
    seal_ok = models.BooleanField(null=True, help_text="Empty until checked in.")
    damage = models.TextField(blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(checked_in_by__isnull=False),
                name="rail_wagoncontainer_checkin_has_clerk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit.container.number} on {self.train_wagon}"


class LoadPlanEntry(models.Model):
    """A container planned onto a wagon of an outbound train, at a place along it; loaded when confirmed."""

    train = models.ForeignKey(TrainVisit, on_delete=models.CASCADE, related_name="load_plan")
    train_wagon = models.ForeignKey(TrainWagon, on_delete=models.CASCADE, related_name="load_plan")
    place = models.PositiveSmallIntegerField(help_text="1 at the wagon's front end.")
    visit = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="+")
    move = models.ForeignKey("yard.YardMove", on_delete=models.SET_NULL, null=True, related_name="+")
    loaded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["train_wagon__position", "place"]
        constraints = [
            models.UniqueConstraint(fields=["train", "visit"], name="rail_loadplanentry_visit_once"),
            models.UniqueConstraint(fields=["train_wagon", "place"], name="rail_loadplanentry_one_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.visit} on {self.train_wagon} place {self.place}"
