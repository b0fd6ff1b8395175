"""Outbound train load planning: which containers go on which wagon, solved exactly with OR-Tools CP-SAT.

Each wagon has a payload and a loading length in 20' units (2 on a 40' platform, 3 on a 60' one);
a 20' box takes one unit, a 40' two, a 45' two and only where the wagon allows it. The plan loads
as many TEU as possible, then as much mass as possible (heavier boxes first, so nothing light
displaces a heavy one that would then wait for another train).

Three 20' boxes on one platform (OSJD, model 13-4117): the heaviest stands in the middle and the two
end boxes differ by at most 12 t. The middle is the loading order's business; the end rule is kept
conservatively: two 20' boxes whose masses differ by more than 12 t never share a platform carrying
three 20' boxes (this also forbids a few legal triples; it never allows an illegal one).

Pure Python over plain data, no Django: the service feeds it and writes the plan.
"""

import time
from dataclasses import dataclass, field
from itertools import combinations

from ortools.sat.python import cp_model

END_BOXES_MAX_DIFFERENCE_KG = 12_000


@dataclass(frozen=True)
class WagonSpec:
    position: int
    payload_kg: int
    units_20ft: int = 2
    allows_45: bool = False
    max_box_gross_kg: int | None = None  # the heaviest single box a place on this wagon takes


@dataclass(frozen=True)
class BoxSpec:
    key: int
    length_ft: int
    gross_kg: int

    @property
    def units(self) -> int:
        return 1 if self.length_ft == 20 else 2

    @property
    def teu(self) -> int:
        return self.units


@dataclass
class LoadPlan:
    wagon_of: dict[int, int] = field(default_factory=dict)  # box key -> wagon position
    loaded_teu: int = 0
    loaded_kg: int = 0
    optimal: bool = False
    seconds: float = 0.0
    teu_bound: int = 0  # no plan loads more TEU than this (the solver's proven bound)
    gap: float = 0.0  # how far the plan may be from the optimum, TEU and mass together (0 when proven optimal)

    def boxes_on(self, position: int) -> list[int]:
        return [key for key, wagon in self.wagon_of.items() if wagon == position]


def load_plan_solve(wagons: list[WagonSpec], boxes: list[BoxSpec], *, time_limit: float = 10.0) -> LoadPlan:
    """The best assignment of boxes to wagons within payload, length and the three-20' rule."""
    started = time.perf_counter()
    model = cp_model.CpModel()
    x = {}
    for box in boxes:
        for wagon in wagons:
            if box.length_ft > 40 and not wagon.allows_45:
                continue
            if box.units > wagon.units_20ft or box.gross_kg > wagon.payload_kg:
                continue
            if wagon.max_box_gross_kg and box.gross_kg > wagon.max_box_gross_kg:
                continue
            x[box.key, wagon.position] = model.new_bool_var(f"b{box.key}_w{wagon.position}")
    for box in boxes:
        model.add_at_most_one(x[box.key, w.position] for w in wagons if (box.key, w.position) in x)
    twenties = [box for box in boxes if box.units == 1]
    for wagon in wagons:
        here = [(box, x[box.key, wagon.position]) for box in boxes if (box.key, wagon.position) in x]
        model.add(sum(box.units * var for box, var in here) <= wagon.units_20ft)
        model.add(sum(box.gross_kg * var for box, var in here) <= wagon.payload_kg)
        if wagon.units_20ft >= 3:
            three = model.new_bool_var(f"three20_w{wagon.position}")  # true when three 20' boxes ride here
            count = sum(x[box.key, wagon.position] for box in twenties if (box.key, wagon.position) in x)
            model.add(count <= 2 + three)
            for a, b in combinations(twenties, 2):
                far_apart = abs(a.gross_kg - b.gross_kg) > END_BOXES_MAX_DIFFERENCE_KG
                if far_apart and (a.key, wagon.position) in x and (b.key, wagon.position) in x:
                    model.add(x[a.key, wagon.position] + x[b.key, wagon.position] + three <= 2)
    by_key = {box.key: box for box in boxes}
    teu_weight = sum(box.gross_kg for box in boxes) + 1  # one TEU more always beats any mass
    model.maximize(sum((by_key[key].teu * teu_weight + by_key[key].gross_kg) * var for (key, _), var in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 1  # the same train gives the same plan
    status = solver.solve(model)
    plan = LoadPlan(optimal=status == cp_model.OPTIMAL, seconds=time.perf_counter() - started)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return plan
    bound, value = solver.best_objective_bound, solver.objective_value
    plan.teu_bound = int(bound // teu_weight)
    plan.gap = 0.0 if plan.optimal or bound <= 0 else max(0.0, (bound - value) / bound)
    for (key, position), var in x.items():
        if solver.value(var):
            plan.wagon_of[key] = position
            plan.loaded_teu += by_key[key].teu
            plan.loaded_kg += by_key[key].gross_kg
    return plan


def loading_order(boxes_on_wagon: list[BoxSpec]) -> list[BoxSpec]:
    """Where each box of a wagon stands, end to end: with three 20' boxes the heaviest goes in the middle."""
    if len(boxes_on_wagon) == 3:
        light, middle, heavy = sorted(boxes_on_wagon, key=lambda box: box.gross_kg)
        return [light, heavy, middle]
    return sorted(boxes_on_wagon, key=lambda box: -box.gross_kg)
