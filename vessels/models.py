"""The sea side: vessels and their stowage profiles, berths, calls, what is on board, and the bookings to load.

A call's status, arrival and departure live on its yard carrier visit (one CarrierVisit per call, opened by
yard's service); containers' stays and moves are the yard's. This app keeps what only the ship knows: cells.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from vessels.geometry import Geometry
from yard.models import CarrierVisit, ContainerVisit, Equipment, YardMove


class StowageProfile(models.Model):
    """A ship's cells in the ISO bay-row-tier system (see vessels/geometry.py) and their limits."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    bays_20 = models.PositiveSmallIntegerField(
        _("20' bays"), help_text=_("Bays 01, 03, 05, ...; 40' bays between pairs.")
    )
    rows = models.PositiveSmallIntegerField(_("rows"), help_text=_("Across the ship; an odd count has row 00."))
    hold_tiers = models.PositiveSmallIntegerField(_("tiers in the hold"))
    deck_tiers = models.PositiveSmallIntegerField(_("tiers on deck"))
    stack_max_kg = models.PositiveIntegerField(_("stack weight limit (kg)"), help_text=_("Per 20' stack."))
    reefer_plugs = models.JSONField(
        _("reefer plugs"), default=list, blank=True, help_text=_("20' cells with a plug, as BBRRTT.")
    )
    is_default = models.BooleanField(
        _("default profile"), default=False, help_text=_("Used for a vessel whose own profile is not known.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("stowage profile")
        verbose_name_plural = _("stowage profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="vessels_profile_one_default"
            ),
            models.CheckConstraint(
                condition=Q(bays_20__gte=1, rows__gte=1, hold_tiers__gte=0, deck_tiers__gte=0, bays_20__lte=49),
                name="vessels_profile_dimensions",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def geometry(self) -> Geometry:
        return Geometry(
            bays_20=self.bays_20,
            rows=self.rows,
            hold_tiers=self.hold_tiers,
            deck_tiers=self.deck_tiers,
            reefer_plugs=frozenset(self.reefer_plugs),
        )


class Vessel(models.Model):
    name = models.CharField(_("name"), max_length=60)
    imo = models.CharField(
        _("IMO number"), max_length=7, unique=True, help_text=_("Seven digits, the last a check digit.")
    )
    call_sign = models.CharField(_("call sign"), max_length=12, blank=True)
    flag = models.CharField(_("flag"), max_length=2, blank=True, help_text=_("ISO 3166 country code."))
    line = models.CharField(_("line"), max_length=20, blank=True, help_text=_("Operating line, e.g. KMTF or ASCO."))
    capacity_teu = models.PositiveIntegerField(_("capacity (TEU)"), null=True, blank=True)
    profile = models.ForeignKey(
        StowageProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vessels",
        verbose_name=_("stowage profile"),
        help_text=_("Empty: the default profile applies."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("vessel")
        verbose_name_plural = _("vessels")

    def __str__(self) -> str:
        return f"{self.name} ({self.imo})"


class Berth(models.Model):
    """A berth of the port, as the layout file lists it, with the machines that work ships there."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    length_m = models.PositiveIntegerField(_("length (m)"))
    equipment = models.ManyToManyField(Equipment, blank=True, related_name="berths", verbose_name=_("equipment"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("berth")
        verbose_name_plural = _("berths")

    def __str__(self) -> str:
        return self.code


class VesselCall(models.Model):
    """One call of a vessel: inbound voyage, work alongside, outbound voyage."""

    carrier = models.OneToOneField(
        CarrierVisit, on_delete=models.PROTECT, related_name="vessel_call", verbose_name=_("carrier visit")
    )
    vessel = models.ForeignKey(Vessel, on_delete=models.PROTECT, related_name="calls", verbose_name=_("vessel"))
    line = models.CharField(_("line"), max_length=20, blank=True)
    voyage_in = models.CharField(_("voyage in"), max_length=17)
    voyage_out = models.CharField(_("voyage out"), max_length=17, blank=True)
    berth = models.ForeignKey(Berth, on_delete=models.PROTECT, related_name="calls", verbose_name=_("berth"))
    eta = models.DateTimeField(_("ETA"))
    etb = models.DateTimeField(_("ETB"), null=True, blank=True, help_text=_("Expected alongside; ETA when empty."))
    etd = models.DateTimeField(_("ETD"))
    rotation = models.JSONField(
        _("next ports"), default=list, blank=True, help_text=_("UN/LOCODEs of the next ports of call, in order.")
    )
    departure_bay_plan = models.JSONField(
        _("departure bay plan"), default=list, blank=True, help_text=_("What was on board, cell by cell, when it left.")
    )
    capacity_warnings = models.JSONField(
        _("capacity warnings"), default=list, blank=True,
        help_text=_("Special areas (DG, reefer plugs, inspection) this call's boxes would find short: checked when "
                    "its lists come and again while it is expected."),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-eta"]
        verbose_name = _("vessel call")
        verbose_name_plural = _("vessel calls")
        indexes = [models.Index(fields=["berth", "eta"])]
        constraints = [
            models.CheckConstraint(condition=Q(etd__gt=models.F("eta")), name="vessels_call_etd_after_eta"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return self.carrier.reference

    @property
    def status(self) -> str:
        return self.carrier.status

    @property
    def alongside_from(self):
        return self.etb or self.eta


class OnBoard(models.Model):
    """A box in a cell of the ship during the call: for this port (until discharged), through, or loaded here."""

    class Kind(models.TextChoices):
        DISCHARGE = "discharge", _("For this port")
        THROUGH = "through", _("Through cargo")
        LOADED = "loaded", _("Loaded here")

    call = models.ForeignKey(VesselCall, on_delete=models.CASCADE, related_name="on_board", verbose_name=_("call"))
    cell = models.CharField(_("cell"), max_length=6)
    container = models.CharField(_("container"), max_length=11)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    iso_type = models.CharField(_("ISO size/type"), max_length=4)
    length_ft = models.PositiveSmallIntegerField(_("length (ft)"))
    gross_kg = models.PositiveIntegerField(_("gross mass (kg)"))
    pol = models.CharField(_("port of loading"), max_length=5, blank=True)
    pod = models.CharField(_("port of discharge"), max_length=5)
    freight_kind = models.CharField(_("full or empty"), max_length=5, default=ContainerVisit.FreightKind.FULL)
    temperature_c = models.DecimalField(
        _("set temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    dangerous_goods = models.JSONField(_("dangerous goods"), default=list, blank=True)
    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("container stay"), help_text=_("Empty for through cargo that stays on board."),
    )  # fmt: skip
    restow = models.BooleanField(_("restow"), default=False, help_text=_("Lifted off and back on during this call."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["call", "cell"]
        verbose_name = _("box on board")
        verbose_name_plural = _("boxes on board")
        constraints = [
            models.UniqueConstraint(fields=["call", "cell"], name="vessels_onboard_one_per_cell"),
            models.UniqueConstraint(fields=["call", "container"], name="vessels_onboard_once_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.container} @ {self.cell}"

    @property
    def reefer(self) -> bool:
        return self.temperature_c is not None or self.iso_type[2:3] == "R"


class Booking(models.Model):
    """A box booked onto the call's outbound voyage (load list, COPRAR), and its place in the stowage plan."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        PLANNED = "planned", _("Planned")
        LEFT_OUT = "left_out", _("Left out of the plan")
        LOADED = "loaded", _("Loaded")
        CANCELLED = "cancelled", _("Cancelled")

    call = models.ForeignKey(VesselCall, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("call"))
    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="+", verbose_name=_("container stay")
    )
    container = models.CharField(_("container"), max_length=11)
    pod = models.CharField(_("port of discharge"), max_length=5)
    vgm_kg = models.PositiveIntegerField(_("verified gross mass (kg)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    cell = models.CharField(_("planned cell"), max_length=6, blank=True)
    sequence = models.PositiveIntegerField(_("place in the load sequence"), null=True, blank=True)
    move = models.ForeignKey(
        YardMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("load move")
    )
    left_out_code = models.CharField(_("left out: code"), max_length=32, blank=True)
    left_out_reason = models.CharField(_("left out: reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["call", "sequence", "container"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "container"], condition=~Q(status="cancelled"), name="vessels_booking_once_per_call"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.container} → {self.pod}"


class Tally(models.Model):
    """The tally clerk's record of a box crossing the quay at a call: the seal as read against the list, damage
    seen, and the cell it came out of or went into. One per box and kind of move; a second tally corrects it."""

    class Kind(models.TextChoices):
        DISCHARGE = "discharge", _("Discharge")
        LOAD = "load", _("Load")
        RESTOW = "restow", _("Restow")

    call = models.ForeignKey(VesselCall, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("call"))
    move = models.ForeignKey(YardMove, on_delete=models.PROTECT, related_name="+", verbose_name=_("move"))
    container = models.CharField(_("container"), max_length=11)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cell = models.CharField(_("cell"), max_length=6, blank=True)
    seal_declared = models.CharField(_("seal on the list"), max_length=40, blank=True)
    seal_scanned = models.CharField(_("seal as read"), max_length=40, blank=True)
    seal_ok = models.BooleanField(_("seal matches"))
    damage = models.TextField(_("damage"), blank=True)
    tallied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("tallied by")
    )
    tallied_at = models.DateTimeField(_("tallied at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["call", "-tallied_at"]
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            models.UniqueConstraint(fields=["call", "container", "kind"], name="vessels_tally_once_per_box_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.container} ({self.get_kind_display()})"
