from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yard.models import ContainerVisit, Hold, YardMove


class CustomsDeclaration(models.Model):
    """A customs declaration (transit, import, export, temporary storage) covering some containers' stays."""

    class Procedure(models.TextChoices):
        TRANSIT = "transit", _("Transit")
        IMPORT = "import", _("Import (release for free circulation)")
        EXPORT = "export", _("Export")
        TEMPORARY_STORAGE = "temporary_storage", _("Temporary storage")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("declaration number"), max_length=40, unique=True)
    procedure = models.CharField(_("procedure"), max_length=20, choices=Procedure.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    visits = models.ManyToManyField(
        ContainerVisit, related_name="customs_declarations", verbose_name=_("container visits")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=pgettext_lazy("customs declaration", "released by"),
    )  # fmt: skip
    released_at = models.DateTimeField(pgettext_lazy("customs declaration", "released at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[visits])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customs declaration")
        verbose_name_plural = _("customs declarations")

    def __str__(self) -> str:
        return self.number


class InspectionOrder(models.Model):
    """An X-ray scan, physical examination or seal check: the container goes to the inspection area and back, or
    is inspected where it stands if it carries dangerous goods."""

    class Kind(models.TextChoices):
        SCAN = "scan", _("X-ray scan")
        PHYSICAL_EXAM = "physical_exam", _("Physical examination")
        SEAL_CHECK = "seal_check", _("Seal check")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered (moving to the inspection area)")
        AT_INSPECTION = "at_inspection", _("At inspection (in the inspection area, or where it stands)")
        DONE = "done", _("Result recorded")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        NO_SUSPICION = "no_suspicion", _("No suspicion")
        SUSPICION = "suspicion", _("Suspicion: physical examination")
        FINDINGS = "findings", _("Findings recorded")

    OPEN_STATUSES = (Status.ORDERED, Status.AT_INSPECTION)

    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="inspection_orders", verbose_name=_("container visit")
    )
    kind = models.CharField(_("inspection"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ORDERED)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, related_name="+", verbose_name=_("hold"))
    move_in = models.ForeignKey(
        YardMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("move to the inspection area"),
    )  # fmt: skip
    move_out = models.ForeignKey(
        YardMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("move back to the yard"),
    )  # fmt: skip
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    ordered_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    arrived_at = models.DateTimeField(_("at inspection since"), null=True, blank=True)
    seals_before = models.JSONField(_("seals before"), default=list, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    seals_after = models.JSONField(_("seals after"), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("result recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["ordered_at"]
        verbose_name = _("inspection order")
        verbose_name_plural = _("inspection orders")
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status__in=["ordered", "at_inspection"]),
                name="customs_inspectionorder_one_open_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s of %(container)s: %(status)s") % {
            "kind": self.get_kind_display(),
            "container": self.visit.container.number,
            "status": self.get_status_display(),
        }


class InspectionPhoto(models.Model):
    order = models.ForeignKey(
        InspectionOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("inspection order")
    )
    image = models.FileField(_("photo"), upload_to="inspections/%Y/%m/")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return self.image.name
