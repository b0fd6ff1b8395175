"""Runs the relocation planner on the BRP benchmark bays and compares it with the known optima.

Usage: .venv/bin/python scripts/brp_report.py [BENCHMARK_DIR] [--time-limit S]
BENCHMARK_DIR holds values.csv and instances/*.dat (default: ../shared/brp from the repository root).
The gap is averaged over the instances whose optimum is proven; for the others values.csv gives only
bounds (best known plan and a proven lower bound), so they are shown but not averaged.
"""

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # yard.relocation needs no Django setup

from yard.relocation import bay_read, relocations_plan  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=REPO.parent / "shared" / "brp")
    parser.add_argument("--time-limit", type=float, default=0.5, help="planner time limit per bay (default 0.5 s)")
    arguments = parser.parse_args()

    with open(arguments.directory / "values.csv", newline="", encoding="utf-8") as values:
        rows = list(csv.DictReader(values))

    header = f"{'instance':<12} {'N':>4} {'best':>5} {'status':<11} {'LB':>4} {'plan':>5} {'gap':>6} {'ownLB':>5} "
    header += f"{'min-max':>7} {'rollout':>7} {'time':>8}"
    print(header)
    print("-" * len(header))
    gaps: dict[str, list[float]] = {"optimal": [], "bounds_only": []}
    by_class: dict[str, list[float]] = {}
    times = []
    for row in rows:
        name = row["instance"]
        stacks = bay_read((arguments.directory / "instances" / f"{name}.dat").read_text(encoding="utf-8"))
        started = time.perf_counter()
        plan = relocations_plan(stacks, max_height=int(row["hmax"]), time_limit=arguments.time_limit)
        elapsed = time.perf_counter() - started
        times.append(elapsed)

        best = int(row["best_known_relocations"])
        gap = 100 * (plan.relocations - best) / best
        gaps.setdefault(row["status"], []).append(gap)
        if row["status"] == "optimal":
            by_class.setdefault(f"{row['tiers_T']}-{row['stacks_S']}", []).append(gap)
        mark = "*" if plan.proven_optimal else " "
        print(
            f"{name:<12} {row['blocks_N']:>4} {best:>5} {row['status']:<11} {row['proven_lower_bound']:>4} "
            f"{plan.relocations:>4}{mark} {gap:>5.1f}% {plan.lower_bound:>5} {row['minmax_caserta2012']:>7} "
            f"{row['rollout_minmax_own']:>7} {1000 * elapsed:>6.0f}ms"
        )

    print("-" * len(header))
    print("best = optimum, or best known plan (bounds_only); LB = proven lower bound (values.csv)")
    print("plan = this planner, * if it proved the plan optimal; gap = plan vs best; ownLB = the planner's lower bound")
    optimal, bounded = gaps["optimal"], gaps["bounds_only"]
    print(f"Mean gap to the optimum over the {len(optimal)} proven-optimal instances: {statistics.mean(optimal):.2f}%")
    print("  per class: " + ", ".join(f"{c} {statistics.mean(g):.1f}%" for c, g in by_class.items()))
    if bounded:
        mean = statistics.mean(bounded)
        counts = [sum(gap < 0 for gap in bounded), sum(gap == 0 for gap in bounded), sum(gap > 0 for gap in bounded)]
        print(f"Bounds-only instances ({len(bounded)}): mean gap to the best known plan {mean:+.2f}%; ", end="")
        print("better on {}, equal on {}, worse on {}".format(*counts))
    print(
        f"Time per bay (limit {arguments.time_limit} s): median {1000 * statistics.median(times):.0f} ms, "
        f"max {1000 * max(times):.0f} ms"
    )


if __name__ == "__main__":
    main()
