"""Slot allocation: choose where a container goes in the yard, and say why.

Every legal top-of-stack position in the allowed blocks is scored; the lowest score wins. The score
adds up costs that each name a reason (so the choice explains itself in the API and the admin):

- rehandle: 1 if a container below leaves earlier than this one (this one would have to move
  first), 0 if below all leave later or on the same carrier. A departure not known yet is estimated as
  a typical dwell from now: 0.5 if the estimate says the box below leaves first, 0.2 if it says later;
- gap: a box leaving long before the boxes under it takes a stack that boxes leaving in between could
  have used, so the closest later departure fits best (an empty ground slot counts as the widest gap);
- grouping: a bonus for standing on a container bound for the same carrier;
- weight: for the same carrier, heavier boxes go on top (they load first), so a lighter box on a
  heavier one costs a little;
- height, distance and workload: small tie-breakers for lower stacks, shorter drives from where the
  container arrives, and equipment that is less busy;
- whatever rules of other apps attach (dangerous-goods segregation).

That ranking is the strategy `rehandle`, the only one the terminal uses. A strategy is a function that
ranks the legal placements (`Strategy`); measurement registers others to compare against (the
benchmarks' baselines, `bench.allocation`), and a simulation may allocate inside `strategy_using(name)`.
"""

import json
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktau_tos.locking import lock_wait
from yard.errors import NoSlotAvailable
from yard.models import AccessPoint, Block, ContainerVisit, Slot, SlotReservation, YardMove
from yard.stacking import Box, SlotRef, Verdict, YardSnapshot, boxes_of_visits, placement_check, snapshot_load

REHANDLE_EARLIER_BELOW = 1.0
REHANDLE_UNKNOWN = 0.5  # a departure is estimated, and the estimate says the box below leaves first
REHANDLE_UNKNOWN_LATER = 0.2  # estimated, and it says the box below leaves later: likely fine, not certain
# A box whose departure is not known yet is expected to leave this long after now: about the typical wait for
# the next feeder or train. With the gap below, it took the bench's busiest flow from 0.23 rehandles per
# retrieval to 0.14: every rehandle there had involved a box of unknown departure, which scored alike everywhere.
EXPECTED_DWELL = timedelta(hours=48)
GAP_PER_DAY = 0.02
GAP_DAYS_AT_MOST = 3  # and an empty ground slot counts as this gap
GROUPING_BONUS = -0.3
WEIGHT_INVERSION = 0.2
HEIGHT_PER_TIER = 0.05
DISTANCE_PER_KM = 0.5
WORKLOAD_PER_OPEN_MOVE = 0.01
RUNNERS_UP = 5
DEFAULT_STRATEGY = "rehandle"
# The advisory lock allocations take turns on (an arbitrary constant of this project, "AKTAU-AL" in ASCII).
ALLOCATION_LOCK = 0x414B5441552D414C


@dataclass(frozen=True)
class Candidate:
    slot_id: int
    tier: int
    position: str
    score: float
    costs: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"position": self.position, "score": round(self.score, 3), "costs": self.costs}


@dataclass(frozen=True)
class Allocation:
    chosen: Candidate
    runners_up: list[Candidate]
    considered: int
    strategy: str
    slots: tuple[Slot, ...] = ()  # the ground slots the chosen place fills (two for a 40'), with their block

    @property
    def slot(self) -> Slot:
        return self.slots[0]

    def explanation(self) -> dict:
        return {
            "strategy": self.strategy,
            "chosen": self.chosen.as_dict(),
            "runners_up": [candidate.as_dict() for candidate in self.runners_up],
            "considered": self.considered,
        }


# A legal placement: (slot id, tier, the costs other apps' rules attached).
Placement = tuple[int, int, list[Verdict]]


@dataclass(frozen=True)
class ScoringContext:
    """What a strategy may weigh besides the snapshot."""

    distance_m: dict[int, int] = field(default_factory=dict)  # block id -> metres from where the box arrives
    workload: dict[int, int] = field(default_factory=dict)  # block id -> open moves bound there
    rng: random.Random | None = None  # for strategies that draw (repeatable when the caller seeds it)
    now: datetime | None = None  # when the box is placed (a replay's own time): unknown departures count from it


