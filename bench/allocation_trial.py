"""A reproducible week of yard traffic, replayed once per allocation strategy, counting rehandles.

Containers arrive through the day bound for scheduled departures (block trains every few hours,
Caspian vessels twice a day). Some bookings are unknown on arrival. At each departure every
container of that carrier is retrieved; whatever stands on top of it is relocated first (by the
same strategy) and counted as a rehandle. The flow and the yard are the same for every strategy,
so the rehandles per retrieved container compare the strategies and nothing else.

Runs on an in-memory snapshot of real blocks: no database writes.
"""

import heapq
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from yard.allocation import slot_choose
from yard.stacking import Box, YardSnapshot

START = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Arrival:
    at: datetime
    box: Box
    departure_known: bool


@dataclass
class TrialResult:
    strategy: str
    arrivals: int = 0
    placed: int = 0
    refused: int = 0  # no legal slot: the yard was full
    retrieved: int = 0
    rehandles: int = 0
    peak_fill: float = 0.0

    @property
    def rehandles_per_retrieval(self) -> float:
        return self.rehandles / self.retrieved if self.retrieved else 0.0


def flow_generate(*, days: int, per_day: int, seed: int) -> tuple[list[Arrival], dict[int, datetime]]:
    """Arrivals with their carriers, and each carrier's departure time. Same seed, same week."""
    rng = random.Random(seed)
    departures: dict[int, datetime] = {}
    carrier = 0
    for day in range(days + 8):  # departures continue after the last arrival
        for hour in (2, 6, 10, 14, 18, 22):  # outbound block trains
            carrier += 1
            departures[carrier] = START + timedelta(days=day, hours=hour)
        for hour in (8, 20):  # Caspian vessels
            carrier += 1
            departures[carrier] = START + timedelta(days=day, hours=hour, minutes=30)
    arrivals = []
    for index in range(days * per_day):
        at = START + timedelta(days=index // per_day, seconds=rng.randrange(86_400))
        dwell = timedelta(hours=rng.triangular(12, 144, 48))
        later = [cid for cid, when in departures.items() if when >= at + dwell]
        bound = min(later, key=lambda cid: departures[cid]) if rng.random() < 0.6 else rng.choice(later[:12])
        box = Box(
            visit_id=index + 1,
            number=f"TRIAL{index:06d}",
            length_ft=40 if rng.random() < 0.55 else 20,
            reefer=False,
            dangerous_goods=(),
            departure=departures[bound],
            outbound_carrier_id=bound,
            gross_kg=rng.randrange(4_000, 30_000),
        )
        arrivals.append(Arrival(at, box, departure_known=rng.random() < 0.8))
    arrivals.sort(key=lambda arrival: arrival.at)
    return arrivals, departures


def _place(snapshot: YardSnapshot, box: Box, strategy: str, rng: random.Random, now: datetime) -> bool:
    allocation = slot_choose(box, snapshot, strategy=strategy, rng=rng, now=now)
    if allocation is None:
        return False
    slot = snapshot.slots[allocation.chosen.slot_id]
    snapshot.place(box, snapshot.covered(slot, box), allocation.chosen.tier)
    return True


def _retrieve(
    result: TrialResult, snapshot: YardSnapshot, box: Box, strategy: str, rng: random.Random, now: datetime
) -> None:
    """Takes the box out; each box lifted off it first is relocated by the same strategy: a rehandle."""
    while blocker := snapshot.top_above(box.visit_id):
        snapshot.remove(blocker.visit_id)
        result.rehandles += 1
        # never back onto the stack being dug out
        aside = snapshot.restricted({slot_id for slot_id, _ in snapshot.places_of(box.visit_id)})
        allocation = slot_choose(blocker, aside, strategy=strategy, rng=rng, now=now)
        if allocation is not None:  # else it waits in a buffer lane, out of the yard
            slot = snapshot.slots[allocation.chosen.slot_id]
            snapshot.place(blocker, snapshot.covered(slot, blocker), allocation.chosen.tier)
    snapshot.remove(box.visit_id)
    result.retrieved += 1


def trial_run(snapshot: YardSnapshot, arrivals: list[Arrival], departures: dict[int, datetime], *, strategy: str,
              seed: int) -> TrialResult:  # fmt: skip
    """Replays the flow on a copy of the (empty) snapshot with one strategy."""
    yard = YardSnapshot(snapshot.blocks, snapshot.slots, snapshot.by_place, dict(snapshot.boxes))
    rng, result = random.Random(seed), TrialResult(strategy)
    capacity = sum(yard.blocks[slot.block_id].max_tier for slot in yard.slots.values())
    events: list[tuple[datetime, int, int]] = []  # (time, 0 departure / 1 arrival, index)
    for index, arrival in enumerate(arrivals):
        heapq.heappush(events, (arrival.at, 1, index))
    for carrier, when in departures.items():
        heapq.heappush(events, (when, 0, carrier))
    staying: dict[int, list[Box]] = {}
    last_arrival = arrivals[-1].at if arrivals else START
    while events:
        when, kind, key = heapq.heappop(events)
        if kind == 1:
            arrival = arrivals[key]
            result.arrivals += 1
            box = arrival.box if arrival.departure_known else replace(arrival.box, departure=None,
                                                                      outbound_carrier_id=None)  # fmt: skip
            if _place(yard, box, strategy, rng, when):
                result.placed += 1
                staying.setdefault(arrival.box.outbound_carrier_id, []).append(box)
                used = sum(1 for _ in yard.boxes) / capacity
                result.peak_fill = max(result.peak_fill, used)
            else:
                result.refused += 1
        else:
            leaving = staying.pop(key, [])
            while leaving:  # a carrier is loaded from the top of the stacks down, as a crane driver would
                box = max(leaving, key=lambda b: max((tier for _, tier in yard.places_of(b.visit_id)), default=0))
                leaving.remove(box)
                _retrieve(result, yard, box, strategy, rng, when)
            if when > last_arrival and not staying:
                break
    return result
