"""Arrival bay plans for simulated vessels: the cell of every box on board, as a line's BAPLIE gives them.

Pure Python over the ship's geometry (vessels.geometry), no database. A loading port stows bottom up: boxes
are put in the order given, each in the lowest free cell that takes it, so what comes first ends up under
what comes later. The traffic model gives through cargo first, then the boxes for this port, then a few
through boxes stowed over them (the restows the terminal will have to make).

Every cell chosen is one the terminal's own checks accept: the box fits the bay (20' odd, 40'/45' even),
stands on something (each 20' half on a box, or on the tank top or hatch cover), a 20' never on a 40', and a
reefer only where there is a plug. Heavier boxes go first within a group, so stacks are heavy under light.
"""

import random
from dataclasses import dataclass

from vessels.geometry import Cell, Geometry


@dataclass(frozen=True)
class Stowable:
    key: str  # container number
    length_ft: int
    reefer: bool = False
    here: bool = False  # for this port
    over_here: bool = False  # through cargo stowed right over a box for this port (a restow), where one is free


class Ship:
    """The 20' halves taken on one ship, and the cells still free that a box may stand in."""

    def __init__(self, geometry: Geometry, taken: dict[str, int] | None = None) -> None:
        self.geometry = geometry
        self.halves: dict[Cell, int] = {}  # 20' half -> length of the box over it
        for label, length_ft in (taken or {}).items():
            self.put(_cell(label), length_ft)

    def put(self, cell: Cell, length_ft: int) -> None:
        for half in cell.halves():
            self.halves[half] = length_ft

    def takes(self, cell: Cell, box: Stowable) -> bool:
        if not self.geometry.fits(cell, box.length_ft) or (box.reefer and not self.geometry.plugged(cell)):
            return False
        for half in cell.halves():
            if half in self.halves:
                return False
            below = self.geometry.below(half)
            if below is None:
                continue
            under = self.halves.get(below)
            if under is None or (box.length_ft <= 20 and under > 20):
                return False
        return True

    def lowest_free(
        self, box: Stowable, order: dict[Cell, float] | None = None, over: set[Cell] | None = None
    ) -> Cell | None:
        """The lowest cell that takes the box (ties broken by `order`, else bay and row), or None; with `over`,
        one standing on those 20' cells if there is one."""
        cells = self.geometry.cells_40() if box.length_ft > 20 else self.geometry.cells_20()
        tiers = self.geometry.tier_numbers
        free = [cell for cell in cells if self.takes(cell, box)]
        if over:
            free = [c for c in free if any(self.geometry.below(half) in over for half in c.halves())] or free
        return min(free, key=lambda c: (tiers.index(c.tier), (order or {}).get(c, 0.0), c), default=None)


def _cell(label: str) -> Cell:
    return Cell(int(label[:2]), int(label[2:4]), int(label[4:]))


def bay_plan(geometry: Geometry, boxes: list[Stowable], rng: random.Random) -> tuple[dict[str, str], list[str]]:
    """Cells for `boxes`, stowed in the order given; and the keys of those no cell took (the ship is full).
    `rng` spreads boxes over the cells of a tier, so calls do not all look alike."""
    ship = Ship(geometry)
    order = {cell: rng.random() for cell in geometry.cells_20() + geometry.cells_40()}
    cells, left, here = {}, [], set()
    for box in boxes:
        cell = ship.lowest_free(box, order, here if box.over_here else None)
        if cell is None:
            left.append(box.key)
            continue
        ship.put(cell, box.length_ft)
        cells[box.key] = cell.label
        if box.here:
            here.update(cell.halves())
    return cells, left