# Ranks the legal placements of a box, best first (at least one when there is any).
Strategy = Callable[[Box, YardSnapshot, list[Placement], ScoringContext], list[Candidate]]
_strategies: dict[str, Strategy] = {}
# The strategy (and generator) that allocations made inside strategy_using() follow.
_strategy: ContextVar[tuple[str, random.Random | None]] = ContextVar(
    "allocation_strategy", default=(DEFAULT_STRATEGY, None)
)


def allocation_strategy_register(name: str, strategy: Strategy) -> Strategy:
    """Makes a strategy available by name (measurement registers its baselines here)."""
    _strategies[name] = strategy
    return strategy


def allocation_strategies() -> tuple[str, ...]:
    return tuple(_strategies)


def allocation_strategy_check(name: str) -> None:
    if name not in _strategies:
        raise ValueError(f"unknown allocation strategy {name!r}; choose one of {', '.join(_strategies)}")


@contextmanager
def strategy_using(strategy: str, *, rng: random.Random | None = None) -> Iterator[None]:
    """Every allocation inside the block (whichever service asks) uses this strategy; `rng` makes a drawing
    strategy repeatable. For simulations that compare strategies; the terminal itself always uses `rehandle`."""
    allocation_strategy_check(strategy)
    token = _strategy.set((strategy, rng))
    try:
        yield
    finally:
        _strategy.reset(token)


def blocks_for(visit: ContainerVisit, *, inspection: bool = False) -> list[Block]:
    """The blocks a container may be stored in: its own area by cargo (DG, reefer, empty, full)."""
    if inspection:
        kinds = [Block.Kind.INSPECTION]
    elif visit.dangerous_goods:
        kinds = [Block.Kind.DANGEROUS_GOODS]
    elif visit.freight_kind == ContainerVisit.FreightKind.EMPTY:
        kinds = [Block.Kind.EMPTY, Block.Kind.FULL]
    elif visit.container.iso_type.is_reefer:
        kinds = [Block.Kind.REEFER]
    else:
        kinds = [Block.Kind.FULL]
    batch = _batch.get()
    if batch is None:
        return list(Block.objects.filter(kind__in=kinds))
    if tuple(kinds) not in batch.blocks:  # the layout does not change during one list
        batch.blocks[tuple(kinds)] = list(Block.objects.filter(kind__in=kinds))
    return batch.blocks[tuple(kinds)]


def candidates_scan(box: Box, snapshot: YardSnapshot, slots: Iterable[SlotRef] | None = None) -> list[Placement]:
    """(slot id, tier, rule costs) of every legal placement: one per stack (on its top), in a stable order.
    Over `slots` only if given (in the snapshot's order)."""
    legal, max_tier = [], {block_id: block.max_tier for block_id, block in snapshot.blocks.items()}
    for slot in snapshot.slots.values() if slots is None else slots:  # in block code, bay, row order (as read)
        if slot.pk in snapshot.closed:
            continue
        tier = snapshot.height(slot.pk) + 1
        if tier > max_tier[slot.block_id]:  # a full stack: the rules would refuse it first thing
            continue
        verdict, rule_costs = placement_check(box, slot, tier, snapshot)
        if verdict.allowed:
            legal.append((slot.pk, tier, rule_costs))
    return legal


