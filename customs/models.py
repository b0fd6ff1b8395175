from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yard.models import ContainerVisit, Hold, YardMove


class CustomsDeclaration(models.Model):
    """A customs declaration (transit, import, export, temporary storage) covering some containers' stays."""

    class Procedure(models.TextChoices):
        TRANSIT = "transit", "Transit"
        IMPORT = "import", "Import (release for free circulation)"
        EXPORT = "export", "Export"
        TEMPORARY_STORAGE = "temporary_storage", "Temporary storage"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        RELEASED = "released", "Released"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=40, unique=True)
    procedure = models.CharField(max_length=20, choices=Procedure.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    visits = models.ManyToManyField(ContainerVisit, related_name="customs_declarations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[visits])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class InspectionOrder(models.Model):
    """An X-ray scan, physical examination or seal check: the container goes to the inspection area and back, or
    is inspected where it stands if it carries dangerous goods."""

    class Kind(models.TextChoices):
        SCAN = "scan", "X-ray scan"
        PHYSICAL_EXAM = "physical_exam", "Physical examination"
        SEAL_CHECK = "seal_check", "Seal check"

    class Status(models.TextChoices):
        ORDERED = "ordered", "Ordered (moving to the inspection area)"
        AT_INSPECTION = "at_inspection", _("At inspection (in the inspection area, or where it stands)")
        DONE = "done", "Result recorded"
        CANCELLED = "cancelled", "Cancelled"

    class Result(models.TextChoices):
        NO_SUSPICION = "no_suspicion", "No suspicion"
        SUSPICION = "suspicion", "Suspicion: physical examination"
        FINDINGS = "findings", "Findings recorded"

    OPEN_STATUSES = (Status.ORDERED, Status.AT_INSPECTION)

    visit = models.ForeignKey(ContainerVisit, on_delete=models.PROTECT, related_name="inspection_orders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ORDERED)
    appointment_at = models.DateTimeField(null=True, blank=True)
    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, related_name="+")
    move_in = models.ForeignKey(YardMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    move_out = models.ForeignKey(YardMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(auto_now_add=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    seals_before = models.JSONField(default=list, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True)
    findings = models.TextField(blank=True)
    seals_after = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["ordered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status__in=["ordered", "at_inspection"]),
                name="customs_inspectionorder_one_open_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.visit.container.number} ({self.status})"


class InspectionPhoto(models.Model):
    order = models.ForeignKey(InspectionOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="inspections/%Y/%m/")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name
