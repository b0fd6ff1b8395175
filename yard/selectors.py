"""Reads of the yard app."""

from django.db.models import Case, F, Prefetch, QuerySet, Value, When

from yard.errors import ContainerNotFound, EquipmentNotFound, MoveNotFound, UnknownIsoType
from yard.identity import container_number_normalise
from yard.models import (
    CarrierVisit,
    Container,
    ContainerVisit,
    Equipment,
    Hold,
    IsoSizeType,
    IsoTypeAlias,
    Occupancy,
    YardMove,
)
from yard.positions import GATE, position_format


def container_get_by_number(*, number: str) -> Container:
    """The container for a number as a scanner sends it: 400 if malformed, 404 if unknown."""
    number = container_number_normalise(number)
    try:
        return Container.objects.select_related("iso_type").get(number=number)
    except Container.DoesNotExist:
        raise ContainerNotFound(number=number) from None


def iso_type_resolve(code: str) -> IsoSizeType:
    """The size/type for a current or legacy (1984) code, e.g. '4510' -> 45G1."""
    code = str(code).strip().upper()
    size_type = IsoSizeType.objects.filter(code=code).first()
    if size_type is None:
        alias = IsoTypeAlias.objects.select_related("iso_type").filter(alias=code).first()
        if alias is None:
            raise UnknownIsoType(code=code)
        size_type = alias.iso_type
    return size_type


def visit_open_for(container: Container) -> ContainerVisit | None:
    """The container's current stay, with its position and active holds (three queries)."""
    visit = (
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        .filter(container=container)
        .select_related("inbound_carrier", "outbound_carrier")
        .prefetch_related(
            Prefetch("occupancies", to_attr="current_occupancies", queryset=_primary_occupancies()),
            Prefetch("holds", to_attr="active_holds", queryset=Hold.objects.filter(released_at__isnull=True)),
        )
        .first()
    )
    if visit:
        visit.container = container
    return visit


def _primary_occupancies() -> QuerySet[Occupancy]:
    return Occupancy.objects.filter(primary=True).select_related("slot__block")


def visit_position(visit: ContainerVisit) -> str | None:
    """BLOCK-BB-RR-T of the visit's container, from prefetched `current_occupancies` when present."""
    occupancies = getattr(visit, "current_occupancies", None)
    if occupancies is None:
        occupancies = list(_primary_occupancies().filter(visit=visit))
    if not occupancies:
        return None
    occupancy = occupancies[0]
    return position_format(occupancy.slot.block.code, occupancy.slot.bay, occupancy.slot.row, occupancy.tier)


def hold_blocking(*, visit_id: int, move_kind: str) -> Hold | None:
    """The first active hold that blocks this kind of move (a visit has only a few holds)."""
    holds = Hold.objects.filter(visit_id=visit_id, released_at__isnull=True).order_by("placed_at", "pk")
    return next((hold for hold in holds if move_kind in hold.blocked_move_kinds), None)


def carrier_label(carrier: CarrierVisit) -> str:
    return f"{carrier.mode.upper()}:{carrier.reference}"


def move_from(move: YardMove) -> str | None:
    if move.from_slot_id:
        slot = move.from_slot
        return position_format(slot.block.code, slot.bay, slot.row, move.from_tier)
    return carrier_label(move.from_carrier) if move.from_carrier_id else None


def move_to(move: YardMove) -> str | None:
    if move.to_gate:
        return GATE
    if move.to_slot_id:
        slot = move.to_slot
        return position_format(slot.block.code, slot.bay, slot.row, move.to_tier)
    return carrier_label(move.to_carrier) if move.to_carrier_id else None


def moves_with_places() -> QuerySet[YardMove]:
    """Moves with everything their from/to/container labels need, joined in."""
    return YardMove.objects.select_related(
        "visit__container", "from_slot__block", "to_slot__block", "from_carrier", "to_carrier", "equipment"
    )


def move_get(*, move_id: int) -> YardMove:
    try:
        return moves_with_places().get(pk=move_id)
    except YardMove.DoesNotExist:
        raise MoveNotFound(move=move_id) from None


def moves_queue(*, equipment_code: str | None = None, limit: int = 200) -> list[YardMove]:
    """Open moves in the order a machine should do them: started first, then by priority and deadline."""
    moves = moves_with_places().filter(status__in=YardMove.OPEN_STATUSES)
    if equipment_code is not None:
        equipment = Equipment.objects.filter(code=equipment_code.strip().upper()).first()
        if equipment is None:
            raise EquipmentNotFound(code=equipment_code)
        moves = moves.filter(equipment=equipment).exclude(status=YardMove.Status.PLANNED)
    started_first = Case(
        When(status=YardMove.Status.IN_PROGRESS, then=Value(0)),
        When(status=YardMove.Status.DISPATCHED, then=Value(1)),
        default=Value(2),
    )
    return list(moves.order_by(started_first, "priority", F("deadline").asc(nulls_last=True), "pk")[:limit])
