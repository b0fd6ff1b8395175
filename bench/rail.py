"""Rail figures for `make bench`: load plans for 57-wagon trains and train lists through the real service."""

import random
import statistics
import time

from django.db import transaction

from aktau_tos.audit import system_user
from rail.load_planning import BoxSpec, WagonSpec, load_plan_solve
from rail.models import LoadingLine, TrainVisit
from rail.services import train_list_register, wagon_check_digit
from simulation.runner import statistics_refresh
from yard.models import CarrierVisit

from .numbers import container_number


def load_plans_measure(*, trains: int = 5, time_limit: float = 20) -> dict:
    """57-wagon block trains (a third of them 60' platforms) with more boxes booked than fit.

    The solver maximises TEU, then mass; its proven bound says how far each plan can be from the optimum.
    """
    runs = []
    for seed in range(1, trains + 1):
        rng = random.Random(seed)
        wagons = [WagonSpec(p, 60_000, 3 if p % 3 == 0 else 2, allows_45=p % 5 == 0) for p in range(1, 58)]
        boxes = [BoxSpec(k, rng.choice([20, 20, 40, 40, 45]), rng.randrange(4_000, 30_000)) for k in range(150)]
        plan = load_plan_solve(wagons, boxes, time_limit=time_limit)
        runs.append({
            "seed": seed, "loaded_teu": plan.loaded_teu, "teu_bound": plan.teu_bound,
            "length_capacity_teu": sum(w.units_20ft for w in wagons),
            "payload_used": round(plan.loaded_kg / sum(w.payload_kg for w in wagons), 3),
            "optimal": plan.optimal, "gap_pct": round(100 * plan.gap, 3), "seconds": round(plan.seconds, 2),
        })  # fmt: skip
    return {
        "trains": runs,
        "proven_optimal": sum(run["optimal"] for run in runs),
        "worst_gap_pct": max(run["gap_pct"] for run in runs),
        "teu_of_bound": round(sum(r["loaded_teu"] for r in runs) / sum(r["teu_bound"] for r in runs), 4),
        "seconds_median": statistics.median(run["seconds"] for run in runs),
        "seconds_max": max(run["seconds"] for run in runs),
    }


def _train_list(train: int, wagons: int, per_wagon: int) -> list[dict]:
    rows = []
    for position in range(1, wagons + 1):
        body = f"{4300000 + 100 * train + position}"
        boxes = [
            {"number": container_number(800_000 + 1000 * train + per_wagon * position + i, owner="BNCU"),
             "iso_type": "22G1", "gross_kg": 18_000}
            for i in range(per_wagon)
        ]  # fmt: skip
        rows.append({"number": body + wagon_check_digit(body), "position": position, "containers": boxes})
    return rows


AIM_57_WAGONS_SECONDS = 1.0  # on two cores


def train_lists_measure(*, units_large: int = 700, repeats: int = 1) -> dict:
    """A 57-wagon list (114 boxes) `repeats` times, then `units_large` boxes as full trains of 59 wagons x 3 boxes.

    A loading line holds one train of at most 60 wagons (three lines: 531 boxes at once), so a 700-unit
    list arrives as four trains; between trains the previous one is marked departed to free its line
    (setup, not timed). Each list goes through the real service: checks, stays, allocation, moves.
    All of it is rolled back at the end, so the yard is left as found: 800 planned arrivals would otherwise
    hold the ground the scanner benchmark needs. Each list is one transaction either way (a savepoint here).
    Autovacuum cannot see rows that are not committed, so the tables are analysed before each list (untimed),
    as autovacuum would have done between committed lists: with the statistics of the empty yard, one of
    allocation's reads took minutes over the 700 planned arrivals.
    With `units_large=0`, only the 57-wagon list.
    """
    with transaction.atomic():
        results = {"57_wagons": train_list_57_measure(repeats=repeats)}
        if units_large:
            results[f"{units_large}_units"] = _large_lists_register(units_large)
        transaction.set_rollback(True)
    for row in results.values():
        row["ms_per_container"] = round(1000 * row["seconds"] / row["containers"], 1)
    return results


def train_list_57_measure(*, repeats: int = 1) -> dict:
    """The 57-wagon list registered `repeats` times on the same yard (each rolled back): the median, and all."""
    actor, line = system_user(), LoadingLine.objects.order_by("code").last()
    timings, containers = [], 0
    for _ in range(repeats):
        with transaction.atomic():
            statistics_refresh()
            started = time.perf_counter()
            _, moves = train_list_register(
                train_number="BENCH-57", line=line.code, wagons=_train_list(0, 57, 2), actor=actor
            )
            timings.append(time.perf_counter() - started)
            containers = len(moves)
            transaction.set_rollback(True)
    seconds = statistics.median(timings)
    return {
        "containers": containers,
        "seconds": round(seconds, 2),
        "seconds_all": [round(each, 2) for each in timings],
        "aim_seconds": AIM_57_WAGONS_SECONDS,
    }


def _large_lists_register(units_large: int) -> dict:
    actor, line = system_user(), LoadingLine.objects.order_by("code").last()
    statistics_refresh()
    placed, seconds, train = 0, 0.0, 1
    while placed < units_large:
        per_train = min(177, units_large - placed)
        wagons = _train_list(train, -(-per_train // 3), 3)
        started = time.perf_counter()
        _, moves = train_list_register(train_number=f"BENCH-L{train}", line=line.code, wagons=wagons, actor=actor)
        seconds += time.perf_counter() - started
        placed, train = placed + len(moves), train + 1
        _line_free(line)
    return {"containers": placed, "trains": train - 1, "seconds": round(seconds, 2)}


def _line_free(line: LoadingLine) -> None:
    carriers = TrainVisit.objects.filter(line=line).values("carrier_id")
    CarrierVisit.objects.filter(pk__in=carriers).update(status=CarrierVisit.Status.DEPARTED)
    statistics_refresh()
