"""Moves: plan, start, complete (from the scanner), cancel, fail. Every state change is audited.

Completing a move changes the yard: the container leaves its slot and takes another, leaves by
truck (GATE) or onto a carrier. All of it happens in one short transaction that locks the slots
involved in primary-key order, checks every stacking rule on a fresh snapshot, and writes.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import audited, system_user
from aktau_tos.locking import lock_wait, on_commit_registered
from yard import hooks, selectors
from yard.allocation import Allocation, allocation_batch, blocks_for, slot_allocate
from yard.errors import (
    ContainerMismatch,
    ContainerNotInTerminal,
    ContainerNotOnTop,
    ContainerOnHold,
    MoveAlreadyOpen,
    MoveNotAwaitingSlot,
    MoveNotFound,
    MoveNotOpen,
    MoveRedirected,
    NoSlotAvailable,
    OverflowNotForInspection,
    PlacementRefused,
    PositionInvalid,
    PositionReserved,
)
from yard.identity import container_number_normalise
from yard.models import Block, CarrierVisit, ContainerVisit, Equipment, Occupancy, Slot, SlotReservation, YardMove
from yard.positions import GATE, Position, position_parse
from yard.stacking import Box, placement_check, removal_check, snapshot_around

logger = logging.getLogger(__name__)
# How many waiting moves one look for free places handles (the oldest, most urgent first); the next run goes on.
AWAITING_BATCH = 200

# Lower goes first: trains waiting on a line and departures, then trucks, inspections, housekeeping last.
DEFAULT_PRIORITY = {
    YardMove.Kind.LOAD: 10,
    YardMove.Kind.DISCHARGE: 15,
    YardMove.Kind.DELIVERY: 20,
    YardMove.Kind.RECEIVE: 20,
    YardMove.Kind.INSPECTION: 30,
    YardMove.Kind.DANGEROUS_GOODS: 30,
    YardMove.Kind.SHIFT: 40,
    YardMove.Kind.RESTOW: 12,
    YardMove.Kind.HOUSEKEEPING: 90,
}


def _priority(kind: str, priority: int | None) -> int:
    """The priority asked for, or the kind's default."""
    return DEFAULT_PRIORITY[kind] if priority is None else priority


def hold_check(visit: ContainerVisit, move_kind: str) -> None:
    """Refuses a move that an active hold blocks, naming the hold."""
    holds_check([(visit, move_kind)])


def holds_check(moves: list[tuple[ContainerVisit, str]]) -> None:
    """Refuses the first of these moves (stay, kind of move) that an active hold blocks, naming the hold."""
    blocking = selectors.holds_blocking([(visit.pk, move_kind) for visit, move_kind in moves])
    for visit, move_kind in moves:
        if hold := blocking.get((visit.pk, move_kind)):
            raise ContainerOnHold(
                container=visit.container.number,
                authority=hold.get_authority_display(),
                hold=hold.reference,
                kind=hold.kind,
                move_kind=move_kind,
            )


def slot_at(position: Position) -> Slot:
    slot = (
        Slot.objects.select_related("block")
        .filter(block__code=position.block, bay=position.bay, row=position.row)
        .first()
    )
    if slot is None:
        raise PositionInvalid(position=str(position), reason=_("there is no such slot in the yard"))
    return slot


def slots_lock(slots: Q) -> list[Slot]:
    """Locks the slots `slots` selects in primary-key order, so two movers never wait on each other in a cycle."""
    with lock_wait(gettext_lazy("these yard slots")):
        return list(Slot.objects.filter(slots).order_by("pk").select_for_update())