def _score(box: Box, place: Placement, snapshot: YardSnapshot, context: ScoringContext) -> Candidate:
    slot_id, tier, rule_costs = place
    slot = snapshot.slots[slot_id]
    costs: dict[str, float] = {}
    below = {
        entry[0].visit_id: entry[0]
        for covered in snapshot.covered(slot, box) or [slot]
        for level in range(1, tier)
        if (entry := snapshot.box_at(covered.pk, level))
    }
    expected = (context.now or timezone.now()) + EXPECTED_DWELL
    leaves = box.departure or expected
    rehandle, gap_days = 0.0, float(GAP_DAYS_AT_MOST)
    for other in below.values():
        if other.outbound_carrier_id and other.outbound_carrier_id == box.outbound_carrier_id:
            gap_days = 0.0  # leaves with it: no better fit
            continue
        other_leaves = other.departure or expected
        if box.departure is None or other.departure is None:
            rehandle = max(rehandle, REHANDLE_UNKNOWN if other_leaves < leaves else REHANDLE_UNKNOWN_LATER)
        elif other_leaves < leaves:
            rehandle = max(rehandle, REHANDLE_EARLIER_BELOW)
        gap_days = min(gap_days, max((other_leaves - leaves).total_seconds() / 86_400, 0.0))
    if rehandle:
        costs["rehandle"] = rehandle
    elif box.departure is not None and gap_days:
        costs["gap"] = round(GAP_PER_DAY * gap_days, 3)
    top = snapshot.box_at(slot_id, tier - 1)
    if top and box.outbound_carrier_id and top[0].outbound_carrier_id == box.outbound_carrier_id:
        costs["grouping"] = GROUPING_BONUS
        if box.gross_kg and top[0].gross_kg and box.gross_kg < top[0].gross_kg:
            costs["weight"] = WEIGHT_INVERSION
    costs["height"] = round(HEIGHT_PER_TIER * tier, 3)
    costs["distance"] = round(DISTANCE_PER_KM * context.distance_m.get(slot.block_id, 0) / 1000, 3)
    if context.workload.get(slot.block_id):
        costs["workload"] = round(WORKLOAD_PER_OPEN_MOVE * context.workload[slot.block_id], 3)
    for verdict in rule_costs:
        costs[verdict.cost_label or "rule"] = round(costs.get(verdict.cost_label or "rule", 0) + verdict.cost, 3)
    return Candidate(slot_id, tier, snapshot.position(slot, tier), sum(costs.values()), costs)


def _distances(blocks: list[Block], arriving_from: str | None, batch: "_Batch | None" = None) -> dict[int, int]:
    key = (arriving_from, *sorted(block.pk for block in blocks))
    if batch is not None and key in batch.distances:
        return batch.distances[key]
    point = AccessPoint.objects.filter(kind=arriving_from).first() if arriving_from else None
    distances = {block.pk: abs(block.x_m - point.x_m) + abs(block.y_m - point.y_m) for block in blocks} if point else {}
    if batch is not None:
        batch.distances[key] = distances
    return distances


def _workload(blocks: list[Block]) -> dict[int, int]:
    """Open moves into or out of each block: a rough measure of how busy its equipment is."""
    open_moves = Q(status__in=YardMove.OPEN_STATUSES)
    into = YardMove.objects.filter(open_moves, to_slot__block__in=blocks).values("to_slot__block")
    counts: dict[int, int] = {}
    for row in into.annotate(n=Count("id")):
        counts[row["to_slot__block"]] = row["n"]
    return counts


def rehandle_ranking(box: Box, snapshot: YardSnapshot, legal: list[Placement], context: ScoringContext):
    """The terminal's strategy: every legal placement scored by the costs above, cheapest first.

    Empty ground slots of one block without a rule's cost all score the same (nothing below, same tier,
    distance and workload), so only the first of them is scored: the one a stable sort would have put first
    anyway. In an emptying yard that is most of the candidates."""
    scored, empty_blocks = [], set()
    for place in legal:
        slot_id, tier, rule_costs = place
        if tier == 1 and not rule_costs:
            block_id = snapshot.slots[slot_id].block_id
            if block_id in empty_blocks:
                continue
            empty_blocks.add(block_id)
        scored.append(_score(box, place, snapshot, context))
    return sorted(scored, key=lambda candidate: candidate.score)


allocation_strategy_register(DEFAULT_STRATEGY, rehandle_ranking)


def slot_choose(
    box: Box,
    snapshot: YardSnapshot,
    *,
    strategy: str = DEFAULT_STRATEGY,
    distance_m: dict[int, int] | None = None,
    workload: dict[int, int] | None = None,
    rng: random.Random | None = None,
    legal: list[Placement] | None = None,
    now: datetime | None = None,
) -> Allocation | None:
    """The best legal position for a box on a snapshot (no database), or None if there is none. `legal`: the
    box's legal placements on this snapshot, when the caller has them already (candidates_scan's); `now`: the
    time of placing it, for a replay (the clock's time otherwise)."""
    if legal is None:
        legal = candidates_scan(box, snapshot)
    if not legal:
        return None
    context = ScoringContext(distance_m or {}, workload or {}, rng, now or timezone.now())
    ranked = _strategies[strategy](box, snapshot, legal, context)
    return Allocation(ranked[0], ranked[1 : 1 + RUNNERS_UP], len(legal), strategy)


