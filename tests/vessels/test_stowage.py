"""The stowage planner: each rule on a case it decides, an independent checker, and exhaustive search on small bays.

The checker and the exhaustive search below are written from the rules, not from the planner's code.
"""

import itertools
import random

import pytest

import vessels.stowage as stowage
from vessels.geometry import Cell, Geometry, cell_parse
from vessels.stowage import Rules, StowBox, stowage_solve, yard_rehandles

T = 1000  # kg in a tonne
LOOSE = Rules(stack_max_kg=200 * T, balance_min_kg=1_000 * T)


def box(key, length=20, tonnes=10, pod=0, **more) -> StowBox:
    return StowBox(key, length, int(tonnes * T), pod, **more)


def solve(geometry, boxes, rules=LOOSE, **more):
    return stowage_solve(geometry, boxes, rules=rules, time_limit=5, **more)


# --- An independent checker ----------------------------------------------------------------------------------------


def _halves(cell: Cell) -> list[tuple[int, int, int]]:
    if cell.bay % 2:
        return [(cell.bay, cell.row, cell.tier)]
    return [(cell.bay - 1, cell.row, cell.tier), (cell.bay + 1, cell.row, cell.tier)]


def violations(geometry, rules, boxes, cell_of, on_board=None) -> list[str]:
    """Every rule the placement breaks, checked from scratch (through cargo included)."""
    by_key = {b.key: b for b in boxes}
    standing = [(by_key[key], cell_parse(label)) for key, label in cell_of.items()]
    standing += [(b, cell_parse(label)) for label, b in (on_board or {}).items()]
    found = []
    tiers = list(geometry.tier_numbers)
    rows = list(geometry.row_numbers)
    owner = {}
    for b, cell in standing:
        long_cell = cell.bay % 2 == 0
        if long_cell != (b.length_ft > 20) or (cell.bay - 1 if long_cell else cell.bay) not in geometry.bay_numbers:
            found.append(f"{b.key}: size")
        if long_cell and cell.bay + 1 not in geometry.bay_numbers:
            found.append(f"{b.key}: size")
        if cell.row not in rows or cell.tier not in tiers:
            found.append(f"{b.key}: not a cell")
        for half in _halves(cell):
            if half in owner:
                found.append(f"{b.key}: shares a cell with {owner[half][0].key}")
            owner[half] = (b, long_cell)
        if b.reefer and not any(f"{h[0]:02d}{h[1]:02d}{h[2]:02d}" in geometry.reefer_plugs for h in _halves(cell)):
            found.append(f"{b.key}: reefer without a plug")
    for (bay, row, tier), (b, long_cell) in owner.items():
        index = tiers.index(tier)
        if index in (0, geometry.hold_tiers):
            continue
        under = owner.get((bay, row, tiers[index - 1]))
        if under is None:
            found.append(f"{b.key}: stands on nothing")
            continue
        if not long_cell and under[1]:
            found.append(f"{b.key}: a 20' on a 40'")
        per_half = b.gross_kg / (2 if long_cell else 1)
        under_half = under[0].gross_kg / (2 if under[1] else 1)
        if per_half > under_half:
            found.append(f"{b.key}: heavier than {under[0].key} under it")
        if b.pod_rank > under[0].pod_rank:
            found.append(f"{b.key}: for a later port than {under[0].key} under it")
    loads = {}
    for (bay, row, tier), (b, long_cell) in owner.items():
        stack = (bay, row, tier >= 82)
        loads[stack] = loads.get(stack, 0) + b.gross_kg / (2 if long_cell else 1)
    found += [f"stack {stack}: {load} kg" for stack, load in loads.items() if load > rules.stack_max_kg]
    for (a, ca), (b, cb) in itertools.combinations(standing, 2):
        if not a.dg_classes or not b.dg_classes:
            continue
        need = [rules.dg_cells_apart(a.dg_classes, b.dg_classes), rules.dg_cells_apart(b.dg_classes, a.dg_classes)]
        if None in need:
            found.append(f"{a.key} and {b.key}: DG may not sail together")
            continue
        bays = min(
            abs(geometry.bay_numbers.index(ha[0]) - geometry.bay_numbers.index(hb[0]))
            for ha in _halves(ca)
            for hb in _halves(cb)
        )
        apart = max(
            bays, abs(rows.index(ca.row) - rows.index(cb.row)), abs(tiers.index(ca.tier) - tiers.index(cb.tier))
        )
        if apart < max(need):
            found.append(f"{a.key} and {b.key}: DG {apart} cells apart, {max(need)} needed")
    port = sum(b.gross_kg for b, cell in standing if cell.row and cell.row % 2 == 0)
    starboard = sum(b.gross_kg for b, cell in standing if cell.row % 2 == 1)
    total = sum(b.gross_kg for b, _ in standing)
    if abs(port - starboard) > max(rules.balance_share * total, rules.balance_min_kg):
        found.append(f"balance: port {port}, starboard {starboard}")
    return found


