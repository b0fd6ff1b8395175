from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class IsoSizeType(models.Model):
    """An ISO 6346:1995 size/type code (22G1, 45R1, ...), loaded from yard/reference/."""

    class Group(models.TextChoices):
        GENERAL = "G", _("General purpose")
        VENTILATED = "V", _("Ventilated")
        REEFER = "R", _("Integral reefer")
        THERMAL = "H", _("Thermal (removable equipment or insulated)")
        OPEN_TOP = "U", _("Open top")
        BULK = "B", _("Bulk")
        TANK = "T", _("Tank")
        PLATFORM = "P", _("Platform or flat")
        NAMED_CARGO = "S", _("Named cargo")

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    length_ft = models.PositiveSmallIntegerField(
        _("length (ft)"), help_text=_("20, 40 or 45: decides how many 20' ground slots it fills.")
    )
    length_mm = models.PositiveIntegerField(_("length (mm)"))
    height_mm = models.PositiveIntegerField(_("height (mm)"))
    width_mm = models.PositiveIntegerField(_("width (mm)"), default=2438)
    group = models.CharField(_("type group"), max_length=1, choices=Group.choices)
    type_code = models.CharField(_("type code"), max_length=2, help_text=_("Detailed type, e.g. G1 or R1."))
    description = models.CharField(_("description"), max_length=200)
    teu = models.DecimalField(_("TEU"), max_digits=3, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("ISO size/type")
        verbose_name_plural = _("ISO size/types")
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

    alias = models.CharField(_("legacy code"), max_length=4, primary_key=True)
    iso_type = models.ForeignKey(
        IsoSizeType, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("ISO size/type")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name = _("legacy ISO size/type code")
        verbose_name_plural = _("legacy ISO size/type codes")

    def __str__(self) -> str:
        return f"{self.alias} → {self.iso_type_id}"


class Container(models.Model):
    """A physical container, identified by its ISO 6346 number (stored compact and upper case)."""

    number = models.CharField(_("number"), max_length=11, unique=True, help_text=_("e.g. CSQU3054383"))
    iso_type = models.ForeignKey(
        IsoSizeType, on_delete=models.PROTECT, related_name="+", verbose_name=_("ISO size/type")
    )
    tare_kg = models.PositiveIntegerField(_("tare (kg)"), null=True, blank=True)
    max_gross_kg = models.PositiveIntegerField(_("maximum gross mass (kg)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("container")
        verbose_name_plural = _("containers")
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


class Block(models.Model):
    """A stacking area: bays (20' ground slots along the block) x rows x tiers."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full containers")
        EMPTY = "empty", _("Empty containers")
        REEFER = "reefer", _("Reefers (powered)")
        DANGEROUS_GOODS = "dg", _("Dangerous goods area")
        INSPECTION = "inspection", _("Customs inspection area")
        # Kept free for boxes the other areas have no room for; only the operator sends a box there.
        OVERFLOW = "overflow", _("Overflow area")

    class Equipment(models.TextChoices):
        RMG = "rmg", _("Rail-mounted gantry")
        REACH_STACKER = "reach_stacker", _("Reach stacker")
        EMPTY_HANDLER = "empty_handler", _("Empty container handler")

    code = models.CharField(_("code"), max_length=8, unique=True, help_text=_("Used in positions: CODE-BB-RR-T."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("area"), max_length=16, choices=Kind.choices)
    equipment_kind = models.CharField(_("equipment"), max_length=16, choices=Equipment.choices)
    bays = models.PositiveSmallIntegerField(_("bays"), help_text=_("Ground slots along the block, each one 20' long."))
    rows = models.PositiveSmallIntegerField(_("rows"))
    max_tier = models.PositiveSmallIntegerField(_("highest tier"))
    x_m = models.IntegerField(
        _("x (m)"), default=0, help_text=_("Position of bay 1, row 1 on the terminal plan (metres east).")
    )
    y_m = models.IntegerField(_("y (m)"), default=0, help_text=_("Position of bay 1, row 1 (metres north)."))
    angle_deg = models.PositiveSmallIntegerField(
        _("orientation (degrees)"),
        default=0,
        help_text=_(
            "Which way its bays run on the plan, counter-clockwise from east: 0 east, 90 north. Rows run to the left."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bays__gte=1, rows__gte=1, max_tier__gte=1, max_tier__lte=9),
                name="yard_block_dimensions_positive",
            ),
            models.CheckConstraint(condition=Q(angle_deg__lt=360), name="yard_block_angle_within_a_turn"),
        ]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self) -> str:
        return self.code


class AccessPoint(models.Model):
    """Where containers enter and leave the yard (gate, rail lines, quay): allocation weighs distance from it."""

    class Kind(models.TextChoices):
        GATE = "gate", _("Truck gate")
        RAIL = "rail", _("Rail loading lines")
        QUAY = "quay", _("Quay")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, unique=True)
    x_m = models.IntegerField(_("x (m)"))
    y_m = models.IntegerField(_("y (m)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("access point")
        verbose_name_plural = _("access points")

    def __str__(self) -> str:
        return self.get_kind_display()


class Slot(models.Model):
    """One 20' ground slot of a block; containers stand on it in tiers 1..block.max_tier."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="slots", verbose_name=_("block"))
    bay = models.PositiveSmallIntegerField(_("bay"))
    row = models.PositiveSmallIntegerField(_("row"))
    reefer_power = models.BooleanField(_("reefer power"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["block", "bay", "row"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["block", "bay", "row"], name="yard_slot_one_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.block.code}-{self.bay:02d}-{self.row:02d}"


class Equipment(models.Model):
    """A machine of the terminal. Stacking machines get moves in their work queue; tractors haul between them."""

    class Kind(models.TextChoices):
        RMG = "rmg", _("Rail-mounted gantry")
        REACH_STACKER = "reach_stacker", _("Reach stacker")
        EMPTY_HANDLER = "empty_handler", _("Empty container handler")
        TERMINAL_TRACTOR = "terminal_tractor", _("Terminal tractor")
        HARBOUR_CRANE = "harbour_crane", _("Mobile harbour crane")

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    max_tier = models.PositiveSmallIntegerField(
        _("highest tier"), help_text=_("Highest tier it can place a container on (0: none).")
    )
    blocks = models.ManyToManyField(
        Block, related_name="equipment", blank=True, verbose_name=_("blocks"), help_text=_("The blocks it works in.")
    )
    active = models.BooleanField(_("in service"), default=True)
    current_block = models.ForeignKey(
        Block, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("current block")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        return self.code


class CarrierVisit(models.Model):
    """A train, Caspian vessel or truck that brings or takes containers."""

    class Mode(models.TextChoices):
        RAIL = "rail", _("Train")
        VESSEL = "vessel", _("Vessel")
        TRUCK = "truck", _("Truck")

    class Status(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        ARRIVED = "arrived", _("Arrived")
        DEPARTED = "departed", _("Departed")
        CANCELLED = "cancelled", _("Cancelled")

    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    reference = models.CharField(
        _("reference"), max_length=40, help_text=_("Train number, vessel name and voyage, or truck plate.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.EXPECTED)
    eta = models.DateTimeField(_("ETA"), null=True, blank=True, help_text=_("Expected arrival."))
    etd = models.DateTimeField(
        _("ETD"), null=True, blank=True, help_text=_("Expected departure: orders yard work and stacking.")
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("carrier visit")
        verbose_name_plural = _("carrier visits")
        indexes = [
            models.Index(fields=["mode", "status"]),
            models.Index(fields=["reference"]),
            # The nightly report's trains that left in a period (kpis._trains), with years of carriers behind them.
            models.Index(fields=["departed_at"], condition=Q(departed_at__isnull=False), name="yard_carrier_departed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.reference}"


class ContainerVisit(models.Model):
    """One stay of a container in the terminal, from arrival to departure."""

    class State(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        IN_YARD = "in_yard", _("In the yard")
        DEPARTED = "departed", _("Departed")

    class Category(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        TRANSIT = "transit", _("Transit")
        TRANSSHIPMENT = "transshipment", _("Transshipment")
        EMPTY = "empty", pgettext_lazy("container category", "Empty")

    class FreightKind(models.TextChoices):
        FULL = "full", pgettext_lazy("freight kind", "Full")
        EMPTY = "empty", pgettext_lazy("freight kind", "Empty")

    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="visits", verbose_name=_("container")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.EXPECTED)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.IMPORT)
    freight_kind = models.CharField(
        _("full or empty"), max_length=5, choices=FreightKind.choices, default=FreightKind.FULL
    )
    gross_kg = models.PositiveIntegerField(_("gross mass (kg)"), null=True, blank=True)
    seals = models.JSONField(_("seals"), default=list, blank=True)
    dangerous_goods = models.JSONField(
        _("dangerous goods"),
        default=list,
        blank=True,
        help_text=_("DG lines as declared on arrival: [{un_number, class, packing_group}]."),
    )
    inbound_carrier = models.ForeignKey(
        CarrierVisit, on_delete=models.PROTECT, related_name="inbound_visits", verbose_name=_("inbound carrier")
    )
    outbound_carrier = models.ForeignKey(
        CarrierVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbound_visits",
        verbose_name=_("outbound carrier"),
    )
    outbound_mode = models.CharField(_("leaves by"), max_length=8, choices=CarrierVisit.Mode.choices, blank=True)
    destination = models.CharField(_("destination"), max_length=60, blank=True)
    line = models.CharField(
        _("line"), max_length=10, blank=True, help_text=_("The shipping line it travels with (carrier code): its EDI.")
    )
    expected_departure = models.DateTimeField(_("expected departure"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("container visit")
        verbose_name_plural = _("container visits")
        constraints = [
            models.UniqueConstraint(
                fields=["container"], condition=~Q(state="departed"), name="yard_containervisit_one_open_per_container"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "outbound_carrier"]),
            # The nightly report's arrivals, departures and dwell in a period (kpis._throughput, kpis._dwell).
            models.Index(fields=["arrived_at"], condition=Q(arrived_at__isnull=False), name="yard_visit_arrived"),
            models.Index(fields=["departed_at"], condition=Q(departed_at__isnull=False), name="yard_visit_departed"),
            # The admin list's first page in its order, without sorting every stay the terminal ever had.
            models.Index(fields=["-created_at"], name="yard_visit_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.container_id and self.container.number} ({self.get_state_display()})"

    @property
    def is_dangerous(self) -> bool:
        return bool(self.dangerous_goods)


class Occupancy(models.Model):
    """A container standing in the yard. A 40' or 45' fills its addressed slot (primary) and the next bay.

    Only current occupancies are rows; where a container stood before is in the moves and in history.
    """

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("slot"))
    tier = models.PositiveSmallIntegerField(_("tier"))
    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("container visit")
    )
    primary = models.BooleanField(_("primary"), default=True, help_text=_("The slot the position is written with."))
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "tier"], name="yard_occupancy_one_per_slot_tier"),
            models.UniqueConstraint(
                fields=["visit"], condition=Q(primary=True), name="yard_occupancy_one_position_per_visit"
            ),
            models.CheckConstraint(condition=Q(tier__gte=1), name="yard_occupancy_tier_positive"),
        ]
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")

    def __str__(self) -> str:
        return f"{self.slot}-{self.tier}"


class Hold(models.Model):
    """A reason a container may not go: placed and released by an authority (customs, DG office, operator)."""

    class Authority(models.TextChoices):
        CUSTOMS = "customs", _("Customs")
        DANGEROUS_GOODS = "dangerous_goods", _("Dangerous goods office")
        TERMINAL = "terminal", _("Terminal")
        LINE = "line", _("Shipping line or rail operator")

    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="holds", verbose_name=_("container visit")
    )
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices)
    kind = models.CharField(_("kind"), max_length=32, help_text=_("e.g. documents, scan_required, physical_exam"))
    reason = models.TextField(_("reason"), blank=True)
    blocked_move_kinds = models.JSONField(
        _("blocked move kinds"), help_text=_('Move kinds this hold refuses, e.g. ["load", "delivery"].')
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("hold", "released by"),
    )
    released_at = models.DateTimeField(pgettext_lazy("hold", "released at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [
            models.Index(fields=["visit"], condition=Q(released_at__isnull=True), name="yard_hold_active"),
            models.Index(fields=["-placed_at"], name="yard_hold_newest"),  # the admin list's order, as for stays
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_by__isnull=False), name="yard_hold_release_has_actor"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"H-{self.pk:06d}" if self.pk else "H-new"

    @property
    def active(self) -> bool:
        return self.released_at is None


class YardMove(models.Model):
    """One physical step of a container: a work instruction for a machine, from planning to confirmation."""

    class Kind(models.TextChoices):
        DISCHARGE = "discharge", _("Discharge from train or vessel")
        RECEIVE = "receive", _("Receive from truck")
        LOAD = "load", _("Load onto train or vessel")
        DELIVERY = "delivery", _("Deliver to truck")
        INSPECTION = "inspection", _("To or from customs inspection")
        DANGEROUS_GOODS = "dg", _("Dangerous-goods relocation")
        HOUSEKEEPING = "housekeeping", _("Housekeeping (pre-marshalling)")
        SHIFT = "shift", _("Ad hoc shift")
        RESTOW = "restow", _("Restow on board (off and back on)")

    class Status(models.TextChoices):
        # A move's own context: its words agree with "move" where a language inflects them (a carrier is cancelled too).
        PLANNED = "planned", pgettext_lazy("move status", "Planned")
        DISPATCHED = "dispatched", pgettext_lazy("move status", "Dispatched")
        IN_PROGRESS = "in_progress", pgettext_lazy("move status", "In progress")
        DONE = "done", pgettext_lazy("move status", "Done")
        CANCELLED = "cancelled", pgettext_lazy("move status", "Cancelled")
        FAILED = "failed", pgettext_lazy("move status", "Failed")

    OPEN_STATUSES = (Status.PLANNED, Status.DISPATCHED, Status.IN_PROGRESS)

    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="moves", verbose_name=_("container visit")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    priority = models.PositiveSmallIntegerField(_("priority"), default=50, help_text=_("Lower goes first."))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Where from and where to: a yard position (slot and tier) or a carrier; to_gate is delivery to a truck.
    from_slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from slot")
    )
    from_tier = models.PositiveSmallIntegerField(_("from tier"), null=True, blank=True)
    from_carrier = models.ForeignKey(
        CarrierVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from carrier")
    )
    to_slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to slot")
    )
    to_tier = models.PositiveSmallIntegerField(_("to tier"), null=True, blank=True)
    to_carrier = models.ForeignKey(
        CarrierVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to carrier")
    )
    to_gate = models.BooleanField(_("to the gate"), default=False, help_text=_("Delivery to a truck."))
    # A place on the carrier, in the carrier's own terms: a vessel's stowage cell (BBRRTT). Its owner app checks it.
    from_place = models.CharField(
        _("from place on the carrier"), max_length=12, blank=True, help_text=_("e.g. a vessel's stowage cell.")
    )
    to_place = models.CharField(
        _("to place on the carrier"), max_length=12, blank=True, help_text=_("e.g. a vessel's stowage cell.")
    )
    planned_to = models.CharField(
        _("planned to"), max_length=60, blank=True, help_text=_("The position first planned.")
    )
    # A box that must come in (its train is on the line, its ship alongside) while its area is full: the move is
    # planned with no place and gets one as soon as space frees (or the operator sends it to the overflow area).
    awaiting_slot_since = models.DateTimeField(
        _("awaiting a slot since"), null=True, blank=True, help_text=_("Set while no place is free for this move.")
    )
    deviation = models.BooleanField(
        _("deviation"), default=False, help_text=_("Confirmed in another position than planned.")
    )
    allocation = models.JSONField(
        _("allocation"), null=True, blank=True, help_text=_("Why the target slot was chosen.")
    )
    equipment = models.ForeignKey(
        Equipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="moves", verbose_name=_("equipment")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finished by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "deadline", "id"]
        verbose_name = _("yard move")
        verbose_name_plural = _("yard moves")
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status__in=["planned", "dispatched", "in_progress"]),
                name="yard_yardmove_one_open_per_visit",
            ),
            models.CheckConstraint(
                condition=Q(to_slot__isnull=True, to_tier__isnull=True) | Q(to_slot__isnull=False, to_tier__gte=1),
                name="yard_yardmove_to_tier_with_slot",
            ),
            models.CheckConstraint(
                condition=Q(awaiting_slot_since__isnull=True) | Q(status="planned", to_slot__isnull=True),
                name="yard_yardmove_awaiting_slot_planned_without_place",
            ),
        ]
        indexes = [
            models.Index(fields=["equipment", "status"], name="yard_move_queue"),
            models.Index(fields=["status", "priority", "deadline"], name="yard_move_open"),
            # The admin list in the queue's order (Meta.ordering) over every move, finished ones included.
            models.Index(fields=["priority", "deadline", "id"], name="yard_move_ordered"),
            # The nightly report's moves and exceptions in a period (kpis._moves, kpis._exceptions).
            models.Index(fields=["finished_at"], condition=Q(finished_at__isnull=False), name="yard_move_finished"),
            # Each machine's last finished move (the move board's idle time): one index step, however long the
            # history; without it the board read every finished move of the terminal's life.
            models.Index(
                fields=["equipment", "-finished_at"],
                condition=Q(status="done", finished_at__isnull=False),
                name="yard_move_machine_last",
            ),
            # The moves still waiting for a place (the periodic allocation's and the boards' look-up).
            models.Index(
                fields=["awaiting_slot_since"],
                condition=Q(awaiting_slot_since__isnull=False),
                name="yard_move_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Move %(move)s: %(kind)s (%(status)s)") % {
            "move": self.pk,
            "kind": self.get_kind_display(),
            "status": self.get_status_display(),
        }


class SlotReservation(models.Model):
    """A place (slot and tier) an open move is bound for. One move per place, enforced by the database: two
    allocations running at once (gate-ins, a train list, a vessel's list) never send two boxes to one place; a
    40' or 45' reserves both its ground slots. Kept while the move is open and removed when it ends; the move
    itself carries the audit trail, so these rows keep no history of their own."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("slot"))
    tier = models.PositiveSmallIntegerField(_("tier"))
    move = models.ForeignKey(YardMove, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("move"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "tier"], name="yard_slotreservation_one_move_per_place"),
        ]
        verbose_name = _("slot reservation")
        verbose_name_plural = _("slot reservations")

    def __str__(self) -> str:
        return gettext("%(place)s for move %(move)s") % {"place": f"{self.slot}-{self.tier}", "move": self.move_id}
