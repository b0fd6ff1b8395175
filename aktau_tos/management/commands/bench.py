"""`make bench`: speed and quality figures, written to bench/results.json and printed as a summary.

Run it on a throwaway database (make bench starts one): it bulk-loads a year of synthetic history.
Measured now: the nightly report after a year of history (build time and peak Python memory), the
allocation against two baselines on the same week of traffic, train load plans for 57-wagon trains
(against the solver's proven optimum), a 57-wagon train list through the service, and the relocation
planner on the BRP benchmark bays (when the benchmark folder is present).
"""

import json
import os
import platform
import random
import statistics
import subprocess  # nosec B404
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone
from stdnum import iso6346

from aktau_tos.audit import system_user
from aktau_tos.reports.daily import report_render
from dangerous_goods.reference import un_numbers_load
from rail.load_planning import BoxSpec, WagonSpec, load_plan_solve
from rail.models import LoadingLine
from rail.reference import rail_reference_load
from rail.services import train_list_register, wagon_check_digit
from yard import reference
from yard.allocation_trial import flow_generate, trial_run
from yard.layout import layout_apply
from yard.models import Block, CarrierVisit, Container, ContainerVisit, IsoSizeType, YardMove
from yard.stacking import snapshot_load


class Command(BaseCommand):
    help = "Benchmarks the report after a year of history, the allocation and the relocation planner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--visits", type=int, default=150_000, help="container visits of history to load")
        parser.add_argument("--moves-per-visit", type=int, default=7, help="moves per visit (about a million)")
        parser.add_argument("--out", default="bench/results.json")
        parser.add_argument("--brp", default=str(Path(settings.BASE_DIR).parent / "shared" / "brp"))

    def handle(self, *args, visits: int, moves_per_visit: int, out: str, brp: str, **options) -> None:
        reference.iso_size_types_load()
        un_numbers_load()
        layout_apply()
        rail_reference_load()
        results = {
            "machine": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "database": connection.vendor,
            },
            "allocation_week": self._allocation(),
            "train_load_plan": self._load_plans(),
            "train_list_import": self._train_list_import(),
            "report_after_a_year": self._report(visits, moves_per_visit),
        }
        brp_dir = Path(brp)
        if (brp_dir / "values.csv").exists():
            results["relocation_planner"] = self._planner(brp_dir)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(results, indent=2, default=str))
        self.stdout.write(json.dumps(results, indent=2, default=str))
        self.stdout.write(f"Written to {out}")

    def _allocation(self) -> dict:
        blocks = list(Block.objects.filter(code__in=["A", "B", "C", "D"]))
        snapshot = snapshot_load(block_ids=[block.pk for block in blocks])
        snapshot.boxes.clear()
        figures = {}
        for per_day in (140, 260, 330):  # design share of these blocks, then busier and busiest
            arrivals, departures = flow_generate(days=7, per_day=per_day, seed=1)
            row = {}
            for strategy in ("rehandle", "random", "lowest"):
                started = time.perf_counter()
                result = trial_run(snapshot, arrivals, departures, strategy=strategy, seed=1)
                row[strategy] = {
                    "rehandles_per_retrieval": round(result.rehandles_per_retrieval, 3),
                    "peak_fill": round(result.peak_fill, 2),
                    "ms_per_event": round(1000 * (time.perf_counter() - started) / len(arrivals), 2),
                }
            ours = row["rehandle"]["rehandles_per_retrieval"]
            row["ours_over_lowest"] = round(ours / row["lowest"]["rehandles_per_retrieval"], 3)
            row["ours_over_random"] = round(ours / row["random"]["rehandles_per_retrieval"], 3)
            figures[f"{per_day}_arrivals_a_day"] = row
        return figures

    def _load_plans(self) -> dict:
        """57-wagon block trains (a third of them 60' platforms) with more boxes booked than fit."""
        runs = []
        for seed in range(1, 6):
            rng = random.Random(seed)
            wagons = [WagonSpec(p, 60_000, 3 if p % 3 == 0 else 2, allows_45=p % 5 == 0) for p in range(1, 58)]
            boxes = [BoxSpec(k, rng.choice([20, 20, 40, 40, 45]), rng.randrange(4_000, 30_000)) for k in range(150)]
            plan = load_plan_solve(wagons, boxes, time_limit=20)
            capacity = sum(w.units_20ft for w in wagons)
            runs.append({"seed": seed, "loaded_teu": plan.loaded_teu, "length_capacity_teu": capacity,
                         "payload_used": round(plan.loaded_kg / sum(w.payload_kg for w in wagons), 3),
                         "optimal": plan.optimal, "seconds": round(plan.seconds, 2)})  # fmt: skip
        return {"trains": runs, "all_optimal": all(r["optimal"] for r in runs),
                "seconds_median": statistics.median(r["seconds"] for r in runs),
                "seconds_max": max(r["seconds"] for r in runs)}  # fmt: skip

    def _train_list_import(self) -> dict:
        """A 57-wagon inbound list of 114 containers through the real service (checks, stays, allocation)."""
        line = LoadingLine.objects.get(code="L3")
        wagons = [{"number": f"{4300000 + p}" + wagon_check_digit(f"{4300000 + p}"), "position": p, "containers": [
            {"number": _number(800_000 + 2 * p + i, owner="BNCU"), "iso_type": "22G1", "gross_kg": 18_000}
            for i in range(2)]} for p in range(1, 58)]  # fmt: skip
        started = time.perf_counter()
        _, moves = train_list_register(train_number="BENCH-1", line=line.code, wagons=wagons, actor=system_user())
        return {"wagons": 57, "containers": len(moves), "seconds": round(time.perf_counter() - started, 2)}

    def _report(self, visits: int, moves_per_visit: int) -> dict:
        started = time.perf_counter()
        loaded = _history_load(visits, moves_per_visit)
        load_seconds = time.perf_counter() - started
        day = timezone.localdate() - timedelta(days=1)
        timings = []
        peak = 0
        for _ in range(3):
            tracemalloc.start()
            started = time.perf_counter()
            report_render(day)
            timings.append(time.perf_counter() - started)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        return {
            "visits": loaded["visits"],
            "moves": loaded["moves"],
            "load_seconds": round(load_seconds, 1),
            "build_seconds_median": round(statistics.median(timings), 2),
            "build_seconds_all": [round(t, 2) for t in timings],
            "peak_python_mib": round(peak / 2**20, 1),
        }

    def _planner(self, directory: Path) -> dict:
        script = Path(settings.BASE_DIR) / "scripts" / "brp_report.py"
        # Our own report script with fixed arguments: nothing untrusted reaches the command line.
        command = [sys.executable, str(script), str(directory)]
        output = subprocess.run(command, capture_output=True, text=True, check=True)  # nosec B603
        return {"report": output.stdout.splitlines()[-8:]}


