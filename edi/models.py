"""Data exchange with partners: their profiles, every interchange in and out (raw first), its messages.

The database is the outbox: an outbound interchange is written in the same transaction as the event it reports
(a gate-in, a call's departure) and a Celery task delivers it with retries. An inbound interchange is stored raw
before it is read, so nothing a partner sends is ever lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

MESSAGE_TYPES = ("BAPLIE", "COPRAR", "COPARN", "VERMAS", "IFTDGN", "COPINO", "CODECO", "COARRI", "CONTRL", "APERAK")


class Partner(models.Model):
    """A shipping line (by carrier code), the railway or a partner terminal, and how we exchange with it."""

    class Kind(models.TextChoices):
        LINE = "line", _("Shipping line")
        RAILWAY = "railway", _("Railway")
        TERMINAL = "terminal", _("Partner terminal")

    class Channel(models.TextChoices):
        API = "api", _("They post and fetch through the API")
        FOLDER = "folder", _("A folder we watch and write (as SFTP drops work)")
        HTTPS = "https", _("We post to their HTTPS endpoint")
        EMAIL = "email", _("E-mail")

    class Directory(models.TextChoices):
        D95B = "D95B", pgettext_lazy("UN/EDIFACT directory", "D.95B")
        D00B = "D00B", pgettext_lazy("UN/EDIFACT directory", "D.00B")
        D16A = "D16A", pgettext_lazy("UN/EDIFACT directory", "D.16A")

    code = models.CharField(
        _("code"), max_length=10, unique=True, help_text=_("The line's carrier code (e.g. KMTF), or a short name.")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LINE)
    unb_id = models.CharField(_("UNB identification"), max_length=35, unique=True, help_text=_("Their UNB sender id."))
    unb_qualifier = models.CharField(_("UNB qualifier"), max_length=4, blank=True)
    directory = models.CharField(_("directory"), max_length=4, choices=Directory.choices, default=Directory.D95B)
    association = models.CharField(_("association"), max_length=10, default="SMDG20", blank=True)
    sends = models.JSONField(_("messages they send"), default=list, blank=True)
    receives = models.JSONField(_("messages they receive"), default=list, blank=True)
    channel = models.CharField(_("delivery channel"), max_length=8, choices=Channel.choices, default=Channel.API)
    address = models.CharField(_("address"), max_length=300, blank=True, help_text=_("Folder, URL or e-mail."))
    # Kept out of history, logs and the admin's display: only the delivery code reads it.
    credential = models.CharField(_("credential"), max_length=300, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="edi_partners", verbose_name=_("partner users"),
        help_text=_("Users in the edi_partner role who act for this partner."),
    )  # fmt: skip
    next_reference = models.PositiveIntegerField(
        _("next control reference"), default=1, help_text=_("Our next UNB control reference to them.")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["credential", "next_reference"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("EDI partner")
        verbose_name_plural = _("EDI partners")

    def __str__(self) -> str:
        return self.code


class Interchange(models.Model):
    """One interchange (UNB ... UNZ) as sent or received, raw, with its status."""

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        INVALID = "invalid", _("Cannot be read")
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Given up (dead letter)")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="interchanges", verbose_name=_("partner")
    )
    sender = models.CharField(_("sender"), max_length=35)
    recipient = models.CharField(_("recipient"), max_length=35, blank=True)
    control_reference = models.CharField(_("control reference"), max_length=64)
    raw = models.TextField(_("raw interchange"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    answer = models.JSONField(
        _("answer"), null=True, blank=True, help_text=_("The first answer, given again to a repeat.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("stored by")
    )
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("interchange")
        verbose_name_plural = _("interchanges")
        constraints = [
            # A partner's control reference names one interchange from it (a repeat is known by it).
            models.UniqueConstraint(
                fields=["direction", "sender", "control_reference"],
                condition=Q(direction="in"),
                name="edi_interchange_once_per_sender",
            ),
            # Ours are counted per partner (Partner.next_reference): unique per recipient, not across all of them.
            models.UniqueConstraint(
                fields=["partner", "control_reference"],
                condition=Q(direction="out"),
                name="edi_outbound_reference_once_per_partner",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], condition=Q(status="pending"), name="edi_outbox_due")
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sender} {self.control_reference}"


class Message(models.Model):
    """One message (UNH ... UNT) of an interchange: what it was, what became of it."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        OUTBOUND = "outbound", pgettext_lazy("EDI message status", "Outbound")

    interchange = models.ForeignKey(
        Interchange, on_delete=models.CASCADE, related_name="messages", verbose_name=_("interchange")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="messages", verbose_name=_("partner")
    )
    type = models.CharField(_("type"), max_length=6)
    reference = models.CharField(_("reference"), max_length=35)
    version = models.CharField(_("version"), max_length=40, blank=True, help_text=_("e.g. D:95B:UN:SMDG20"))
    function = models.CharField(_("function"), max_length=3, blank=True, help_text=_("BGM document code."))
    subject = models.CharField(_("subject"), max_length=60, blank=True, help_text=_("The call or box it concerns."))
    raw = models.TextField(_("raw message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    effects = models.JSONField(_("effects"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received or written at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("EDI message")
        verbose_name_plural = _("EDI messages")
        indexes = [models.Index(fields=["type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.reference}"

    @classmethod
    def of(cls, read, *, interchange: Interchange, partner: Partner | None, **fields) -> "Message":
        """A message row for a message as read (edi.edifact.ReadMessage), in or out."""
        return cls(interchange=interchange, partner=partner, type=read.type, reference=read.reference,
                   version=read.version, function=read.function, raw=read.raw(), **fields)  # fmt: skip


class Announcement(models.Model):
    """One box (or, for empties, a count of a size/type) announced by a COPARN: a booking for an outbound voyage or
    a release. Kept whether or not a call could book it, so that the gate can match the box when it comes."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded (no call to book it onto)")
        BOOKED = "booked", _("Booked onto its call")

    # The partner and its document number name the message (a handler runs before its message row is saved).
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="announcements", verbose_name=_("partner")
    )
    document = models.CharField(_("document"), max_length=35, blank=True, help_text=_("The COPARN's BGM number."))
    reference = models.CharField(_("booking or release reference"), max_length=35, blank=True)
    container = models.CharField(_("container"), max_length=11, blank=True)
    iso_type = models.CharField(_("ISO size/type"), max_length=4, blank=True)
    count = models.PositiveSmallIntegerField(_("count"), default=1, help_text=_("Empties released by type: how many."))
    freight_kind = models.CharField(_("full or empty"), max_length=5)
    line = models.CharField(_("line"), max_length=10, blank=True)
    vessel = models.CharField(_("vessel"), max_length=60, blank=True, help_text=_("As the message names it."))
    voyage = models.CharField(_("voyage"), max_length=17, blank=True)
    call = models.ForeignKey(
        "vessels.VesselCall", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("call")
    )
    pod = models.CharField(_("port of discharge"), max_length=5, blank=True)
    vgm_kg = models.PositiveIntegerField(_("verified gross mass (kg)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("container announcement")
        verbose_name_plural = _("container announcements")
        indexes = [
            models.Index(fields=["container"], condition=~Q(container=""), name="edi_announcement_container"),
            models.Index(fields=["partner", "reference"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference or '-'} {self.container or f'{self.count} x {self.iso_type}'}"


class TruckNotice(models.Model):
    """A truck's pre-notification (COPINO): which truck brings or fetches which boxes, and when it is expected.
    The truck gate matches the truck against it."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        CANCELLED = "cancelled", _("Cancelled")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="truck_notices", verbose_name=_("partner")
    )
    reference = models.CharField(_("reference"), max_length=35, help_text=_("The COPINO's BGM number."))
    function = models.CharField(_("function"), max_length=3, blank=True, help_text=_("BGM document code."))
    truck = models.CharField(_("truck plate"), max_length=17)
    driver = models.CharField(_("driver"), max_length=70, blank=True)
    haulier = models.CharField(_("haulier"), max_length=70, blank=True)
    expected_at = models.DateTimeField(_("expected at"), null=True, blank=True)
    containers = models.JSONField(
        _("containers"), default=list, blank=True, help_text=_("[{number, iso_type, freight_kind, booking, gross_kg}]")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("truck pre-notification")
        verbose_name_plural = _("truck pre-notifications")
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="edi_trucknotice_once_per_reference")
        ]
        indexes = [models.Index(fields=["truck", "status"])]

    def __str__(self) -> str:
        return f"{self.truck} {self.reference}"


class TrainAdvice(models.Model):
    """A railway's train composition sheet sent before the train arrives, kept as received, with its problems.

    It becomes the train list (rail's) when the train is on its line; before that nothing of it is in the yard.
    """

    class Format(models.TextChoices):
        JSON = "json", pgettext_lazy("file format", "JSON")
        CSV = "csv", pgettext_lazy("file format", "CSV")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted: waiting for the train")
        REJECTED = "rejected", _("Rejected: see its problems")
        SUPERSEDED = "superseded", _("Superseded by a later advice")
        ARRIVED = "arrived", _("Arrived: the train list")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="train_advices",
        verbose_name=_("partner"), help_text=_("The railway that sent it; empty when the terminal keyed it in."),
    )  # fmt: skip
    train_number = models.CharField(_("train number"), max_length=20, blank=True)
    origin = models.CharField(_("origin"), max_length=60, blank=True)
    expected_arrival = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    raw = models.TextField(_("as received"))
    content = models.JSONField(
        _("content"), null=True, blank=True, help_text=_("The advice as read; empty when it could not be read.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    problems = models.JSONField(_("problems"), default=dict, blank=True, help_text=_("By field path."))
    warnings = models.JSONField(_("warnings"), default=dict, blank=True, help_text=_("By field path."))
    capacity_warnings = models.JSONField(
        _("capacity warnings"), default=list, blank=True,
        help_text=_("Special areas (DG, reefer plugs, inspection) this train would find short: checked on receipt "
                    "and again while it is expected."),
    )  # fmt: skip
    train = models.OneToOneField(
        "rail.TrainVisit", on_delete=models.PROTECT, null=True, blank=True, related_name="advice",
        verbose_name=_("train visit"), help_text=_("The train visit it became on arrival."),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("train pre-advice")
        verbose_name_plural = _("train pre-advices")
        indexes = [models.Index(fields=["train_number", "status"])]

    def __str__(self) -> str:
        return f"{self.train_number or '?'} ({self.get_status_display()})"


class ContainerEvent(models.Model):
    """A milestone of a box on its way through the terminal, for its partners' feed; written in the transaction
    of the event itself, so the feed and the yard never disagree."""

    class Milestone(models.TextChoices):
        DISCHARGED = "discharged", _("Discharged (off the wagon or the ship)")
        IN_YARD = "in_yard", _("In the yard (arrival confirmed)")
        INSPECTED = "inspected", _("Inspected by customs")
        LOADED = "loaded", _("Loaded (onto the train or the ship)")
        DEPARTED = "departed", _("Departed")

    visit = models.ForeignKey(
        "yard.ContainerVisit", on_delete=models.PROTECT, related_name="+", verbose_name=_("container stay")
    )
    container = models.CharField(_("container"), max_length=11)
    milestone = models.CharField(_("milestone"), max_length=10, choices=Milestone.choices)
    at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=60, blank=True)
    carrier_mode = models.CharField(_("carrier mode"), max_length=8, blank=True)
    carrier_reference = models.CharField(_("carrier reference"), max_length=40, blank=True)
    line = models.CharField(_("line"), max_length=10, blank=True, help_text=_("The box's line when it happened."))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # The writing transaction's id (PostgreSQL), so that the feed hands an event out only once no transaction that
    # could still add one before it is running: ids are taken in insert order, not in commit order.
    transaction = models.BigIntegerField(_("transaction"), default=0, editable=False)

    class Meta:
        ordering = ["transaction", "id"]
        verbose_name = _("container event")
        verbose_name_plural = _("container events")
        indexes = [
            models.Index(fields=["transaction", "id"], name="edi_event_feed"),
            models.Index(fields=["container", "transaction", "id"], name="edi_event_container"),
        ]

    def __str__(self) -> str:
        return f"{self.container} {self.milestone} {self.at:%Y-%m-%d %H:%M}"


class InboxMessage(Message):
    """The messages partners sent us, as the admin's inbox lists them: the same rows as Message, a list of their own
    (with its own permissions, so a role could be given the inbox without the outbox)."""

    class Meta:
        proxy = True
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbox")


class OutboxInterchange(Interchange):
    """The interchanges we send, as the admin's outbox lists them, with their attempts and dead letters."""

    class Meta:
        proxy = True
        verbose_name = _("outbound interchange")
        verbose_name_plural = _("outbox")
