"""One dispatch tick with a large backlog: 2,000 planned moves across the yard's blocks and 20 machines.

`dispatch_tick_measure()` fills the yard (stacks two or three high in the full, empty and reefer blocks),
plans a backlog of moves of every kind on them (loading onto an outbound train or vessel, deliveries to
trucks, discharge from an inbound train, receipts from trucks, housekeeping, shifts, inspections) and
brings the yard's machines to `machines` active ones by adding reach stackers (the Aktau layout has 18: ten
stacking machines and eight tractors; its harbour cranes work ships, not the yard, and are not counted).
Then it times `moves_dispatch()`: one tick on the full backlog, several times, each undone afterwards
(median), the queries of one tick, and the ticks it takes until nothing is left planned. Everything runs in
one transaction that is rolled back at the end (unless `keep=True`), so the measurement leaves the database
as it found it; each tick is then a savepoint rather than a transaction of its own, which changes nothing
that the measurement sees.

The setup is written with bulk_create, not through the services (speed, not rules), but it is what the
services would accept: boxes stand on real slots in stacks without gaps, each visit has one open move,
targets are distinct free places above the stacks, and carriers, gate and inspection area are real. Boxes
that earlier traffic left in the yard stay where they are; they may be moved, and a planned box may be put
on their stack only if it holds 20' boxes alone and has no move pending.
"""

import random
import statistics
import time
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum import iso6346

from aktau_tos.audit import system_user
from yard.models import (
    Block,
    CarrierVisit,
    Container,
    ContainerVisit,
    Equipment,
    Hold,
    IsoSizeType,
    Occupancy,
    Slot,
    YardMove,
)
from yard.positions import position_format
from yard.services.dispatch import BATCH, moves_dispatch
from yard.services.moves import DEFAULT_PRIORITY

OWNER = "DSPU"  # the setup's containers
# Shares of the backlog by kind: a busy shift's worth of train, vessel and truck work.
MIX = {
    YardMove.Kind.LOAD: 0.30,
    YardMove.Kind.DELIVERY: 0.15,
    YardMove.Kind.DISCHARGE: 0.25,
    YardMove.Kind.RECEIVE: 0.10,
    YardMove.Kind.HOUSEKEEPING: 0.12,
    YardMove.Kind.SHIFT: 0.08,
}
STACKED = {Block.Kind.FULL: 2, Block.Kind.REEFER: 2, Block.Kind.EMPTY: 3}  # boxes per stack before the backlog
FROM_YARD = {YardMove.Kind.LOAD, YardMove.Kind.DELIVERY, YardMove.Kind.HOUSEKEEPING, YardMove.Kind.SHIFT}
TO_YARD = {YardMove.Kind.DISCHARGE, YardMove.Kind.RECEIVE, YardMove.Kind.HOUSEKEEPING, YardMove.Kind.SHIFT}
EXTRA_MACHINES = [("RS-07", ["A", "C", "F"]), ("RS-08", ["B", "D", "G"]), ("RS-09", ["A", "B", "C", "D", "F", "G"]),
                  ("RS-10", ["A", "B", "C", "D", "F", "G"])]  # fmt: skip


def _number(serial: int) -> str:
    body = f"{OWNER}{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def _yard_machines():
    """Active machines that work the yard's blocks (harbour cranes only serve a berth)."""
    return Equipment.objects.filter(active=True).exclude(kind=Equipment.Kind.HARBOUR_CRANE)


def _machines_ensure(count: int) -> list[str]:
    """Adds reach stackers (for the full reach-stacker blocks) until `count` machines are active."""
    added = []
    blocks = {block.code: block for block in Block.objects.all()}
    active = _yard_machines().count()
    extra = iter(EXTRA_MACHINES)
    serial = 0
    while active < count:
        code, served = next(extra, (None, None))
        if code is None:
            serial += 1
            code, served = f"RS-X{serial:02d}", [c for c in blocks if blocks[c].equipment_kind == "reach_stacker"]
        if Equipment.objects.filter(code=code).exists():
            continue
        machine = Equipment.objects.create(code=code, kind=Equipment.Kind.REACH_STACKER, max_tier=5)
        machine.blocks.set([blocks[c] for c in served if c in blocks] or list(blocks.values()))
        added.append(code)
        active += 1
    return added


