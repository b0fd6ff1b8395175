"""Capacity ahead for a vessel call: the boxes it brings for this port (its arrival bay plan) and the booked boxes
still to come to the yard for it (its load list) weighed against the DG area, the reefer plugs and the inspection
area for their dwell (yard/capacity.py); the shortages are kept with the call for the operator."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from aktau_tos.audit import audited, fields_update
from vessels.models import VesselCall
from yard import capacity
from yard.models import CarrierVisit


def _call_units(call: VesselCall) -> list[capacity.Unit]:
    stays = capacity.expected_stays()
    discharged = stays.filter(inbound_carrier=call.carrier)  # restows go back on board: expected_stays leaves them out
    booked = stays.filter(outbound_carrier=call.carrier).exclude(inbound_carrier=call.carrier)  # exports to come
    return capacity.visit_units(discharged) + capacity.visit_units(booked)


def call_capacity_check(
    *, call: VesselCall, actor: AbstractBaseUser, outlook: capacity.Outlook | None = None
) -> list[dict]:
    """The call's shortages in the special areas from when it is alongside, kept with the call (a change is
    audited; the same answer again writes nothing)."""
    outlook = outlook or capacity.outlook_load()
    warnings = capacity.capacity_warnings(outlook, arrival=call.alongside_from, units=_call_units(call))
    audited(call, actor)
    fields_update(call, {"capacity_warnings": warnings}, reason=_("capacity checked"))
    return warnings


@transaction.atomic
def calls_capacity_check(*, actor: AbstractBaseUser, hours: int) -> dict[int, list[dict]]:
    """Every expected call due alongside within `hours` (or late) checked again on one reading of the yard, so a
    shortage that develops after its lists came reaches the operator too. {call id: warnings}."""
    outlook = capacity.outlook_load()
    due = (
        VesselCall.objects.select_related("carrier")
        .filter(carrier__status=CarrierVisit.Status.EXPECTED, eta__lte=outlook.now + timedelta(hours=hours))
        .order_by("eta", "pk")
    )
    return {call.pk: call_capacity_check(call=call, actor=actor, outlook=outlook) for call in due}