@transaction.atomic
def move_plan(
    *,
    visit: ContainerVisit,
    kind: str,
    actor: AbstractBaseUser,
    to_slot: Slot | None = None,
    to_tier: int | None = None,
    to_gate: bool = False,
    to_carrier: CarrierVisit | None = None,
    from_carrier: CarrierVisit | None = None,
    from_place: str = "",
    to_place: str = "",
    priority: int | None = None,
    deadline=None,
    allocation: dict | None = None,
    awaiting_slot: bool = False,
) -> YardMove:
    """A planned move for a container; it starts from where the container is now (or its carrier). `awaiting_slot`:
    it must happen but no place is free yet (see move_plan_to_yard)."""
    move = YardMove(
        visit=visit,
        kind=kind,
        priority=_priority(kind, priority),
        deadline=deadline,
        from_carrier=from_carrier,
        to_slot=to_slot,
        to_tier=to_tier,
        to_gate=to_gate,
        to_carrier=to_carrier,
        from_place=from_place,
        to_place=to_place,
        allocation=allocation,
        awaiting_slot_since=timezone.now() if awaiting_slot else None,
        created_by=actor,
    )
    return _moves_write([move], [None], actor)[0]


def _moves_write(
    moves: list[YardMove], places: list[tuple[Slot, ...] | None], actor: AbstractBaseUser
) -> list[YardMove]:
    """Writes moves built but not saved, in one statement for all (a list's hundred as one): each refused if a hold
    blocks it, starting from where its box stands (else the carrier given, else the one it came on), its place
    reserved. `places`: the ground slots of each move's place when known (allocation knows a 40''s two), else None.
    """
    holds_check([(move.visit, move.kind) for move in moves])
    standing = {
        occupancy.visit_id: occupancy
        for occupancy in Occupancy.objects.filter(visit__in=[move.visit for move in moves], primary=True)
        .select_related("slot__block")
    }  # fmt: skip
    for move in moves:
        if current := standing.get(move.visit_id):
            move.from_slot, move.from_tier, move.from_carrier = current.slot, current.tier, None
        else:
            move.from_carrier = move.from_carrier or move.visit.inbound_carrier
        move.planned_to = selectors.move_to(move) or ""
        audited(move, actor)
    try:
        with transaction.atomic():  # one open move per stay: the database's constraint says so, not a read before
            moves = bulk_create_with_history(moves, YardMove, default_user=actor)
    except IntegrityError:
        open_move = (
            YardMove.objects.filter(visit__in=[move.visit for move in moves], status__in=YardMove.OPEN_STATUSES)
            .select_related("visit__container")
            .first()
        )
        if open_move is None:
            raise
        raise MoveAlreadyOpen(
            container=open_move.visit.container.number, move=open_move.pk, kind=open_move.kind, status=open_move.status
        ) from None
    _reserve([(move, slots) for move, slots in zip(moves, places, strict=True) if move.to_slot_id])
    return moves


def _reserve(moves: list[tuple[YardMove, tuple[Slot, ...] | None]]) -> None:
    """The moves' places, reserved: the database lets one open move hold a place (a 40' holds both its slots). A
    planner racing for the same place waits for the other's transaction and, if it committed, is refused here."""
    reservations = []
    for move, slots in moves:
        slot = move.to_slot
        if slots is None:
            slots = [slot]
            if Box.of(move.visit).long and (
                following := Slot.objects.filter(block_id=slot.block_id, bay=slot.bay + 1, row=slot.row).first()
            ):
                slots.append(following)
        reservations += [SlotReservation(slot=each, tier=move.to_tier, move=move) for each in slots]
    if not reservations:
        return
    try:
        with transaction.atomic():
            SlotReservation.objects.bulk_create(reservations)
    except IntegrityError:
        ours = {reservation.move.pk: reservation.move for reservation in reservations}
        for reservation in reservations:
            holder = (
                SlotReservation.objects.filter(slot=reservation.slot, tier=reservation.tier)
                .exclude(move_id__in=list(ours))
                .first()
            )
            if holder is not None:
                raise PositionReserved(position=reservation.move.planned_to, move=holder.move_id) from None
        raise PositionReserved(position=reservations[0].move.planned_to, move="?") from None


