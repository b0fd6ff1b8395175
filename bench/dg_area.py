"""Does the DG area hold the dangerous goods of the traffic model? The sizing check behind docs/capacity.md.

The DG boxes the traffic model (`simulation/traffic.py`) brings by train, vessel and truck are replayed, in
memory, on the layout's DG blocks with the terminal's allocation and stacking rules (segregation included). Each
box stays its planned dwell plus a wait of up to half a day for its outbound carrier, then leaves from the top of
its stack down; a box with no legal place is counted as refused. The area refuses boxes long before its places
are taken (classes that do not stack, the slots segregation keeps empty), so the figures that matter are the
refusals and the share of places taken at the peak, which together say how much of the area is usable.

Runs on the blocks as `seed_aktau` lays them out; writes nothing to the database.
"""

import random
from datetime import datetime, timedelta

from bench.allocation_trial import Arrival, trial_run
from simulation.traffic import TrainArrival, TruckArrival, VesselArrival, traffic_generate
from yard.models import Block
from yard.stacking import Box, snapshot_load

WAIT_FOR_CARRIER_HOURS = 12  # the most a box waits after its dwell for the next train or feeder of its route


def dg_flow(*, days: int, seed: int, teu_per_year: float) -> tuple[list[Arrival], dict[int, datetime]]:
    """The traffic model's DG boxes as arrivals, each with a carrier of its own leaving when the box does."""
    traffic = traffic_generate(days=days, seed=seed, teu_per_year=teu_per_year)
    rng = random.Random(seed)
    arrivals: list[Arrival] = []
    departures: dict[int, datetime] = {}
    for event in traffic.events:
        if isinstance(event, TrainArrival):
            plans = list(event.boxes)
        elif isinstance(event, VesselArrival):
            plans = list(event.call.discharge)
        elif isinstance(event, TruckArrival):
            plans = [event.box]
        else:
            continue
        for plan in plans:
            if not plan.dangerous_goods:
                continue
            key = len(departures) + 1
            departures[key] = event.at + timedelta(hours=plan.dwell_hours + rng.uniform(0, WAIT_FOR_CARRIER_HOURS))
            box = Box(
                visit_id=key,
                number=plan.number,
                length_ft=plan.length_ft,
                reefer=plan.reefer,
                dangerous_goods=tuple(line.as_dict() for line in plan.dangerous_goods),
                departure=departures[key],
                outbound_carrier_id=key,
                gross_kg=plan.gross_kg,
            )
            arrivals.append(Arrival(event.at, box, departure_known=True))
    arrivals.sort(key=lambda arrival: arrival.at)
    return arrivals, departures


def dg_area_measure(*, days: int, volumes: tuple[float, ...], seeds: tuple[int, ...]) -> dict:
    """Per volume: DG boxes, refused, peak share of the area's places taken, rehandles per retrieval."""
    blocks = list(Block.objects.filter(kind=Block.Kind.DANGEROUS_GOODS).order_by("code"))
    empty = snapshot_load(blocks=blocks)
    empty.boxes.clear()  # the layout's area, whatever stands in it now
    places = sum(empty.blocks[slot.block_id].max_tier for slot in empty.slots.values())
    figures: dict = {
        "blocks": {block.code: f"{block.bays} x {block.rows} x {block.max_tier}" for block in blocks},
        "places": places,
        "days": days,
        "volumes": {},
    }
    for volume in volumes:
        runs = []
        for seed in seeds:
            arrivals, departures = dg_flow(days=days, seed=seed, teu_per_year=volume)
            result = trial_run(empty, arrivals, departures, strategy="rehandle", seed=seed)
            runs.append({
                "seed": seed, "dg_boxes": result.arrivals, "refused": result.refused,
                "peak_share_of_places": round(result.peak_fill, 3),
                "rehandles_per_retrieval": round(result.rehandles_per_retrieval, 3),
            })  # fmt: skip
        figures["volumes"][str(int(volume))] = {
            "dg_boxes": sum(run["dg_boxes"] for run in runs),
            "refused": sum(run["refused"] for run in runs),
            "peak_share_of_places": max(run["peak_share_of_places"] for run in runs),
            "runs": runs,
        }
    return figures
