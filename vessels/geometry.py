"""A ship's stowage geometry in the ISO bay-row-tier system (ISO 9711-1), as bay plans (BAPLIE) write it.

- Bays: odd numbers are 20' bays (01, 03, 05, ...); a 40' or 45' box stands in the even bay between
  two of them (02 over 01 and 03, 06 over 05 and 07, ...). A profile of `bays_20` twenty-foot bays
  has pairs (01, 03), (05, 07), ... so 40' bays 02, 06, 10, ...
- Rows, seen from astern: odd rows to starboard (01, 03, ...) and even rows to port (02, 04, ...)
  counting out from the centre line, and row 00 on the centre line when the number of rows is odd.
- Tiers: in the hold 02, 04, 06, ... from the bottom; on deck 82, 84, 86, ... from the hatch cover.

A cell is written `BBRRTT` (six digits); seven digits with a leading zero (`0BBRRTT`) are read as well.
Pure Python, no Django: the planner and the services both use it.
"""

from dataclasses import dataclass, field
from functools import cached_property

DECK_FIRST_TIER = 82


@dataclass(frozen=True, order=True)
class Cell:
    bay: int
    row: int
    tier: int

    @property
    def label(self) -> str:
        return f"{self.bay:02d}{self.row:02d}{self.tier:02d}"

    @property
    def on_deck(self) -> bool:
        return self.tier >= DECK_FIRST_TIER

    @property
    def long(self) -> bool:
        """An even bay: the cell of a 40' or 45' box over two 20' bays."""
        return self.bay % 2 == 0

    def halves(self) -> tuple["Cell", ...]:
        """The 20' cells this cell covers: itself, or the two 20' bays under an even bay."""
        if not self.long:
            return (self,)
        return (Cell(self.bay - 1, self.row, self.tier), Cell(self.bay + 1, self.row, self.tier))

    def __str__(self) -> str:
        return self.label


def cell_parse(text: str) -> Cell | None:
    """The cell a bay plan writes (`BBRRTT` or `0BBRRTT`), or None if it is not one."""
    text = str(text).strip()
    if len(text) == 7 and text.startswith("0"):
        text = text[1:]
    if len(text) != 6 or not text.isdigit():
        return None
    return Cell(int(text[:2]), int(text[2:4]), int(text[4:]))


@dataclass(frozen=True)
class Geometry:
    """The cells of one ship: `bays_20` twenty-foot bays, `rows` across, tiers in the hold and on deck."""

    bays_20: int
    rows: int
    hold_tiers: int
    deck_tiers: int
    reefer_plugs: frozenset[str] = field(default_factory=frozenset)  # 20' cell labels with a plug

    @cached_property
    def bay_numbers(self) -> tuple[int, ...]:
        """The 20' bays, odd numbers from the bow: 01, 03, 05, ..."""
        return tuple(2 * index + 1 for index in range(self.bays_20))

    @cached_property
    def long_bay_numbers(self) -> tuple[int, ...]:
        """The 40' bays: one over each pair of 20' bays (02 over 01+03, 06 over 05+07, ...)."""
        return tuple(bay + 1 for bay in self.bay_numbers[::2] if bay + 2 in self.bay_numbers)

    @cached_property
    def row_numbers(self) -> tuple[int, ...]:
        """Rows from port to starboard: ..., 04, 02, (00,) 01, 03, ..."""
        half = self.rows // 2
        port = [2 * index for index in range(half, 0, -1)]
        starboard = [2 * index - 1 for index in range(1, half + 1)]
        return tuple(port + ([0] if self.rows % 2 else []) + starboard)

    @cached_property
    def tier_numbers(self) -> tuple[int, ...]:
        hold = [2 * index for index in range(1, self.hold_tiers + 1)]
        deck = [DECK_FIRST_TIER + 2 * index for index in range(self.deck_tiers)]
        return tuple(hold + deck)

    def cells_20(self) -> list[Cell]:
        return [Cell(b, r, t) for b in self.bay_numbers for r in self.row_numbers for t in self.tier_numbers]

    def cells_40(self) -> list[Cell]:
        return [Cell(b, r, t) for b in self.long_bay_numbers for r in self.row_numbers for t in self.tier_numbers]

    def has(self, cell: Cell) -> bool:
        bays = self.long_bay_numbers if cell.long else self.bay_numbers
        return cell.bay in bays and cell.row in self.row_numbers and cell.tier in self.tier_numbers

    def fits(self, cell: Cell, length_ft: int) -> bool:
        """A 20' box in an odd bay, a 40' or 45' box in an even one, and the cell on this ship."""
        return self.has(cell) and cell.long == (length_ft > 20)

    def plugged(self, cell: Cell) -> bool:
        """A reefer can be plugged in here: a plug at the cell, or at either 20' half of a 40' cell."""
        return any(half.label in self.reefer_plugs for half in cell.halves())

    @staticmethod
    def side(cell: Cell) -> int:
        """-1 port, +1 starboard, 0 on the centre line."""
        return 0 if cell.row == 0 else (1 if cell.row % 2 else -1)

    @property
    def teu(self) -> int:
        return self.bays_20 * self.rows * (self.hold_tiers + self.deck_tiers)

    def below(self, cell: Cell) -> Cell | None:
        """The cell a box here stands on in the same stack (hold and deck are separate stacks)."""
        index = self.tier_numbers.index(cell.tier)
        if index == 0 or index == self.hold_tiers:
            return None
        return Cell(cell.bay, cell.row, self.tier_numbers[index - 1])
