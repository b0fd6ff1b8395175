"""Container visits: bookings that tell the yard when and how a container will leave."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from aktau_tos.audit import audited
from yard.models import CarrierVisit, ContainerVisit


@transaction.atomic
def visit_book_outbound(
    *, visit: ContainerVisit, carrier: CarrierVisit, actor: AbstractBaseUser, destination: str = ""
) -> ContainerVisit:
    """Books the container onto a departing carrier; allocation stacks it by that carrier's departure."""
    visit.outbound_carrier = carrier
    visit.outbound_mode = carrier.mode
    visit.expected_departure = carrier.etd
    visit.destination = destination or visit.destination
    audited(visit, actor).save(update_fields=["outbound_carrier", "outbound_mode", "expected_departure", "destination"])
    return visit


@transaction.atomic
def visit_dangerous_goods_set(*, visit: ContainerVisit, lines: list[dict], actor: AbstractBaseUser) -> ContainerVisit:
    """Replaces the dangerous-goods lines the yard's rules work from (the DG office's declaration)."""
    visit.dangerous_goods = lines
    audited(visit, actor, "dangerous-goods declaration changed").save(update_fields=["dangerous_goods"])
    return visit


@transaction.atomic
def visit_seals_set(*, visit: ContainerVisit, seals: list[str], actor: AbstractBaseUser, reason: str) -> ContainerVisit:
    """Records the seals now on the container (after an inspection, the customs officer's new seals)."""
    visit.seals = [seal.strip().upper() for seal in seals if seal.strip()]
    audited(visit, actor, reason).save(update_fields=["seals"])
    return visit
