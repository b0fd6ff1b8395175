"""Data exchange with partners: their profiles, every interchange in and out (raw first), its messages.

The database is the outbox: an outbound interchange is written in the same transaction as the event it reports
(a gate-in, a call's departure) and a Celery task delivers it with retries. An inbound interchange is stored raw
before it is read, so nothing a partner sends is ever lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
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
        D95B = "D95B", "D.95B"
        D00B = "D00B", "D.00B"
        D16A = "D16A", "D.16A"

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
    next_reference = models.PositiveIntegerField(default=1, help_text=_("Our next UNB control reference to them."))
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
    answer = models.JSONField(null=True, blank=True, help_text=_("The first answer, given again to a repeat."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
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
        OUTBOUND = "outbound", _("Outbound")

    interchange = models.ForeignKey(Interchange, on_delete=models.CASCADE, related_name="messages")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    type = models.CharField(_("type"), max_length=6)
    reference = models.CharField(_("reference"), max_length=35)
    version = models.CharField(_("version"), max_length=40, blank=True, help_text=_("e.g. D:95B:UN:SMDG20"))
    function = models.CharField(_("function"), max_length=3, blank=True, help_text=_("BGM document code."))
    subject = models.CharField(_("subject"), max_length=60, blank=True, help_text=_("The call or box it concerns."))
    raw = models.TextField(_("raw message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    effects = models.JSONField(_("effects"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("EDI message")
        verbose_name_plural = _("EDI messages")
        indexes = [models.Index(fields=["type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.reference}"