def sequence_violations(geometry, plan, on_board=None) -> list[str]:
    """A box loaded before a box it stands on."""
    at = {}
    for key, label in plan.cell_of.items():
        for half in _halves(cell_parse(label)):
            at[half] = key
    loaded_at = {key: index for index, key in enumerate(plan.sequence)}
    found = []
    if sorted(plan.sequence) != sorted(plan.cell_of):
        found.append("the sequence is not the boxes on board")
    tiers = list(geometry.tier_numbers)
    for (bay, row, tier), key in at.items():
        index = tiers.index(tier)
        if index in (0, geometry.hold_tiers):
            continue
        under = at.get((bay, row, tiers[index - 1]))
        if under is not None and under != key and loaded_at[under] > loaded_at[key]:
            found.append(f"{key} loads before {under} under it")
    return found


def assert_sound(geometry, rules, boxes, plan, on_board=None) -> None:
    assert violations(geometry, rules, boxes, plan.cell_of, on_board) == []
    assert sequence_violations(geometry, plan, on_board) == []
    assert set(plan.cell_of) | set(plan.left_out) == {b.key for b in boxes}
    assert not set(plan.cell_of) & set(plan.left_out)
    assert all(reason.strip() for reason in plan.left_out.values())
    assert len(plan.cell_of) <= plan.bound
    assert plan.rehandles == yard_rehandles(boxes, plan.sequence)


# --- Exhaustive search ------------------------------------------------------------------------------------------


def _min_rehandles(geometry, boxes, cell_of) -> int:
    """The fewest yard rehandles over every loading order that loads each box after what it stands on."""
    keys = sorted(cell_of)
    at = {half: key for key in keys for half in _halves(cell_parse(cell_of[key]))}
    tiers = list(geometry.tier_numbers)
    needs = {}
    for key in keys:
        needs[key] = set()
        for bay, row, tier in _halves(cell_parse(cell_of[key])):
            index = tiers.index(tier)
            if index not in (0, geometry.hold_tiers) and (bay, row, tiers[index - 1]) in at:
                needs[key].add(at[bay, row, tiers[index - 1]])
    by_key = {b.key: b for b in boxes}

    def under_in_yard(key):
        b = by_key[key]
        return {o.key for o in boxes if b.yard_stack and o.yard_stack == b.yard_stack and o.yard_tier < b.yard_tier}

    left_behind = sum(1 for b in boxes if b.key not in cell_of and under_in_yard(b.key) & set(keys))
    best = {frozenset(): 0}
    for size in range(len(keys)):
        for loaded, cost in [(s, c) for s, c in best.items() if len(s) == size]:
            for key in keys:
                if key in loaded or not needs[key] <= loaded:
                    continue
                step = cost + (1 if under_in_yard(key) & loaded else 0)
                after = loaded | {key}
                best[after] = min(best.get(after, step), step)
    return best[frozenset(keys)] + left_behind


def exhaustive(geometry, rules, boxes) -> tuple[int, int]:
    """(most boxes on board, fewest rehandles among plans with that many), over every legal placement."""
    cells = geometry.cells_20() + geometry.cells_40()
    best = [0, 0]
    chosen: dict[str, str] = {}

    def walk(index, taken):
        if len(chosen) + len(boxes) - index < best[0]:
            return
        if index == len(boxes):
            if violations(geometry, rules, boxes, chosen):
                return
            rehandles = _min_rehandles(geometry, boxes, chosen)
            if len(chosen) > best[0]:
                best[:] = [len(chosen), rehandles]
            elif rehandles < best[1]:
                best[1] = rehandles
            return
        b = boxes[index]
        for cell in cells:
            halves = set(_halves(cell))
            if geometry.fits(cell, b.length_ft) and not halves & taken:
                chosen[b.key] = cell.label
                walk(index + 1, taken | halves)
                del chosen[b.key]
        walk(index + 1, taken)

    walk(0, frozenset())
    return best[0], best[1]


