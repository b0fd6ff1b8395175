"""Stowage figures for `make bench`: a 200-box call on a feeder and a full 700-TEU vessel, planned in memory."""

import random
import statistics

from vessels.geometry import Geometry
from vessels.stowage import Rules, StowBox, stowage_solve, yard_rehandles

TARGET_GAP = 0.03
TARGET_SECONDS = 30.0


def _ship(bays_20: int, rows: int, hold_tiers: int, deck_tiers: int, seed: int) -> Geometry:
    """Plugs on about a third of the deck cells, as a feeder's reefer rows would give."""
    rng = random.Random(seed)
    plain = Geometry(bays_20, rows, hold_tiers, deck_tiers)
    plugs = frozenset(cell.label for cell in plain.cells_20() if cell.on_deck and rng.random() < 0.35)
    return Geometry(bays_20, rows, hold_tiers, deck_tiers, reefer_plugs=plugs)


def _call(count: int, seed: int) -> list[StowBox]:
    """Boxes booked for three ports, three in five 20', a few reefers and DG, standing in yard stacks of up to 4."""
    rng = random.Random(seed)
    boxes, heights = [], {}
    for index in range(count):
        length = 20 if rng.random() < 0.6 else 40
        stack = f"Y{rng.randrange(max(1, count // 3)):03d}"
        if heights.get(stack, 0) >= 4:
            stack = f"Y{index + 1000}"
        heights[stack] = heights.get(stack, 0) + 1
        dangerous = (rng.choice(["3", "8", "2.1"]),) if rng.random() < 0.03 else ()
        mass = rng.randrange(4_000, 26_000) if length == 20 else rng.randrange(6_000, 30_000)
        boxes.append(
            StowBox(f"BNCU{index:06d}", length, mass, rng.randrange(3), rng.random() < 0.08, dangerous, stack,
                    heights[stack])
        )  # fmt: skip
    return boxes


def _dg_apart(a: tuple[str, ...], b: tuple[str, ...]) -> int | None:
    if {a[0], b[0]} == {"3", "2.1"}:
        return None  # the flammable liquid and the flammable gas sail on different ships
    return 2 if a != b else 0


def _measure(geometry: Geometry, boxes: list[StowBox], runs: int, time_limit: float) -> dict:
    rules = Rules(stack_max_kg=90_000, dg_cells_apart=_dg_apart)
    plans = [stowage_solve(geometry, boxes, rules=rules, time_limit=time_limit) for _ in range(runs)]
    plan = plans[0]
    placed = len(plan.cell_of)
    in_list_order = [box.key for box in boxes if box.key in plan.cell_of]
    return {
        "ship_teu": geometry.teu,
        "boxes": len(boxes),
        "placed": placed,
        "bound": plan.bound,
        "gap_pct": round(100 * plan.gap, 2),
        "optimal": plan.optimal,
        "rehandles_planned": plan.rehandles,
        "rehandles_list_order": yard_rehandles(boxes, in_list_order),
        "port_kg": plan.port_kg,
        "starboard_kg": plan.starboard_kg,
        "seconds_median": round(statistics.median(p.seconds for p in plans), 2),
        "seconds_all": [round(p.seconds, 2) for p in plans],
        "placed_all": [len(p.cell_of) for p in plans],
    }


def stowage_measure(*, quick: bool, sizes: dict | None = None, time_limit: float = 20.0) -> dict:
    """The feeder call and the full vessel; `sizes` and `time_limit` shrink them for the tests."""
    sizes = sizes or {"feeder": ((8, 7, 2, 2), 200), "vessel": ((16, 9, 3, 2), 450)}
    runs = 1 if quick else 3
    results = {}
    for name, (shape, count) in sizes.items():
        results[name] = _measure(_ship(*shape, seed=1), _call(count, seed=2), runs, time_limit)
    vessel = results.get("vessel")
    if vessel:
        vessel["target_met"] = vessel["gap_pct"] <= 100 * TARGET_GAP and vessel["seconds_median"] < TARGET_SECONDS
    return results
