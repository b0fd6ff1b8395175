"""`make bench` / `make bench-quick`: speed and quality figures -> bench/results/results.json and summary.md.

Run it on a throwaway PostgreSQL database (the make targets start one): it writes simulated traffic and
bulk-loads years of synthetic history. Sections, in order (each is timed):
  relocation planner on the BRP bays, 57-wagon load plans, vessel stowage plans (a feeder call and a
  700-TEU vessel), allocation against two baselines on the same flow, the DG area against the model's DG flow,
  one dispatch tick with 2,000 open moves and 20 machines, then with one year of history: the nightly report,
  dispatch and the scanner API under load (paced at ten times the design peak, and saturated against a
  bare-DRF floor); the same again after growing the history; the handheld web client in Chromium (cold-start
  bytes, scan-to-answer time unloaded and at ten times the design peak); train lists through the service (57 wagons,
  and 700 units); simulated days of traffic through the real services (seconds per day and where they go);
  then, on the yard the simulation leaves, allocation's milliseconds per box and the 57-wagon list again.
"""

import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from aktau_tos.reports.daily import report_render
from bench.allocation import allocation_compare
from bench.allocation_speed import allocation_speed_measure
from bench.brp import brp_evaluate
from bench.dg_area import dg_area_measure
from bench.dispatch import dispatch_tick_measure
from bench.edi import edi_measure
from bench.handheld import handheld_measure
from bench.history import history_load
from bench.rail import load_plans_measure, train_list_57_measure, train_lists_measure
from bench.scanner_load import scanner_benchmark
from bench.screens import screens_measure
from bench.stowage import stowage_measure
from bench.summary import summary_markdown
from dangerous_goods.reference import un_numbers_load
from rail.reference import rail_reference_load
from simulation.runner import simulation_run
from vessels.layout import berths_apply
from yard import reference
from yard.layout import layout_apply

SIMULATION_TEU_PER_YEAR = 240_000  # the design volume
AIM_SECONDS_PER_SIMULATED_DAY = 15.0  # on two cores
BRP_BAYS = Path(__file__).resolve().parents[2] / "data" / "brp"  # the compact Caserta set, see its README

# Sizes of each section: the full run fits 30 minutes on 2 cores; quick runs in a few minutes.
PROFILES = {
    "full": {
        "allocation_flows": {140: 42, 260: 14, 330: 14},  # arrivals a day into blocks A-D -> days
        "simulation_days": 3,  # the median of three days: the first starts on an emptier yard
        "load_plan_trains": 5,
        "years": (1, 10),
        "scanner": {"clients": 32, "paced_s": 120.0, "saturated_s": 30.0},
        "report_runs": 3,
        "large_list_units": 700,
        "list_repeats": 5,
        "allocation": {"boxes": 114, "rounds": 5, "single_boxes": 40},
        "dg_area": {"days": 60, "volumes": (240_000, 300_000, 360_000), "seeds": (1, 2)},
        "handheld": {"moves": 40},
    },
    "quick": {
        "allocation_flows": {140: 7, 330: 7},
        "simulation_days": 1,
        "load_plan_trains": 1,
        "years": (0.1, 0.3),
        "scanner": {"clients": 16, "paced_s": 20.0, "saturated_s": 8.0},
        "report_runs": 1,
        "large_list_units": 200,
        "list_repeats": 3,
        "allocation": {"boxes": 114, "rounds": 2, "single_boxes": 20},
        "dg_area": {"days": 14, "volumes": (240_000,), "seeds": (1,)},
        "handheld": {"moves": 10},
    },
}