def _release(move: YardMove) -> int:
    """The move is over (done, cancelled, failed): its place is no longer held for it. Returns how many were."""
    deleted, _by_model = SlotReservation.objects.filter(move=move).delete()
    return deleted


@transaction.atomic
def move_plan_to_yard(
    *,
    visit: ContainerVisit,
    kind: str,
    actor: AbstractBaseUser,
    priority: int | None = None,
    deadline=None,
    from_place: str = "",
    arriving_from: str | None = None,
    inspection: bool = False,
    wait_for_slot: bool = False,
) -> YardMove:
    """Allocates the best slot for the container (see yard.allocation) and plans its move there: moves_plan_to_yard
    for one box."""
    return moves_plan_to_yard(
        visits=[visit], kind=kind, actor=actor, priority=priority, deadline=deadline, from_places=[from_place],
        arriving_from=arriving_from, inspection=inspection, wait_for_slot=wait_for_slot,
    )[0]  # fmt: skip


@transaction.atomic
@allocation_batch()  # each box chosen stands in its place for the next: nothing is written until all are chosen
def moves_plan_to_yard(
    *,
    visits: list[ContainerVisit],
    kind: str,
    actor: AbstractBaseUser,
    priority: int | None = None,
    deadline=None,
    from_places: list[str] | None = None,
    arriving_from: str | None = None,
    inspection: bool = False,
    wait_for_slot: bool = False,
) -> list[YardMove]:
    """Allocates the best slot for each container in turn (see yard.allocation) and plans their moves there, in the
    order given (`from_places`: where each is picked up, a ship's cell). Allocations take turns until their
    transaction ends (slot_allocate), so no place chosen is one a racing planner holds.

    With no legal place free, refused (NoSlotAvailable) — unless `wait_for_slot`: a box that must come in anyway
    (its train is on the line, its ship alongside) gets its move all the same, *awaiting a slot*. Dispatch leaves it
    alone; awaiting_slots_allocate gives it a place as soon as one frees, or the operator sends it to the overflow
    area (move_send_to_overflow)."""
    moves, places, waiting = [], [], {}
    for visit, from_place in zip(visits, from_places or [""] * len(visits), strict=True):
        move = YardMove(
            visit=visit,
            kind=kind,
            priority=_priority(kind, priority),
            deadline=deadline,
            from_place=from_place,
            created_by=actor,
        )
        try:
            allocation = slot_allocate(
                visit=visit, blocks=blocks_for(visit, inspection=inspection), arriving_from=arriving_from
            )
        except NoSlotAvailable as full:
            if not wait_for_slot:
                raise
            # what to ask allocation again, and why there was no place
            move.allocation = {
                "waiting_for": {"inspection": inspection, "arriving_from": arriving_from},
                "refusal": str(full),
            }
            move.awaiting_slot_since, waiting[len(moves)] = timezone.now(), full
            moves.append(move)
            places.append(None)
            continue
        move.to_slot, move.to_tier, move.allocation = allocation.slot, allocation.chosen.tier, allocation.explanation()
        moves.append(move)
        places.append(allocation.slots)
    moves = _moves_write(moves, places, actor)
    for index, full in waiting.items():
        logger.warning("Move %s (%s) awaits a slot: %s", moves[index].pk, kind, full)
    return moves


def _place_give(move: YardMove, allocation: Allocation, actor: AbstractBaseUser, reason: str) -> None:
    """The move gets the place allocation chose (a waiting one, or one redirected): it waits no longer, the place
    is reserved for it, and dispatch may hand it out."""
    move.to_slot = allocation.slot
    move.to_tier = allocation.chosen.tier
    move.awaiting_slot_since = None
    move.allocation = allocation.explanation()
    move.planned_to = selectors.move_to(move) or ""
    audited(move, actor, reason).save(
        update_fields=["to_slot", "to_tier", "awaiting_slot_since", "allocation", "planned_to"]
    )
    _reserve([(move, allocation.slots)])


