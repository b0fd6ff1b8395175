"""Reads of the yard app."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from yard.errors import ContainerNotFound, EquipmentNotFound, MoveNotFound, UnknownIsoType
from yard.identity import container_number_normalise
from yard.models import (
    Block,
    CarrierVisit,
    Container,
    ContainerVisit,
    Equipment,
    Hold,
    IsoSizeType,
    IsoTypeAlias,
    Occupancy,
    Slot,
    YardMove,
)
from yard.positions import GATE, position_format
from yard.stacking import Box, Verdict, placement_check, snapshot_around


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


def _open_visits() -> QuerySet[ContainerVisit]:
    """Current stays, with what a container's answer shows: carriers, position and active holds."""
    return (
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        .select_related("inbound_carrier", "outbound_carrier")
        .prefetch_related(
            Prefetch("occupancies", to_attr="current_occupancies", queryset=_primary_occupancies()),
            Prefetch("holds", to_attr="active_holds", queryset=Hold.objects.filter(released_at__isnull=True)),
        )
    )


def visit_open_for(container: Container) -> ContainerVisit | None:
    """The container's current stay, with its position and active holds (three queries)."""
    visit = _open_visits().filter(container=container).first()
    if visit:
        visit.container = container
    return visit


def visits_open_attach(containers: list[Container]) -> list[Container]:
    """Sets `open_visit` on each container (None when it is not in the terminal), as visit_open_for does for one:
    three queries for a whole page of a list."""
    visits = {visit.container_id: visit for visit in _open_visits().filter(container__in=containers)}
    for container in containers:
        container.open_visit = visits.get(container.pk)
        if container.open_visit:
            container.open_visit.container = container
    return containers


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
    return holds_blocking([(visit_id, move_kind)]).get((visit_id, move_kind))


def holds_blocking(moves: list[tuple[int, str]]) -> dict[tuple[int, str], Hold]:
    """For moves (stay id, kind of move), the first active hold that blocks each, if any; read in one query."""
    holds = Hold.objects.filter(visit_id__in={visit_id for visit_id, _ in moves}, released_at__isnull=True)
    blocking: dict[tuple[int, str], Hold] = {}
    for hold in holds.order_by("placed_at", "pk"):
        for move_kind in hold.blocked_move_kinds:
            blocking.setdefault((hold.visit_id, move_kind), hold)
    return {move: blocking[move] for move in moves if move in blocking}


def carrier_label(carrier: CarrierVisit, place: str = "") -> str:
    """VESSEL:CASPIAN STAR 0412 or, with a place on it, VESSEL:CASPIAN STAR 0412/020282 (its stowage cell)."""
    label = f"{carrier.mode.upper()}:{carrier.reference}"
    return f"{label}/{place}" if place else label


def move_from(move: YardMove) -> str | None:
    if move.from_slot_id:
        slot = move.from_slot
        return position_format(slot.block.code, slot.bay, slot.row, move.from_tier)
    return carrier_label(move.from_carrier, move.from_place) if move.from_carrier_id else None


def move_to(move: YardMove) -> str | None:
    if move.to_gate:
        return GATE
    if move.to_slot_id:
        slot = move.to_slot
        return position_format(slot.block.code, slot.bay, slot.row, move.to_tier)
    return carrier_label(move.to_carrier, move.to_place) if move.to_carrier_id else None


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


def moves_awaiting_slot_count() -> int:
    return YardMove.objects.filter(awaiting_slot_since__isnull=False).count()


def yard_map() -> list[dict]:
    """Every block as a grid of stacks: height, DG, holds and dwell per ground slot (four queries)."""
    active_hold = Hold.objects.filter(visit=OuterRef("visit"), released_at__isnull=True)
    occupancies = Occupancy.objects.values("slot_id").annotate(height=Max("tier"), oldest=Min("visit__arrived_at"))
    stacks = {row["slot_id"]: row for row in occupancies}
    flags: dict[int, set[str]] = {}
    for row in Occupancy.objects.annotate(held=Exists(active_hold)).values("slot_id", "held", "visit__dangerous_goods"):
        if row["held"]:
            flags.setdefault(row["slot_id"], set()).add("hold")
        if row["visit__dangerous_goods"]:
            flags.setdefault(row["slot_id"], set()).add("dg")
    now = timezone.now()
    slots_by_block: dict[int, dict[tuple[int, int], Slot]] = {}
    for slot in Slot.objects.all():
        slots_by_block.setdefault(slot.block_id, {})[(slot.row, slot.bay)] = slot
    result = []
    for block in Block.objects.order_by("code"):
        grid = []
        for row in range(1, block.rows + 1):
            cells = []
            for bay in range(1, block.bays + 1):
                slot = slots_by_block.get(block.pk, {}).get((row, bay))
                stack = stacks.get(slot.pk) if slot else None
                height = stack["height"] if stack else 0
                dwell = (now - stack["oldest"]).days if stack and stack["oldest"] else 0
                cells.append({
                    "bay": bay, "row": row, "exists": slot is not None, "height": height,
                    "fill": round(height / block.max_tier, 2), "flags": sorted(flags.get(slot.pk, ())) if slot else [],
                    "dwell_days": dwell, "reefer_power": bool(slot and slot.reefer_power),
                })  # fmt: skip
            grid.append(cells)
        used = sum(cell["height"] for cells in grid for cell in cells)
        capacity = block.rows * block.bays * block.max_tier
        result.append({"block": block, "grid": grid, "used": used, "capacity": capacity})
    return result


