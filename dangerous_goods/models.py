from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yard.models import ContainerVisit


class UnNumber(models.Model):
    """One entry of the dangerous goods list. A UN number may have several (by packing group or concentration)."""

    un_number = models.CharField(_("UN number"), max_length=4, db_index=True)
    proper_shipping_name = models.CharField(_("proper shipping name"), max_length=300)
    class_division = models.CharField(
        _("class or division"), max_length=16, help_text=_("Primary class or division, e.g. 3, 5.1, 1.4S.")
    )
    packing_group = models.CharField(_("packing group"), max_length=3, blank=True)
    subsidiary_risks = models.CharField(
        _("subsidiary risks"), max_length=40, blank=True, help_text=_("Semicolon-separated, e.g. 8;6.1")
    )
    source_row = models.PositiveIntegerField(
        _("source row"), unique=True, help_text=_("Row of the source list (US DOT HMT row id).")
    )
    imdg_agrees = models.BooleanField(
        _("as in IMDG"), default=True, help_text=_("Class, packing group and subsidiary risks as in IMDG.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["un_number", "packing_group", "source_row"]
        verbose_name = _("UN number")
        verbose_name_plural = _("UN numbers")

    def __str__(self) -> str:
        values = {
            "un_number": self.un_number,
            "name": self.proper_shipping_name[:60],
            "class": self.class_division,
            "group": self.packing_group,
        }
        if self.packing_group:
            # Translators: PG is the packing group (I, II or III).
            return gettext("UN%(un_number)s %(name)s (%(class)s PG %(group)s)") % values
        return gettext("UN%(un_number)s %(name)s (%(class)s)") % values

    @property
    def subsidiary(self) -> list[str]:
        return [risk for risk in self.subsidiary_risks.split(";") if risk]


class Declaration(models.Model):
    """The dangerous goods in a container for one stay, as declared and checked against the UN list."""

    visit = models.OneToOneField(
        ContainerVisit, on_delete=models.PROTECT, related_name="dg_declaration", verbose_name=_("container visit")
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DG declaration")
        verbose_name_plural = _("DG declarations")

    def __str__(self) -> str:
        return gettext("DG declaration of %(container)s") % {"container": self.visit.container.number}


class DeclarationLine(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="lines", verbose_name=_("DG declaration")
    )
    un_entry = models.ForeignKey(UnNumber, on_delete=models.PROTECT, related_name="+", verbose_name=_("UN list entry"))
    class_division = models.CharField(_("class or division"), max_length=8)
    subsidiary_risks = models.CharField(_("subsidiary risks"), max_length=40, blank=True)
    packing_group = models.CharField(_("packing group"), max_length=3, blank=True)
    proper_shipping_name = models.CharField(_("proper shipping name"), max_length=300)
    net_mass_kg = models.DecimalField(_("net mass (kg)"), max_digits=9, decimal_places=2, null=True, blank=True)
    flash_point_c = models.DecimalField(_("flash point (°C)"), max_digits=5, decimal_places=1, null=True, blank=True)
    limited_quantity = models.BooleanField(_("limited quantity"), default=False)
    marine_pollutant = models.BooleanField(_("marine pollutant"), default=False)
    ems = models.CharField(_("EmS"), max_length=20, blank=True, help_text=_("Emergency schedules, e.g. F-E, S-D."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["declaration", "pk"]
        verbose_name = _("DG declaration line")
        verbose_name_plural = _("DG declaration lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(net_mass_kg__isnull=True) | Q(net_mass_kg__gt=0), name="dangerous_goods_line_mass_positive"
            ),
        ]

    def __str__(self) -> str:
        return gettext("UN%(un_number)s class %(class)s") % {
            "un_number": self.un_entry.un_number,
            "class": self.class_division,
        }

    @property
    def un_number(self) -> str:
        return self.un_entry.un_number


class SegregationAlert(models.Model):
    """A container found too close to an incompatible one (after its declaration changed): someone must act."""

    visit = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="dg_alerts", verbose_name=_("container visit")
    )
    neighbour = models.ForeignKey(
        ContainerVisit, on_delete=models.PROTECT, related_name="+", verbose_name=_("neighbour")
    )
    position = models.CharField(_("position"), max_length=20)
    detail = models.TextField(_("detail"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("resolved by"),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("segregation alert")
        verbose_name_plural = _("segregation alerts")

    def __str__(self) -> str:
        return gettext("Segregation alert %(id)s: %(detail)s") % {"id": self.pk, "detail": self.detail[:60]}
