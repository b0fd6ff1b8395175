"""Container visits: opening a stay, bookings that tell the yard when and how a container will leave."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import audited
from yard import hooks, selectors
from yard.errors import ContainerAlreadyInTerminal
from yard.identity import container_number_normalise
from yard.models import CarrierVisit, Container, ContainerVisit, IsoSizeType
from yard.services.containers import containers_insert


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
    iso_type: str | IsoSizeType,
    freight_kind: str,
    category: str,
    inbound_carrier: CarrierVisit,
    actor: AbstractBaseUser,
    gross_kg: int | None = None,
    seals: list[str] | None = None,
    dangerous_goods: list[dict] | None = None,
    line: str = "",
) -> ContainerVisit:
    """Opens a container's stay on its inbound carrier: visits_open for one box."""
    arrival = Arrival(container, iso_type, freight_kind, category, gross_kg, tuple(seals or ()), dangerous_goods, line)
    return visits_open(arrivals=[arrival], inbound_carrier=inbound_carrier, actor=actor)[0]


@dataclass(frozen=True)
class Arrival:
    """A box arriving, as its carrier's list or the gate describes it (visits_open)."""

    container: str
    iso_type: str | IsoSizeType  # a code, or the size/type a caller resolved already
    freight_kind: str
    category: str
    gross_kg: int | None = None
    seals: tuple[str, ...] = ()
    dangerous_goods: list[dict] | None = None
    line: str = ""  # the shipping line it travels with, when known


@transaction.atomic
def visits_open(
    *, arrivals: list[Arrival], inbound_carrier: CarrierVisit, actor: AbstractBaseUser
) -> list[ContainerVisit]:
    """Opens the stays of boxes arriving on one carrier, in the order given, registering the boxes that are new,
    after the checks other apps registered for declared goods (yard.hooks); then their reactions run for each stay
    (customs control on arrival, the DG declaration). A list's boxes are read and written a table at a time: a
    57-wagon train opens 114 stays in a handful of statements, not a handful per box."""
    size_types: dict[str, IsoSizeType] = {}
    numbers, goods = [], []
    for arrival in arrivals:
        numbers.append(container_number_normalise(arrival.container))
        if not isinstance(arrival.iso_type, IsoSizeType):
            code = str(arrival.iso_type)
            size_types[code] = size_types.get(code) or selectors.iso_type_resolve(code)
        goods.append(hooks.arrival_goods_checked(list(arrival.dangerous_goods or [])))
    types = [arrival.iso_type if isinstance(arrival.iso_type, IsoSizeType) else size_types[str(arrival.iso_type)]
             for arrival in arrivals]  # fmt: skip
    boxes = {box.number: box for box in Container.objects.select_related("iso_type").filter(number__in=numbers)}
    _open_stays_refuse([boxes[number] for number in numbers if number in boxes])
    for number, size_type in zip(numbers, types, strict=True):
        box = boxes.get(number)
        if box is not None and box.iso_type_id != size_type.code:  # the code read off the box wins over old records
            box.iso_type = size_type
            audited(box, actor, _("size/type as declared on arrival")).save(update_fields=["iso_type"])
    new = [Container(number=number, iso_type=size_type) for number, size_type in zip(numbers, types, strict=True)
           if number not in boxes]  # fmt: skip
    if new:
        boxes.update((box.number, box) for box in containers_insert(new, actor))
    visits = [
        audited(
            ContainerVisit(
                container=boxes[number],
                category=arrival.category,
                freight_kind=arrival.freight_kind,
                gross_kg=arrival.gross_kg,
                seals=[seal.strip().upper() for seal in arrival.seals if seal.strip()],
                dangerous_goods=lines,
                inbound_carrier=inbound_carrier,
                line=arrival.line.strip().upper()[:10],
            ),
            actor,
        )
        for arrival, number, lines in zip(arrivals, numbers, goods, strict=True)
    ]
    try:
        with transaction.atomic():  # one open stay per box: a stay opened meanwhile by someone else
            visits = bulk_create_with_history(visits, ContainerVisit, default_user=actor)
    except IntegrityError:
        _open_stays_refuse(list(boxes.values()))
        raise
    hooks.visits_opened_announce(visits=visits, actor=actor)
    return visits


def _open_stays_refuse(boxes: list[Container]) -> None:
    """Refuses the first box (in order) that has a stay open already."""
    if not boxes:
        return
    states = dict(
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        .filter(container__in=boxes)
        .values_list("container_id", "state")
    )
    if open_box := next((box for box in boxes if box.pk in states), None):
        state = ContainerVisit.State(states[open_box.pk]).label.lower()
        raise ContainerAlreadyInTerminal(container=open_box.number, state=state)
