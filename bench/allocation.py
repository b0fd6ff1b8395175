"""Yard quality for `make bench`: our allocation against two baselines on the same reproducible flow.

The baselines exist only to measure the allocation, so they live here and plug into the yard's strategy
interface (`yard.allocation.Strategy`): `random` (a random legal slot) and `lowest` (the lowest stack
first). Importing this module registers them; `bench.settings` installs it, so `simulate --strategy`
offers them there.

The flow runs on an in-memory copy of blocks A-D (bench.allocation_trial): the same arrivals and
departures for every strategy, so the rehandles per retrieved container compare the strategies only.
"""

import random
import time

from bench.allocation_trial import flow_generate, trial_run
from yard.allocation import Candidate, Placement, ScoringContext, allocation_strategy_register
from yard.models import Block
from yard.stacking import Box, YardSnapshot, snapshot_load


def random_ranking(box: Box, snapshot: YardSnapshot, legal: list[Placement], context: ScoringContext):
    """A random legal slot (repeatable with the context's generator)."""
    slot_id, tier, _ = (context.rng or random.Random()).choice(legal)
    return [Candidate(slot_id, tier, snapshot.position(snapshot.slots[slot_id], tier), 0.0)]


def lowest_ranking(box: Box, snapshot: YardSnapshot, legal: list[Placement], context: ScoringContext):
    """The lowest stack first; the first of equals in block, bay and row order."""
    slot_id, tier, _ = min(legal, key=lambda place: place[1])
    return [Candidate(slot_id, tier, snapshot.position(snapshot.slots[slot_id], tier), float(tier))]


allocation_strategy_register("random", random_ranking)
allocation_strategy_register("lowest", lowest_ranking)
STRATEGIES = ("rehandle", "random", "lowest")  # ours first, then the baselines


def allocation_compare(*, flows: dict[int, int]) -> dict:
    """flows: arrivals a day -> days simulated. Returns rehandles per retrieval and fill per strategy and flow."""
    blocks = list(Block.objects.filter(code__in=["A", "B", "C", "D"]))
    snapshot = snapshot_load(blocks=blocks)
    snapshot.boxes.clear()
    figures = {}
    for per_day, days in flows.items():
        arrivals, departures = flow_generate(days=days, per_day=per_day, seed=1)
        row: dict = {"days": days, "arrivals": len(arrivals)}
        for strategy in STRATEGIES:
            started = time.perf_counter()
            result = trial_run(snapshot, arrivals, departures, strategy=strategy, seed=1)
            row[strategy] = {
                "retrieved": result.retrieved,
                "rehandles_per_retrieval": round(result.rehandles_per_retrieval, 3),
                "moves_per_container": round(2 + result.rehandles_per_retrieval, 3),  # in, out and the rehandles
                "peak_fill": round(result.peak_fill, 2),
                "refused": result.refused,
                "ms_per_event": round(1000 * (time.perf_counter() - started) / len(arrivals), 2),
            }
        ours = row["rehandle"]["rehandles_per_retrieval"]
        row["ours_over_lowest"] = round(ours / max(row["lowest"]["rehandles_per_retrieval"], 1e-9), 3)
        row["ours_over_random"] = round(ours / max(row["random"]["rehandles_per_retrieval"], 1e-9), 3)
        figures[f"{per_day}_a_day_for_{days}_days"] = row
    return figures
