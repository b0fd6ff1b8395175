"""The load planner against exhaustive search on small trains, its rules, and a 57-wagon train."""

import itertools
import random
import time

import pytest

from rail.load_planning import BoxSpec, WagonSpec, load_plan_solve, loading_order


def brute_force(wagons, boxes):
    """The best (TEU, kg) by trying every assignment (None = not loaded): tiny trains only."""
    best = (0, 0)
    for choice in itertools.product([None, *[w.position for w in wagons]], repeat=len(boxes)):
        ok = True
        for wagon in wagons:
            here = [box for box, where in zip(boxes, choice, strict=True) if where == wagon.position]
            units = sum(box.units for box in here)
            twenties = sorted(box.gross_kg for box in here if box.units == 1)
            if (
                units > wagon.units_20ft
                or sum(box.gross_kg for box in here) > wagon.payload_kg
                or (any(box.length_ft > 40 for box in here) and not wagon.allows_45)
                or (len(twenties) == 3 and twenties[-1] - twenties[0] > 12_000)
            ):
                ok = False
        if ok:
            loaded = [box for box, where in zip(boxes, choice, strict=True) if where is not None]
            best = max(best, (sum(box.teu for box in loaded), sum(box.gross_kg for box in loaded)))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_optimal_on_small_random_trains(seed):
    rng = random.Random(seed)
    wagons = [WagonSpec(position=p, payload_kg=rng.choice([40_000, 60_000, 65_000]), units_20ft=rng.choice([2, 3]),
                        allows_45=rng.random() < 0.3) for p in (1, 2, 3)]  # fmt: skip
    boxes = [BoxSpec(key=k, length_ft=rng.choice([20, 20, 40, 45]), gross_kg=rng.randrange(4_000, 32_000))
             for k in range(6)]  # fmt: skip
    plan = load_plan_solve(wagons, boxes, time_limit=5)
    assert plan.optimal and plan.gap == 0
    assert (plan.loaded_teu, plan.loaded_kg) == brute_force(wagons, boxes)
    assert plan.teu_bound == plan.loaded_teu


def test_payload_length_and_45s():
    wagons = [WagonSpec(position=1, payload_kg=50_000, units_20ft=2)]
    boxes = [BoxSpec(1, 40, 30_000), BoxSpec(2, 20, 28_000), BoxSpec(3, 20, 21_000), BoxSpec(4, 45, 10_000)]
    plan = load_plan_solve(wagons, boxes)
    assert sorted(plan.boxes_on(1)) == [2, 3]  # 2 TEU either way, within 50 t: the two twenties carry more mass
    assert (plan.loaded_teu, plan.loaded_kg) == (2, 49_000) and 4 not in plan.wagon_of


def test_three_twenties_keep_their_ends_within_12_tonnes():
    wagons = [WagonSpec(position=1, payload_kg=80_000, units_20ft=3)]
    boxes = [BoxSpec(1, 20, 5_000), BoxSpec(2, 20, 24_000), BoxSpec(3, 20, 26_000)]
    plan = load_plan_solve(wagons, boxes)
    assert plan.loaded_teu == 2  # 5 t with 24 t or 26 t would break the rule: only two ride
    order = loading_order([BoxSpec(1, 20, 10_000), BoxSpec(2, 20, 20_000), BoxSpec(3, 20, 15_000)])
    assert [box.key for box in order] == [1, 2, 3]  # heaviest in the middle


def test_a_57_wagon_block_train_is_planned_in_seconds(capsys):
    rng = random.Random(57)
    wagons = [WagonSpec(position=p, payload_kg=60_000, units_20ft=3 if p % 3 == 0 else 2) for p in range(1, 58)]
    boxes = [BoxSpec(key=k, length_ft=rng.choice([20, 40, 40, 45]), gross_kg=rng.randrange(6_000, 30_000))
             for k in range(140)]  # fmt: skip
    started = time.perf_counter()
    plan = load_plan_solve(wagons, boxes, time_limit=20)
    elapsed = time.perf_counter() - started
    capacity = sum(w.units_20ft for w in wagons)
    with capsys.disabled():
        print(f"\n57 wagons, 140 boxes: {plan.loaded_teu} of {capacity} TEU places, {plan.loaded_kg} kg, "
              f"optimal={plan.optimal}, {elapsed:.2f} s")  # fmt: skip
    assert plan.loaded_teu > 0.8 * capacity
    assert plan.loaded_teu <= plan.teu_bound <= capacity and plan.gap <= 0.03  # within 3 % of the optimum
    for wagon in wagons:
        on = [b for b in boxes if plan.wagon_of.get(b.key) == wagon.position]
        assert sum(b.units for b in on) <= wagon.units_20ft and sum(b.gross_kg for b in on) <= wagon.payload_kg


def test_the_heaviest_box_a_wagon_place_takes():
    wagons = [WagonSpec(position=1, payload_kg=80_000, units_20ft=2, max_box_gross_kg=36_000)]
    plan = load_plan_solve(wagons, [BoxSpec(1, 40, 38_000), BoxSpec(2, 20, 20_000)])
    assert plan.wagon_of == {2: 1}  # the 38 t box exceeds the 36 t per-box limit
