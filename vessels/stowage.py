"""Vessel stowage planning: which box goes in which cell, and in which order the cranes load them.

The plan keeps these rules exactly:

- Sizes: a 20' box in an odd-bay cell, a 40' or 45' box in an even-bay cell, which takes both 20' halves
  under it. Nothing stands in the air: above the first tier of the hold or of the deck a cell needs the
  cell(s) under it filled (a 40' both halves), and no 20' box stands on a 40' one.
- Weights: heavier below lighter in every 20' stack, mass compared per 20' half (a 40' box puts half its
  mass on each half), and each 20' stack (one 20' bay, one row, hold or deck) within `Rules.stack_max_kg`.
- Reefers only in cells with a plug.
- Port order: no box for a later port of discharge above a box for an earlier one in the same stack.
- Dangerous goods: two DG boxes whose `Rules.dg_cells_apart` is d > 0 stand at least d cells apart, counted
  as the Chebyshev distance over the 20' bay index (a 40' box occupies both of its 20' bays: the nearer
  one counts), the row's position across the ship (port to starboard) and the tier's index in
  `Geometry.tier_numbers` (hold and deck tiers in one run, the hatch cover not counted). A distance of None
  keeps the second box off the ship.
- Balance: |port - starboard| <= max(balance_share * mass on board, balance_min_kg), through cargo
  included; row 00 counts on neither side. The share is read to four decimals. Through cargo that is
  already out of balance is taken as it is: the new boxes may not make it worse.

Through cargo (`on_board`) stays where it stands: its cells are taken and the rules hold against it;
nothing new is slid under it.

The objective is lexicographic: most boxes on board, then fewest yard rehandles while loading (see
`yard_rehandles`), then the smallest port/starboard difference. The loading sequence puts every box after
the box(es) it stands on and, within that freedom, minimises the yard rehandles.

How: a small call is one CP-SAT model over every box and cell, with the loading order inside it (a load
time per cell), so it is exact on all three objectives when the solver proves it. A large call is planned
by columns (two 20' bays, one row, hold or deck: two 20' stacks or one 40' stack): a relaxation over the
whole ship gives the proven upper bound on boxes on board; a CP-SAT model over column choices (20' or
40', which port) with the boxes counted per class decides how many columns each class gets; the columns
are filled tier by tier, heaviest first, every box checked against the rules as it is put; boxes still
out are put wherever a cell takes them; the loading sequence is finally solved over the whole ship. The
plan reports the bound and its gap honestly.

Ship stability beyond these weight rules (GM, trim, heel in port, lashing forces, visibility) is the
master's and the ship's loading computer's to check; this planner does not model it.

Pure Python over plain data, no Django: the service feeds it and writes the plan. The reasons a box is left out
are for people: written through the `gettext` the service passes (English as written when none is given).
"""

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .geometry import Cell, Geometry, cell_parse

BALANCE_SCALE = 10_000  # balance_share is read to four decimals
# Above this many box-cell pairs a call is planned by columns instead of solved as one model.
SINGLE_MODEL_MAX_PAIRS = 4_000


@dataclass(frozen=True)
class StowBox:
    key: str  # container number
    length_ft: int  # 20, 40 or 45
    gross_kg: int  # verified gross mass
    pod_rank: int  # 0 = the first port of discharge after this one, 1 = the next, ...
    reefer: bool = False
    dg_classes: tuple[str, ...] = ()  # e.g. ("3",), ("2.1", "6.1"); empty when not dangerous
    yard_stack: str | None = None  # the yard stack it stands in now ("A-03-02"), None if not in the yard
    yard_tier: int | None = None  # its tier in that stack

    @property
    def long(self) -> bool:
        return self.length_ft > 20

    @property
    def half_mass_2(self) -> int:
        """Twice the mass it puts on one 20' half (whole numbers for a 40' box of odd mass)."""
        return self.gross_kg if self.long else 2 * self.gross_kg


def _no_dg_rule(a: tuple[str, ...], b: tuple[str, ...]) -> int | None:
    return 0


def _as_written(message: str) -> str:
    return message


@dataclass(frozen=True)
class Rules:
    stack_max_kg: int  # the most a 20' stack (one 20' bay, one row, hold or deck) may carry
    balance_share: float = 0.05  # port/starboard difference allowed, as a share of the mass on board ...
    balance_min_kg: int = 40_000  # ... but never less than this
    # minimum distance in cells between two DG boxes, given their classes: 0 = no rule, None = not on the same ship
    dg_cells_apart: Callable[[tuple[str, ...], tuple[str, ...]], int | None] = _no_dg_rule


@dataclass
class StowagePlan:
    cell_of: dict[str, str]  # box key -> cell label "BBRRTT"
    sequence: list[str]  # box keys in loading order
    left_out: dict[str, str]  # box key -> a plain reason (why it has no cell)
    bound: int  # no plan puts more boxes on board (the solver's proven bound)
    gap: float  # (bound - placed) / bound on the boxes-on-board objective, 0 when proven
    optimal: bool
    seconds: float
    rehandles: int  # yard rehandles loading in `sequence` causes
    port_kg: int
    starboard_kg: int


def yard_rehandles(boxes: list[StowBox], order: list[str]) -> int:
    """The yard rehandles loading `order` causes.

    A box is rehandled when a box under it in its yard stack is taken before it: it has to be lifted off
    and set aside, whether it loads later or not at all. Each box counts once (once set aside it no longer
    stands on that stack). Only the boxes given are known to be in the yard.
    """
    loaded_at = {key: index for index, key in enumerate(order)}
    stacks: dict[str, list[StowBox]] = defaultdict(list)
    for box in boxes:
        if box.yard_stack is not None and box.yard_tier is not None:
            stacks[box.yard_stack].append(box)
    count = 0
    for stack in stacks.values():
        for upper in stack:
            below = [lower for lower in stack if lower.yard_tier < upper.yard_tier and lower.key in loaded_at]
            first_below = min((loaded_at[lower.key] for lower in below), default=None)
            if first_below is not None and loaded_at.get(upper.key, math.inf) > first_below:
                count += 1
    return count


