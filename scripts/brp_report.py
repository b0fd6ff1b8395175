"""Runs the relocation planner on the BRP benchmark bays and compares it with the known optima.

Usage: .venv/bin/python scripts/brp_report.py [BENCHMARK_DIR] [--time-limit S]
BENCHMARK_DIR holds values.csv and instances/*.dat (default: bench/data/brp, the compact set with its provenance).
`make bench` records the same figures in bench/results/results.json.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the planner needs no Django setup

from bench.brp import brp_evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=REPO / "bench" / "data" / "brp")
    parser.add_argument("--time-limit", type=float, default=0.5, help="planner time limit per bay (default 0.5 s)")
    arguments = parser.parse_args()
    result = brp_evaluate(arguments.directory, time_limit=arguments.time_limit)

    header = f"{'instance':<12} {'best':>5} {'status':<11} {'LB':>4} {'plan':>5} {'gap':>6} {'min-max':>7} {'time':>8}"
    print(header)
    print("-" * len(header))
    for bay in result["per_bay"]:
        mark = "*" if bay["ours_proven_optimal"] else " "
        print(
            f"{bay['instance']:<12} {bay['best']:>5} {bay['status']:<11} {bay['lower_bound']:>4} "
            f"{bay['ours']:>4}{mark} {bay['gap_pct']:>5.1f}% {bay['minmax']:>7} {bay['ms']:>6.0f}ms"
        )
    print("-" * len(header))
    print(
        "best = optimum, or best known plan (bounds_only); LB = proven lower bound; * = this planner proved it optimal"
    )
    print(
        f"Mean gap to the optimum over the {result['proven_optimal_bays']} proven-optimal bays: "
        f"{result['mean_gap_to_optimum_pct']:.2f}% ({result['hit_optimum']} hit it)"
    )
    print("  per class: " + ", ".join(f"{name} {gap:.1f}%" for name, gap in result["gap_by_class_pct"].items()))
    bounded = result["bounds_only"]
    print(
        f"Bounds-only bays ({bounded['bays']}): better than the best known plan on "
        f"{bounded['better_than_best_known']}, equal on {bounded['equal']}, worse on {bounded['worse']}"
    )
    totals = result["relocations_total"]
    print(f"Relocations over all bays: {totals['ours']} (min-max heuristic {totals['minmax']}, best {totals['best']})")
    print(f"  better than min-max on {result['better_than_minmax_on']} bays, worse on {result['worse_than_minmax_on']}")
    print(
        f"Time per bay (limit {result['time_limit_s']} s): median {result['ms_per_bay_median']:.0f} ms, "
        f"max {result['ms_per_bay_max']:.0f} ms"
    )


if __name__ == "__main__":
    main()
