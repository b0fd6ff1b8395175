"""The truck gate: a container arrives by truck and gets a planned move into the yard."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from yard.models import AccessPoint, CarrierVisit, ContainerVisit, YardMove
from yard.services.carriers import carrier_visit_open
from yard.services.moves import move_plan_to_yard
from yard.services.visits import visit_book_outbound, visit_open


@transaction.atomic
def gate_in(
    *,
    container: str,
    iso_type: str,
    freight_kind: str,
    actor: AbstractBaseUser,
    truck: str,
    gross_kg: int | None = None,
    seal: str = "",
    dangerous_goods: list[dict] | None = None,
    outbound_carrier: CarrierVisit | None = None,
    category: str | None = None,
    line: str = "",
) -> YardMove:
    """Opens the container's visit (registering the box if new) and plans its move to an allocated slot."""
    carrier = carrier_visit_open(
        mode=CarrierVisit.Mode.TRUCK, reference=truck.strip().upper(), arrived_at=timezone.now(), actor=actor
    )
    empty = freight_kind == ContainerVisit.FreightKind.EMPTY
    visit = visit_open(
        container=container,
        iso_type=iso_type,
        freight_kind=freight_kind,
        category=category or (ContainerVisit.Category.EMPTY if empty else ContainerVisit.Category.EXPORT),
        inbound_carrier=carrier,
        gross_kg=gross_kg,
        seals=[seal] if seal else [],
        dangerous_goods=dangerous_goods,
        line=line,
        actor=actor,
    )
    if outbound_carrier:  # booked before arrival (export for a known train or vessel): stacked by its departure
        visit_book_outbound(visit=visit, carrier=outbound_carrier, actor=actor)
    return move_plan_to_yard(visit=visit, kind=YardMove.Kind.RECEIVE, arriving_from=AccessPoint.Kind.GATE, actor=actor)