def random_instance(seed: int):
    rng = random.Random(seed)
    if seed % 2:
        geometry = Geometry(bays_20=1, rows=2, hold_tiers=2, deck_tiers=0)
        count = rng.randint(4, 7)
    else:
        geometry = Geometry(bays_20=2, rows=2, hold_tiers=1, deck_tiers=1)
        count = rng.randint(3, 5)
    plugs = frozenset(c.label for c in geometry.cells_20() if rng.random() < 0.3)
    geometry = Geometry(geometry.bays_20, geometry.rows, geometry.hold_tiers, geometry.deck_tiers, plugs)
    boxes = []
    for index in range(count):
        length = 20 if geometry.bays_20 == 1 else rng.choice([20, 20, 40])
        dg = rng.choice([(), (), (), ("3",), ("8",)])
        stack = rng.choice(["Y1", "Y2"])
        boxes.append(
            StowBox(
                f"B{index}", length, rng.randrange(5, 30) * T, rng.randrange(3), rng.random() < 0.2, dg, stack,
                sum(1 for b in boxes if b.yard_stack == stack) + 1,
            )
        )  # fmt: skip
    rules = Rules(
        stack_max_kg=rng.choice([30, 45, 100]) * T,
        balance_min_kg=rng.choice([10, 25, 200]) * T,
        dg_cells_apart=lambda a, b: None if {a[0], b[0]} == {"3", "8"} else (1 if a == b else 0),
    )
    return geometry, rules, boxes


@pytest.mark.parametrize("seed", range(14))
def test_the_plan_matches_exhaustive_search_on_small_bays(seed):
    geometry, rules, boxes = random_instance(seed)

    plan = stowage_solve(geometry, boxes, rules=rules, time_limit=5)

    most, fewest = exhaustive(geometry, rules, boxes)
    assert_sound(geometry, rules, boxes, plan)
    assert len(plan.cell_of) == most
    assert plan.rehandles == fewest
    assert plan.optimal and plan.bound == most and plan.gap == 0


# --- Each rule on a case it decides --------------------------------------------------------------------------------


def test_a_40_foot_box_takes_both_20_foot_halves():
    geometry = Geometry(bays_20=2, rows=1, hold_tiers=1, deck_tiers=0)
    boxes = [box("L", 40), box("S1"), box("S2")]

    plan = solve(geometry, boxes)

    assert plan.cell_of == {"S1": "010002", "S2": "030002"}  # two boxes beat one: the 40' stays behind
    assert "no free 40' cell" in plan.left_out["L"]


def test_sizes_go_in_their_own_bays_and_a_ship_without_40_foot_bays_takes_none():
    plan = solve(Geometry(bays_20=2, rows=1, hold_tiers=2, deck_tiers=0), [box("S1"), box("S2"), box("L", 45)])
    assert plan.cell_of == {"S1": "010002", "S2": "030002", "L": "020004"}

    lone = solve(Geometry(bays_20=1, rows=1, hold_tiers=2, deck_tiers=0), [box("L", 40)])
    assert "no 40' bays" in lone.left_out["L"]


def test_no_20_foot_box_stands_on_a_40_foot_one():
    geometry = Geometry(bays_20=2, rows=1, hold_tiers=2, deck_tiers=0)
    # The 40' can only stand at the bottom (it needs both halves under it), and the 20' not above it.
    plan = solve(geometry, [box("L", 40, tonnes=30), box("S", tonnes=5)])
    assert len(plan.cell_of) == 1


def test_a_box_stands_on_something_and_a_40_foot_box_on_both_halves():
    geometry = Geometry(bays_20=2, rows=1, hold_tiers=2, deck_tiers=0)
    # The 20' fills one half of the bottom tier; the 40' would have the other half empty under it.
    plan = solve(geometry, [box("S", tonnes=25), box("L", 40, tonnes=10)])
    assert len(plan.cell_of) == 1

    deck_only = Geometry(bays_20=1, rows=1, hold_tiers=1, deck_tiers=2)
    plan = solve(deck_only, [box("A", tonnes=20), box("B", tonnes=10), box("C", tonnes=5)])
    assert plan.cell_of == {"A": "010002", "B": "010082", "C": "010084"}  # the deck starts on the hatch cover


