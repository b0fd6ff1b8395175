from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
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


class Block(models.Model):
    """A stacking area: bays (20' ground slots along the block) x rows x tiers."""

    class Kind(models.TextChoices):
        FULL = "full", "Full containers"
        EMPTY = "empty", "Empty containers"
        REEFER = "reefer", "Reefers (powered)"
        DANGEROUS_GOODS = "dg", "Dangerous goods area"
        INSPECTION = "inspection", "Customs inspection area"
        # Kept free for boxes the other areas have no room for; only the operator sends a box there.
        OVERFLOW = "overflow", _("Overflow area")

    class Equipment(models.TextChoices):
        RMG = "rmg", "Rail-mounted gantry"
        REACH_STACKER = "reach_stacker", "Reach stacker"
        EMPTY_HANDLER = "empty_handler", "Empty container handler"

    code = models.CharField(max_length=8, unique=True, help_text="Used in positions: CODE-BB-RR-T.")
    name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    equipment_kind = models.CharField(max_length=16, choices=Equipment.choices)
    bays = models.PositiveSmallIntegerField(help_text="Ground slots along the block, each one 20' long.")
    rows = models.PositiveSmallIntegerField()
    max_tier = models.PositiveSmallIntegerField()
    x_m = models.IntegerField(default=0, help_text="Position of bay 1, row 1 on the terminal plan (metres).")
    y_m = models.IntegerField(default=0)
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

    def __str__(self) -> str:
        return self.code


class AccessPoint(models.Model):
    """Where containers enter and leave the yard (gate, rail lines, quay): allocation weighs distance from it."""

    class Kind(models.TextChoices):
        GATE = "gate", "Truck gate"
        RAIL = "rail", "Rail loading lines"
        QUAY = "quay", "Quay"

    kind = models.CharField(max_length=8, choices=Kind.choices, unique=True)
    x_m = models.IntegerField()
    y_m = models.IntegerField()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.get_kind_display()


