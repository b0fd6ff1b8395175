"""The truck gate: a container arrives by truck and gets a planned move into the yard."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from aktau_tos.audit import audited
from yard import selectors
from yard.errors import ContainerAlreadyInTerminal, ContainerNotFound
from yard.extensions import declared_goods_checked
from yard.identity import container_number_normalise
from yard.models import AccessPoint, CarrierVisit, ContainerVisit, YardMove
from yard.services.containers import container_register
from yard.services.moves import move_plan_to_yard
from yard.services.visits import visit_book_outbound
from yard.signals import visit_opened


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
) -> YardMove:
    """Opens the container's visit (registering the box if new) and plans its move to an allocated slot."""
    number = container_number_normalise(container)
    size_type = selectors.iso_type_resolve(iso_type)
    dangerous_goods = declared_goods_checked(list(dangerous_goods or []))
    try:
        box = selectors.container_get_by_number(number=number)
    except ContainerNotFound:
        box = container_register(number=number, iso_type=size_type.code, actor=actor)
    if box.iso_type_id != size_type.code:  # the clerk reads the code off the box: it wins over old records
        box.iso_type = size_type
        audited(box, actor, "size/type as read at the gate").save(update_fields=["iso_type"])
    if open_visit := ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).filter(container=box).first():
        raise ContainerAlreadyInTerminal(container=number, state=open_visit.get_state_display().lower())
    now = timezone.now()
    carrier = CarrierVisit(mode=CarrierVisit.Mode.TRUCK, reference=truck.strip().upper(), arrived_at=now)
    carrier.status = CarrierVisit.Status.ARRIVED
    audited(carrier, actor).save()
    empty = freight_kind == ContainerVisit.FreightKind.EMPTY
    visit = ContainerVisit(
        container=box,
        category=category or (ContainerVisit.Category.EMPTY if empty else ContainerVisit.Category.EXPORT),
        freight_kind=freight_kind,
        gross_kg=gross_kg,
        seals=[seal] if seal else [],
        dangerous_goods=dangerous_goods,
        inbound_carrier=carrier,
    )
    audited(visit, actor).save()
    visit_opened.send(sender=ContainerVisit, visit=visit, actor=actor)
    if outbound_carrier:  # booked before arrival (export for a known train or vessel): stacked by its departure
        visit_book_outbound(visit=visit, carrier=outbound_carrier, actor=actor)
    return move_plan_to_yard(visit=visit, kind=YardMove.Kind.RECEIVE, arriving_from=AccessPoint.Kind.GATE, actor=actor)