def test_heavier_below_lighter_compares_mass_per_20_foot_half():
    geometry = Geometry(bays_20=2, rows=1, hold_tiers=2, deck_tiers=0)
    under = [box("S1", tonnes=12), box("S2", tonnes=12)]

    light = solve(geometry, [*under, box("L", 40, tonnes=24)])  # 12 t a half on 12 t: allowed
    heavy = solve(geometry, [*under, box("L", 40, tonnes=26)])  # 13 t a half on 12 t: not

    assert light.cell_of == {"S1": "010002", "S2": "030002", "L": "020004"}
    assert len(heavy.cell_of) == 2

    one_stack = solve(Geometry(bays_20=1, rows=1, hold_tiers=2, deck_tiers=0), [box("A", tonnes=8), box("B", tonnes=9)])
    assert one_stack.cell_of == {"A": "010004", "B": "010002"}


def test_a_stack_carries_at_most_its_maximum():
    geometry = Geometry(bays_20=1, rows=1, hold_tiers=2, deck_tiers=0)
    rules = Rules(stack_max_kg=30 * T, balance_min_kg=1_000 * T)

    plan = solve(geometry, [box("A", tonnes=20), box("B", tonnes=15)], rules)

    assert len(plan.cell_of) == 1  # 20 t under 15 t would do, but not 35 t in one stack
    too_heavy = solve(geometry, [box("C", tonnes=31)], rules)
    assert "more than a stack may carry" in too_heavy.left_out["C"]


def test_reefers_only_on_plugged_cells():
    plain = Geometry(bays_20=1, rows=1, hold_tiers=2, deck_tiers=0)
    assert "plug" in solve(plain, [box("R", reefer=True)]).left_out["R"]

    plugged = Geometry(bays_20=1, rows=2, hold_tiers=1, deck_tiers=0, reefer_plugs=frozenset({"010102"}))
    plan = solve(plugged, [box("R", reefer=True, tonnes=10), box("D", tonnes=10)])
    assert plan.cell_of["R"] == "010102"


def test_no_box_for_a_later_port_above_one_for_an_earlier_port():
    geometry = Geometry(bays_20=1, rows=1, hold_tiers=2, deck_tiers=0)

    ordered = solve(geometry, [box("EARLY", pod=0, tonnes=10), box("LATE", pod=1, tonnes=10)])
    assert ordered.cell_of == {"LATE": "010002", "EARLY": "010004"}

    # The later port's box is the lighter one: it cannot go under (weight) nor over (port order).
    clash = solve(geometry, [box("EARLY", pod=0, tonnes=20), box("LATE", pod=1, tonnes=10)])
    assert len(clash.cell_of) == 1


def test_dangerous_goods_keep_their_distance_or_stay_ashore():
    geometry = Geometry(bays_20=1, rows=2, hold_tiers=1, deck_tiers=0)  # two cells side by side: 1 apart
    boxes = [box("F", dg_classes=("3",)), box("C", dg_classes=("8",))]

    def rules(apart):
        return Rules(stack_max_kg=100 * T, balance_min_kg=1_000 * T, dg_cells_apart=lambda a, b: apart)

    assert len(solve(geometry, boxes, rules(1)).cell_of) == 2
    assert len(solve(geometry, boxes, rules(2)).cell_of) == 1
    apart = solve(geometry, boxes, rules(None))
    assert len(apart.cell_of) == 1
    ((out, reason),) = apart.left_out.items()
    kept = "F" if out == "C" else "C"
    assert "may not sail on one ship" in reason and kept in reason

    # Distance over bays: a 40' box is as near as its nearer 20' half.
    wide = Geometry(bays_20=3, rows=1, hold_tiers=1, deck_tiers=0)
    boxes = [box("L", 40, dg_classes=("3",)), box("S", dg_classes=("8",))]
    assert solve(wide, boxes, rules(1)).cell_of == {"L": "020002", "S": "050002"}
    assert len(solve(wide, boxes, rules(2)).cell_of) == 1