def _yard_pairs(boxes: list[StowBox]) -> list[tuple[StowBox, StowBox]]:
    """(upper, lower): pairs in the same yard stack, the first above the second."""
    stacks: dict[str, list[StowBox]] = defaultdict(list)
    for box in boxes:
        if box.yard_stack is not None and box.yard_tier is not None:
            stacks[box.yard_stack].append(box)
    return [
        (upper, lower)
        for name in sorted(stacks)
        for upper in stacks[name]
        for lower in stacks[name]
        if lower.yard_tier < upper.yard_tier
    ]


def _solver(seconds: float) -> cp_model.CpSolver:
    """For a small call's single model: two workers, a fixed seed, inputs sorted by key. A solve that proves
    its optimum gives the same plan every time. A large call uses `_deterministic_solver` throughout."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 1
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    return solver


class _Ship:
    """The geometry's cells with the look-ups the planner needs, and the rules."""

    def __init__(self, geometry: Geometry, rules: Rules, gettext: Callable[[str], str] = _as_written) -> None:
        self.geometry, self.rules = geometry, rules
        self.gettext = gettext  # the reasons' language (the rules below name their refusals by code)
        self.positions = geometry.cells_20()  # every 20' cell: the unit of stacks, weights and support
        self.long_cells = geometry.cells_40()
        self.bay_index = {bay: index for index, bay in enumerate(geometry.bay_numbers)}
        self.row_index = {row: index for index, row in enumerate(geometry.row_numbers)}
        self.tier_index = {tier: index for index, tier in enumerate(geometry.tier_numbers)}
        self.above: dict[Cell, Cell] = {}
        for position in self.positions:
            if (under := geometry.below(position)) is not None:
                self.above[under] = position

    @staticmethod
    def stack(position: Cell) -> tuple[int, int, bool]:
        return (position.bay, position.row, position.on_deck)

    def cells_apart(self, a: Cell, b: Cell) -> int:
        bays = min(abs(self.bay_index[p.bay] - self.bay_index[q.bay]) for p in a.halves() for q in b.halves())
        rows = abs(self.row_index[a.row] - self.row_index[b.row])
        return max(bays, rows, abs(self.tier_index[a.tier] - self.tier_index[b.tier]))

    def dg_rule(self, a: StowBox, b: StowBox) -> int | None:
        """The distance two boxes must keep (0 none, None not on one ship), asked both ways round."""
        if not a.dg_classes or not b.dg_classes:
            return 0
        one = self.rules.dg_cells_apart(a.dg_classes, b.dg_classes)
        two = self.rules.dg_cells_apart(b.dg_classes, a.dg_classes)
        return None if one is None or two is None else max(one, two)

    def balance_allowed_scaled(self, total_kg: int) -> int:
        share = round(self.rules.balance_share * BALANCE_SCALE)
        return max(share * total_kg, BALANCE_SCALE * self.rules.balance_min_kg)


@dataclass
class _Board:
    """Boxes standing on the ship (through cargo and those planned so far), by 20' position."""

    ship: _Ship
    at: dict[Cell, tuple[StowBox, Cell]] = field(default_factory=dict)
    cell_of: dict[str, Cell] = field(default_factory=dict)
    box_of: dict[str, StowBox] = field(default_factory=dict)
    stack_load_2: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    port_kg: int = 0
    starboard_kg: int = 0
    total_kg: int = 0

    def put(self, box: StowBox, cell: Cell) -> None:
        for half in cell.halves():
            self.at[half] = (box, cell)
            self.stack_load_2[self.ship.stack(half)] += box.half_mass_2
        self.cell_of[box.key], self.box_of[box.key] = cell, box
        side = Geometry.side(cell)
        self.port_kg += box.gross_kg if side < 0 else 0
        self.starboard_kg += box.gross_kg if side > 0 else 0
        self.total_kg += box.gross_kg

    def take(self, key: str) -> None:
        box, cell = self.box_of.pop(key), self.cell_of.pop(key)
        for half in cell.halves():
            del self.at[half]
            self.stack_load_2[self.ship.stack(half)] -= box.half_mass_2
        side = Geometry.side(cell)
        self.port_kg -= box.gross_kg if side < 0 else 0
        self.starboard_kg -= box.gross_kg if side > 0 else 0
        self.total_kg -= box.gross_kg

    def dangerous(self) -> list[tuple[StowBox, Cell]]:
        return [(box, self.cell_of[key]) for key, box in self.box_of.items() if box.dg_classes]

    def refusal(self, box: StowBox, cell: Cell, *, balance: bool = True) -> str | None:
        """Why `box` may not be added in `cell` on top of what stands now (None: it may), as a code that
        `_refusal_texts` words for people.

        Without `balance` the port/starboard rule is not asked: a plan filled that way is balanced after."""
        ship, geometry = self.ship, self.ship.geometry
        if not geometry.fits(cell, box.length_ft):
            return "size"
        if box.reefer and not geometry.plugged(cell):
            return "no reefer plug"
        halves = cell.halves()
        if any(half in self.at or ship.above.get(half) in self.at for half in halves):
            return "taken"
        for half in halves:
            under = geometry.below(half)
            if under is None:
                continue
            if under not in self.at:
                return "nothing to stand on"
            under_box, under_cell = self.at[under]
            if under_cell.long and not cell.long:
                return "a 20' box may not stand on a 40'"
            if box.half_mass_2 > under_box.half_mass_2:
                return "heavier below lighter"
            if box.pod_rank > under_box.pod_rank:
                return "port order"
        for half in halves:
            if self.stack_load_2[ship.stack(half)] + box.half_mass_2 > 2 * ship.rules.stack_max_kg:
                return "stack weight"
        for other, other_cell in self.dangerous() if box.dg_classes else []:
            apart = ship.dg_rule(box, other)
            if apart is None or (apart > 0 and ship.cells_apart(cell, other_cell) < apart):
                return "DG segregation"
        if not balance:
            return None
        side = Geometry.side(cell)
        before = self.starboard_kg - self.port_kg
        after = before + side * box.gross_kg
        allowed = max(ship.balance_allowed_scaled(self.total_kg + box.gross_kg), BALANCE_SCALE * abs(before))
        if BALANCE_SCALE * abs(after) > allowed:
            return "port/starboard balance"
        return None

    def top_boxes(self, placed: set[str]) -> list[str]:
        """Planned boxes nothing stands on: the ones that can come off without moving another."""
        tops = []
        for key in placed:
            if all(self.ship.above.get(half) not in self.at for half in self.cell_of[key].halves()):
                tops.append(key)
        return sorted(tops)


