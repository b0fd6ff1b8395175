"""The truck gate: a container arrives by truck and gets a planned move into the yard."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from yard import hooks, selectors
from yard.identity import container_number_normalise
from yard.models import AccessPoint, CarrierVisit, ContainerVisit, YardMove
from yard.services.carriers import carrier_visit_cancel, carrier_visit_open
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
    """Opens the container's visit (registering the box if new), or completes the expected stay its booking
    opened, and plans its move to an allocated slot."""
    carrier = carrier_visit_open(
        mode=CarrierVisit.Mode.TRUCK, reference=truck.strip().upper(), arrived_at=timezone.now(), actor=actor
    )
    empty = freight_kind == ContainerVisit.FreightKind.EMPTY
    announced = _announced_stay(container)
    if announced is not None:
        visit = _announced_stay_arrived(
            announced,
            carrier=carrier,
            iso_type=iso_type,
            freight_kind=freight_kind,
            gross_kg=gross_kg,
            seal=seal,
            dangerous_goods=dangerous_goods,
            line=line,
            actor=actor,
        )
    else:
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


def _announced_stay(container: str) -> ContainerVisit | None:
    """The expected stay a booking opened for a box not yet here (EDI COPARN): booked to leave, arriving on a
    placeholder truck that is still expected. A stay expected on a train or a vessel is not this."""
    return (
        ContainerVisit.objects.select_for_update(of=("self",))
        .select_related("container", "inbound_carrier")
        .filter(
            container__number=container_number_normalise(container),
            state=ContainerVisit.State.EXPECTED,
            outbound_carrier__isnull=False,
            inbound_carrier__mode=CarrierVisit.Mode.TRUCK,
            inbound_carrier__status=CarrierVisit.Status.EXPECTED,
        )
        .first()
    )


def _announced_stay_arrived(
    visit: ContainerVisit,
    *,
    carrier: CarrierVisit,
    iso_type: str,
    freight_kind: str,
    gross_kg: int | None,
    seal: str,
    dangerous_goods: list[dict] | None,
    line: str,
    actor: AbstractBaseUser,
) -> ContainerVisit:
    """The announced stay moved onto the truck that brought the box, with what the gate saw (size/type, mass,
    seal; goods and line when declared there). The placeholder truck, now carrying nothing, is cancelled."""
    size_type = selectors.iso_type_resolve(iso_type)
    if dangerous_goods is not None:
        visit.dangerous_goods = hooks.arrival_goods_checked(list(dangerous_goods))
    box = visit.container
    if box.iso_type_id != size_type.code:  # the code read off the box wins, as for a new stay
        box.iso_type = size_type
        audited(box, actor, _("size/type as declared on arrival")).save(update_fields=["iso_type"])
    placeholder = visit.inbound_carrier
    visit.inbound_carrier, visit.freight_kind = carrier, freight_kind
    visit.gross_kg = gross_kg or visit.gross_kg
    visit.seals = [seal.strip().upper()] if seal.strip() else visit.seals
    visit.line = line.strip().upper()[:10] or visit.line
    audited(visit, actor, _("arrived by truck %(truck)s as announced") % {"truck": carrier.reference}).save()
    if dangerous_goods is not None:
        hooks.goods_declared_announce(visit=visit, actor=actor)  # the DG office's record follows the gate's
    if not placeholder.inbound_visits.exists():
        carrier_visit_cancel(
            carrier_id=placeholder.pk,
            actor=actor,
            reason=_("its box came in by truck %(truck)s") % {"truck": carrier.reference},
        )
    return visit