def _waiting_for(move: YardMove) -> dict:
    return (move.allocation or {}).get("waiting_for", {})


@transaction.atomic
@allocation_batch()
def awaiting_slots_allocate(*, limit: int = AWAITING_BATCH) -> int:
    """Gives the moves awaiting a slot a place where one has freed, most urgent and longest waiting first; returns
    how many got one. Run by a periodic task, and after a commit that frees a place while moves are waiting."""
    waiting = list(
        YardMove.objects.filter(awaiting_slot_since__isnull=False, status=YardMove.Status.PLANNED)
        .select_related("visit__container__iso_type", "from_carrier", "from_slot__block")
        .order_by("priority", "awaiting_slot_since", "pk")
        .select_for_update(skip_locked=True, of=("self",))[:limit]
    )
    actor, found = system_user(), 0
    for move in waiting:
        request = _waiting_for(move)
        try:
            allocation = slot_allocate(
                visit=move.visit,
                blocks=blocks_for(move.visit, inspection=request.get("inspection", False)),
                arriving_from=request.get("arriving_from"),
            )
        except NoSlotAvailable:
            continue
        _place_give(move, allocation, actor, _("a place freed"))
        found += 1
    return found


@transaction.atomic
def move_send_to_overflow(*, move_id: int, actor: AbstractBaseUser) -> YardMove:
    """The operator's way out for a move awaiting a slot: the best place in the overflow area (layout blocks of kind
    overflow). Its rules are the yard's: no dangerous goods there, and a full reefer needs a powered slot."""
    move = move_locked(move_id)
    if move.status != YardMove.Status.PLANNED or move.awaiting_slot_since is None:
        raise MoveNotAwaitingSlot(move=move.pk)
    request = _waiting_for(move)
    if request.get("inspection"):
        raise OverflowNotForInspection(move=move.pk)
    allocation = slot_allocate(
        visit=move.visit,
        blocks=list(Block.objects.filter(kind=Block.Kind.OVERFLOW)),
        arriving_from=request.get("arriving_from"),
    )
    _place_give(move, allocation, actor, _("sent to the overflow area"))
    return move


def _awaiting_slots_wake() -> None:
    """A place freed or a stack reopened: once this transaction commits, a worker looks for places for the moves
    waiting for one (once per transaction, and only while some wait)."""
    if not settings.YARD_AWAITING_SLOT_WAKE:
        return
    pending = getattr(connection, "_awaiting_slots_wake", None)
    if pending is not None and on_commit_registered(pending):
        return
    if not YardMove.objects.filter(awaiting_slot_since__isnull=False).exists():
        return

    def wake() -> None:
        from yard.tasks import allocate_awaiting_slots  # the tasks module imports these services

        allocate_awaiting_slots.delay()

    transaction.on_commit(wake, robust=True)  # a broker that is down costs a wait for the next periodic run
    connection._awaiting_slots_wake = wake


def move_create_adhoc(*, container: str, to: str, actor: AbstractBaseUser) -> YardMove:
    """A clerk's move of a container in the yard: to another position, or to the gate for a truck."""
    number = container_number_normalise(container)
    visit = ContainerVisit.objects.filter(container__number=number, state=ContainerVisit.State.IN_YARD).first()
    if visit is None:
        selectors.container_get_by_number(number=number)  # 404 if the container is unknown
        raise ContainerNotInTerminal(container=number)
    if str(to).strip().upper() == GATE:
        return move_plan(visit=visit, kind=YardMove.Kind.DELIVERY, to_gate=True, actor=actor)
    position = position_parse(to)
    slot = slot_at(position)
    _placement_verify(visit, slot, position.tier)  # refuse now what the confirmation would refuse
    return move_plan(visit=visit, kind=YardMove.Kind.SHIFT, to_slot=slot, to_tier=position.tier, actor=actor)