def yard_places(blocks: dict[int, Block], served: set[int]) -> tuple[list[Slot], list[tuple[Slot, int]], list[Slot]]:
    """Where the setup may stack and plan: empty stacks of the full, empty and reefer blocks; the free place on
    top of stacks in use that hold only 20' boxes and have no move pending (earlier traffic is not built on
    otherwise: nothing goes onto a 40'); the free places of the inspection area. Only blocks a machine serves."""
    top: dict[int, int] = {}
    mixed: set[int] = set()
    standing = Occupancy.objects.values_list("slot_id", "tier", "primary", "visit__container__iso_type__length_ft")
    for slot_id, tier, primary, length_ft in standing:
        top[slot_id] = max(top.get(slot_id, 0), tier)
        if not primary or length_ft != 20:
            mixed.add(slot_id)
    pending = YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).values_list("from_slot_id", "to_slot_id")
    mixed.update(slot_id for pair in pending for slot_id in pair if slot_id)
    slots = [slot for slot in Slot.objects.order_by("pk") if slot.block_id in served]
    empty = [slot for slot in slots if blocks[slot.block_id].kind in STACKED and slot.pk not in top]
    on_top = [
        (slot, top[slot.pk] + 1)
        for slot in slots
        if blocks[slot.block_id].kind in STACKED
        and slot.pk in top
        and slot.pk not in mixed
        and top[slot.pk] < blocks[slot.block_id].max_tier
    ]
    inspection = [slot for slot in slots if blocks[slot.block_id].kind == Block.Kind.INSPECTION and slot.pk not in top]
    return empty, on_top, inspection


