"""The relocation planner on the block relocation benchmark (values.csv and instances/*.dat).

Pure Python over yard.relocation: no Django setup, so scripts/brp_report.py can print it standalone.
The gap is averaged over the instances whose optimum is proven; for the others values.csv gives only
bounds (best known plan and a proven lower bound), so they are compared but not averaged.
"""

import csv
import statistics
import time
from pathlib import Path

from yard.relocation import bay_read, relocations_plan


def brp_evaluate(directory: Path, *, time_limit: float = 0.5) -> dict:
    """Plans every bay; returns one row per bay and the aggregates against the optimum and min-max."""
    with open(directory / "values.csv", newline="", encoding="utf-8") as values:
        rows = list(csv.DictReader(values))
    bays = []
    for row in rows:
        stacks = bay_read((directory / "instances" / f"{row['instance']}.dat").read_text(encoding="utf-8"))
        started = time.perf_counter()
        plan = relocations_plan(stacks, max_height=int(row["hmax"]), time_limit=time_limit)
        best = int(row["best_known_relocations"])
        bays.append({
            "instance": row["instance"], "class": f"{row['tiers_T']}-{row['stacks_S']}", "status": row["status"],
            "best": best, "lower_bound": int(row["proven_lower_bound"]), "minmax": int(row["minmax_caserta2012"]),
            "ours": plan.relocations, "ours_proven_optimal": plan.proven_optimal,
            "gap_pct": round(100 * (plan.relocations - best) / best, 2),
            "ms": round(1000 * (time.perf_counter() - started), 1),
        })  # fmt: skip
    optimal = [bay for bay in bays if bay["status"] == "optimal"]
    bounded = [bay for bay in bays if bay["status"] != "optimal"]
    by_class: dict[str, list[float]] = {}
    for bay in optimal:
        by_class.setdefault(bay["class"], []).append(bay["gap_pct"])
    return {
        "time_limit_s": time_limit,
        "bays": len(bays),
        "mean_gap_to_optimum_pct": round(statistics.mean(bay["gap_pct"] for bay in optimal), 2) if optimal else None,
        "proven_optimal_bays": len(optimal),
        "hit_optimum": sum(bay["ours"] == bay["best"] for bay in optimal),
        "gap_by_class_pct": {name: round(statistics.mean(gaps), 2) for name, gaps in by_class.items()},
        "bounds_only": {
            "bays": len(bounded),
            "better_than_best_known": sum(bay["ours"] < bay["best"] for bay in bounded),
            "equal": sum(bay["ours"] == bay["best"] for bay in bounded),
            "worse": sum(bay["ours"] > bay["best"] for bay in bounded),
        },
        "relocations_total": {
            "ours": sum(b["ours"] for b in bays),
            "minmax": sum(b["minmax"] for b in bays),
            "best": sum(b["best"] for b in bays),
        },
        "better_than_minmax_on": sum(bay["ours"] < bay["minmax"] for bay in bays),
        "worse_than_minmax_on": sum(bay["ours"] > bay["minmax"] for bay in bays),
        "ms_per_bay_median": round(statistics.median(bay["ms"] for bay in bays), 1),
        "ms_per_bay_max": max(bay["ms"] for bay in bays),
        "per_bay": bays,
    }
