"""IMDG segregation between dangerous-goods (DG) classes and between DG containers.

Pure Python: no Django, no project imports, so the yard planner, the API and the tests can all use it.

The data is IMDG Code table 7.2.4 (``reference/imdg_segregation.csv`` beside this module), valid for
amendments 40-20 to 42-24. Its codes are kept as the strings the REST API returns:

    "X"  no general requirement from the table (see the Dangerous Goods List)
    "1"  away from
    "2"  separated from
    "3"  separated by a complete compartment or hold from
    "4"  separated longitudinally by an intervening complete compartment or hold from
    "*"  class 1 against class 1: decided by the compatibility groups

Strictness, for combining requirements: X < 1 < 2 < 3 < 4 < *.
This terminal does not check compatibility groups, so "*" is an open question, not a distance.
It is ranked *above* "4" on purpose: whenever two class 1 loads meet, the answer is "*", whatever
else they carry, and the yard configuration must map "*" to something at least as strict as "4"
(a separate block, or "not accepted") until someone checks the compatibility groups.

Rules applied by ``hazards_segregation`` (IMDG 7.2.3, as set out in ``reference/README.md`` here):

- Primary class plus one subsidiary risk: the stricter requirement applies. We read this as: between
  line x and line y, take the strictest code over every class of x ({primary} + subsidiary risks)
  against every class of y. With one subsidiary risk this is exactly the IMDG rule. With two or
  more, IMDG says to use DGL column 16b, which this module does not model; taking all of them is a
  conservative superset. DGL column 16b (SG codes, segregation groups) must be applied on top.
- Limited-quantity lines are not segregated: they contribute nothing.
- A container's requirement against another is the strictest over all pairs of lines, one from
  each container; "X" when nothing applies (no lines, or only limited quantities).
- The exemptions the IMDG Code grants from these rules and the class 1 compatibility groups are not
  modelled; both can only relax the result, so ignoring them errs on the safe side.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

IMDG_AMENDMENT = "42-24"  # the table matches amendments 40-20 to 42-24

DEFAULT_TABLE_PATH = Path(__file__).resolve().parent / "reference" / "imdg_segregation.csv"


class SegregationLevel(StrEnum):
    """A table 7.2.4 code. Members are plain strings ("X", "1"…"4", "*"), so they serialise as such.

    Do not compare members with < or max(): that would compare strings. Use ``rank``,
    ``is_stricter`` or ``strictest``.
    """

    NONE = "X"
    AWAY_FROM = "1"
    SEPARATED_FROM = "2"
    SEPARATED_BY_COMPARTMENT = "3"
    SEPARATED_LONGITUDINALLY = "4"
    CLASS_1_COMPATIBILITY = "*"

    @property
    def rank(self) -> int:
        return _RANK[self]


# "*" ranks above "4": see the module docstring.
_RANK = {
    SegregationLevel.NONE: 0,
    SegregationLevel.AWAY_FROM: 1,
    SegregationLevel.SEPARATED_FROM: 2,
    SegregationLevel.SEPARATED_BY_COMPARTMENT: 3,
    SegregationLevel.SEPARATED_LONGITUDINALLY: 4,
    SegregationLevel.CLASS_1_COMPATIBILITY: 5,
}


def _as_level(code: str) -> SegregationLevel:
    try:
        return SegregationLevel(code)
    except ValueError:
        raise ValueError(f"unknown segregation code {code!r}; expected one of X, 1, 2, 3, 4, *") from None


def strictness(code: str) -> int:
    """Ordering key: X=0, 1…4, *=5. Raises ValueError for anything else."""
    return _as_level(code).rank


def is_stricter(a: str, b: str) -> bool:
    """True when code ``a`` demands more than code ``b``."""
    return strictness(a) > strictness(b)


def strictest(codes: Iterable[str]) -> SegregationLevel:
    """The strictest of ``codes``; "X" when there are none."""
    return max((_as_level(code) for code in codes), key=strictness, default=SegregationLevel.NONE)


# Row/column labels of table 7.2.4, in the table's order.
CLASS_COLUMNS: tuple[str, ...] = (
    "1.1/1.2/1.5",
    "1.3/1.6",
    "1.4",
    "2.1",
    "2.2",
    "2.3",
    "3",
    "4.1",
    "4.2",
    "4.3",
    "5.1",
    "5.2",
    "6.1",
    "6.2",
    "7",
    "8",
    "9",
)

_CLASS_1_COLUMN = {
    "1": "1.1/1.2/1.5",
    "2": "1.1/1.2/1.5",
    "5": "1.1/1.2/1.5",
    "3": "1.3/1.6",
    "6": "1.3/1.6",
    "4": "1.4",
}
# Division 1.1 to 1.6, optionally followed by a compatibility group letter (A-H, J, K, L, N, S).
_CLASS_1_RE = re.compile(r"1\.([1-6])([A-HJKLNS])?")


def class_column(hazard: str) -> str:
    """The table 7.2.4 label for a class/division as written in UN data or typed by a clerk.

    "1.1D", "1.2G", "1.5D" -> "1.1/1.2/1.5"; "1.3C", "1.6N" -> "1.3/1.6"; "1.4S", "1.4" -> "1.4";
    "2.1", "3", "6.1", "8" ... and the table's own labels -> themselves. Whitespace and case are ignored.
    Raises ValueError for a bare "1" (the division decides the column) and for anything unknown.
    """
    text = re.sub(r"\s+", "", str(hazard)).upper()
    if text == "1":
        raise ValueError("class 1 needs a division (1.1 to 1.6), e.g. '1.4S'")
    match = _CLASS_1_RE.fullmatch(text)
    if match:
        return _CLASS_1_COLUMN[match.group(1)]
    if text in CLASS_COLUMNS:  # includes the table's own labels, so the function is idempotent
        return text
    raise ValueError(f"unknown IMDG class/division {hazard!r}")


@dataclass(frozen=True)
class SegregationTable:
    """Table 7.2.4 as loaded: ``cells[(row, column)]`` is the code, for every pair of labels."""

    labels: tuple[str, ...]
    cells: dict[tuple[str, str], SegregationLevel]

    def level(self, a: str, b: str) -> SegregationLevel:
        """The code between two classes/divisions (any spelling ``class_column`` accepts)."""
        return self.cells[(class_column(a), class_column(b))]


def table_load(path: str | Path | None = None) -> SegregationTable:
    """Read and validate a table 7.2.4 CSV (default: the copy beside this module).

    The first row holds the column labels (its first cell is a caption), the first column the row
    labels. Raises ValueError unless the labels are exactly ``CLASS_COLUMNS`` in the same order for
    rows and columns, the table is square, every cell is a known code and the table is symmetric.
    """
    path = Path(path) if path is not None else DEFAULT_TABLE_PATH
    with path.open(newline="", encoding="utf-8") as f:
        rows = [[cell.strip() for cell in row] for row in csv.reader(f) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path}: segregation table is empty")

    column_labels = tuple(rows[0][1:])
    body = rows[1:]
    row_labels = tuple(row[0] for row in body)
    if len(body) != len(column_labels):
        raise ValueError(f"{path}: table is not square: {len(body)} rows, {len(column_labels)} columns")
    for label, row in zip(row_labels, body, strict=True):
        if len(row) - 1 != len(column_labels):
            raise ValueError(
                f"{path}: table is not square: row {label!r} has {len(row) - 1} cells, expected {len(column_labels)}"
            )
    if row_labels != column_labels:
        raise ValueError(f"{path}: row labels {row_labels} differ from column labels {column_labels}")
    if column_labels != CLASS_COLUMNS:
        raise ValueError(f"{path}: labels {column_labels} are not the IMDG table 7.2.4 labels {CLASS_COLUMNS}")

    cells: dict[tuple[str, str], SegregationLevel] = {}
    for row_label, row in zip(row_labels, body, strict=True):
        for column_label, code in zip(column_labels, row[1:], strict=True):
            try:
                cells[(row_label, column_label)] = _as_level(code)
            except ValueError as exc:
                raise ValueError(f"{path}: cell ({row_label}, {column_label}): {exc}") from None

    for (a, b), code in cells.items():
        if cells[(b, a)] != code:
            raise ValueError(
                f"{path}: table is not symmetric: ({a}, {b}) is '{code}' but ({b}, {a}) is '{cells[(b, a)]}'"
            )
    return SegregationTable(labels=column_labels, cells=cells)


@cache
def default_table() -> SegregationTable:
    """The bundled table, loaded once."""
    return table_load()


def level(a: str, b: str, table: SegregationTable | None = None) -> SegregationLevel:
    """Segregation code between two classes/divisions, e.g. level("3", "5.1") == "2". Symmetric."""
    return (table or default_table()).level(a, b)


def parse_subsidiary_risks(text: str) -> tuple[str, ...]:
    """Split a subsidiary-risk field as found in UN data ("8;6.1", "8, 6.1", "") into a tuple."""
    return tuple(part.strip() for part in re.split(r"[;,]", text or "") if part.strip())


@dataclass(frozen=True)
class Hazard:
    """One DG line of a container: primary class/division, subsidiary risks, limited-quantity flag.

    Every class is checked with ``class_column`` on creation, so a typo fails here, not in the planner.
    """

    primary: str
    subsidiary: tuple[str, ...] = field(default=())
    limited_quantity: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "subsidiary", tuple(self.subsidiary))  # accept lists, keep it hashable
        for hazard in self.classes:
            class_column(hazard)

    @property
    def classes(self) -> tuple[str, ...]:
        """Primary class followed by the subsidiary risks."""
        return (self.primary, *self.subsidiary)


def hazards_segregation(
    a: Sequence[Hazard], b: Sequence[Hazard], table: SegregationTable | None = None
) -> SegregationLevel:
    """Segregation required between two containers, given the DG lines of each.

    Strictest code over every pair of lines (one per container) and, within a pair, over every class
    of one line against every class of the other. Limited-quantity lines are skipped. "X" when
    nothing applies.
    """
    table = table or default_table()
    return strictest(
        table.level(class_a, class_b)
        for line_a in a
        if not line_a.limited_quantity
        for line_b in b
        if not line_b.limited_quantity
        for class_a in line_a.classes
        for class_b in line_b.classes
    )