def _history_load(visits: int, moves_per_visit: int) -> dict:
    """A year of finished stays with their moves, bulk-inserted (not through the services: speed, not rules)."""
    if ContainerVisit.objects.count() >= visits:
        return {"visits": ContainerVisit.objects.count(), "moves": YardMove.objects.count()}
    rng, actor, now = random.Random(1), system_user(), timezone.now()
    types = list(IsoSizeType.objects.filter(code__in=["22G1", "45G1", "42G1", "45R1"]))
    carriers = CarrierVisit.objects.bulk_create(
        CarrierVisit(mode=rng.choice(["rail", "rail", "vessel", "truck"]), reference=f"HIST-{i}", status="departed")
        for i in range(2000)
    )
    batch = 10_000
    for offset in range(0, visits, batch):
        count = min(batch, visits - offset)
        containers = Container.objects.bulk_create(
            Container(number=_number(offset + i), iso_type=rng.choice(types)) for i in range(count)
        )
        stays = []
        for container in containers:
            arrived = now - timedelta(days=rng.uniform(1, 365))
            departed = arrived + timedelta(hours=rng.triangular(6, 400, 60))
            departed = min(departed, now - timedelta(hours=1))
            stays.append(ContainerVisit(
                container=container, state="departed", inbound_carrier=rng.choice(carriers), arrived_at=arrived,
                departed_at=departed, outbound_mode=rng.choice(["rail", "vessel", "truck"]),
                category=rng.choice(["import", "transit", "export"]),
            ))  # fmt: skip
        stays = ContainerVisit.objects.bulk_create(stays)
        kinds = ["discharge", "load", "shift", "housekeeping", "delivery", "receive", "inspection"]
        YardMove.objects.bulk_create(
            (YardMove(visit=stay, kind=rng.choice(kinds), status="done", created_by=actor,
                      finished_at=stay.arrived_at + (stay.departed_at - stay.arrived_at) * rng.random())
             for stay in stays for _ in range(moves_per_visit)),
            batch_size=20_000,
        )  # fmt: skip
    return {"visits": ContainerVisit.objects.count(), "moves": YardMove.objects.count()}


def _number(index: int, owner: str = "HSTU") -> str:
    body = f"{owner}{index:06d}"
    return body + iso6346.calc_check_digit(body)
