"""Dispatch: hand planned moves to the work queues of the machines that can do them.

Several workers on several hosts may run this at once: each claims planned moves with
SELECT ... FOR UPDATE SKIP LOCKED, so a move is claimed by exactly one of them.
"""

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from aktau_tos.audit import audited, system_user
from yard import hooks
from yard.models import Block, Equipment, Hold, YardMove

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


def _machine_for(move: YardMove, machines: list[Equipment], serves: dict, queue: dict) -> Equipment | None:
    if (at_carrier := hooks.dispatch_machines_for(move, machines)) is not None:  # a vessel's harbour cranes
        return min(at_carrier, key=lambda m: (queue[m.pk], m.code), default=None)
    block = move.to_slot.block if move.to_slot_id else move.from_slot.block if move.from_slot_id else None
    tier = move.to_tier or move.from_tier or 1
    able = [m for m in machines if block and block.pk in serves[m.pk] and m.max_tier >= tier]
    if not able:
        return None
    return min(able, key=lambda m: (queue[m.pk], _distance(m.current_block, block), m.code))
