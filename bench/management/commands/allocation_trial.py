"""Compares slot allocation strategies on the same reproducible week of traffic (nothing is written)."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.allocation import STRATEGIES
from bench.allocation_trial import flow_generate, trial_run
from yard.models import Block
from yard.stacking import snapshot_load


class Command(BaseCommand):
    help = "Rehandles per retrieved container for our allocation and two baselines (random, lowest stack)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--per-day", type=int, default=140, help="arrivals a day into these blocks")
        parser.add_argument("--blocks", default="A,B,C,D", help="comma-separated block codes (full blocks)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, days: int, per_day: int, blocks: str, seed: int, **options) -> None:
        codes = [code.strip().upper() for code in blocks.split(",") if code.strip()]
        found = list(Block.objects.filter(code__in=codes))
        if len(found) != len(codes):
            missing = sorted(set(codes) - {block.code for block in found})
            raise CommandError(f"Unknown blocks {missing}: run `manage.py seed_aktau` first, or name others.")
        snapshot = snapshot_load(blocks=found)
        if snapshot.boxes:
            snapshot.boxes.clear()  # the trial starts from empty blocks, whatever stands there now
        arrivals, departures = flow_generate(days=days, per_day=per_day, seed=seed)
        self.stdout.write(
            f"{len(arrivals)} arrivals over {days} days into blocks {', '.join(codes)} "
            f"({len(snapshot.slots)} ground slots), seed {seed}"
        )
        self.stdout.write(f"{'strategy':<10} {'retrieved':>9} {'rehandles':>9} {'per retrieval':>13} "
                          f"{'peak fill':>9} {'refused':>7} {'seconds':>7}")  # fmt: skip
        results = {}
        for strategy in STRATEGIES:
            started = time.perf_counter()
            result = trial_run(snapshot, arrivals, departures, strategy=strategy, seed=seed)
            results[strategy] = result
            self.stdout.write(
                f"{strategy:<10} {result.retrieved:>9} {result.rehandles:>9} {result.rehandles_per_retrieval:>13.3f} "
                f"{result.peak_fill:>9.0%} {result.refused:>7} {time.perf_counter() - started:>7.1f}"
            )
        ours = results["rehandle"].rehandles_per_retrieval
        for baseline in ("random", "lowest"):
            theirs = results[baseline].rehandles_per_retrieval
            ratio = ours / theirs if theirs else float("nan")
            self.stdout.write(f"ours / {baseline}: {ratio:.2f}")