def test_port_and_starboard_stay_balanced():
    geometry = Geometry(bays_20=1, rows=2, hold_tiers=1, deck_tiers=0)
    rules = Rules(stack_max_kg=100 * T, balance_share=0.0, balance_min_kg=10 * T)

    plan = solve(geometry, [box("HEAVY", tonnes=30), box("LIGHT", tonnes=10)], rules)

    assert plan.cell_of.keys() == {"LIGHT"}  # 30 t against 10 t is 20 t out; the heavy box alone is 30 t out
    assert abs(plan.port_kg - plan.starboard_kg) <= 10 * T

    even = solve(geometry, [box("A", tonnes=20), box("B", tonnes=20)], Rules(stack_max_kg=100 * T))
    assert even.port_kg == even.starboard_kg == 20 * T


def test_the_smallest_difference_decides_between_otherwise_equal_plans():
    geometry = Geometry(bays_20=1, rows=2, hold_tiers=2, deck_tiers=0)
    plan = solve(geometry, [box("A", tonnes=20), box("B", tonnes=18), box("C", tonnes=2)])
    assert abs(plan.port_kg - plan.starboard_kg) == 0  # A on one side, B and C on the other


def test_the_sequence_loads_bottom_up_and_digs_least_in_the_yard():
    geometry = Geometry(bays_20=1, rows=1, hold_tiers=3, deck_tiers=0)
    # One ship stack, heaviest first: the yard holds them the other way up in one stack but one.
    boxes = [
        box("H", tonnes=25, yard_stack="Y", yard_tier=1),
        box("M", tonnes=15, yard_stack="Y", yard_tier=2),
        box("L", tonnes=5, yard_stack="Z", yard_tier=1),
    ]
    plan = solve(geometry, boxes)
    assert plan.sequence == ["H", "M", "L"]
    assert plan.rehandles == 1  # M must come off H: the ship wants H first

    # With a second row the planner puts them side by side and takes M first.
    wide = Geometry(bays_20=1, rows=2, hold_tiers=2, deck_tiers=0)
    plan = solve(wide, boxes[:2])
    assert plan.rehandles == 0 and plan.sequence.index("M") < plan.sequence.index("H")


def test_yard_rehandles_counts_each_lifted_box_once():
    stack = [box(f"T{tier}", yard_stack="Y", yard_tier=tier) for tier in (1, 2, 3)]
    assert yard_rehandles(stack, ["T3", "T2", "T1"]) == 0
    assert yard_rehandles(stack, ["T1", "T2", "T3"]) == 2  # T2 and T3 are set aside once, together
    assert yard_rehandles(stack, ["T1"]) == 2  # those staying behind are lifted all the same
    assert yard_rehandles(stack, ["T2", "T3"]) == 1


def test_through_cargo_takes_its_cells_and_the_rules_hold_against_it():
    geometry = Geometry(bays_20=1, rows=2, hold_tiers=2, deck_tiers=0)
    on_board = {"010102": box("THRU", tonnes=20, pod=0)}
    boxes = [box("LATE", tonnes=10, pod=1), box("NEXT", tonnes=15, pod=0)]

    plan = solve(geometry, boxes, on_board=on_board)

    assert "010102" not in plan.cell_of.values()
    assert plan.cell_of["LATE"] == "010202"  # not on the through box: it leaves at an earlier port
    assert_sound(geometry, LOOSE, boxes, plan, on_board)
    assert plan.port_kg + plan.starboard_kg == 45 * T  # the through box counts in the balance


def test_left_out_boxes_each_have_a_reason():
    geometry = Geometry(bays_20=1, rows=1, hold_tiers=1, deck_tiers=0)
    boxes = [box("A"), box("B"), box("R", reefer=True), box("L", 40)]

    plan = solve(geometry, boxes)

    assert len(plan.cell_of) == 1
    assert plan.left_out.keys() == {"A", "B", "R", "L"} - plan.cell_of.keys()
    assert "no free 20' cell" in plan.left_out["A" if "B" in plan.cell_of else "B"]
    assert "plug" in plan.left_out["R"] and "40'" in plan.left_out["L"]


