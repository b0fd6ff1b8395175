"""Dispatch: hand planned moves to the work queues of the machines that can do them, and the operator's
reassignment of a move to another machine by the same rules.

Several workers on several hosts may run this at once: each claims planned moves with
SELECT ... FOR UPDATE SKIP LOCKED, so a move is claimed by exactly one of them.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from aktau_tos.audit import audited, system_user
from yard import hooks
from yard.errors import (
    EquipmentNotFound,
    MachineInactive,
    MachineNotServing,
    MoveAwaitingSlot,
    MoveNotOpen,
    MoveNotReady,
)
from yard.models import Block, Equipment, Hold, YardMove
from yard.services.moves import hold_check, move_locked

BATCH = 200


def _distance(a: Block | None, b: Block | None) -> int:
    if a is None or b is None:
        return 0
    return abs(a.x_m - b.x_m) + abs(a.y_m - b.y_m)


def _held_move_kinds(visit_ids: set[int]) -> dict[int, set[str]]:
    """Move kinds that active holds block, per visit (one query for the whole batch)."""
    blocked: dict[int, set[str]] = {}
    for visit_id, kinds in Hold.objects.filter(visit_id__in=visit_ids, released_at__isnull=True).values_list(
        "visit_id", "blocked_move_kinds"
    ):
        blocked.setdefault(visit_id, set()).update(kinds)
    return blocked


@transaction.atomic
def moves_dispatch(*, limit: int = BATCH) -> int:
    """Assigns up to `limit` planned moves, most urgent first; returns how many were dispatched.

    Each goes to the active machine that serves its block, can reach its tier, and has the shortest
    queue (then the shortest drive). Moves no machine can do, or that a hold blocks, stay planned, and the
    claim goes on past them: a pile of held moves at the top never stalls the rest of the terminal.
    """
    planned = (
        # a move awaiting a slot has nowhere to go yet
        YardMove.objects.filter(status=YardMove.Status.PLANNED, awaiting_slot_since__isnull=True)
        .select_related("from_slot__block", "to_slot__block")
        .order_by("priority", F("deadline").asc(nulls_last=True), "pk")
    )
    machines = list(Equipment.objects.filter(active=True).select_related("current_block").prefetch_related("blocks"))
    # Open moves only: counting through the machines' relation would join every move they ever did.
    open_moves = YardMove.objects.filter(
        status__in=[YardMove.Status.DISPATCHED, YardMove.Status.IN_PROGRESS], equipment__isnull=False
    )
    queues = dict(open_moves.values_list("equipment").annotate(count=Count("id")).order_by())
    queue = {machine.pk: queues.get(machine.pk, 0) for machine in machines}
    serves = {machine.pk: {block.pk for block in machine.blocks.all()} for machine in machines}
    actor, now, dispatched, passed_over = system_user(), timezone.now(), 0, set()
    while dispatched < limit:
        wanted = limit - dispatched
        claimed = list(planned.exclude(pk__in=passed_over).select_for_update(skip_locked=True, of=("self",))[:wanted])
        held = _held_move_kinds({move.visit_id for move in claimed})
        waiting = hooks.dispatch_waiting(claimed)  # e.g. a load whose cells below on the ship are not filled yet
        for move in claimed:
            blocked = move.kind in held.get(move.visit_id, ()) or move.pk in waiting
            machine = None if blocked else _machine_for(move, machines, serves, queue)
            if machine is None:  # held, waiting (dispatched later) or no machine can do it: passed over
                passed_over.add(move.pk)
                continue
            queue[machine.pk] += 1
            move.status, move.equipment, move.dispatched_at = YardMove.Status.DISPATCHED, machine, now
            audited(move, actor).save(update_fields=["status", "equipment", "dispatched_at"])
            dispatched += 1
        if len(claimed) < wanted:
            break  # nothing more to claim
    return dispatched


def _machines_able(move: YardMove, machines: list[Equipment], serves: dict) -> tuple[list[Equipment], Block | None]:
    """The machines that can do the move, and the block they drive to (None for a carrier's own cranes)."""
    if (at_carrier := hooks.dispatch_machines_for(move, machines)) is not None:  # a vessel's harbour cranes
        return at_carrier, None
    block = move.to_slot.block if move.to_slot_id else move.from_slot.block if move.from_slot_id else None
    tier = move.to_tier or move.from_tier or 1
    return [m for m in machines if block and block.pk in serves[m.pk] and m.max_tier >= tier], block


def _machine_for(move: YardMove, machines: list[Equipment], serves: dict, queue: dict) -> Equipment | None:
    able, block = _machines_able(move, machines, serves)
    return min(able, key=lambda m: (queue[m.pk], _distance(m.current_block, block), m.code), default=None)


@transaction.atomic
def move_reassign(*, move_id: int, equipment_code: str, actor: AbstractBaseUser) -> YardMove:
    """Gives an open move to another machine (one broke down, another stands idle), by the rules dispatch uses:
    the machine is active and serves the move's block up to its tier, or is one of the cranes at the carrier.

    A planned move becomes dispatched; one in progress stays in progress (its machine failed mid-move and another
    finishes it). Giving a move to the machine it already has changes nothing and writes no history.
    """
    move = move_locked(move_id)
    if move.status not in YardMove.OPEN_STATUSES:
        raise MoveNotOpen(move=move.pk, status=move.status)
    if move.awaiting_slot_since is not None:
        raise MoveAwaitingSlot(move=move.pk)
    code = str(equipment_code).strip().upper()
    machines = list(Equipment.objects.filter(active=True).select_related("current_block").prefetch_related("blocks"))
    target = next((machine for machine in machines if machine.code == code), None)
    if target is None:
        if Equipment.objects.filter(code=code).exists():
            raise MachineInactive(machine=code)
        raise EquipmentNotFound(code=code)
    if move.equipment_id == target.pk:
        return move
    serves = {machine.pk: {block.pk for block in machine.blocks.all()} for machine in machines}
    able, block = _machines_able(move, machines, serves)
    if target not in able:
        raise MachineNotServing(machine=target.code, move=move.pk, reason=_refusal_reason(move, target, block))
    if move.status == YardMove.Status.PLANNED:  # what dispatch would pass over, a hand does not push through
        hold_check(move.visit, move.kind)
        if move.pk in hooks.dispatch_waiting([move]):
            raise MoveNotReady(move=move.pk, carrier=move.to_carrier or move.from_carrier or "-")
    previous = move.equipment.code if move.equipment_id else None
    move.equipment = target
    if move.status == YardMove.Status.PLANNED:
        move.status = YardMove.Status.DISPATCHED
    move.dispatched_at = timezone.now()  # its age in the new machine's queue starts now
    reason = (
        _("reassigned from %(previous)s to %(machine)s") % {"previous": previous, "machine": target.code}
        if previous
        else _("assigned to %(machine)s") % {"machine": target.code}
    )
    audited(move, actor, reason).save(update_fields=["status", "equipment", "dispatched_at"])
    return move


def _refusal_reason(move: YardMove, machine: Equipment, block: Block | None) -> str:
    if block is None:  # the carrier's owner chose the machines (a vessel's cranes at its berth)
        return _("it is not one of the cranes that work this carrier")
    if not any(served.pk == block.pk for served in machine.blocks.all()):
        return _("it does not serve block %(block)s") % {"block": block.code}
    return _("it reaches tier %(reach)s, the move needs tier %(tier)s") % {
        "reach": machine.max_tier,
        "tier": move.to_tier or move.from_tier or 1,
    }
