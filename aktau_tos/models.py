from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class IdempotentRequest(models.Model):
    """The first successful answer to a POST carrying an Idempotency-Key, replayed to any retry.

    A row exists only for a request that succeeded: it is written in the same transaction as the
    request's own changes, so a failed request leaves no row and its retry is checked from scratch.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.UUIDField(_("key"))
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, help_text=_("SHA-256 of method, path and canonical JSON body.")
    )
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.TextField(
        _("response body"), blank=True, help_text=_("The JSON answer as first sent (text keeps its key order).")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="aktau_tos_idempotentrequest_one_per_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"


class ReportSubscription(models.Model):
    """Who gets which report by e-mail (managed by operators in the admin)."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Nightly management report")

    kind = models.CharField(_("report"), max_length=16, choices=Kind.choices, default=Kind.DAILY)
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("The report's language; empty: the installation's."),
    )  # fmt: skip
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [models.UniqueConstraint(fields=["kind", "email"], name="aktau_tos_subscription_once")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_kind_display()})"


class ReportRun(models.Model):
    """One report for one day: claimed once, so a second beat, a retry or another worker host sends nothing."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Being built and sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will be retried)")

    kind = models.CharField(_("report"), max_length=16, choices=ReportSubscription.Kind.choices)
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.CLAIMED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    error = models.TextField(_("error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="aktau_tos_reportrun_once_per_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day} ({self.status})"


class ApiToken(models.Model):
    """A handheld's log-in: one per device, expiring, revocable by operators when a device is lost.

    Only a SHA-256 digest of the key is stored, so a copy of the database holds no usable token.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    device = models.CharField(
        _("device"), max_length=100, blank=True, help_text=_("The handheld's name, as it logged in.")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return _("%(user)s on %(device)s") % {"user": self.user, "device": self.device or _("an unnamed device")}


class UserPreference(models.Model):
    """A user's own settings: the language the admin speaks to them in, whatever their browser says."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("Empty: the browser's language, or the installation's."),
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return str(self.user)