def test_the_same_call_gives_the_same_plan():
    geometry, rules, boxes = random_instance(3)
    first = stowage_solve(geometry, boxes, rules=rules, time_limit=5)
    again = stowage_solve(geometry, list(reversed(boxes)), rules=rules, time_limit=5)
    assert (first.cell_of, first.sequence, first.left_out) == (again.cell_of, again.sequence, again.left_out)


def test_a_large_call_is_planned_by_columns_and_keeps_every_rule(monkeypatch):
    monkeypatch.setattr(stowage, "SINGLE_MODEL_MAX_PAIRS", 0)
    rng = random.Random(5)
    geometry = Geometry(bays_20=4, rows=4, hold_tiers=2, deck_tiers=1, reefer_plugs=frozenset({"010482", "030482"}))
    boxes = [
        StowBox(f"C{index:02d}", rng.choice([20, 40]), rng.randrange(5, 28) * T, rng.randrange(3),
                index % 9 == 0, ("3",) if index % 13 == 0 else (), f"Y{index % 5}", index // 5)
        for index in range(40)
    ]  # fmt: skip
    rules = Rules(stack_max_kg=60 * T, balance_min_kg=20 * T, dg_cells_apart=lambda a, b: 2)
    on_board = {"030202": box("THRU", tonnes=20)}

    plan = stowage_solve(geometry, boxes, on_board=on_board, rules=rules, time_limit=4)

    assert_sound(geometry, rules, boxes, plan, on_board)
    assert plan.bound <= len(boxes) and 0 <= plan.gap < 0.25


def large_call(seed: int):
    """A feeder loaded to about nine tenths: through cargo, reefers, DG that keep apart or stay ashore, and
    a tight balance."""
    rng = random.Random(seed)
    geometry = Geometry(bays_20=6, rows=6, hold_tiers=3, deck_tiers=2)
    plugs = frozenset(c.label for c in geometry.cells_20() if c.on_deck and rng.random() < 0.4)
    geometry = Geometry(6, 6, 3, 2, reefer_plugs=plugs)
    on_board = {
        c.label: box(f"THRU{c.label}", tonnes=rng.randrange(12, 25), pod=rng.randrange(3))
        for c in geometry.cells_20()
        if c.tier in (2, 82) and rng.random() < 0.1
    }
    boxes = [
        StowBox(f"L{index:03d}", rng.choice([20, 20, 40]), rng.randrange(4, 28) * T, rng.randrange(3),
                rng.random() < 0.1, (rng.choice(["3", "8", "2.1"]),) if rng.random() < 0.06 else (),
                f"Y{index % 40}", index // 40)
        for index in range(130)
    ]  # fmt: skip
    rules = Rules(
        stack_max_kg=70 * T,
        balance_share=0.01,
        balance_min_kg=10 * T,
        dg_cells_apart=lambda a, b: None if {a[0], b[0]} == {"3", "2.1"} else (2 if a != b else 0),
    )
    return geometry, rules, boxes, on_board


@pytest.mark.parametrize("seed", range(3))
def test_a_large_call_keeps_every_rule_by_the_independent_checker(seed):
    geometry, rules, boxes, on_board = large_call(seed)
    pairs = sum(len(geometry.cells_40()) if b.long else len(geometry.cells_20()) for b in boxes)
    assert pairs > stowage.SINGLE_MODEL_MAX_PAIRS  # the column planner, not the single model

    plan = stowage_solve(geometry, boxes, on_board=on_board, rules=rules, time_limit=10)

    assert_sound(geometry, rules, boxes, plan, on_board)
    assert len(plan.cell_of) >= 0.8 * plan.bound  # a sanity floor; the bench measures the real gap
    in_list_order = [b.key for b in boxes if b.key in plan.cell_of]
    assert plan.rehandles <= yard_rehandles(boxes, in_list_order)


def test_a_large_call_gives_the_same_plan_every_time():
    geometry, rules, boxes, on_board = large_call(7)
    first = stowage_solve(geometry, boxes, on_board=on_board, rules=rules, time_limit=10)
    again = stowage_solve(geometry, list(reversed(boxes)), on_board=on_board, rules=rules, time_limit=10)
    assert (first.cell_of, first.sequence, first.left_out, first.bound) == (
        again.cell_of, again.sequence, again.left_out, again.bound,
    )  # fmt: skip