def _planned_arrivals(snapshot: YardSnapshot) -> set[int]:
    """Boxes on their way (open moves' reservations) stand in the snapshot at their places, so that rules count
    them (a planned DG box keeps the next one apart as if it stood there); returns their slots, which take no
    other box until they arrive (nothing is stacked on a box not yet put down).

    Read in two narrow steps, not one join of reservations, moves, visits and containers: a train list plans its
    boxes in one transaction, where the statistics (from before it) can say the tables are empty, and
    PostgreSQL then nested such joins deep (64 ms for 40 moves, minutes for 800).
    """
    reserved = list(
        SlotReservation.objects.filter(slot__block_id__in=list(snapshot.blocks))
        .values_list("slot_id", "tier", "move__visit_id")
        .order_by("move_id", "slot__bay")
    )
    if not reserved:
        return set()
    boxes = {box.visit_id: box for box in boxes_of_visits({visit_id for _, _, visit_id in reserved})}
    primary: dict[int, int] = {}
    for slot_id, tier, visit_id in reserved:
        if slot_id in snapshot.slots and (slot_id, tier) not in snapshot.boxes:
            snapshot.boxes[(slot_id, tier)] = (boxes[visit_id], primary.setdefault(visit_id, slot_id))
    return {slot_id for slot_id, _, _ in reserved}


@dataclass
class _Area:
    """What allocation reads of an area: its snapshot with the boxes on their way, and its open moves. Within a
    list, also the legal placements found so far: per kind of box, per block (see _candidates_of_batch)."""

    snapshot: YardSnapshot
    workload: dict[int, int]
    legal: dict[tuple, dict[int, list[Placement]]] = field(default_factory=dict)
    slots_by_block: dict[int, list[SlotRef]] = field(default_factory=dict)


def _box_kind(box: Box) -> tuple:
    """What the rules judge a box by (yard.hooks.placement_rules): boxes of one kind are legal in the same places."""
    return box.length_ft, box.reefer, json.dumps(box.dangerous_goods, sort_keys=True)


def _candidates_of_batch(area: _Area, box: Box) -> list[Placement]:
    """candidates_scan on the batch's own snapshot, block by block, reusing what an earlier box of the same kind
    found in the blocks nothing was placed in since: a rule judges a stack by its block alone (yard.hooks), and
    _batch_place forgets a block's placements once a box goes there. A 114-box list placed into a dozen blocks
    scans each block a few times instead of every block for every box; the answer is the same."""
    if not area.slots_by_block:
        for slot in area.snapshot.slots.values():  # contiguous per block, in scan order
            area.slots_by_block.setdefault(slot.block_id, []).append(slot)
    found = area.legal.setdefault(_box_kind(box), {})
    legal: list[Placement] = []
    for block_id, slots in area.slots_by_block.items():
        if block_id not in found:
            found[block_id] = candidates_scan(box, area.snapshot, slots)
        legal += found[block_id]
    return legal


def _area_load(blocks: list[Block]) -> _Area:
    snapshot = snapshot_load(blocks=blocks)
    return _Area(snapshot.restricted(_planned_arrivals(snapshot)), _workload(blocks))


@dataclass
class _Batch:
    """What one list's allocations share (see allocation_batch): each area read once, the blocks of each cargo
    area and the distances from each access point, and whether the allocation turn is already held."""

    areas: dict[frozenset, _Area] = field(default_factory=dict)
    blocks: dict[tuple, list[Block]] = field(default_factory=dict)
    distances: dict[tuple, dict[int, int]] = field(default_factory=dict)
    turn_taken: bool = False
    # Every place chosen so far (box, slot, tier): its move may not be written yet (a list writes its moves after
    # choosing them all), so an area read later must be told.
    placed: list[tuple[Box, SlotRef, int]] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("allocation_batch", default=None)


@contextmanager
def allocation_batch() -> Iterator[None]:
    """Inside one transaction: every allocation of the block reads each area once and then keeps it up to date
    itself (each box chosen stands in its place, its stack closed). For a list (a train's, a vessel's), where
    reading the area again for every box cost more than choosing. Sound because allocations take turns until
    the transaction ends (allocation_turn_take): nobody else reserves a place meanwhile. A box lifted or put down
    by a driver meanwhile is not seen, as with any snapshot; the completion checks the place again."""
    if _batch.get() is not None:  # within a list's batch already: the same batch
        yield
        return
    token = _batch.set(_Batch())
    try:
        yield
    finally:
        _batch.reset(token)


