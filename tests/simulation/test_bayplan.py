"""The simulator's arrival bay plans: every box in a cell the terminal's own checks accept, restows where asked."""

import random

from simulation.bayplan import Ship, Stowable, bay_plan
from vessels.geometry import Geometry, cell_parse
from vessels.profiles import DEFAULT_FEEDER

FEEDER = Geometry(
    bays_20=DEFAULT_FEEDER["bays_20"],
    rows=DEFAULT_FEEDER["rows"],
    hold_tiers=DEFAULT_FEEDER["hold_tiers"],
    deck_tiers=DEFAULT_FEEDER["deck_tiers"],
    reefer_plugs=frozenset(DEFAULT_FEEDER["reefer_plugs"]),
)


def boxes(n: int, seed: int = 1, **extra) -> list[Stowable]:
    rng = random.Random(seed)
    return [
        Stowable(f"B{seed}-{i:03d}", rng.choice([20, 20, 40, 45]), reefer=rng.random() < 0.1, **extra) for i in range(n)
    ]


def assert_stowed_legally(geometry: Geometry, stowed: list[Stowable], cells: dict[str, str]) -> None:
    halves = {}
    for box in stowed:
        if box.key not in cells:
            continue
        cell = cell_parse(cells[box.key])
        assert geometry.fits(cell, box.length_ft), (box, cell)
        assert not box.reefer or geometry.plugged(cell), (box, cell)
        for half in cell.halves():
            assert half not in halves, (box, cell)
            halves[half] = box
    for half, box in halves.items():
        below = geometry.below(half)
        if below is not None:
            assert below in halves, (box, half)  # nothing stands in the air
            assert box.length_ft > 20 or halves[below].length_ft <= 20, (box, half)  # no 20' on a 40'


def test_every_box_gets_a_legal_cell_and_the_same_seed_gives_the_same_plan():
    stowed = boxes(80)
    cells, left = bay_plan(FEEDER, stowed, random.Random(7))
    assert left == [] and len(cells) == 80
    assert len(set(cells.values())) == 80
    assert_stowed_legally(FEEDER, stowed, cells)
    assert bay_plan(FEEDER, stowed, random.Random(7)) == (cells, left)


def test_a_full_ship_says_which_boxes_found_no_cell():
    stowed = boxes(300, seed=2)
    cells, left = bay_plan(FEEDER, stowed, random.Random(1))
    assert left and set(left).isdisjoint(cells) and len(cells) + len(left) == 300
    assert_stowed_legally(FEEDER, stowed, cells)


def test_through_boxes_asked_to_be_over_boxes_for_this_port_stand_on_one():
    here = [Stowable(f"H{i}", 20, here=True) for i in range(10)]
    over = [Stowable(f"O{i}", 20, over_here=True) for i in range(3)]
    cells, left = bay_plan(FEEDER, here + over, random.Random(3))
    assert left == []
    below_over = {FEEDER.below(cell_parse(cells[box.key])) for box in over}
    assert below_over <= {cell_parse(cells[box.key]) for box in here}


def test_a_ship_with_boxes_on_board_takes_a_box_only_where_it_stands():
    ship = Ship(FEEDER, {"010102": 20, "020202": 40})  # a 20' in bay 01 row 01, a 40' over bays 01-03 row 02
    twenty, forty = Stowable("X", 20), Stowable("Y", 40)
    assert ship.takes(cell_parse("010104"), twenty)  # on the 20'
    assert not ship.takes(cell_parse("010204"), twenty)  # a 20' on a 40'
    assert ship.takes(cell_parse("020204"), forty)  # a 40' on a 40'
    assert not ship.takes(cell_parse("030104"), twenty)  # nothing under it
    assert not ship.takes(cell_parse("010102"), twenty)  # taken
    assert ship.lowest_free(twenty).tier == 2
