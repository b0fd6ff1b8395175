"""Allocation speed for `make bench`: milliseconds per box on a filled yard, alone and within a list.

A gate-in allocates one box: `slot_allocate` reads the box's area (slots, occupancies, the boxes on their way,
open moves) and ranks every legal stack. A list (a train's, a vessel's) allocates inside `allocation_batch()`,
which reads each area once and keeps it up to date itself. Both are timed with the terminal's strategy,
`rehandle`, and with the `lowest` baseline on the same yard and boxes, interleaved round by round: the baseline
ranks almost for free, so it shows what reading and scanning cost on this machine at this moment (the machine
is shared, and the difference between the two is the ranking's own cost).

The boxes are full dry boxes arriving by truck, with departures known for most of them; their stays are opened
through the service and everything is rolled back at the end. Allocation itself writes nothing.
"""

import random
import statistics
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import bench.allocation  # noqa: F401  (registers the `lowest` baseline)
from aktau_tos.audit import audited, system_user
from yard import services
from yard.allocation import blocks_for, slot_allocate
from yard.models import AccessPoint, Block, CarrierVisit, ContainerVisit, Occupancy, Slot

from .numbers import container_number

STRATEGIES = ("rehandle", "lowest")  # ours, then the baseline
AIM_MS_PER_BOX = 8.0  # on two cores
BOX_TYPES = ("22G1", "22G1", "42G1", "42G1", "45G1")


def yard_fill() -> dict:
    """How full the yard is: boxes standing, and the share of ground slots and of places (slot x tier) used."""
    ground = Slot.objects.count() or 1
    places = sum(block.max_tier * block.slots.count() for block in Block.objects.all()) or 1
    full_blocks = Slot.objects.filter(block__kind=Block.Kind.FULL).count() or 1
    return {
        "boxes": Occupancy.objects.filter(primary=True).count(),
        "ground_slots": round(Occupancy.objects.filter(tier=1).count() / ground, 3),
        "places": round(Occupancy.objects.count() / places, 3),
        "full_blocks_ground_slots": round(
            Occupancy.objects.filter(tier=1, slot__block__kind=Block.Kind.FULL).count() / full_blocks, 3
        ),
    }


def _visits_arriving(count: int, seed: int) -> list[ContainerVisit]:
    """Stays opened through the service for boxes at the gate; 80 % know their departure (12 h to 6 days)."""
    rng, actor, now = random.Random(seed), system_user(), timezone.now()
    truck = CarrierVisit(mode=CarrierVisit.Mode.TRUCK, reference="BENCH-ALLOC")
    truck.status, truck.arrived_at = CarrierVisit.Status.ARRIVED, now
    audited(truck, actor).save()
    visits = []
    for index in range(count):
        visit = services.visit_open(
            container=container_number(600_000 + index, owner="BNAU"), iso_type=rng.choice(BOX_TYPES),
            freight_kind=ContainerVisit.FreightKind.FULL, category=ContainerVisit.Category.EXPORT,
            inbound_carrier=truck, gross_kg=rng.randrange(4_000, 30_000), actor=actor,
        )  # fmt: skip
        if rng.random() < 0.8:
            visit.expected_departure = now + timedelta(hours=rng.triangular(12, 144, 48))
            visit.save(update_fields=["expected_departure"])
        visits.append(visit)
    return list(ContainerVisit.objects.filter(pk__in=[v.pk for v in visits]).select_related("container__iso_type"))


def _single(visits: list[ContainerVisit], blocks: list[Block], strategy: str) -> list[float]:
    """Milliseconds of each gate-in allocation, one box at a time (each reads its area)."""
    timings = []
    for visit in visits:
        started = time.perf_counter()
        slot_allocate(visit=visit, blocks=blocks, arriving_from=AccessPoint.Kind.GATE, strategy=strategy)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def _batch(visits: list[ContainerVisit], blocks: list[Block], strategy: str) -> float:
    """Milliseconds per box of one list: all the boxes inside one allocation_batch, as a train list does."""
    started = time.perf_counter()
    with services.allocation_batch():
        for visit in visits:
            slot_allocate(visit=visit, blocks=blocks, arriving_from=AccessPoint.Kind.RAIL, strategy=strategy)
    return 1000 * (time.perf_counter() - started) / len(visits)


def allocation_speed_measure(*, boxes: int = 114, rounds: int = 5, single_boxes: int = 40) -> dict:
    """`rounds` lists of `boxes` boxes, and `rounds` x `single_boxes` gate-in allocations, per strategy.

    Medians: of the single allocations, and of the lists' milliseconds per box."""
    with transaction.atomic():
        fill = yard_fill()
        visits = _visits_arriving(boxes, seed=1)
        blocks = blocks_for(visits[0])  # every box here is full and dry: the same area
        for strategy in STRATEGIES:  # untimed warm-up: the first read of an area fills the database's caches
            _single(visits[:2], blocks, strategy)
        single = {strategy: [] for strategy in STRATEGIES}
        batch = {strategy: [] for strategy in STRATEGIES}
        for round_ in range(rounds):
            sample = visits[round_ * single_boxes % boxes :][:single_boxes] or visits[:single_boxes]
            for strategy in STRATEGIES:
                single[strategy] += _single(sample, blocks, strategy)
                batch[strategy].append(_batch(visits, blocks, strategy))
        transaction.set_rollback(True)
    result: dict = {"yard": fill, "boxes_per_list": boxes, "rounds": rounds, "area_slots": _area_slots(blocks)}
    for strategy in STRATEGIES:
        result[strategy] = {
            "single_ms_per_box_median": round(statistics.median(single[strategy]), 2),
            "single_ms_per_box_p90": round(_quantile(single[strategy], 0.9), 2),
            "single_allocations": len(single[strategy]),
            "list_ms_per_box_median": round(statistics.median(batch[strategy]), 2),
            "list_ms_per_box_all": [round(ms, 2) for ms in batch[strategy]],
        }
    result["aim_ms_per_box"] = AIM_MS_PER_BOX
    return result


def _area_slots(blocks: list[Block]) -> int:
    return Slot.objects.filter(block__in=blocks).count()


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