def allocation_turn_take() -> None:
    """Inside a transaction on PostgreSQL: waits until no other transaction is allocating, and holds the turn until
    this one ends. Two planners reading the yard at once would both see a place free and both choose it; in turn,
    the second reads the first one's committed move and reservation. The reservations' unique constraint is the
    last word either way; the turn makes sure nobody meets it. One lock for the whole yard, not one per area: a
    train list allocates in several areas, and locks taken in whichever order could deadlock. The terminal
    allocates a few hundred boxes a day, each in milliseconds, so taking turns costs nothing a user notices."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with lock_wait(gettext_lazy("the yard's allocation")), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ALLOCATION_LOCK])


def slot_allocate(
    *,
    visit: ContainerVisit,
    blocks: list[Block],
    arriving_from: str | None = None,
    strategy: str | None = None,
    exclude_slot_ids: set[int] = frozenset(),
) -> Allocation:
    """The best legal position for the visit's container in the blocks, with the runners-up.

    Boxes on their way count as standing in their places, and their stacks are left alone; `exclude_slot_ids`
    are never chosen (housekeeping does not put a box back on the stack it is clearing). Without `strategy`, the one
    strategy_using() set applies (`rehandle` outside it).
    """
    rng = None
    if strategy is None:
        strategy, rng = _strategy.get()
    batch, key = _batch.get(), frozenset(block.pk for block in blocks)
    if batch is None or not batch.turn_taken:  # the turn lasts until the transaction ends: once per batch
        allocation_turn_take()
        if batch is not None:
            batch.turn_taken = True
    area = batch.areas.get(key) if batch is not None else None
    if area is None:
        area = _area_load(blocks)
        if batch is not None:
            batch.areas[key] = area
            for box, slot, tier in batch.placed:  # chosen earlier in the batch: stands here too, written or not
                if (entry := area.snapshot.box_at(slot.pk, tier)) is None or entry[0].visit_id != box.visit_id:
                    _area_place(area, box, slot, tier)
    box = Box.of(visit)
    snapshot, legal = area.snapshot, None
    if batch is not None and not exclude_slot_ids and not snapshot.places_of(visit.pk):
        legal = _candidates_of_batch(area, box)  # a box arriving: the batch's snapshot as it is
    else:
        snapshot = snapshot.without(visit.pk)
        if exclude_slot_ids:
            snapshot = snapshot.restricted(set(exclude_slot_ids))
    allocation = slot_choose(
        box,
        snapshot,
        strategy=strategy,
        distance_m=_distances(blocks, arriving_from, batch),
        workload=area.workload,
        rng=rng,
        legal=legal,
    )
    if allocation is None:
        names = ", ".join(sorted(block.code for block in blocks)) or _("no block of its kind")
        raise NoSlotAvailable(container=box.number, area=names)
    chosen = area.snapshot.slots[allocation.chosen.slot_id]
    if batch is not None:  # the box stands in its place for the rest of the batch
        _batch_place(batch, box, chosen, allocation.chosen.tier)
    covered = area.snapshot.covered(chosen, box)
    return replace(allocation, slots=tuple(_slot_row(each, area.snapshot.blocks[each.block_id]) for each in covered))


def _slot_row(slot: SlotRef, block: Block) -> Slot:
    """The model row of a slot the snapshot read, without reading it again."""
    row = Slot.from_db(DEFAULT_DB_ALIAS, ["id", "block_id", "bay", "row", "reefer_power"], list(slot))
    row.block = block
    return row


def _batch_place(batch: _Batch, box: Box, slot: SlotRef, tier: int) -> None:
    """The chosen place, taken in every area of the batch that holds it (and in any read later): areas overlap (an
    empty may go to the blocks for full boxes too), and one that did not see it would hand the place out again."""
    batch.placed.append((box, slot, tier))
    for area in batch.areas.values():
        _area_place(area, box, slot, tier)


def _area_place(area: _Area, box: Box, slot: SlotRef, tier: int) -> None:
    if slot.pk not in area.snapshot.slots:
        return
    covered = area.snapshot.covered(area.snapshot.slots[slot.pk], box)
    area.snapshot.place(box, covered, tier)
    area.snapshot.closed.update(each.pk for each in covered)
    area.workload[slot.block_id] = area.workload.get(slot.block_id, 0) + 1
    for found in area.legal.values():  # the block's stacks are judged again for the next box
        found.pop(slot.block_id, None)
