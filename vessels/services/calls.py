"""Vessel calls: announced, alongside, departed, or cancelled. The status lives on the yard's carrier visit.

Two calls never overlap on one berth: the berth row is locked while a window is checked and written, so two
operators booking the same berth at once get one call and one `berth_occupied`.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from aktau_tos.locking import lock_wait
from vessels.errors import (
    BerthNotFound,
    BerthOccupied,
    CallNotOpenForWork,
    StowageProfileMissing,
    VesselCallNotFound,
    VesselCallStatusInvalid,
    VesselWorkOpen,
    WindowInvalid,
)
from vessels.geometry import Geometry
from vessels.identity import imo_normalise
from vessels.models import Berth, Booking, OnBoard, Vessel, VesselCall
from vessels.profiles import geometry_of
from vessels.selectors import call_moves
from yard import services as yard_services
from yard.models import CarrierVisit, YardMove

Status = CarrierVisit.Status
LIVE_STATUSES = (Status.EXPECTED, Status.ARRIVED)


@transaction.atomic
def vessel_register(
    *,
    name: str,
    imo: str,
    actor: AbstractBaseUser,
    call_sign: str = "",
    flag: str = "",
    line: str = "",
    capacity_teu: int | None = None,
) -> Vessel:
    """The vessel with this IMO number, created or brought up to date with what the caller knows of it."""
    imo = imo_normalise(imo)
    vessel = Vessel.objects.select_for_update().filter(imo=imo).first() or Vessel(imo=imo)
    changes = {
        "name": name.strip().upper(),
        "call_sign": call_sign.strip().upper(),
        "flag": flag.strip().upper(),
        "line": line.strip().upper(),
        "capacity_teu": capacity_teu,
    }
    changed = vessel.pk is None
    for field, value in changes.items():
        if value not in ("", None) and getattr(vessel, field) != value:
            setattr(vessel, field, value)
            changed = True
    if vessel.pk is None:
        try:
            with transaction.atomic():
                audited(vessel, actor).save()
        except IntegrityError:  # a concurrent request registered it since we looked: lock and update that row
            return vessel_register(name=name, imo=imo, actor=actor, call_sign=call_sign, flag=flag, line=line,
                                   capacity_teu=capacity_teu)  # fmt: skip
    elif changed:
        audited(vessel, actor).save()
    return vessel


def berth_get(code: str) -> Berth:
    berth = Berth.objects.filter(code=str(code).strip().upper()).first()
    if berth is None:
        raise BerthNotFound(berth=code)
    return berth


def _window_free(berth: Berth, start: datetime, end: datetime, *, exclude: VesselCall | None = None) -> None:
    """Refuses a window that overlaps another live call's on this berth (the berth row locked first)."""
    with lock_wait(_("berth %(berth)s") % {"berth": berth.code}):
        Berth.objects.select_for_update().filter(pk=berth.pk).first()
    others = (
        VesselCall.objects.filter(berth=berth, etd__gt=start)
        .exclude(carrier__status__in=[Status.DEPARTED, Status.CANCELLED])
        .select_related("carrier")
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    for other in others:
        if other.alongside_from < end:
            raise BerthOccupied(berth=berth.code, other=other.reference, start=other.alongside_from, end=other.etd)


@transaction.atomic
def call_create(
    *,
    vessel: Vessel,
    voyage_in: str,
    berth: str,
    eta: datetime,
    etd: datetime,
    actor: AbstractBaseUser,
    voyage_out: str = "",
    line: str = "",
    etb: datetime | None = None,
    rotation: list[str] | None = None,
) -> VesselCall:
    """A vessel call announced by its line: the berth's window from ETB (or ETA) to ETD must be free."""
    if etd <= eta or (etb is not None and not eta <= etb < etd):
        raise WindowInvalid(reason=_("ETA, ETB and ETD must follow one another (ETA ≤ ETB < ETD)."))
    place = berth_get(berth)
    _window_free(place, etb or eta, etd)
    voyage_in = voyage_in.strip().upper()
    carrier = yard_services.carrier_visit_open(
        mode=CarrierVisit.Mode.VESSEL, reference=f"{vessel.name} {voyage_in}"[:40], eta=eta, etd=etd, actor=actor
    )
    call = VesselCall(
        carrier=carrier,
        vessel=vessel,
        line=(line or vessel.line).strip().upper(),
        voyage_in=voyage_in,
        voyage_out=(voyage_out or voyage_in).strip().upper(),
        berth=place,
        eta=eta,
        etb=etb,
        etd=etd,
        rotation=[port.strip().upper() for port in rotation or []],
        created_by=actor,
    )
    audited(call, actor).save()
    return call


def call_locked(call_id: int) -> VesselCall:
    with lock_wait(_("vessel call %(id)s") % {"id": call_id}):
        call = VesselCall.objects.select_for_update(of=("self",)).select_related("carrier", "vessel__profile", "berth")
        call = call.filter(pk=call_id).first()
    if call is None:
        raise VesselCallNotFound(call=call_id)
    return call


def call_open_for_work(call_id: int) -> VesselCall:
    call = call_locked(call_id)
    if call.status not in LIVE_STATUSES:
        raise CallNotOpenForWork(call=call.reference, status=call.carrier.get_status_display().lower())
    return call


def call_geometry(call: VesselCall) -> Geometry:
    geometry = geometry_of(call.vessel)
    if geometry is None:
        raise StowageProfileMissing(vessel=call.vessel.name)
    return geometry


def _refuse(call: VesselCall, rule: str) -> VesselCallStatusInvalid:
    return VesselCallStatusInvalid(call=call.reference, status=call.carrier.get_status_display().lower(), rule=rule)


@transaction.atomic
def call_arrive(*, call_id: int, actor: AbstractBaseUser, berth: str = "", at: datetime | None = None) -> VesselCall:
    """The vessel is alongside (at another berth than planned if the operator says so)."""
    call = call_locked(call_id)
    if call.status == Status.ARRIVED and not berth:
        return call
    if call.status not in (Status.EXPECTED, Status.ARRIVED):
        raise _refuse(call, _("Only an expected vessel can arrive."))
    if berth and berth.strip().upper() != call.berth.code:
        place = berth_get(berth)
        _window_free(place, at or timezone.now(), call.etd, exclude=call)
        call.berth = place
        audited(call, actor, _("berthed at another berth than planned")).save(update_fields=["berth"])
    yard_services.carrier_visit_arrive(carrier_id=call.carrier_id, actor=actor, at=at)
    call.carrier.refresh_from_db()
    return call


@transaction.atomic
def call_cancel(*, call_id: int, actor: AbstractBaseUser, reason: str) -> VesselCall:
    """A call that will not happen: its bookings go back to the yard unbooked, then its carrier is cancelled."""
    call = call_locked(call_id)
    if call.status == Status.EXPECTED:
        _bookings_release(call, actor, _("vessel call cancelled"))
    yard_services.carrier_visit_cancel(carrier_id=call.carrier_id, actor=actor, reason=reason)
    call.carrier.refresh_from_db()
    return call


def open_moves(call: VesselCall) -> QuerySet[YardMove]:
    return call_moves(call).filter(status__in=YardMove.OPEN_STATUSES)


def _bookings_release(call: VesselCall, actor: AbstractBaseUser, reason: str) -> int:
    released = 0
    for booking in call.bookings.exclude(status__in=[Booking.Status.LOADED, Booking.Status.CANCELLED]).select_related(
        "visit"
    ):
        if booking.visit.outbound_carrier_id == call.carrier_id:
            yard_services.visit_unbook_outbound(visit=booking.visit, actor=actor, reason=reason)
        booking.status = Booking.Status.CANCELLED
        audited(booking, actor, reason).save(update_fields=["status"])
        released += 1
    return released


def departure_bay_plan(call: VesselCall) -> list[dict]:
    """What stays on board for the next port (through cargo and boxes loaded here), cell by cell, as the line's
    departure BAPLIE writes it."""
    return [
        {
            "container": box.container,
            "cell": box.cell,
            "iso_type": box.iso_type,
            "gross_kg": box.gross_kg,
            "pol": box.pol,
            "pod": box.pod,
            "kind": box.kind,
            "freight_kind": box.freight_kind,
            "temperature_c": None if box.temperature_c is None else float(box.temperature_c),
            "dangerous_goods": box.dangerous_goods,
        }
        for box in call.on_board.exclude(kind=OnBoard.Kind.DISCHARGE).order_by("cell")
    ]


@transaction.atomic
def call_depart(*, call_id: int, actor: AbstractBaseUser, at: datetime | None = None) -> VesselCall:
    """The vessel sails: refused while any of its moves is open. What is on board is kept as the departure bay
    plan (for the line's BAPLIE); bookings that did not load go back to the yard unbooked."""
    call = call_locked(call_id)
    if call.status == Status.DEPARTED:
        return call
    if call.status != Status.ARRIVED:
        raise _refuse(call, _("Only a vessel alongside can depart."))
    if count := open_moves(call).count():
        raise VesselWorkOpen(call=call.reference, count=count)
    call.departure_bay_plan = departure_bay_plan(call)
    audited(call, actor).save(update_fields=["departure_bay_plan"])
    _bookings_release(call, actor, _("not loaded before the vessel sailed"))
    yard_services.carrier_visit_depart(carrier_id=call.carrier_id, actor=actor, at=at)
    call.carrier.refresh_from_db()
    return call