class Slot(models.Model):
    """One 20' ground slot of a block; containers stand on it in tiers 1..block.max_tier."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="slots")
    bay = models.PositiveSmallIntegerField()
    row = models.PositiveSmallIntegerField()
    reefer_power = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["block", "bay", "row"]
        constraints = [
            models.UniqueConstraint(fields=["block", "bay", "row"], name="yard_slot_one_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.block.code}-{self.bay:02d}-{self.row:02d}"


class Equipment(models.Model):
    """A machine of the terminal. Stacking machines get moves in their work queue; tractors haul between them."""

    class Kind(models.TextChoices):
        RMG = "rmg", "Rail-mounted gantry"
        REACH_STACKER = "reach_stacker", "Reach stacker"
        EMPTY_HANDLER = "empty_handler", "Empty container handler"
        TERMINAL_TRACTOR = "terminal_tractor", "Terminal tractor"
        HARBOUR_CRANE = "harbour_crane", _("Mobile harbour crane")

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    max_tier = models.PositiveSmallIntegerField(help_text="Highest tier it can place a container on (0: none).")
    blocks = models.ManyToManyField(Block, related_name="equipment", blank=True)
    active = models.BooleanField(default=True)
    current_block = models.ForeignKey(Block, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return self.code


class CarrierVisit(models.Model):
    """A train, Caspian vessel or truck that brings or takes containers."""

    class Mode(models.TextChoices):
        RAIL = "rail", "Train"
        VESSEL = "vessel", "Vessel"
        TRUCK = "truck", "Truck"

    class Status(models.TextChoices):
        EXPECTED = "expected", "Expected"
        ARRIVED = "arrived", "Arrived"
        DEPARTED = "departed", "Departed"
        CANCELLED = "cancelled", _("Cancelled")

    mode = models.CharField(max_length=8, choices=Mode.choices)
    reference = models.CharField(max_length=40, help_text="Train number, vessel name and voyage, or truck plate.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXPECTED)
    eta = models.DateTimeField(null=True, blank=True)
    etd = models.DateTimeField(null=True, blank=True, help_text="Expected departure: orders yard work and stacking.")
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
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
        EXPECTED = "expected", "Expected"
        IN_YARD = "in_yard", "In the yard"
        DEPARTED = "departed", "Departed"

    class Category(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        TRANSIT = "transit", "Transit"
        TRANSSHIPMENT = "transshipment", "Transshipment"
        EMPTY = "empty", "Empty"

    class FreightKind(models.TextChoices):
        FULL = "full", "Full"
        EMPTY = "empty", "Empty"

    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="visits")
    state = models.CharField(max_length=10, choices=State.choices, default=State.EXPECTED)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.IMPORT)
    freight_kind = models.CharField(max_length=5, choices=FreightKind.choices, default=FreightKind.FULL)
    gross_kg = models.PositiveIntegerField(null=True, blank=True)
    seals = models.JSONField(default=list, blank=True)
    dangerous_goods = models.JSONField(
        default=list, blank=True, help_text="DG lines as declared on arrival: [{un_number, class, packing_group}]."
    )
    inbound_carrier = models.ForeignKey(CarrierVisit, on_delete=models.PROTECT, related_name="inbound_visits")
    outbound_carrier = models.ForeignKey(
        CarrierVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_visits"
    )
    outbound_mode = models.CharField(max_length=8, choices=CarrierVisit.Mode.choices, blank=True)
    destination = models.CharField(max_length=60, blank=True)
    line = models.CharField(
        _("line"), max_length=10, blank=True, help_text=_("The shipping line it travels with (carrier code): its EDI.")
    )
    expected_departure = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
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

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="occupancies")
    tier = models.PositiveSmallIntegerField()
    visit = models.ForeignKey(ContainerVisit, on_delete=models.CASCADE, related_name="occupancies")
    primary = models.BooleanField(default=True, help_text="The slot the position is written with.")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "tier"], name="yard_occupancy_one_per_slot_tier"),
            models.UniqueConstraint(
                fields=["visit"], condition=Q(primary=True), name="yard_occupancy_one_position_per_visit"
            ),
            models.CheckConstraint(condition=Q(tier__gte=1), name="yard_occupancy_tier_positive"),
        ]
        verbose_name_plural = "occupancies"

    def __str__(self) -> str:
        return f"{self.slot}-{self.tier}"


class Hold(models.Model):
    """A reason a container may not go: placed and released by an authority (customs, DG office, operator)."""

    class Authority(models.TextChoices):
        CUSTOMS = "customs", "Customs"
        DANGEROUS_GOODS = "dangerous_goods", "Dangerous goods office"
        TERMINAL = "terminal", "Terminal"
        LINE = "line", "Shipping line or rail operator"

    visit = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="holds")
    authority = models.CharField(max_length=16, choices=Authority.choices)
    kind = models.CharField(max_length=32, help_text="e.g. documents, scan_required, physical_exam")
    reason = models.TextField(blank=True)
    blocked_move_kinds = models.JSONField(help_text='Move kinds this hold refuses, e.g. ["load", "delivery"].')
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["visit"], condition=Q(released_at__isnull=True), name="yard_hold_active")]
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
        DISCHARGE = "discharge", "Discharge from train or vessel"
        RECEIVE = "receive", "Receive from truck"
        LOAD = "load", "Load onto train or vessel"
        DELIVERY = "delivery", "Deliver to truck"
        INSPECTION = "inspection", "To or from customs inspection"
        DANGEROUS_GOODS = "dg", "Dangerous-goods relocation"
        HOUSEKEEPING = "housekeeping", "Housekeeping (pre-marshalling)"
        SHIFT = "shift", "Ad hoc shift"
        RESTOW = "restow", _("Restow on board (off and back on)")

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DISPATCHED = "dispatched", "Dispatched"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    OPEN_STATUSES = (Status.PLANNED, Status.DISPATCHED, Status.IN_PROGRESS)

    visit = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    priority = models.PositiveSmallIntegerField(default=50, help_text="Lower goes first.")
    deadline = models.DateTimeField(null=True, blank=True)
    # Where from and where to: a yard position (slot and tier) or a carrier; to_gate is delivery to a truck.
    from_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    from_carrier = models.ForeignKey(CarrierVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    to_carrier = models.ForeignKey(CarrierVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_gate = models.BooleanField(default=False)
    # A place on the carrier, in the carrier's own terms: a vessel's stowage cell (BBRRTT). Its owner app checks it.
    from_place = models.CharField(max_length=12, blank=True)
    to_place = models.CharField(max_length=12, blank=True)
    planned_to = models.CharField(max_length=60, blank=True, help_text="The position first planned.")
    # A box that must come in (its train is on the line, its ship alongside) while its area is full: the move is
    # planned with no place and gets one as soon as space frees (or the operator sends it to the overflow area).
    awaiting_slot_since = models.DateTimeField(
        _("awaiting a slot since"), null=True, blank=True, help_text=_("Set while no place is free for this move.")
    )
    deviation = models.BooleanField(default=False, help_text="Confirmed in another position than planned.")
    allocation = models.JSONField(null=True, blank=True, help_text="Why the target slot was chosen.")
    equipment = models.ForeignKey(Equipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="moves")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "deadline", "id"]
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
            # The nightly report's moves and exceptions in a period (kpis._moves, kpis._exceptions).
            models.Index(fields=["finished_at"], condition=Q(finished_at__isnull=False), name="yard_move_finished"),
            # The moves still waiting for a place (the periodic allocation's and the boards' look-up).
            models.Index(
                fields=["awaiting_slot_since"],
                condition=Q(awaiting_slot_since__isnull=False),
                name="yard_move_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"Move {self.pk} {self.kind} ({self.status})"


class SlotReservation(models.Model):
    """A place (slot and tier) an open move is bound for. One move per place, enforced by the database: two
    allocations running at once (gate-ins, a train list, a vessel's list) never send two boxes to one place; a
    40' or 45' reserves both its ground slots. Kept while the move is open and removed when it ends; the move
    itself carries the audit trail, so these rows keep no history of their own."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="reservations")
    tier = models.PositiveSmallIntegerField()
    move = models.ForeignKey(YardMove, on_delete=models.CASCADE, related_name="reservations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "tier"], name="yard_slotreservation_one_move_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.slot}-{self.tier} for move {self.move_id}"