def _placement_verify(visit: ContainerVisit, slot: Slot, tier: int) -> None:
    snapshot = snapshot_around(slot).without(visit.pk)
    verdict, _costs = placement_check(Box.of(visit), snapshot.slots[slot.pk], tier, snapshot)
    if not verdict.allowed:
        raise PlacementRefused(code=verdict.code, position=snapshot.position(slot, tier), reason=verdict.reason)


def move_locked(move_id: int) -> YardMove:
    """The move, locked for this transaction, with everything a scanner's answer about it shows."""
    with lock_wait(format_lazy(gettext_lazy("move {move}"), move=move_id)):
        found = list(
            YardMove.objects.select_for_update(of=("self",))
            # everything the scanner's answer shows, too: the view serialises this move without reading it again
            .select_related(
                "visit__container__iso_type",
                "visit__outbound_carrier",
                "to_slot__block",
                "to_carrier",
                "from_slot__block",
                "from_carrier",
                "equipment",
            )
            .filter(pk=move_id)
            # No ORDER BY (first()) and no LIMIT (get()): with either, PostgreSQL took 3-5 ms to plan these twelve
            # joined tables instead of 1 ms. The primary key gives one row anyway.
            .order_by()
        )
    if not found:
        raise MoveNotFound(move=move_id)
    return found[0]


@transaction.atomic
def move_start(*, move_id: int, actor: AbstractBaseUser) -> YardMove:
    move = move_locked(move_id)
    if move.status == YardMove.Status.IN_PROGRESS:
        return move
    if move.status not in YardMove.OPEN_STATUSES:
        raise MoveNotOpen(move=move.pk, status=move.status)
    hold_check(move.visit, move.kind)
    move.status, move.started_at = YardMove.Status.IN_PROGRESS, timezone.now()
    audited(move, actor).save(update_fields=["status", "started_at"])
    return move


@transaction.atomic
def move_place_set(*, move_id: int, to_place: str, actor: AbstractBaseUser, reason: str) -> YardMove:
    """Points an open move at another place on its carrier (a restowed box's new cell from the stowage plan)."""
    move = move_locked(move_id)
    if move.status not in YardMove.OPEN_STATUSES or not move.to_carrier_id:
        raise MoveNotOpen(move=move.pk, status=move.status)
    move.to_place = to_place
    move.planned_to = selectors.move_to(move) or ""
    audited(move, actor, reason).save(update_fields=["to_place", "planned_to"])
    return move


@transaction.atomic
def move_cancel(*, move_id: int, actor: AbstractBaseUser, reason: str = "", failed: bool = False) -> YardMove:
    """Cancels an open move (or marks it failed: the machine could not do it). The container stays put."""
    move = move_locked(move_id)
    if move.status not in YardMove.OPEN_STATUSES:
        raise MoveNotOpen(move=move.pk, status=move.status)
    move.status = YardMove.Status.FAILED if failed else YardMove.Status.CANCELLED
    move.finished_at, move.finished_by, move.awaiting_slot_since = timezone.now(), actor, None
    audited(move, actor, reason).save(update_fields=["status", "finished_at", "finished_by", "awaiting_slot_since"])
    if _release(move):
        _awaiting_slots_wake()  # the place it held is free again
    return move


def move_complete(*, move_id: int, container: str, position: str, actor: AbstractBaseUser) -> YardMove:
    """The scanner confirms a move: the container as scanned, where it was put down.

    Accepted from planned, dispatched or in progress. Another legal position than planned is
    accepted and recorded as a deviation. Repeating the same confirmation returns the move unchanged.
    If the planned place itself no longer takes the box (its declaration or a neighbour changed since it was
    planned), the move is given another place and the driver is told where (MoveRedirected, which keeps it).
    """
    try:
        return _move_complete(move_id=move_id, container=container, position=position, actor=actor)
    except PlacementRefused as refused:
        if (redirected := _move_redirect(move_id, position, refused, actor)) is None:
            raise
        raise MoveRedirected(
            position=refused.context["position"],
            container=redirected.visit.container.number,
            reason=refused.context["reason"],
            target=redirected.planned_to,
        ) from refused


