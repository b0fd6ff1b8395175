"""Carrier visits: the trains, vessels and trucks that bring and take containers.

The yard owns them; rail, vessels, the gate, the demo and the simulator open and move them only through
these services, so every change is audited the same way: expected -> arrived -> departed, or cancelled
while still expected. Repeating a step that is already done returns the visit unchanged.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktau_tos.audit import audited
from aktau_tos.locking import lock_wait
from yard import hooks
from yard.errors import CarrierVisitInUse, CarrierVisitNotFound, CarrierVisitStatusInvalid, ReasonRequired
from yard.models import CarrierVisit, ContainerVisit

Status = CarrierVisit.Status


@transaction.atomic
def carrier_visit_open(
    *,
    mode: str,
    reference: str,
    actor: AbstractBaseUser,
    eta: datetime | None = None,
    etd: datetime | None = None,
    arrived_at: datetime | None = None,
) -> CarrierVisit:
    """Announces a carrier (expected), or records one that is already here when `arrived_at` is given
    (a truck at the gate, a train placed on its line)."""
    carrier = CarrierVisit(mode=mode, reference=reference.strip(), eta=eta, etd=etd)
    if arrived_at is not None:
        carrier.status, carrier.arrived_at = Status.ARRIVED, arrived_at
    audited(carrier, actor).save()
    return carrier


def _locked(carrier_id: int) -> CarrierVisit:
    with lock_wait(format_lazy(gettext_lazy("carrier visit {carrier}"), carrier=carrier_id)):
        carrier = CarrierVisit.objects.select_for_update().filter(pk=carrier_id).first()
    if carrier is None:
        raise CarrierVisitNotFound(carrier=carrier_id)
    return carrier


def _refuse(carrier: CarrierVisit, rule: str) -> CarrierVisitStatusInvalid:
    return CarrierVisitStatusInvalid(carrier=str(carrier), status=carrier.get_status_display().lower(), rule=rule)


@transaction.atomic
def carrier_visit_arrive(*, carrier_id: int, actor: AbstractBaseUser, at: datetime | None = None) -> CarrierVisit:
    """The carrier is here (alongside, on its line, at the gate)."""
    carrier = _locked(carrier_id)
    if carrier.status == Status.ARRIVED:
        return carrier
    if carrier.status != Status.EXPECTED:
        raise _refuse(carrier, _("Only an expected carrier can arrive."))
    carrier.status, carrier.arrived_at = Status.ARRIVED, at or timezone.now()
    audited(carrier, actor).save(update_fields=["status", "arrived_at"])
    return carrier


@transaction.atomic
def carrier_visit_depart(*, carrier_id: int, actor: AbstractBaseUser, at: datetime | None = None) -> CarrierVisit:
    """The carrier has left. Whether it may (everything loaded, every wagon empty) is its owner's rule."""
    carrier = _locked(carrier_id)
    if carrier.status == Status.DEPARTED:
        return carrier
    if carrier.status != Status.ARRIVED:
        raise _refuse(carrier, _("Only a carrier that has arrived can depart."))
    carrier.status, carrier.departed_at = Status.DEPARTED, at or timezone.now()
    audited(carrier, actor).save(update_fields=["status", "departed_at"])
    hooks.carrier_departed_announce(carrier=carrier, actor=actor)  # EDI: the boxes' milestones, the line's reports
    return carrier


@transaction.atomic
def carrier_visit_cancel(*, carrier_id: int, actor: AbstractBaseUser, reason: str) -> CarrierVisit:
    """An announced carrier that will not come. Refused once it is here, or while stays arrive or leave by it."""
    if not reason.strip():
        raise ReasonRequired()
    carrier = _locked(carrier_id)
    if carrier.status == Status.CANCELLED:
        return carrier
    if carrier.status != Status.EXPECTED:
        raise _refuse(carrier, _("Only an expected carrier can be cancelled."))
    stays = ContainerVisit.objects.filter(inbound_carrier=carrier).count()
    stays += (
        ContainerVisit.objects.filter(outbound_carrier=carrier).exclude(state=ContainerVisit.State.DEPARTED).count()
    )
    if stays:
        raise CarrierVisitInUse(carrier=str(carrier), count=stays)
    carrier.status = Status.CANCELLED
    audited(carrier, actor, reason.strip()).save(update_fields=["status"])
    return carrier