def visit_placement_verdict(visit: ContainerVisit) -> tuple[Verdict | None, str | None]:
    """Whether the container may stand where it stands, by every rule now (None if not in the yard)."""
    occupancy = Occupancy.objects.filter(visit=visit, primary=True).select_related("slot__block").first()
    if occupancy is None:
        return None, None
    snapshot = snapshot_around(occupancy.slot).without(visit.pk)
    verdict, _costs = placement_check(Box.of(visit), snapshot.slots[occupancy.slot_id], occupancy.tier, snapshot)
    return verdict, snapshot.position(occupancy.slot, occupancy.tier)


@dataclass
class BoardColumn:
    """One machine on the move board: its open moves in working order, or idle (since its last move, if any)."""

    machine: Equipment
    moves: list[YardMove] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return not self.moves

    @property
    def idle_since(self) -> datetime | None:
        return getattr(self.machine, "last_finished_at", None) if self.idle else None

    @property
    def blocks(self) -> str:
        return ", ".join(block.code for block in self.machine.blocks.all())


@dataclass
class MoveBoard:
    columns: list[BoardColumn]
    not_dispatched: list[YardMove]
    awaiting: list[YardMove]
    machine_codes: list[str]


def move_board(*, limit: int = 2000) -> MoveBoard:
    """The open moves by machine, with every active machine that takes moves shown, idle ones too; the moves no
    machine has taken and those awaiting a slot apart. Each move carries `from_label`, `to_label` and `late`.
    Four queries however many moves and machines there are."""
    last_finished = (
        YardMove.objects.filter(equipment=OuterRef("pk"), status=YardMove.Status.DONE, finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    machines = (
        Equipment.objects.filter(active=True)
        .exclude(kind=Equipment.Kind.TERMINAL_TRACTOR)  # tractors haul between machines; they have no queue
        .annotate(last_finished_at=Subquery(last_finished))
        .prefetch_related("blocks")
        .order_by("code")
    )
    columns = {machine.pk: BoardColumn(machine=machine) for machine in machines}
    not_dispatched, awaiting, now = [], [], timezone.now()
    for move in moves_queue(limit=limit):
        move.from_label, move.to_label = move_from(move), move_to(move)
        move.late = bool(move.deadline and move.deadline < now)
        if move.awaiting_slot_since:
            awaiting.append(move)
        elif move.equipment_id:
            # a machine taken out of service with moves still on it shows, so that they can be given to another
            columns.setdefault(move.equipment_id, BoardColumn(machine=move.equipment)).moves.append(move)
        else:
            not_dispatched.append(move)
    return MoveBoard(
        columns=sorted(columns.values(), key=lambda column: column.machine.code),
        not_dispatched=not_dispatched,
        awaiting=sorted(awaiting, key=lambda move: move.awaiting_slot_since),
        machine_codes=[machine.code for machine in machines],
    )


def carriers_moves_progress(carrier_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """Per carrier visit, its discharge, restow and load moves not cancelled or failed: how many are planned in all
    and how many are done. Two queries for any number of carriers."""
    kinds = (YardMove.Kind.DISCHARGE, YardMove.Kind.RESTOW, YardMove.Kind.LOAD)
    progress = {carrier_id: {kind: {"planned": 0, "done": 0} for kind in kinds} for carrier_id in carrier_ids}
    live = YardMove.objects.exclude(status__in=[YardMove.Status.CANCELLED, YardMove.Status.FAILED])
    counts = {"planned": Count("pk"), "done": Count("pk", filter=Q(status=YardMove.Status.DONE))}
    # A discharge or a restow starts on its carrier; a load ends on it.
    off = live.filter(kind__in=kinds[:2], from_carrier_id__in=carrier_ids).values("from_carrier_id", "kind")
    onto = live.filter(kind=YardMove.Kind.LOAD, to_carrier_id__in=carrier_ids).values("to_carrier_id", "kind")
    for row in [*off.annotate(**counts).order_by(), *onto.annotate(**counts).order_by()]:
        carrier_id = row.get("from_carrier_id") or row["to_carrier_id"]
        progress[carrier_id][row["kind"]] = {"planned": row["planned"], "done": row["done"]}
    return progress