@transaction.atomic
def _move_redirect(move_id: int, position: str, refused: PlacementRefused, actor: AbstractBaseUser) -> YardMove | None:
    """Another place for a move whose planned place was refused at completion; None if the scan was not at the
    planned place (a driver's own choice: the refusal stands) or no other place is free."""
    move = move_locked(move_id)
    planned = selectors.move_to(move)
    if move.status not in YardMove.OPEN_STATUSES or not move.to_slot_id or str(position).strip().upper() != planned:
        return None
    inspection = move.to_slot.block.kind == Block.Kind.INSPECTION
    try:
        allocation = slot_allocate(
            visit=move.visit, blocks=blocks_for(move.visit, inspection=inspection), exclude_slot_ids={move.to_slot_id}
        )
    except NoSlotAvailable:
        return None
    _release(move)
    _place_give(move, allocation, actor, _("redirected at completion: %(reason)s") % refused.context)
    return move


@transaction.atomic
def _move_complete(*, move_id: int, container: str, position: str, actor: AbstractBaseUser) -> YardMove:
    number = container_number_normalise(container)
    target = str(position).strip().upper()
    move = move_locked(move_id)
    repeated = move.visit.container.number == number and target == selectors.move_to(move)
    if move.status == YardMove.Status.DONE and repeated:
        return move  # the same confirmation again: same answer, no write
    if move.status not in YardMove.OPEN_STATUSES:
        raise MoveNotOpen(move=move.pk, status=move.status)
    if move.visit.container.number != number:
        raise ContainerMismatch(move=move.pk, expected=move.visit.container.number, scanned=number)
    with lock_wait(
        format_lazy(gettext_lazy("container {container}"), container=number)
    ):  # holds are placed under this lock too: checked, they stay checked
        ContainerVisit.objects.select_for_update().filter(pk=move.visit_id).first()
    hold_check(move.visit, move.kind)

    now = timezone.now()
    visit = move.visit
    if target == GATE or move.to_gate or move.to_carrier_id:
        expected = selectors.move_to(move)
        if move.to_carrier_id and move.to_place:
            move.to_place = _carrier_place(move, target)
        elif target != expected:
            reason = _("move %(move)s goes to %(target)s") % {"move": move.pk, "target": expected}
            raise PositionInvalid(position=target, reason=reason)
        _occupancy_end(visit, actor)
        visit.state, visit.departed_at = ContainerVisit.State.DEPARTED, now
        visit.outbound_mode = move.to_carrier.mode if move.to_carrier_id else CarrierVisit.Mode.TRUCK
        audited(visit, actor).save(update_fields=["state", "departed_at", "outbound_mode"])
    else:
        parsed = position_parse(target)
        slot = slot_at(parsed)
        _occupancy_move(visit, slot, parsed.tier, actor)
        move.to_slot, move.to_tier = slot, parsed.tier
        if visit.state == ContainerVisit.State.EXPECTED:
            visit.state, visit.arrived_at = ContainerVisit.State.IN_YARD, now
            audited(visit, actor).save(update_fields=["state", "arrived_at"])

    move.deviation = bool(move.planned_to) and selectors.move_to(move) != move.planned_to
    move.awaiting_slot_since = None  # a driver who found a legal place himself ended the wait
    move.status, move.finished_at, move.finished_by = YardMove.Status.DONE, now, actor
    move.started_at = move.started_at or now
    audited(move, actor).save()
    _release(move)
    _awaiting_slots_wake()  # a box down reopens its stack; a box lifted frees its place
    if move.equipment_id and move.to_slot_id and move.equipment.current_block_id != move.to_slot.block_id:
        Equipment.objects.filter(pk=move.equipment_id).update(current_block=move.to_slot.block_id)
    hooks.move_completed_announce(move=move, actor=actor)  # rail's wagon, customs' inspection order
    return move


