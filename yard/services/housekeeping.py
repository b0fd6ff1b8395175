"""Housekeeping: at night, move containers so that tomorrow's departures dig out fewer boxes.

For every bay holding a container that leaves within the horizon, the relocation planner
(yard.relocation) plans the bay's retrievals in departure order; its relocations before the last
departure of the horizon are tomorrow's expected rehandles. Bays are taken worst first while the
machines have spare capacity. In each, the planner's relocations that come before the first retrieval
are legal now (they only lift boxes off the first container to leave), so they are planned tonight as
housekeeping moves to the rows the planner chose; done tonight, they cost no one waiting tomorrow.

Bays are planned as the planner sees them, stacks of rows in one bay: a bay where 20' and 40'
containers mix, or a 40' reaches in from the bay before, is left alone.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from aktau_tos.errors import DomainError
from yard.models import Block, ContainerVisit, Equipment, Occupancy, Slot, YardMove
from yard.relocation import relocations_plan
from yard.services.moves import move_plan

PLANNER_SECONDS_PER_BAY = 0.1


@dataclass
class HousekeepingResult:
    bays_with_departures: int = 0
    rehandles_expected: int = 0  # tomorrow, if nothing is done tonight
    rehandles_avoided: int = 0  # by the moves planned tonight, as the planner expects
    moves_planned: int = 0
    bays_skipped: int = 0  # mixed 20'/40' bays the planner does not model
    details: list[dict] = field(default_factory=list)


@dataclass
class _Bay:
    block: Block
    bay: int
    stacks: list[list[int]]  # per row, bottom to top: retrieval priority of each container
    visits: dict[int, ContainerVisit]  # priority -> visit
    horizon: int  # containers with priority <= horizon leave within the horizon


def _rehandles_before(plan_moves, stacks: list[list[int]], horizon: int) -> int:
    """Relocations of the plan that happen before the horizon's last container has left."""
    stacks = [list(stack) for stack in stacks]
    target, count = 1, 0

    def retrieve_ready() -> None:
        nonlocal target
        while target <= horizon and any(stack and stack[-1] == target for stack in stacks):
            next(stack for stack in stacks if stack and stack[-1] == target).pop()
            target += 1

    retrieve_ready()
    for move in plan_moves:
        if target > horizon:
            break
        stacks[move.to_stack].append(stacks[move.from_stack].pop())
        count += 1
        retrieve_ready()
    return count


def _bays_with_departures(until: datetime) -> tuple[list[_Bay], int]:
    occupancies = list(
        Occupancy.objects.filter(primary=True, visit__state=ContainerVisit.State.IN_YARD)
        .select_related("slot__block", "visit__container__iso_type", "visit__outbound_carrier")
        .order_by("slot__block_id", "slot__bay", "slot__row", "tier")
    )
    by_bay: dict[tuple[int, int], list[Occupancy]] = {}
    for occupancy in occupancies:
        by_bay.setdefault((occupancy.slot.block_id, occupancy.slot.bay), []).append(occupancy)
    long_into = {  # bays that a 40' from the bay before reaches into
        (o.slot.block_id, o.slot.bay + 1) for o in occupancies if o.visit.container.iso_type.length_ft >= 40
    }
    bays, skipped = [], 0
    for (block_id, bay), group in by_bay.items():
        leaving = [o for o in group if _departure(o.visit) and _departure(o.visit) <= until]
        if not leaving:
            continue
        lengths = {o.visit.container.iso_type.length_ft >= 40 for o in group}
        if len(lengths) > 1 or (block_id, bay) in long_into:
            skipped += 1
            continue
        order = sorted(group, key=lambda o: (_departure(o.visit) or datetime.max.replace(tzinfo=until.tzinfo), o.pk))
        priority = {o.pk: index + 1 for index, o in enumerate(order)}
        block = group[0].slot.block
        stacks = [[priority[o.pk] for o in group if o.slot.row == row] for row in range(1, block.rows + 1)]
        visits = {priority[o.pk]: o.visit for o in group}
        bays.append(_Bay(block, bay, stacks, visits, horizon=len(leaving)))
    return bays, skipped


def _departure(visit: ContainerVisit) -> datetime | None:
    return visit.expected_departure or (visit.outbound_carrier.etd if visit.outbound_carrier_id else None)


def _spare_capacity() -> int:
    machines = Equipment.objects.filter(active=True).count()
    busy = YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).count()
    return max(0, machines * settings.YARD_HOUSEKEEPING_MOVES_PER_MACHINE - busy)


def housekeeping_plan(
    *, actor: AbstractBaseUser, now: datetime | None = None, horizon_hours: int = 24, max_moves: int | None = None
) -> HousekeepingResult:
    """Plans tonight's housekeeping moves within spare capacity; returns what it expects them to save."""
    now = now or timezone.now()
    budget = _spare_capacity() if max_moves is None else max_moves
    bays, skipped = _bays_with_departures(now + timedelta(hours=horizon_hours))
    result = HousekeepingResult(bays_with_departures=len(bays), bays_skipped=skipped)
    ranked = []
    for bay in bays:
        plan = relocations_plan(bay.stacks, max_height=bay.block.max_tier, time_limit=PLANNER_SECONDS_PER_BAY)
        expected = _rehandles_before(plan.moves, bay.stacks, bay.horizon)
        result.rehandles_expected += expected
        if expected:
            ranked.append((expected, bay, plan))
    ranked.sort(key=lambda entry: (-entry[0], entry[1].block.code, entry[1].bay))
    for expected, bay, plan in ranked:
        if result.moves_planned >= budget:
            break
        stacks, moves = _plan_prefix(bay, plan, actor, budget - result.moves_planned)
        if not moves:
            continue
        after = relocations_plan(stacks, max_height=bay.block.max_tier, time_limit=PLANNER_SECONDS_PER_BAY)
        avoided = max(0, expected - _rehandles_before(after.moves, stacks, bay.horizon))
        result.moves_planned += moves
        result.rehandles_avoided += avoided
        result.details.append(
            {"bay": f"{bay.block.code}-{bay.bay:02d}", "expected": expected, "moves": moves, "avoided": avoided}
        )
    return result


def _plan_prefix(bay: _Bay, plan, actor: AbstractBaseUser, budget: int) -> tuple[list[list[int]], int]:
    """Plans the relocations before the first retrieval; returns the bay as it will then stand, and how many.

    The moves must be done in the order planned (dispatch keeps it: same priority, then creation order);
    each is checked in full when the driver confirms it, like any other move.
    """
    stacks = [list(stack) for stack in bay.stacks]
    planned = 0
    for move in plan.moves:
        if budget <= planned or any(stack and stack[-1] == 1 for stack in stacks):
            break  # out of capacity, or the first to leave is free: the planner's next moves need it gone
        if budget <= 0:
            break
        container = stacks[move.from_stack][-1]
        if container != move.container:
            break  # defensive: the plan and the bay disagree
        tier = len(stacks[move.to_stack]) + 1
        slot = Slot.objects.select_related("block").get(block=bay.block, bay=bay.bay, row=move.to_stack + 1)
        try:
            move_plan(
                visit=bay.visits[container], kind=YardMove.Kind.HOUSEKEEPING, to_slot=slot, to_tier=tier, actor=actor
            )
        except DomainError:
            break  # a hold or an open move: stop this bay here, the rest would build on it
        stacks[move.to_stack].append(stacks[move.from_stack].pop())
        planned += 1
    return stacks, planned
