"""Container visits: opening a stay, bookings that tell the yard when and how a container will leave."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from yard import hooks, selectors
from yard.errors import ContainerAlreadyInTerminal, ContainerNotFound
from yard.identity import container_number_normalise
from yard.models import CarrierVisit, ContainerVisit
from yard.services.containers import container_register


@transaction.atomic
def visit_book_outbound(
    *, visit: ContainerVisit, carrier: CarrierVisit, actor: AbstractBaseUser, destination: str = "", line: str = ""
) -> ContainerVisit:
    """Books the container onto a departing carrier (with the line it goes with, when known); allocation stacks it
    by that carrier's departure."""
    visit.outbound_carrier = carrier
    visit.outbound_mode = carrier.mode
    visit.expected_departure = carrier.etd
    visit.destination = destination or visit.destination
    visit.line = line.strip().upper()[:10] or visit.line
    fields = ["outbound_carrier", "outbound_mode", "expected_departure", "destination", "line"]
    audited(visit, actor).save(update_fields=fields)
    return visit


@transaction.atomic
def visit_unbook_outbound(*, visit: ContainerVisit, actor: AbstractBaseUser, reason: str) -> ContainerVisit:
    """Takes the container off the carrier it was booked to leave by (the booking cancelled, the carrier gone)."""
    visit.outbound_carrier, visit.outbound_mode, visit.expected_departure = None, "", None
    audited(visit, actor, reason).save(update_fields=["outbound_carrier", "outbound_mode", "expected_departure"])
    return visit


@transaction.atomic
def visit_dangerous_goods_set(*, visit: ContainerVisit, lines: list[dict], actor: AbstractBaseUser) -> ContainerVisit:
    """Replaces the dangerous-goods lines the yard's rules work from (the DG office's declaration)."""
    visit.dangerous_goods = lines
    audited(visit, actor, _("dangerous-goods declaration changed")).save(update_fields=["dangerous_goods"])
    return visit


@transaction.atomic
def visit_seals_set(*, visit: ContainerVisit, seals: list[str], actor: AbstractBaseUser, reason: str) -> ContainerVisit:
    """Records the seals now on the container (after an inspection, the customs officer's new seals)."""
    visit.seals = [seal.strip().upper() for seal in seals if seal.strip()]
    audited(visit, actor, reason).save(update_fields=["seals"])
    return visit


@transaction.atomic
def visit_open(
    *,
    container: str,
    iso_type: str,
    freight_kind: str,
    category: str,
    inbound_carrier: CarrierVisit,
    actor: AbstractBaseUser,
    gross_kg: int | None = None,
    seals: list[str] | None = None,
    dangerous_goods: list[dict] | None = None,
    line: str = "",
) -> ContainerVisit:
    """Opens a container's stay on its inbound carrier (registering the box if new), after the checks other
    apps registered for declared goods (yard.hooks); then their reactions run (customs control on arrival,
    the DG declaration)."""
    number = container_number_normalise(container)
    size_type = selectors.iso_type_resolve(iso_type)
    dangerous_goods = hooks.arrival_goods_checked(list(dangerous_goods or []))
    try:
        box = selectors.container_get_by_number(number=number)
    except ContainerNotFound:
        box = container_register(number=number, iso_type=size_type, actor=actor)
    if box.iso_type_id != size_type.code:  # the code read off the box wins over old records
        box.iso_type = size_type
        audited(box, actor, _("size/type as declared on arrival")).save(update_fields=["iso_type"])
    if open_visit := ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).filter(container=box).first():
        raise ContainerAlreadyInTerminal(container=number, state=open_visit.get_state_display().lower())
    visit = ContainerVisit(
        container=box,
        category=category,
        freight_kind=freight_kind,
        gross_kg=gross_kg,
        seals=[seal.strip().upper() for seal in seals or [] if seal.strip()],
        dangerous_goods=dangerous_goods,
        inbound_carrier=inbound_carrier,
        line=line.strip().upper()[:10],
    )
    audited(visit, actor).save()
    hooks.visit_opened_announce(visit=visit, actor=actor)
    return visit