def _backlog_create(moves: int, rng: random.Random, held: int) -> dict:
    """Stacks, visits, carriers and `moves` planned moves (the first `held` loads held by customs)."""
    actor, now = system_user(), timezone.now()
    size_type = IsoSizeType.objects.filter(code="22G1").first() or IsoSizeType.objects.filter(length_ft=20).first()
    if size_type is None:
        raise ImproperlyConfigured("dispatch_tick_measure needs the ISO size/type codes: run seed_aktau first.")
    blocks = {block.pk: block for block in Block.objects.all()}
    served = set(Equipment.blocks.through.objects.filter(equipment__active=True).values_list("block_id", flat=True))
    stacks, in_use, inspection = yard_places(blocks, served)
    if not stacks:
        raise ImproperlyConfigured("dispatch_tick_measure needs the yard layout and its machines: run seed_aktau.")
    train_in = CarrierVisit.objects.create(mode="rail", reference="DSP-IN", status="arrived", arrived_at=now)
    train_out = CarrierVisit.objects.create(mode="rail", reference="DSP-OUT", status="arrived", arrived_at=now,
                                            etd=now + timedelta(hours=6))  # fmt: skip
    vessel = CarrierVisit.objects.create(mode="vessel", reference="DSP-VSL", status="expected",
                                         etd=now + timedelta(hours=20))  # fmt: skip
    truck = CarrierVisit.objects.create(mode="truck", reference="DSP-TRK", status="arrived", arrived_at=now)
    serial = Container.objects.filter(number__startswith=OWNER).count()

    def visits_create(count: int, **fields) -> list[ContainerVisit]:
        nonlocal serial
        boxes = Container.objects.bulk_create(
            Container(number=_number(serial + i), iso_type=size_type, tare_kg=2200, max_gross_kg=30480)
            for i in range(count)
        )
        serial += count
        return ContainerVisit.objects.bulk_create(ContainerVisit(container=box, **fields) for box in boxes)

    # The yard: every served stack of the full, empty and reefer blocks two (empties three) high.
    heights = {slot.pk: min(STACKED[blocks[slot.block_id].kind], blocks[slot.block_id].max_tier - 1) for slot in stacks}
    places = [(slot, tier) for slot in stacks for tier in range(1, heights[slot.pk] + 1)]
    standing = visits_create(len(places), state="in_yard", inbound_carrier=train_in, arrived_at=now - timedelta(days=2),
                             gross_kg=18_000)  # fmt: skip
    Occupancy.objects.bulk_create(
        Occupancy(slot=slot, tier=tier, visit=visit) for (slot, tier), visit in zip(places, standing, strict=True)
    )
    where = {visit.pk: place for place, visit in zip(places, standing, strict=True)}
    # Targets: the free place above each stack (one pending move per stack), the inspection area's places.
    targets = [(slot, heights[slot.pk] + 1) for slot in stacks] + in_use
    rng.shuffle(targets)
    sources = list(standing)
    rng.shuffle(sources)
    # Boxes of earlier traffic that stand in the yard with no move open may be moved as well (after ours).
    earlier = list(
        Occupancy.objects.filter(primary=True, slot__block_id__in=served, visit__state=ContainerVisit.State.IN_YARD)
        .exclude(visit__moves__status__in=YardMove.OPEN_STATUSES)
        .exclude(visit__in=[visit.pk for visit in standing])
        .select_related("slot", "visit")
    )
    where.update({occupancy.visit_id: (occupancy.slot, occupancy.tier) for occupancy in earlier})
    sources = [occupancy.visit for occupancy in earlier] + sources  # popped from the end: ours first
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=moves)
    kinds[: min(len(inspection), moves // 100)] = [YardMove.Kind.INSPECTION] * min(len(inspection), moves // 100)
    needs_target = sum(kind in TO_YARD for kind in kinds)
    needs_source = sum(kind in FROM_YARD or kind == YardMove.Kind.INSPECTION for kind in kinds)
    if needs_target > len(targets) or needs_source > len(sources):
        raise ImproperlyConfigured(f"the yard has room for about {len(targets)} planned moves, not {moves}")
    arriving = {
        YardMove.Kind.DISCHARGE: visits_create(kinds.count(YardMove.Kind.DISCHARGE), inbound_carrier=train_in,
                                               gross_kg=20_000),
        YardMove.Kind.RECEIVE: visits_create(kinds.count(YardMove.Kind.RECEIVE), inbound_carrier=truck,
                                             gross_kg=15_000),
    }  # fmt: skip
    planned = []
    for kind in kinds:
        move = YardMove(kind=kind, priority=DEFAULT_PRIORITY[kind], created_by=actor)
        if kind in arriving:
            move.visit = arriving[kind].pop()
            move.from_carrier = move.visit.inbound_carrier
        else:
            move.visit = sources.pop()
            move.from_slot, move.from_tier = where[move.visit.pk]
        if kind == YardMove.Kind.INSPECTION:
            move.to_slot, move.to_tier = inspection.pop(), 1
        elif kind in TO_YARD:
            move.to_slot, move.to_tier = targets.pop()
        elif kind == YardMove.Kind.LOAD:
            move.to_carrier = rng.choice([train_out, vessel])
            move.deadline = move.to_carrier.etd
        else:
            move.to_gate = True
        if move.to_slot_id:
            slot = move.to_slot
            move.planned_to = position_format(blocks[slot.block_id].code, slot.bay, slot.row, move.to_tier)
        elif move.to_gate:
            move.planned_to = "GATE"
        else:
            move.planned_to = f"{move.to_carrier.mode.upper()}:{move.to_carrier.reference}"
        planned.append(move)
    planned = YardMove.objects.bulk_create(planned)
    loads = [move for move in planned if move.kind == YardMove.Kind.LOAD][:held]
    Hold.objects.bulk_create(
        Hold(visit_id=move.visit_id, authority=Hold.Authority.CUSTOMS, kind="documents", placed_by=actor,
             blocked_move_kinds=[YardMove.Kind.LOAD, YardMove.Kind.DELIVERY], reason="benchmark")
        for move in loads
    )  # fmt: skip
    return {
        "moves": len(planned),
        "by_kind": dict(Counter(str(move.kind) for move in planned)),
        "boxes_stacked_for_it": len(standing),
        "held": len(loads),
    }


def _able(move: YardMove, machine: Equipment, served: dict[int, set[int]]) -> bool:
    slot = move.to_slot if move.to_slot_id else move.from_slot
    tier = move.to_tier or move.from_tier or 1
    return slot is not None and slot.block_id in served[machine.pk] and machine.max_tier >= tier


def assignments_check(move_ids: list[int]) -> dict:
    """Whom the moves went to: any move given to a machine that cannot do it, and the spread of queue
    lengths among machines that serve the same blocks (shortest queue first keeps it at one or less)."""
    machines = {m.pk: m for m in Equipment.objects.prefetch_related("blocks")}
    served = {pk: {block.pk for block in m.blocks.all()} for pk, m in machines.items()}
    moves = list(YardMove.objects.filter(pk__in=move_ids).select_related("from_slot", "to_slot"))
    wrong = [move.pk for move in moves if move.equipment_id and not _able(move, machines[move.equipment_id], served)]
    queues = Counter(move.equipment_id for move in moves if move.equipment_id)
    groups: dict[tuple, list[int]] = {}
    for pk, machine in machines.items():
        if machine.active and served[pk] and machine.kind != Equipment.Kind.TERMINAL_TRACTOR:
            groups.setdefault((tuple(sorted(served[pk])), machine.max_tier), []).append(queues.get(pk, 0))
    return {
        "dispatched": sum(queues.values()),
        "per_machine": dict(sorted((machines[pk].code, n) for pk, n in queues.items())),
        "to_unable_machine": wrong,
        "to_tractors": sum(n for pk, n in queues.items() if machines[pk].kind == Equipment.Kind.TERMINAL_TRACTOR),
        "largest_spread_within_a_group": max((max(q) - min(q) for q in groups.values()), default=0),
    }


def dispatch_tick_measure(
    *, moves: int = 2000, machines: int = 20, repeats: int = 5, held: int = 0, seed: int = 1, keep: bool = False
) -> dict:
    """Times one dispatch tick on a backlog of `moves` planned moves with `machines` active machines.

    Returns the setup, the tick (median of `repeats`, each undone), the queries of a tick and the slowest
    of them, and dispatching everything (ticks and seconds until a tick dispatches nothing, that last tick
    included), with a check of the assignments. `held` plants customs holds on that many loading moves.
    """
    if connection.vendor != "postgresql":
        raise ImproperlyConfigured("dispatch_tick_measure measures PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED).")
    if repeats < 1:
        raise ValueError("repeats: at least one tick to time")
    rng = random.Random(seed)
    with transaction.atomic():
        started = time.perf_counter()
        added = _machines_ensure(machines)
        backlog = _backlog_create(moves, rng, held)
        setup_seconds = time.perf_counter() - started
        planned_ids = list(YardMove.objects.filter(status=YardMove.Status.PLANNED).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE yard_yardmove")
            cursor.execute("ANALYZE yard_occupancy")

        ticks = []
        for _ in range(repeats):  # one tick on the full backlog, undone each time
            savepoint = transaction.savepoint()
            tick = time.perf_counter()
            dispatched = moves_dispatch()
            ticks.append(time.perf_counter() - tick)
            transaction.savepoint_rollback(savepoint)
        savepoint = transaction.savepoint()
        with CaptureQueriesContext(connection) as queries:
            moves_dispatch()
        transaction.savepoint_rollback(savepoint)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]

        all_ticks = []
        total = 0
        while True:  # until nothing more is dispatched
            tick = time.perf_counter()
            count = moves_dispatch()
            all_ticks.append(time.perf_counter() - tick)
            total += count
            if count == 0:
                break
        check = assignments_check(planned_ids)
        left = YardMove.objects.filter(pk__in=planned_ids, status=YardMove.Status.PLANNED).count()
        active = _yard_machines().count()
        if not keep:
            transaction.set_rollback(True)
    return {
        "backlog": backlog,
        "machines_active": active,
        "machines_added": added,
        "batch": BATCH,
        "setup_seconds": round(setup_seconds, 2),
        "tick_seconds_median": round(statistics.median(ticks), 3),
        "tick_seconds_all": [round(t, 3) for t in ticks],
        "tick_dispatched": dispatched,
        "queries_per_tick": len(queries.captured_queries),
        "slowest_queries": [{"ms": round(1000 * float(q["time"]), 1), "sql": q["sql"][:300]} for q in slowest],
        "dispatch_all": {
            "ticks": len(all_ticks),
            "seconds": round(sum(all_ticks), 2),
            "tick_seconds_max": round(max(all_ticks), 3),
            "dispatched": total,
            "left_planned": left,
        },
        "assignments": check,
        "kept": keep,
    }