@dataclass
class _Solved:
    cell_of: dict[str, Cell]
    count_bound: int
    proven: bool


def _block_solve(
    ship: _Ship,
    bays: set[int],
    pool: list[StowBox],
    fixed: _Board,
    seconds: float,
    *,
    with_sequence: bool,
) -> _Solved:
    """The best placement of `pool` in the 20' bays `bays`, against the boxes already on `fixed`.

    Exact within the block: boxes on board, then yard rehandles among the pool's boxes (the loading order
    is part of the model: a load time per 20' position, later than the one under it), then the
    port/starboard difference of the whole ship after the block.
    """
    geometry, rules = ship.geometry, ship.rules
    positions = [p for p in ship.positions if p.bay in bays and p not in fixed.at]
    longs = [c for c in ship.long_cells if all(h.bay in bays for h in c.halves())]
    fixed_dg = fixed.dangerous()
    model = cp_model.CpModel()
    x: dict[tuple[str, Cell], cp_model.IntVar] = {}
    cells_of: dict[str, list[Cell]] = defaultdict(list)
    for box in pool:
        for cell in longs if box.long else positions:
            if _may_stand(ship, box, cell, fixed, fixed_dg):
                x[box.key, cell] = model.new_bool_var(f"x_{box.key}_{cell.label}")
                cells_of[box.key].append(cell)
    by_key = {box.key: box for box in pool}
    on = {}
    for box in pool:
        on[box.key] = model.new_bool_var(f"on_{box.key}")
        model.add(sum(x[box.key, cell] for cell in cells_of[box.key]) == on[box.key])

    occupied, mass_2, pod, short_at, long_over = (defaultdict(list) for _ in range(5))
    for (key, cell), var in x.items():
        box = by_key[key]
        for half in cell.halves():
            occupied[half].append(var)
            mass_2[half].append(box.half_mass_2 * var)
            pod[half].append(box.pod_rank * var)
            (long_over if cell.long else short_at)[half].append(var)

    def fixed_value(position: Cell, what: Callable[[StowBox], int]) -> int:
        return what(fixed.at[position][0])

    for position in positions:
        if not occupied[position]:
            continue
        model.add(sum(occupied[position]) <= 1)
        under = geometry.below(position)
        if under is None or under in fixed.at:
            continue  # on the first tier, or on through cargo (checked for each cell in `_may_stand`)
        model.add(sum(occupied[position]) <= sum(occupied[under]))
        model.add(sum(mass_2[position]) <= sum(mass_2[under]))
        model.add(sum(pod[position]) <= sum(pod[under]))
        if short_at[position] and long_over[under]:
            model.add(sum(short_at[position]) + sum(long_over[under]) <= 1)
    by_stack = defaultdict(list)
    for position in positions:
        by_stack[ship.stack(position)].extend(mass_2[position])
    for stack, terms in by_stack.items():
        if terms:
            model.add(sum(terms) <= 2 * rules.stack_max_kg - fixed.stack_load_2[stack])

    dg_boxes = [box for box in pool if box.dg_classes]
    for index, a in enumerate(dg_boxes):
        for b in dg_boxes[index + 1 :]:
            apart = ship.dg_rule(a, b)
            if apart is None:
                model.add(on[a.key] + on[b.key] <= 1)
                continue
            if apart <= 0:
                continue
            for cell_a in cells_of[a.key]:
                near = [x[b.key, cell_b] for cell_b in cells_of[b.key] if ship.cells_apart(cell_a, cell_b) < apart]
                if near:
                    model.add(sum(near) == 0).only_enforce_if(x[a.key, cell_a])

    # Balance of the whole ship after this block; what stands already may not get worse (see the module).
    # Each side's mass gets a variable of its own: CP-SAT's presolve is slow over one sum of large masses.
    pool_kg = sum(box.gross_kg for box in pool)
    sides = {}
    for side in (-1, 1):
        sides[side] = model.new_int_var(0, pool_kg, f"side_{side}")
        model.add(
            sides[side]
            == sum(by_key[key].gross_kg * var for (key, cell), var in x.items() if Geometry.side(cell) == side)
        )
    new_kg = model.new_int_var(0, pool_kg, "new_kg")
    model.add(new_kg == sum(box.gross_kg * on[box.key] for box in pool))
    before = fixed.starboard_kg - fixed.port_kg
    most = pool_kg + abs(before)
    absolute = model.new_int_var(0, most, "balance_abs")
    model.add_abs_equality(absolute, before + sides[1] - sides[-1])
    share = round(rules.balance_share * BALANCE_SCALE)
    floor = max(BALANCE_SCALE * rules.balance_min_kg, BALANCE_SCALE * abs(before))
    by_share = model.new_bool_var("balance_by_share")
    model.add(BALANCE_SCALE * absolute <= share * (fixed.total_kg + new_kg)).only_enforce_if(by_share)
    model.add(BALANCE_SCALE * absolute <= floor).only_enforce_if(by_share.Not())

    hint = _greedy_placement(ship, bays, pool, fixed)
    for (key, cell), var in x.items():
        model.add_hint(var, hint.get(key) == cell)
    for key, var in on.items():
        model.add_hint(var, key in hint)
    rehandled = _sequence_in_model(model, ship, positions, pool, x, on) if with_sequence else []
    weight_rehandle = most + 1
    weight_box = weight_rehandle * (len(rehandled) + 1)
    model.maximize(
        weight_box * sum(on.values()) - weight_rehandle * sum(rehandled) - absolute  # lexicographic by weights
    )
    solver = _solver(seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved(hint, len(pool), False)  # the quick placement is legal: better than nothing
    # objective >= weight_box * count - (weights of the lesser terms, < weight_box): count <= ceil(bound / weight_box)
    count_bound = min(len(pool), math.ceil(solver.best_objective_bound / weight_box - 1e-9))
    placed = {key: cell for (key, cell), var in x.items() if solver.value(var)}
    return _Solved(placed, max(count_bound, len(placed)), status == cp_model.OPTIMAL)


def _greedy_placement(ship: _Ship, bays: set[int], pool: list[StowBox], fixed: _Board) -> dict[str, Cell]:
    """A quick legal placement to start the solver from: later ports and heavier boxes first, each in the
    lowest cell that takes it; 20' boxes before 40' ones (no 20' may stand on a 40')."""
    scratch = _Board(ship)
    for key, box in fixed.box_of.items():
        scratch.put(box, fixed.cell_of[key])
    cells = [c for c in ship.positions + ship.long_cells if all(h.bay in bays for h in c.halves())]
    cells.sort(key=lambda c: (ship.tier_index[c.tier], c.bay, ship.row_index[c.row]))
    placed = {}
    for box in sorted(pool, key=lambda box: (box.long, -box.pod_rank, -box.half_mass_2, box.key)):
        for cell in cells:
            if cell.long == box.long and scratch.refusal(box, cell) is None:
                scratch.put(box, cell)
                placed[box.key] = cell
                break
    return placed


def _may_stand(ship: _Ship, box: StowBox, cell: Cell, fixed: _Board, fixed_dg: list) -> bool:
    """What a single cell decides for a box on its own: plug, size, what stands fixed around it, DG."""
    geometry = ship.geometry
    if box.reefer and not geometry.plugged(cell):
        return False
    for half in cell.halves():
        if half in fixed.at:
            return False
        if (over := ship.above.get(half)) is not None and over in fixed.at:
            return False  # nothing is slid under through cargo
        if fixed.stack_load_2[ship.stack(half)] + box.half_mass_2 > 2 * ship.rules.stack_max_kg:
            return False
        under = geometry.below(half)
        if under is not None and under in fixed.at:
            under_box, under_cell = fixed.at[under]
            if under_cell.long and not cell.long:
                return False
            if box.half_mass_2 > under_box.half_mass_2 or box.pod_rank > under_box.pod_rank:
                return False
    for other, other_cell in fixed_dg:
        apart = ship.dg_rule(box, other)
        if apart is None or (apart > 0 and ship.cells_apart(cell, other_cell) < apart):
            return False
    return True


def _sequence_in_model(model, ship, positions, pool, x, on) -> list:
    """Loading order inside the placement model: a load time for each 20' position, later than the time
    of the position under it; a box loads at its cell's time; a box set above another in the yard is
    rehandled unless it loads first (or when it stays behind while the one under it loads)."""
    pairs = _yard_pairs(pool)
    if not pairs:
        return []
    horizon = len(pool) + len(ship.geometry.tier_numbers) + 1
    load_time = {position: model.new_int_var(0, horizon, f"t_{position.label}") for position in positions}
    for position in positions:
        under = ship.geometry.below(position)
        if under is not None and under in load_time:
            model.add(load_time[position] > load_time[under])
    loads_at = {box.key: model.new_int_var(0, horizon, f"at_{box.key}") for box in pool}
    for (key, cell), var in x.items():
        for half in cell.halves():
            model.add(loads_at[key] == load_time[half]).only_enforce_if(var)
    rehandled = {}
    for upper, lower in pairs:
        if upper.key not in rehandled:
            rehandled[upper.key] = model.new_bool_var(f"rehandled_{upper.key}")
        flag = rehandled[upper.key]
        model.add(flag >= on[lower.key] - on[upper.key])
        model.add(loads_at[upper.key] < loads_at[lower.key]).only_enforce_if([on[upper.key], on[lower.key], flag.Not()])
    return list(rehandled.values())


def stowage_solve(
    geometry: Geometry,
    boxes: list[StowBox],
    *,
    on_board: dict[str, StowBox] | None = None,
    rules: Rules,
    time_limit: float = 20.0,
    gettext: Callable[[str], str] = _as_written,
) -> StowagePlan:
    """The stowage plan and loading sequence for `boxes` (see the module for the rules and the method).

    `on_board` maps a cell label to a box that stays on board (through cargo). `time_limit` is the
    solver's budget in its deterministic time, close to seconds on an ordinary machine. `gettext` translates
    the reasons of the boxes left out (Django's, from the service).
    """
    started = time.perf_counter()
    ship = _Ship(geometry, rules, gettext)
    boxes = sorted(boxes, key=lambda box: box.key)
    if len({box.key for box in boxes}) != len(boxes):
        raise ValueError("two boxes with the same key")
    board = _Board(ship)
    for label, box in sorted((on_board or {}).items()):
        cell = cell_parse(label)
        if cell is None or not geometry.fits(cell, box.length_ft):
            raise ValueError(f"through cargo {box.key}: {label} is no cell of this ship for a {box.length_ft}' box")
        board.put(box, cell)
    left_out: dict[str, str] = {}
    candidates = []
    for box in boxes:
        if reason := _never_reason(ship, box, board):
            left_out[box.key] = reason
        else:
            candidates.append(box)

    pairs = sum(len(ship.long_cells) if box.long else len(ship.positions) for box in candidates)
    if pairs <= SINGLE_MODEL_MAX_PAIRS:
        solved = _block_solve(ship, set(geometry.bay_numbers), candidates, board, 0.8 * time_limit, with_sequence=True)
        by_key = {box.key: box for box in candidates}
        for key, cell in sorted(solved.cell_of.items()):
            board.put(by_key[key], cell)
        bound, proven = solved.count_bound, solved.proven
    else:
        bound = _columns_plan(ship, candidates, board, time_limit)
        proven = False
    planned = {box.key for box in candidates if box.key in board.cell_of}
    for box in sorted(candidates, key=_leftover_order):  # any box a cell still takes within the rules
        if box.key not in planned and _put_anywhere(ship, box, board):
            planned.add(box.key)
    for key in _balance_guard(ship, board, planned):
        planned.discard(key)
        left_out[key] = gettext("taken off to keep the port/starboard balance")
    remaining = max(0.05, time_limit - (time.perf_counter() - started))
    sequence, sequence_proven = _sequence_solve(ship, board, planned, boxes, min(remaining, 0.2 * time_limit + 1))
    for box in candidates:
        if box.key not in planned and box.key not in left_out:
            left_out[box.key] = _left_out_reason(ship, box, board)
    rehandles = yard_rehandles(boxes, sequence)
    bound = max(bound, len(planned)) if proven else bound
    gap = 0.0 if bound <= 0 else max(0.0, (bound - len(planned)) / bound)
    optimal = (proven and sequence_proven) or (
        len(planned) == bound and rehandles == 0 and board.port_kg == board.starboard_kg
    )
    return StowagePlan(
        cell_of={key: board.cell_of[key].label for key in sorted(planned)},
        sequence=sequence,
        left_out=dict(sorted(left_out.items())),
        bound=bound,
        gap=gap,
        optimal=optimal,
        seconds=time.perf_counter() - started,
        rehandles=rehandles,
        port_kg=board.port_kg,
        starboard_kg=board.starboard_kg,
    )


def _never_reason(ship: _Ship, box: StowBox, board: _Board) -> str | None:
    """Why a box cannot go on this ship whatever else is planned (None: it might)."""
    geometry, rules, gettext = ship.geometry, ship.rules, ship.gettext
    if box.long and not ship.long_cells:
        return gettext("this ship has no 40' bays for a %(length)s' box") % {"length": box.length_ft}
    if box.half_mass_2 > 2 * rules.stack_max_kg:
        return gettext("%(mass)s kg is more than a stack may carry (%(limit)s kg a 20' stack)") % {
            "mass": box.gross_kg,
            "limit": rules.stack_max_kg,
        }
    if box.reefer and not any(geometry.plugged(cell) for cell in (ship.long_cells if box.long else ship.positions)):
        return gettext("a reefer, and no %(length)s' cell of this ship has a plug") % {"length": box.length_ft}
    for other, cell in board.dangerous():
        if ship.dg_rule(box, other) is None:
            return _dg_conflict(ship, box, other, gettext("through cargo in %(cell)s") % {"cell": cell.label})
    return None


def _dg_conflict(ship: _Ship, box: StowBox, other: StowBox, where: str) -> str:
    message = ship.gettext(
        "DG class %(classes)s may not sail on one ship with class %(other_classes)s of %(other)s (%(where)s)"
    )
    classes = {"classes": "/".join(box.dg_classes), "other_classes": "/".join(other.dg_classes)}
    return message % {**classes, "other": other.key, "where": where}


def _columns_plan(ship: _Ship, candidates: list[StowBox], board: _Board, time_limit: float) -> int:
    """A large call, planned by columns (see `_Column`); returns the relaxation's proven bound.

    A CP-SAT model over column choices (20' or 40', which port) with the boxes counted per class (port,
    length, reefer) decides how many columns each class gets; the columns are then filled tier by tier,
    heaviest boxes first and the lighter side of the ship first, every box checked against the rules as
    it is put but the balance, which only the finished plan must keep and `_rebalance` restores. Every
    step is deterministic: the solves run on one worker with a fixed seed and a deterministic budget."""
    bound = _relaxation_bound(ship, candidates, board, 0.1 * time_limit)
    columns = _ship_columns(ship)
    kept_dg = _dg_kept(ship, candidates)
    pool = [box for box in candidates if not box.dg_classes or box.key in kept_dg]
    chosen = _columns_choose(ship, columns, pool, board, 0.2 * time_limit)
    _columns_fill(ship, chosen, pool, board)
    _rebalance(ship, board, {box.key for box in pool})
    return bound


@dataclass(frozen=True)
class _Column:
    """Two 20' bays (or a lone one) in one row, in the hold or on deck: it holds two 20' stacks or one
    40' stack. Filled with boxes for one port only, heaviest at the bottom, it keeps the weight order and
    the port order by construction; what remains to check is stack weight, plugs, DG and balance."""

    bays: tuple[int, ...]
    row: int
    deck: bool
    tiers: tuple[int, ...]
    side: int

    def cells(self, length_ft: int) -> list[list[Cell]]:
        """The cells a box of this length takes here, tier by tier from the bottom."""
        if length_ft > 20:
            return [[Cell(self.bays[0] + 1, self.row, tier)] for tier in self.tiers] if len(self.bays) == 2 else []
        return [[Cell(bay, self.row, tier) for bay in self.bays] for tier in self.tiers]


def _ship_columns(ship: _Ship) -> list[_Column]:
    geometry = ship.geometry
    pairs = [(bay - 1, bay + 1) for bay in geometry.long_bay_numbers]
    paired = {bay for pair in pairs for bay in pair}
    groups = pairs + [(bay,) for bay in geometry.bay_numbers if bay not in paired]
    hold = geometry.tier_numbers[: geometry.hold_tiers]
    deck = geometry.tier_numbers[geometry.hold_tiers :]
    columns = []
    for bays in sorted(groups):
        for row in geometry.row_numbers:
            for on_deck, tiers in ((False, hold), (True, deck)):
                if tiers:
                    side = Geometry.side(Cell(bays[0], row, tiers[0]))
                    columns.append(_Column(bays, row, on_deck, tuple(tiers), side))
    return columns


def _column_room(ship: _Ship, board: _Board, column: _Column, klass: tuple[int, int], mean_2: float) -> tuple:
    """(boxes, plugged cells) a column could take of a class, above the through cargo standing in it.

    Boxes go above the top through box of each stack only, for its port or an earlier one, no 20' on a
    40', a 40' only where both halves stand equally high; at most what the class's average mass lets the
    stack carry."""
    pod, length = klass
    stacks = column.cells(length)
    if not stacks:
        return 0, 0
    rules = ship.rules
    boxes = plugs = 0
    for lane in range(len(stacks[0])):
        cells = [tier[lane] for tier in stacks]
        standing = [board.at[half] for cell in cells for half in cell.halves() if half in board.at]
        height = 0
        for level, cell in enumerate(cells):
            if any(half in board.at for half in cell.halves()):
                height = level + 1
        if length > 20 and any(
            sum(half in board.at for half in cell.halves()) not in (0, 2) for cell in cells
        ):  # fmt: skip
            continue  # a 40' cell over one 20' box and one gap: it would stand on nothing
        if any(through.pod_rank < pod for through, _ in standing):
            continue
        if length <= 20 and any(cell.long for _, cell in standing):
            continue
        if length > 20 and standing and height and not all(
            all(half in board.at for half in cell.halves()) for cell in cells[:height]
        ):  # fmt: skip
            continue
        load = max(board.stack_load_2[ship.stack(half)] for half in cells[0].halves())
        carry = math.floor((2 * rules.stack_max_kg - load) / max(mean_2, 1))
        usable = cells[height:][: max(0, carry)]
        boxes += len(usable)
        plugs += sum(ship.geometry.plugged(cell) for cell in usable)
    return boxes, plugs


def _deterministic_solver(seconds: float) -> cp_model.CpSolver:
    """One worker, a fixed seed and a budget in deterministic time: the same model gives the same answer
    however busy the machine is (the wall-clock limit is only a backstop far beyond it)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = max(seconds, 0.05)
    solver.parameters.max_time_in_seconds = 10 * max(seconds, 1.0)
    return solver


def _relaxation_bound(ship: _Ship, pool: list[StowBox], board: _Board, seconds: float) -> int:
    """The most boxes any legal plan puts on board, by a relaxation over the whole ship: free cells by
    size, plugs, the total the stacks may carry, and the DG boxes that may not share a ship. Every legal
    plan satisfies it, so its proven bound (not its solution) bounds every plan."""
    geometry, rules = ship.geometry, ship.rules
    free = [p for p in ship.positions if p not in board.at and ship.above.get(p) not in board.at]
    free_set = set(free)
    longs = [c for c in ship.long_cells if all(h in free_set for h in c.halves())]
    plugged_20 = sum(geometry.plugged(p) for p in free)
    plugged_40 = sum(geometry.plugged(c) for c in longs)
    stacks = {ship.stack(p) for p in ship.positions}
    capacity_2 = sum(max(0, 2 * rules.stack_max_kg - board.stack_load_2[stack]) for stack in stacks)
    model = cp_model.CpModel()
    on = {box.key: model.new_bool_var(f"on_{box.key}") for box in pool}
    shorts = [on[box.key] for box in pool if not box.long]
    longs_on = [on[box.key] for box in pool if box.long]
    model.add(sum(shorts) + 2 * sum(longs_on) <= len(free))
    model.add(sum(longs_on) <= len(longs))
    reefers_20 = [on[box.key] for box in pool if box.reefer and not box.long]
    reefers_40 = [on[box.key] for box in pool if box.reefer and box.long]
    model.add(sum(reefers_20) <= plugged_20)
    model.add(sum(reefers_40) <= plugged_40)
    model.add(sum(reefers_20) + sum(reefers_40) <= plugged_20)  # each reefer needs a plug of its own
    # In twice-kg (as `stack_load_2`): a 20' box puts 2 x its mass on one stack, a 40' box its mass on two.
    model.add(sum(2 * box.gross_kg * on[box.key] for box in pool) <= capacity_2)
    dangerous = [box for box in pool if box.dg_classes]
    for index, a in enumerate(dangerous):
        for b in dangerous[index + 1 :]:
            if ship.dg_rule(a, b) is None:
                model.add(on[a.key] + on[b.key] <= 1)
    model.maximize(sum(on.values()))
    solver = _deterministic_solver(seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return len(pool)
    return min(len(pool), math.floor(solver.best_objective_bound + 1e-9))


def _dg_kept(ship: _Ship, pool: list[StowBox]) -> set[str]:
    """The most DG boxes that may all sail on one ship (no pair the rules keep apart); the others are
    tried only at the end, where a cell still takes them."""
    dangerous = [box for box in pool if box.dg_classes]
    conflicts = [
        (a.key, b.key)
        for index, a in enumerate(dangerous)
        for b in dangerous[index + 1 :]
        if ship.dg_rule(a, b) is None
    ]
    if not conflicts:
        return {box.key for box in dangerous}
    model = cp_model.CpModel()
    on = {box.key: model.new_bool_var(f"dg_{box.key}") for box in dangerous}
    for a, b in conflicts:
        model.add(on[a] + on[b] <= 1)
    model.maximize(sum(on.values()))
    solver = _deterministic_solver(1.0)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return set()
    return {key for key, var in on.items() if solver.value(var)}


def _class_of(box: StowBox) -> tuple[int, int]:
    return (box.pod_rank, 40 if box.long else 20)


def _columns_choose(
    ship: _Ship, columns: list[_Column], pool: list[StowBox], board: _Board, seconds: float
) -> dict[_Column, tuple[int, int]]:
    """Which class (port, length) each column carries: most boxes, then fewest columns.

    Counts per class, not boxes: a column of a class takes what `_column_room` gives, its reefers no
    more than its plugged cells; each class has as many columns to port as to starboard, give or take
    one, in the hold and on deck. Columns alike in all of that are one group with a count per class,
    which keeps the model small and free of interchangeable choices."""
    plain: dict[tuple, int] = defaultdict(int)
    reefers: dict[tuple, int] = defaultdict(int)
    mass_2: dict[tuple, list[int]] = defaultdict(list)
    for box in pool:
        (reefers if box.reefer else plain)[_class_of(box)] += 1
        mass_2[_class_of(box)].append(box.half_mass_2)
    classes = sorted(mass_2)
    groups: dict[tuple, list[_Column]] = defaultdict(list)
    for column in columns:
        rooms = tuple(_column_room(ship, board, column, k, sum(mass_2[k]) / len(mass_2[k])) for k in classes)
        if any(boxes for boxes, _ in rooms):
            groups[column.deck, column.side, rooms].append(column)
    model = cp_model.CpModel()
    count: dict[tuple, cp_model.IntVar] = {}
    capacity, plugs, by_side = defaultdict(list), defaultdict(list), defaultdict(list)
    for signature, members in sorted(groups.items(), key=lambda item: _column_order(item[1][0])):
        on_deck, side, rooms = signature
        here = []
        for klass, (boxes, plugged) in zip(classes, rooms, strict=True):
            if boxes:
                var = model.new_int_var(0, len(members), f"n_{len(count)}")
                count[signature, klass] = var
                here.append(var)
                capacity[klass].append(boxes * var)
                plugs[klass].append(plugged * var)
                by_side[klass, on_deck, side].append(var)
        model.add(sum(here) <= len(members))
    placed = []
    for klass in classes:
        ordinary = model.new_int_var(0, plain[klass], f"u_{klass[0]}_{klass[1]}")
        cold = model.new_int_var(0, reefers[klass], f"v_{klass[0]}_{klass[1]}")
        model.add(ordinary + cold <= sum(capacity[klass]))
        model.add(cold <= sum(plugs[klass]))
        placed += [ordinary, cold]
        for on_deck in (False, True):
            difference = sum(by_side[klass, on_deck, 1]) - sum(by_side[klass, on_deck, -1])
            model.add(difference <= 1)
            model.add(difference >= -1)
    model.maximize((len(columns) + 1) * sum(placed) - sum(count.values()))
    solver = _deterministic_solver(seconds)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    chosen = {}
    for signature, members in groups.items():
        # The group's columns in bay order, the classes dealt out in turn: each class spread along the ship.
        wanted = {klass: solver.value(count[signature, klass]) for klass in classes if (signature, klass) in count}
        members = sorted(members, key=_column_order)
        index = 0
        while any(wanted.values()):
            for klass in classes:
                if wanted.get(klass):
                    chosen[members[index]] = klass
                    wanted[klass] -= 1
                    index += 1
    return chosen


def _column_order(column: _Column) -> tuple:
    return (column.deck, column.bays, column.row)


def _columns_fill(ship: _Ship, chosen: dict[_Column, tuple[int, int]], pool: list[StowBox], board: _Board) -> None:
    """Fills the chosen columns tier by tier over the whole ship, each cell with the heaviest box of its
    column's class the rules allow there (a reefer first where there is a plug), the lighter side of the
    ship first. Taking the boxes of a class heaviest first keeps every tier lighter than the one below."""
    queues: dict[tuple, list[StowBox]] = defaultdict(list)
    for box in sorted(pool, key=lambda box: (-box.half_mass_2, box.key)):
        if box.key not in board.cell_of:
            queues[_class_of(box)].append(box)
    used = sorted(chosen, key=_column_order)
    by_side = {side: [column for column in used if column.side == side] for side in (-1, 0, 1)}
    height = max((len(column.tiers) for column in used), default=0)
    for level in range(height):
        waiting = {side: [c for c in by_side[side] if level < len(c.tiers)] for side in (-1, 0, 1)}
        while waiting[-1] or waiting[1]:
            lighter = -1 if board.port_kg <= board.starboard_kg else 1
            side = lighter if waiting[lighter] else -lighter
            column = waiting[side].pop(0)
            _column_tier_fill(ship, column, level, chosen[column], queues, board)
        for column in waiting[0]:
            _column_tier_fill(ship, column, level, chosen[column], queues, board)


def _column_tier_fill(
    ship: _Ship, column: _Column, level: int, klass: tuple[int, int], queues: dict, board: _Board
) -> None:
    queue = queues[klass]
    for cell in column.cells(klass[1])[level]:
        if not queue:
            return
        plugged = ship.geometry.plugged(cell)
        picks = [box for box in queue if box.reefer] if plugged else []
        picks += [box for box in queue if not box.reefer]
        for box in picks:
            if board.refusal(box, cell, balance=False) is None:
                board.put(box, cell)
                queue.remove(box)
                break


def _balance_off(ship: _Ship, board: _Board) -> int:
    """How far (in kg x BALANCE_SCALE) the ship is beyond the balance it may have; 0 within it."""
    return max(0, BALANCE_SCALE * abs(board.starboard_kg - board.port_kg) - ship.balance_allowed_scaled(board.total_kg))


def _rebalance(ship: _Ship, board: _Board, movable: set[str]) -> None:
    """Moves top boxes from the heavier side to a free cell on the other side or the centre line, the move
    that leaves the smallest difference first, until the balance holds or no move helps. A move's effect
    depends only on the box's mass and the side it goes to, so the lowest legal cell of each side will do."""
    cells = sorted(
        ship.positions + ship.long_cells, key=lambda c: (ship.tier_index[c.tier], c.bay, ship.row_index[c.row])
    )
    while _balance_off(ship, board):
        heavier = 1 if board.starboard_kg > board.port_kg else -1
        free = [c for c in cells if Geometry.side(c) != heavier and not any(h in board.at for h in c.halves())]
        best = None
        for key in board.top_boxes({key for key in movable if key in board.cell_of}):
            if Geometry.side(board.cell_of[key]) != heavier:
                continue
            box, home = board.box_of[key], board.cell_of[key]
            board.take(key)
            for side in (0, -heavier):
                cell = next(
                    (c for c in free if Geometry.side(c) == side and board.refusal(box, c, balance=False) is None), None
                )
                if cell is not None:
                    difference = abs(board.starboard_kg - board.port_kg + side * box.gross_kg)
                    best = min(best or (difference, key, cell), (difference, key, cell))
            board.put(box, home)
        if best is None or best[0] >= abs(board.starboard_kg - board.port_kg):
            return
        _, key, cell = best
        box = board.box_of[key]
        board.take(key)
        board.put(box, cell)


def _leftover_order(box: StowBox) -> tuple:
    # 20' boxes first: they fill the odd gaps a plan leaves; then lighter first (they stand on more).
    return (box.long, box.gross_kg, box.key)


def _put_anywhere(ship: _Ship, box: StowBox, board: _Board) -> bool:
    """Puts the box in the lowest cell that takes it within the rules, if there is one."""
    cells = ship.long_cells if box.long else ship.positions
    for cell in sorted(cells, key=lambda c: (ship.tier_index[c.tier], c.bay, ship.row_index[c.row])):
        if board.refusal(box, cell) is None:
            board.put(box, cell)
            return True
    return False


def _balance_guard(ship: _Ship, board: _Board, planned: set[str]) -> list[str]:
    """Boxes to take off, heaviest top box of the heavier side first, if the plan breaks the balance rule.

    The block solves keep the rule; this only acts if through cargo came in out of balance and the new
    boxes were placed on top of that (it never takes through cargo off)."""
    taken = []
    while True:
        difference = board.starboard_kg - board.port_kg
        if BALANCE_SCALE * abs(difference) <= ship.balance_allowed_scaled(board.total_kg):
            return taken
        heavier = 1 if difference > 0 else -1
        tops = [key for key in board.top_boxes(planned) if Geometry.side(board.cell_of[key]) == heavier]
        if not tops:
            return taken
        key = max(tops, key=lambda key: (board.box_of[key].gross_kg, key))
        board.take(key)
        planned.discard(key)
        taken.append(key)


def _sequence_solve(
    ship: _Ship, board: _Board, planned: set[str], boxes: list[StowBox], seconds: float
) -> tuple[list[str], bool]:
    """The loading order: every box after the box(es) it stands on, fewest yard rehandles.

    A greedy order starts a CP-SAT solve on one worker in deterministic time, so the same placement always
    gets the same order. Returns the order and whether it is proven to give the fewest rehandles."""
    geometry = ship.geometry

    def bottom_up(key: str) -> tuple:
        cell = board.cell_of[key]
        return (ship.tier_index[cell.tier], cell.bay, ship.row_index[cell.row], key)

    needs: dict[str, set[str]] = {}
    for key in planned:
        needs[key] = set()
        for half in board.cell_of[key].halves():
            under = geometry.below(half)
            if under is not None and (below := board.at[under][0].key) in planned:
                needs[key].add(below)
    soft = [(upper, lower) for upper, lower in _yard_pairs(boxes) if upper.key in planned and lower.key in planned]
    order = _sequence_greedy(needs, soft, bottom_up)
    if not soft:
        return order, True
    model = cp_model.CpModel()
    load = {key: model.new_int_var(0, len(order), f"at_{key}") for key in order}
    for index, key in enumerate(order):
        model.add_hint(load[key], index)
        for below in sorted(needs[key]):
            model.add(load[key] > load[below])
    rehandled = {}
    for upper, lower in soft:
        flag = rehandled.setdefault(upper.key, model.new_bool_var(f"rehandled_{upper.key}"))
        model.add(load[upper.key] < load[lower.key]).only_enforce_if(flag.Not())
    model.minimize(sum(rehandled.values()))
    solver = _deterministic_solver(seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return order, False
    position = {key: index for index, key in enumerate(order)}
    return sorted(order, key=lambda key: (solver.value(load[key]), position[key])), status == cp_model.OPTIMAL


def _sequence_greedy(needs: dict[str, set[str]], soft: list, bottom_up: Callable[[str], tuple]) -> list[str]:
    """A quick loading order: of the boxes whose support is loaded, the one that lifts the fewest boxes
    still to load off it in the yard, the lowest first among equals."""
    above: dict[str, set[str]] = defaultdict(set)
    for upper, lower in soft:
        above[lower.key].add(upper.key)
    loaded: set[str] = set()
    lifted: set[str] = set()
    order = []
    ready = {key for key, under in needs.items() if not under}
    waiting = {key: set(under) for key, under in needs.items() if under}
    standing_on: dict[str, list[str]] = defaultdict(list)
    for key, under in needs.items():
        for below in under:
            standing_on[below].append(key)
    while ready:
        key = min(ready, key=lambda key: (len(above[key] - loaded - lifted), bottom_up(key)))
        ready.discard(key)
        lifted |= above[key] - loaded
        loaded.add(key)
        order.append(key)
        for upper in standing_on[key]:
            waiting[upper].discard(key)
            if not waiting[upper]:
                ready.add(upper)
    return order


def _left_out_reason(ship: _Ship, box: StowBox, board: _Board) -> str:
    """A plain reason: the DG conflict, or the rules that refuse every free cell of its size."""
    gettext = ship.gettext
    for other, cell in board.dangerous():
        if ship.dg_rule(box, other) is None:
            return _dg_conflict(ship, box, other, gettext("planned in %(cell)s") % {"cell": cell.label})
    refusals = set()
    for cell in ship.long_cells if box.long else ship.positions:
        refusals.add(board.refusal(box, cell))
    refusals.discard("taken")
    size = "40'" if box.long else "20'"
    if not refusals:
        return gettext("no free %(size)s cell left") % {"size": size}
    rules = _refusal_texts(gettext)
    return gettext("no free %(size)s cell takes it within the rules (%(rules)s)") % {
        "size": size,
        "rules": ", ".join(sorted(rules.get(code, code) for code in refusals - {None})),
    }


def _refusal_texts(gettext: Callable[[str], str]) -> dict[str, str]:
    """The rules `_Board.refusal` names by code, as a reason lists them."""
    return {
        # Translators: the stowage rules that refuse a box every free cell, listed after "within the rules".
        "size": gettext("size"),
        "no reefer plug": gettext("no reefer plug"),
        "nothing to stand on": gettext("nothing to stand on"),
        "a 20' box may not stand on a 40'": gettext("a 20' box may not stand on a 40'"),
        "heavier below lighter": gettext("heavier below lighter"),
        "port order": gettext("port order"),
        "stack weight": gettext("stack weight"),
        "DG segregation": gettext("DG segregation"),
        "port/starboard balance": gettext("port/starboard balance"),
    }