def _carrier_place(move: YardMove, target: str) -> str:
    """The place on the move's carrier the scanner names: the planned one, or another that the carrier's owner
    accepts (a free, legal stowage cell: a deviation). Anything on another carrier is refused."""
    prefix = selectors.carrier_label(move.to_carrier) + "/"
    if not target.startswith(prefix) or len(target) == len(prefix):
        reason = _("move %(move)s goes to %(target)s") % {"move": move.pk, "target": selectors.move_to(move)}
        raise PositionInvalid(position=target, reason=reason)
    return hooks.carrier_place_checked(move=move, place=target[len(prefix) :])


def _occupancy_end(visit: ContainerVisit, actor: AbstractBaseUser) -> None:
    """Lifts the container out of the yard (if it is there); refused while anything stands on it."""
    current = list(Occupancy.objects.filter(visit=visit).select_related("slot__block"))
    if not current:
        return
    slots_lock(Q(pk__in={occupancy.slot_id for occupancy in current}))
    _removal_verify(visit, current)
    for occupancy in current:
        audited(occupancy, actor).delete()


def _removal_verify(visit: ContainerVisit, current: list[Occupancy]) -> None:
    primary = next(occupancy for occupancy in current if occupancy.primary)
    snapshot = snapshot_around(primary.slot)
    above = removal_check(visit.pk, snapshot.slots[primary.slot_id], primary.tier, snapshot)
    if above:
        raise ContainerNotOnTop(
            container=visit.container.number,
            position=snapshot.position(primary.slot, primary.tier),
            above=above.number,
        )


def _occupancy_move(visit: ContainerVisit, slot: Slot, tier: int, actor: AbstractBaseUser) -> None:
    """Puts the container at slot/tier, taking it from where it stood; every rule checked under lock."""
    box = Box.of(visit)
    current = list(Occupancy.objects.filter(visit=visit).select_related("slot__block"))
    wanted = Q(pk__in={slot.pk} | {occupancy.slot_id for occupancy in current})
    if box.long:  # the next bay's slot too, which a 40' fills
        wanted |= Q(block_id=slot.block_id, bay=slot.bay + 1, row=slot.row)
    if slot.block.kind == Block.Kind.DANGEROUS_GOODS:
        # DG rules look at neighbours, not just these slots: one placement at a time in a DG block.
        with lock_wait(format_lazy(gettext_lazy("block {block}"), block=slot.block.code)):
            Block.objects.select_for_update().filter(pk=slot.block_id).first()
    slots_lock(wanted)
    if current:
        _removal_verify(visit, current)
    snapshot = snapshot_around(slot).without(visit.pk)
    verdict, _costs = placement_check(box, snapshot.slots[slot.pk], tier, snapshot)
    position = snapshot.position(slot, tier)
    if not verdict.allowed:
        raise PlacementRefused(code=verdict.code, position=position, reason=verdict.reason)
    covered = snapshot.covered(snapshot.slots[slot.pk], box)
    other = SlotReservation.objects.filter(slot_id__in=[c.pk for c in covered], tier=tier).exclude(move__visit=visit)
    if holder := other.first():  # another box is on its way here: this one is put down elsewhere
        reason = _("move %(move)s goes there") % {"move": holder.move_id}
        raise PlacementRefused(code="position_reserved", position=position, reason=reason)
    for occupancy in current:
        audited(occupancy, actor).delete()
    try:
        with transaction.atomic():  # the constraint is the last word if a race got past the locks
            occupancies = [
                audited(Occupancy(slot_id=covered_slot.pk, tier=tier, visit=visit, primary=index == 0), actor)
                for index, covered_slot in enumerate(covered)
            ]
            bulk_create_with_history(occupancies, Occupancy, default_user=actor)
    except IntegrityError:
        raise PlacementRefused(code="position_occupied", position=position, reason=_("it is already taken")) from None
