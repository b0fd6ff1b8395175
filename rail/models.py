from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yard.models import Block, CarrierVisit, ContainerVisit


class LoadingLine(models.Model):
    """One of the hub's rail loading/unloading lines (1520 mm); it holds one train visit at a time."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    length_wagons = models.PositiveSmallIntegerField(
        _("length (wagon positions)"), help_text=_("Wagon positions along the line.")
    )
    blocks = models.ManyToManyField(
        Block, related_name="loading_lines", blank=True, verbose_name=_("blocks"), help_text=_("Blocks it serves.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("loading line")
        verbose_name_plural = _("loading lines")

    def __str__(self) -> str:
        return self.code


class WagonModel(models.Model):
    """A 1520 mm container flat wagon model (editable catalogue; some values are still unknown)."""

    code = models.CharField(_("model"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    payload_kg = models.PositiveIntegerField(
        _("payload (kg)"), null=True, blank=True, help_text=_("Load capacity; unknown: no check.")
    )
    tare_kg = models.PositiveIntegerField(_("tare (kg)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True, help_text=_("Over couplers."))
    units_20ft = models.PositiveSmallIntegerField(
        _("loading length (20' units)"), default=2, help_text=_("Loading length in 20' boxes: 2 (40'), 3 (60').")
    )
    allows_45 = models.BooleanField(_("takes a 45'"), default=False, help_text=_("Takes a 45' container."))
    max_box_gross_kg = models.PositiveIntegerField(
        _("heaviest container (kg)"),
        null=True,
        blank=True,
        help_text=_("Heaviest single container a place on it takes (e.g. 36 t); empty: no limit."),
    )
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("wagon model")
        verbose_name_plural = _("wagon models")

    def __str__(self) -> str:
        return self.code


class Wagon(models.Model):
    """A wagon by its 8-digit 1520 mm number. A number whose check digit does not match is kept, flagged."""

    number = models.CharField(_("wagon number"), max_length=8, unique=True)
    model = models.ForeignKey(
        WagonModel, on_delete=models.PROTECT, null=True, blank=True, related_name="wagons",
        verbose_name=_("wagon model"),
    )  # fmt: skip
    check_digit_ok = models.BooleanField(_("check digit correct"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("wagon")
        verbose_name_plural = _("wagons")

    def __str__(self) -> str:
        return self.number


class TrainVisit(models.Model):
    """The rail details of a carrier visit: train number, line and wagons in order."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", pgettext_lazy("train direction", "Inbound")
        OUTBOUND = "outbound", pgettext_lazy("train direction", "Outbound")

    carrier = models.OneToOneField(
        CarrierVisit, on_delete=models.PROTECT, related_name="train", verbose_name=_("carrier visit")
    )
    train_number = models.CharField(_("train number"), max_length=20)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    origin = models.CharField(_("origin"), max_length=60, blank=True)
    destination = models.CharField(_("destination"), max_length=60, blank=True)
    line = models.ForeignKey(
        LoadingLine, on_delete=models.PROTECT, null=True, blank=True, related_name="visits",
        verbose_name=_("loading line"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("train visit")
        verbose_name_plural = _("train visits")

    def __str__(self) -> str:
        direction = self.get_direction_display().lower()
        return gettext("Train %(number)s (%(direction)s)") % {"number": self.train_number, "direction": direction}


class TrainWagon(models.Model):
    """A wagon at its position in one train visit; released once it is empty."""

    train = models.ForeignKey(TrainVisit, on_delete=models.CASCADE, related_name="wagons", verbose_name=_("train"))
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("Place in the train, from 1."))
    wagon = models.ForeignKey(Wagon, on_delete=models.PROTECT, related_name="+", verbose_name=_("wagon"))
    check_digit_override = models.BooleanField(
        _("check digit overridden"), default=False, help_text=_("Accepted despite a check-digit mismatch.")
    )
    released_at = models.DateTimeField(
        pgettext_lazy("wagon", "released at"), null=True, blank=True, help_text=_("Emptied and handed back.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["train", "position"]
        verbose_name = _("wagon in a train")
        verbose_name_plural = _("wagons in trains")
        constraints = [
            models.UniqueConstraint(fields=["train", "position"], name="rail_trainwagon_one_per_position"),
            models.UniqueConstraint(fields=["train", "wagon"], name="rail_trainwagon_wagon_once"),
        ]

    def __str__(self) -> str:
        return gettext("%(wagon)s at %(position)s") % {"wagon": self.wagon.number, "position": self.position}


class WagonContainer(models.Model):
    """A container on a wagon of a train visit, and its check-in by the clerk (seal and damage)."""

    train_wagon = models.ForeignKey(
        TrainWagon, on_delete=models.CASCADE, related_name="containers", verbose_name=_("wagon")
    )
    visit = models.OneToOneField(
        ContainerVisit, on_delete=models.PROTECT, related_name="wagon_place", verbose_name=_("container visit")
    )
    seal_declared = models.CharField(_("seal (listed)"), max_length=40, blank=True)
    seal_scanned = models.CharField(_("seal (read)"), max_length=40, blank=True)
    seal_ok = models.BooleanField(_("seal matches"), null=True, help_text=_("Empty until checked in."))
    damage = models.TextField(_("damage"), blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("checked in by"),
    )  # fmt: skip
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("container on a wagon")
        verbose_name_plural = _("containers on wagons")
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(checked_in_by__isnull=False),
                name="rail_wagoncontainer_checkin_has_clerk",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(container)s on %(wagon)s") % {
            "container": self.visit.container.number,
            "wagon": self.train_wagon,
        }


class LoadPlanEntry(models.Model):
    """A container planned onto a wagon of an outbound train, at a place along it; loaded when confirmed."""

    train = models.ForeignKey(TrainVisit, on_delete=models.CASCADE, related_name="load_plan", verbose_name=_("train"))
    train_wagon = models.ForeignKey(
        TrainWagon, on_delete=models.CASCADE, related_name="load_plan", verbose_name=_("wagon")
    )
    place = models.PositiveSmallIntegerField(_("place"), help_text=_("1 at the wagon's front end."))
    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="+", verbose_name=_("container visit")
    )
    move = models.ForeignKey(
        "yard.YardMove", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("loading move")
    )
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["train_wagon__position", "place"]
        verbose_name = _("load plan entry")
        verbose_name_plural = _("load plan entries")
        constraints = [
            models.UniqueConstraint(fields=["train", "visit"], name="rail_loadplanentry_visit_once"),
            models.UniqueConstraint(fields=["train_wagon", "place"], name="rail_loadplanentry_one_per_place"),
        ]

    def __str__(self) -> str:
        return gettext("%(container)s on %(wagon)s, place %(place)s") % {
            "container": self.visit,
            "wagon": self.train_wagon,
            "place": self.place,
        }