class Command(BaseCommand):
    help = "Benchmarks quality and speed (see make bench); writes bench/results/results.json and summary.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="a reduced run of a few minutes, same files")
        parser.add_argument("--out", default="bench/results", help="folder for results.json and summary.md")
        parser.add_argument("--brp", default=str(BRP_BAYS), help="folder of BRP bays (values.csv, instances/)")
        parser.add_argument("--only", nargs="+", help="run only these sections (for development)")

    def handle(self, *args, quick: bool, out: str, brp: str, only: list[str] | None, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("make bench measures PostgreSQL: run it through `make bench` (a throwaway cluster).")
        profile = PROFILES["quick" if quick else "full"]
        started, now = time.perf_counter(), timezone.now()
        reference.iso_size_types_load()
        un_numbers_load()
        layout_apply()
        berths_apply()
        rail_reference_load()
        self.results: dict = {
            "mode": "quick" if quick else "full",
            "started_at": now.isoformat(timespec="seconds"),
            "machine": _machine(),
            "profile": {key: str(value) for key, value in profile.items()},
            "section_seconds": {},
        }
        self.only = set(only or [])
        self.folder = Path(out)
        self.folder.mkdir(parents=True, exist_ok=True)
        brp_dir = Path(brp)
        if (brp_dir / "values.csv").exists():
            self._section("relocation_planner", lambda: brp_evaluate(brp_dir))
        else:
            self.results["relocation_planner_skipped"] = f"no benchmark bays at {brp_dir} (pass --brp FOLDER)"
        self._section("train_load_plan", lambda: load_plans_measure(trains=profile["load_plan_trains"]))
        self._section("stowage_plan", lambda: stowage_measure(quick=quick))
        self._section("yard_quality", lambda: self._yard_quality(profile))
        self._section("dg_area", lambda: dg_area_measure(**profile["dg_area"]))
        self._section("dispatch", lambda: dispatch_tick_measure(moves=2000, machines=20))
        # On a near-empty yard (the scanner runs' stacks would leave no room for 800 more boxes); rolled back after.
        self._section("edi_bay_plan", lambda: edi_measure(boxes=700))
        lists = {"units_large": profile["large_list_units"], "repeats": profile["list_repeats"]}
        self._section("train_list_import", lambda: train_lists_measure(**lists))
        first, grown = profile["years"]
        self.results["history"] = {}
        self._section("history_year_1", lambda: self._stage("year_1", first, profile))
        self._section("history_grown", lambda: self._stage("grown", grown, profile))
        self._growth()
        self._section("handheld", lambda: handheld_measure(**profile["handheld"]))
        # The simulation last: it leaves a working yard behind.
        self._section("simulation", lambda: self._simulation(profile))
        # After the simulation, on the yard it leaves (filled at design volume); all of it rolled back.
        self._section("allocation_speed", lambda: self._allocation_speed(profile))
        self.results["total_seconds"] = round(time.perf_counter() - started, 1)
        folder = self.folder
        (folder / "results.json").write_text(json.dumps(self.results, indent=2, default=str))
        (folder / "summary.md").write_text(summary_markdown(self.results))
        self.stdout.write(summary_markdown(self.results))
        self.stdout.write(f"Written to {folder / 'results.json'} and {folder / 'summary.md'}")

    def _section(self, name: str, run) -> None:
        if self.only and name not in self.only:
            return
        self.stderr.write(f"[bench] {name} ...")
        started = time.perf_counter()
        result = run()
        seconds = round(time.perf_counter() - started, 1)
        self.results["section_seconds"][name] = seconds
        if result is not None:
            self.results[name] = result
        self.stderr.write(f"[bench] {name}: {seconds} s")
        # Kept up to date as sections finish: a run stopped half-way still leaves its figures.
        (self.folder / "results.json").write_text(json.dumps(self.results, indent=2, default=str))

    def _yard_quality(self, profile: dict) -> dict:
        flows = allocation_compare(flows=profile["allocation_flows"])
        days = max(profile["allocation_flows"].values())
        slice_note = (
            f"Slice: up to {days} days per flow, not a full year. Containers dwell hours to a few days, so the "
            "yard reaches its steady state within two weeks; a longer run repeats that state at about 3 ms per "
            "event and strategy. The busier flows (260 and 330 a day into these four blocks, against a design "
            "share of about 140) show how the strategies behave as the yard fills."
        )
        return {"flows": flows, "slice": slice_note}

    def _simulation(self, profile: dict) -> dict:
        result = simulation_run(days=profile["simulation_days"], seed=1, teu_per_year=SIMULATION_TEU_PER_YEAR)
        figures = result.figures()
        figures.update(
            wall_seconds=round(result.wall_seconds, 1),
            wall_seconds_by_day=[round(seconds, 1) for seconds in result.wall_seconds_by_day],
            service_seconds={name: round(seconds, 1) for name, seconds in result.service_seconds.most_common(8)},
            day_speed=simulated_day_speed(result.wall_seconds_by_day),
            day_profile=simulated_day_profile(result.service_seconds, result.wall_seconds, result.days_done),
        )
        return figures

    def _allocation_speed(self, profile: dict) -> dict:
        fill = None
        if "simulation" not in self.results:  # run alone (--only): fill the yard as the simulation would
            fill = simulation_run(days=1, seed=1, teu_per_year=SIMULATION_TEU_PER_YEAR).days_done
        figures = allocation_speed_measure(**profile["allocation"])
        figures["train_list_57_wagons"] = train_list_57_measure(repeats=profile["list_repeats"])
        figures["yard_filled_by"] = (
            "the simulation section" if fill is None else f"a {fill}-day simulation of its own (run alone)"
        )
        return figures

    def _stage(self, key: str, years: float, profile: dict) -> None:
        stage = {"history": history_load(years=years, progress=lambda message: self.stderr.write(f"  {message}"))}
        stage["history"]["years"] = years
        stage["report"] = _report_measure(profile["report_runs"])
        stage["dispatch"] = dispatch_tick_measure(moves=2000, machines=20, repeats=3)
        stage["screens"] = screens_measure(runs=profile["report_runs"])
        stage["scanner"] = scanner_benchmark(**profile["scanner"])
        self.results["history"][key] = stage

    def _growth(self) -> None:
        stages = self.results.get("history", {})
        if "year_1" not in stages or "grown" not in stages:
            return
        first, grown = stages["year_1"], stages["grown"]
        growth = {
            "years": f"{first['history']['years']} -> {grown['history']['years']}",
            "report_ratio": round(
                grown["report"]["build_seconds_median"] / max(first["report"]["build_seconds_median"], 1e-3), 2
            ),
        }
        for run in ("paced_ten_times_peak", "saturated"):
            before = first["scanner"][run]["scan"]["latency"]
            after = grown["scanner"][run]["scan"]["latency"]
            for what in ("lookup", "complete"):
                growth[f"{run}_{what}_p99_ms"] = f"{before[what]['p99_ms']} -> {after[what]['p99_ms']}"
        for screen, ms in first["screens"].items():
            growth[screen] = f"{ms} -> {grown['screens'][screen]}"
        growth["queries_per_request"] = (
            f"{first['scanner']['saturated']['queries_per_request']['complete']} -> "
            f"{grown['scanner']['saturated']['queries_per_request']['complete']}"
        )
        self.results["growth"] = growth


def _report_measure(runs: int) -> dict:
    day = timezone.localdate() - timedelta(days=1)
    timings, peak = [], 0
    for _ in range(runs):
        tracemalloc.start()
        started = time.perf_counter()
        report_render(day)
        timings.append(time.perf_counter() - started)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    timings.sort()
    return {
        "build_seconds_median": round(timings[len(timings) // 2], 2),
        "build_seconds_all": [round(t, 2) for t in timings],
        "peak_python_mib": round(peak / 2**20, 1),
    }


def _machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "database": f"PostgreSQL {server}",
        "broker": settings.CELERY_BROKER_URL.split("://")[0],
    }


def simulated_day_speed(wall_seconds_by_day: list[float]) -> dict:
    """Seconds per simulated day: the median over the days (the drain after the last day is not a day)."""
    return {
        "seconds_per_day_median": round(statistics.median(wall_seconds_by_day), 1) if wall_seconds_by_day else None,
        "days": len(wall_seconds_by_day),
        "aim_seconds": AIM_SECONDS_PER_SIMULATED_DAY,
    }


def simulated_day_profile(service_seconds: dict, wall_seconds: float, days: int, top: int = 10) -> dict:
    """Where a simulated day's time goes: the service steps that took longest, per day and as a share of the
    wall time; `other` is the simulator's own work (its queue, samples, the end-of-day invariants check). Over
    the whole run, the drain after the last day included (the simulator times steps, not steps by day)."""
    days, wall = max(days, 1), max(wall_seconds, 1e-9)
    ranked = sorted(service_seconds.items(), key=lambda item: item[1], reverse=True)
    steps = [
        {"step": name, "seconds_per_day": round(seconds / days, 2), "share": round(seconds / wall, 3)}
        for name, seconds in ranked[:top]
    ]
    other = wall - sum(service_seconds.values())
    return {
        "steps": steps,
        "rest_of_the_steps_seconds_per_day": round(sum(seconds for _, seconds in ranked[top:]) / days, 2),
        "other_seconds_per_day": round(other / days, 2),
        "other_share": round(other / wall, 3),
    }
