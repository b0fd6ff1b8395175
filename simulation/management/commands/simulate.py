"""`manage.py simulate --days N --teu-per-year T --seed S`: Aktau traffic replayed through the real services.

Thin over simulation.runner: checks the database, shows a progress bar over simulated hours
(on stderr), prints a summary and optionally writes every figure as JSON. Run it on a database of its own:
every record it writes carries simulated time.
"""

import json
import sys
from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from simulation.runner import (
    Simulation,
    SimulationResult,
    latest_record_time,
    real_traffic_count,
    simulation_run,
    start_after,
)
from simulation.traffic import AKTAU_TZ, DEFAULT_START
from yard.allocation import allocation_strategies


class Command(BaseCommand):
    help = (
        "Simulates N days of Aktau traffic (trains, vessels, trucks, customs, dangerous goods) through the real "
        "services in simulated time, and reports throughput, moves, rehandles, yard use and refusals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=1, help="simulated days (default 1)")
        parser.add_argument("--teu-per-year", type=float, default=240_000, help="volume (default: the design, 240000)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed replays the same traffic")
        parser.add_argument(
            "--strategy", choices=allocation_strategies(), default="rehandle",
            help="slot allocation strategy (the benchmarks' settings add their baselines)",
        )  # fmt: skip
        parser.add_argument(
            "--start", type=date.fromisoformat, help="first simulated day, YYYY-MM-DD (default: 2026-01-05, or "
            "the day after the latest record if the database holds an earlier simulation)",
        )  # fmt: skip
        parser.add_argument(
            "--json", dest="json_file", metavar="FILE", help="also write every figure to this JSON file"
        )
        parser.add_argument("--force", action="store_true", help="run even on a database with real traffic")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, days: int, teu_per_year: float, seed: int, strategy: str, start: date | None,
               json_file: str | None, force: bool, no_progress: bool, **options) -> None:  # fmt: skip
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if teu_per_year <= 0:
            raise CommandError("--teu-per-year must be positive.")
        real = real_traffic_count()
        if real and not force:
            raise CommandError(
                f"This database holds {real} container stay(s) that no simulation made. The simulation writes "
                "its records in simulated time and would mix them with real traffic: run it on a database of "
                "its own (or one an earlier simulation made), or pass --force if this one may be spoilt."
            )
        latest = latest_record_time()
        if start is not None:
            first = datetime(start.year, start.month, start.day, tzinfo=AKTAU_TZ)
            if latest and first < latest and not force:
                raise CommandError(
                    f"--start {start} is before the latest record ({latest.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M}): "
                    "simulated records would come before existing ones. Choose a later day, or --force."
                )
        else:
            first = start_after(latest, DEFAULT_START)
        bar = tqdm(total=days * 24, unit="h", desc="simulated hours", file=sys.stderr, disable=no_progress)

        def progress(at: datetime, simulation: Simulation) -> None:
            hours = min(days * 24, int((at - first).total_seconds() // 3600))
            if hours > bar.n:
                bar.update(hours - bar.n)
                util = simulation.result.utilisation
                bar.set_postfix(
                    boxes=simulation.result.visits,
                    yard=f"{util[-1][2]:.0%}" if util else "-",
                    refusals=sum(simulation.result.refusals.values()),
                    refresh=False,
                )

        try:
            result = simulation_run(
                days=days, seed=seed, teu_per_year=teu_per_year, strategy=strategy, start=first, progress=progress
            )
        finally:
            bar.close()
        self.stdout.write(summary(result))
        if json_file:
            Path(json_file).parent.mkdir(parents=True, exist_ok=True)
            Path(json_file).write_text(json.dumps(result.as_dict(), indent=2, default=str))
            self.stdout.write(f"Figures written to {json_file}")


def _counts(counter: dict, limit: int = 8) -> str:
    items = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{key} {value:,}" for key, value in items[:limit])
    return text + (f", ... ({len(items) - limit} more)" if len(items) > limit else "") if items else "none"


def summary(result: SimulationResult) -> str:
    figures = result.figures()
    util = figures["utilisation"]
    dwell = figures["dwell_hours_departed"]
    per_day = result.wall_seconds / result.days if result.days else 0.0
    services = sorted(result.service_seconds.items(), key=lambda item: -item[1])[:5]
    lines = [
        f"Simulated {result.days} day(s) from {result.start.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M} (Aktau) at "
        f"{result.teu_per_year:,.0f} TEU a year, seed {result.seed}, allocation strategy {result.strategy}.",
        f"Traffic:    {result.visits:,} container stays opened ({result.teu_in:,.0f} TEU), {result.departed:,} left "
        f"({result.teu_out:,.0f} TEU), {result.turned_away:,} turned away.",
        f"Carriers:   {_counts(figures['carriers'])}.",
        f"Waits:      {_counts(figures['waits'])}.",
        f"Moves:      {result.moves:,} done ({_counts(figures['moves_by_kind'])}), "
        f"{result.moves_per_container:.2f} per container stay.",
        f"Rehandles:  {result.rehandles:,} for {result.retrievals:,} retrievals "
        f"({result.rehandles_per_retrieval:.3f} per retrieval); "
        f"{result.deviations:,} moves put elsewhere than planned.",
        f"Yard:       ground slots used {util['ground_slots_mean']:.1%} on average, {util['ground_slots_peak']:.1%} at "
        f"peak; places (slot x tier) {util['places_mean']:.1%} and {util['places_peak']:.1%}.",
        "Peak by block (share of places): "
        + ", ".join(f"{code} {share:.0%}" for code, share in figures["block_peaks"].items())
        + ".",
        f"Dwell:      of the boxes that left, {dwell['mean'] or 0:.1f} h on average "
        f"(median {dwell['median'] or 0:.1f} h).",
        f"Customs:    {_counts(figures['customs'])}.",
        f"Refusals:   {_counts(figures['refusals'])}.",
        f"Given up:   {_counts(figures['given_up'])}.",
        f"Wall time:  {result.wall_seconds:,.1f} s ({per_day:,.1f} s per simulated day; by day: "
        + ", ".join(f"{seconds:.0f}" for seconds in result.wall_seconds_by_day)
        + f"; finishing what was under way {result.drain_wall_seconds:.0f} s), "
        f"{result.events_per_second:.1f} traffic events a second.",
        "Slowest:    " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in services) + ".",
    ]
    return "\n".join(lines)
