"""IMDG segregation logic (dangerous_goods/segregation.py). Pure Python: no database."""

import csv
import json
from pathlib import Path

import pytest

from dangerous_goods.segregation import (
    CLASS_COLUMNS,
    IMDG_AMENDMENT,
    Hazard,
    SegregationLevel,
    class_column,
    hazards_segregation,
    is_stricter,
    level,
    parse_subsidiary_risks,
    strictest,
    strictness,
    table_load,
)

REPO_TABLE = Path(__file__).resolve().parents[2] / "dangerous_goods" / "reference" / "imdg_segregation.csv"

LABELS = [
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
]


def read_csv_cells() -> dict[tuple[str, str], str]:
    """The table as plain strings, read without the module under test."""
    with REPO_TABLE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0][1:]
    return {(row[0], column): cell for row in rows[1:] for column, cell in zip(header, row[1:], strict=True)}


CSV_CELLS = read_csv_cells()


# --- the table -------------------------------------------------------------------------------


def test_csv_has_the_table_7_2_4_labels():
    assert tuple(LABELS) == CLASS_COLUMNS
    assert {a for a, _ in CSV_CELLS} == set(LABELS)
    assert len(CSV_CELLS) == len(LABELS) ** 2


def test_amendment_constant():
    assert IMDG_AMENDMENT == "42-24"


@pytest.mark.parametrize("a", LABELS)
def test_whole_table_matches_csv_and_is_symmetric(a):
    for b in LABELS:
        assert level(a, b) == CSV_CELLS[(a, b)], (a, b)
        assert level(b, a) == level(a, b), (a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # typed from IMDG table 7.2.4
        ("3", "5.1", "2"),
        ("1.4", "6.1", "X"),
        ("2.1", "1.1/1.2/1.5", "4"),
        ("6.2", "3", "3"),
        ("8", "4.1", "1"),
        ("8", "1.1/1.2/1.5", "4"),
        ("8", "1.3/1.6", "2"),
        ("4.3", "8", "1"),
        ("5.2", "4.2", "2"),
        ("7", "5.1", "1"),
        ("2.2", "1.4", "1"),
        ("6.2", "6.2", "X"),
        ("3", "3", "X"),
    ],
)
def test_spot_checks(a, b, expected):
    assert level(a, b) == expected
    assert level(b, a) == expected


@pytest.mark.parametrize("other", LABELS)
def test_class_9_needs_no_segregation_from_anything(other):
    assert level("9", other) == "X"


@pytest.mark.parametrize("a", ["1.1/1.2/1.5", "1.3/1.6", "1.4"])
@pytest.mark.parametrize("b", ["1.1D", "1.3C", "1.4S", "1.5D", "1.6N"])
def test_class_1_against_class_1_is_compatibility_groups(a, b):
    assert level(a, b) == "*"


def test_level_accepts_raw_divisions():
    assert level("1.1D", "2.1") == "4"
    assert level(" 1.4s ", "6.1") == "X"


def test_levels_are_plain_strings_for_the_api():
    code = level("3", "5.1")
    assert (str(code), f"{code}") == ("2", "2")  # as a template or str() writes it: a plain Enum would not say "2"
    assert json.dumps({"segregation": code}) == '{"segregation": "2"}'


# --- strictness --------------------------------------------------------------------------------


def test_strictness_order():
    ordered = ["X", "1", "2", "3", "4", "*"]
    assert sorted(reversed(ordered), key=strictness) == ordered
    assert is_stricter("2", "1")
    assert not is_stricter("1", "2")
    assert not is_stricter("3", "3")
    assert is_stricter("1", "X")
    assert is_stricter("*", "4")  # conservative: compatibility groups are not checked here


def test_strictest():
    assert strictest([]) == "X"
    assert strictest(["1", "X", "3", "2"]) == "3"
    assert strictest(["4", "*", "1"]) == "*"
    assert SegregationLevel.SEPARATED_FROM.rank == 2


@pytest.mark.parametrize("bad", ["5", "x", "", "0"])
def test_unknown_codes_are_rejected(bad):
    with pytest.raises(ValueError, match="unknown segregation code"):
        strictness(bad)


# --- normalisation ------------------------------------------------------------------------------

# Every distinct class_division in dangerous_goods/reference/un_numbers.csv (US DOT HMT), collected once
# and hard-coded so the test does not depend on that file.
UN_CLASS_DIVISIONS = {
    "1.1A": "1.1/1.2/1.5",
    "1.1B": "1.1/1.2/1.5",
    "1.1C": "1.1/1.2/1.5",
    "1.1D": "1.1/1.2/1.5",
    "1.1E": "1.1/1.2/1.5",
    "1.1F": "1.1/1.2/1.5",
    "1.1G": "1.1/1.2/1.5",
    "1.1J": "1.1/1.2/1.5",
    "1.1L": "1.1/1.2/1.5",
    "1.2B": "1.1/1.2/1.5",
    "1.2C": "1.1/1.2/1.5",
    "1.2D": "1.1/1.2/1.5",
    "1.2E": "1.1/1.2/1.5",
    "1.2F": "1.1/1.2/1.5",
    "1.2G": "1.1/1.2/1.5",
    "1.2H": "1.1/1.2/1.5",
    "1.2J": "1.1/1.2/1.5",
    "1.2K": "1.1/1.2/1.5",
    "1.2L": "1.1/1.2/1.5",
    "1.3C": "1.3/1.6",
    "1.3G": "1.3/1.6",
    "1.3H": "1.3/1.6",
    "1.3J": "1.3/1.6",
    "1.3K": "1.3/1.6",
    "1.3L": "1.3/1.6",
    "1.4B": "1.4",
    "1.4C": "1.4",
    "1.4D": "1.4",
    "1.4E": "1.4",
    "1.4F": "1.4",
    "1.4G": "1.4",
    "1.4S": "1.4",
    "1.5D": "1.1/1.2/1.5",
    "1.6N": "1.3/1.6",
    "2.1": "2.1",
    "2.2": "2.2",
    "2.3": "2.3",
    "3": "3",
    "4.1": "4.1",
    "4.2": "4.2",
    "4.3": "4.3",
    "5.1": "5.1",
    "5.2": "5.2",
    "6.1": "6.1",
    "6.2": "6.2",
    "7": "7",
    "8": "8",
    "9": "9",
}
# Also in that column, but not IMDG classes: rows with no class, DOT's "Forbidden" and "ORM-D".
UN_NON_CLASSES = ["", "Forbidden", "ORM-D"]


@pytest.mark.parametrize(("raw", "expected"), UN_CLASS_DIVISIONS.items())
def test_every_un_class_division_normalises(raw, expected):
    assert class_column(raw) == expected


@pytest.mark.parametrize("raw", UN_NON_CLASSES)
def test_un_non_classes_are_rejected(raw):
    with pytest.raises(ValueError, match="unknown IMDG class/division"):
        class_column(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.4", "1.4"),
        (" 1.4s ", "1.4"),
        ("1.4 S", "1.4"),
        ("1.1d", "1.1/1.2/1.5"),
        ("1.5", "1.1/1.2/1.5"),
        ("1.6", "1.3/1.6"),
        ("\t5.1\n", "5.1"),
        ("1.1/1.2/1.5", "1.1/1.2/1.5"),  # the table's own labels pass through
        ("1.3/1.6", "1.3/1.6"),
    ],
)
def test_clerk_input_normalises(raw, expected):
    assert class_column(raw) == expected


def test_bare_class_1_needs_a_division():
    with pytest.raises(ValueError, match="class 1 needs a division"):
        class_column(" 1 ")


@pytest.mark.parametrize("raw", ["10", "4.4", "", "   ", "abc", "2", "6", "1.7", "1.4Z", "1.4SS", "3.1", "1.1/1.2"])
def test_unknown_classes_are_rejected(raw):
    with pytest.raises(ValueError, match="unknown IMDG class/division"):
        class_column(raw)


# --- subsidiary risks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("8", ("8",)),
        ("8;6.1", ("8", "6.1")),
        ("3; 8", ("3", "8")),
        ("6.1, 8", ("6.1", "8")),
    ],
)
def test_parse_subsidiary_risks(raw, expected):
    assert parse_subsidiary_risks(raw) == expected


@pytest.mark.parametrize(
    "subsidiary",
    [
        ("1",),  # DOT gives UN 3101/3102/3111/3112 an explosive subsidiary risk without a division
        ("8.6.1",),  # DOT's UN 1052 row: "8;6.1" run together
    ],
)
def test_hazard_rejects_unusable_subsidiary_risks(subsidiary):
    with pytest.raises(ValueError):
        Hazard("5.2", subsidiary)


def test_hazard_rejects_unknown_primary():
    with pytest.raises(ValueError):
        Hazard("4.4")


def test_hazard_accepts_a_list_of_subsidiary_risks():
    assert Hazard("3", ["8"]).subsidiary == ("8",)


def test_subsidiary_risk_makes_it_stricter():
    assert hazards_segregation([Hazard("3")], [Hazard("4.1")]) == "X"
    assert hazards_segregation([Hazard("3", ("8",))], [Hazard("4.1")]) == "1"  # 8 vs 4.1
    assert hazards_segregation([Hazard("6.1")], [Hazard("5.1")]) == "1"
    assert hazards_segregation([Hazard("6.1", ("3",))], [Hazard("5.1")]) == "2"  # 3 vs 5.1


def test_subsidiary_risk_never_makes_it_weaker():
    # 3 vs 5.1 and 8 vs 5.1 are both "2"
    assert hazards_segregation([Hazard("3", ("8",))], [Hazard("5.1")]) == "2"


def test_subsidiary_risk_counts_on_either_side():
    assert hazards_segregation([Hazard("6.1")], [Hazard("8")]) == "X"
    assert hazards_segregation([Hazard("6.1")], [Hazard("8", ("5.1",))]) == "1"  # 6.1 vs 5.1
    assert hazards_segregation([Hazard("8", ("5.1",))], [Hazard("6.1")]) == "1"


def test_subsidiary_against_subsidiary():
    # 6.1 vs 8: X, 6.1 vs 5.1: 1, 3 vs 8: X, 3 vs 5.1: 2
    assert hazards_segregation([Hazard("6.1", ("3",))], [Hazard("8", ("5.1",))]) == "2"


def test_two_subsidiary_risks_take_all_of_them():
    # Conservative superset of DGL column 16b: 6.1 and 3 need nothing from 4.1, 8 needs "away from".
    assert hazards_segregation([Hazard("6.1", ("3", "8"))], [Hazard("4.1")]) == "1"


# --- containers ------------------------------------------------------------------------------------


def test_limited_quantity_is_exempt():
    assert hazards_segregation([Hazard("3", limited_quantity=True)], [Hazard("5.1")]) == "X"
    assert hazards_segregation([Hazard("5.1")], [Hazard("3", ("8",), limited_quantity=True)]) == "X"
    assert hazards_segregation([Hazard("3")], [Hazard("5.1")]) == "2"


def test_limited_quantity_line_in_a_mixed_container_is_skipped():
    a = [Hazard("2.1", limited_quantity=True), Hazard("9")]
    assert hazards_segregation(a, [Hazard("1.1D")]) == "X"  # 2.1 vs 1.1 would be "4"
    a.append(Hazard("2.2"))
    assert hazards_segregation(a, [Hazard("1.1D")]) == "2"


def test_multi_line_containers_take_the_strictest_pair():
    a = [Hazard("9"), Hazard("8"), Hazard("3")]
    assert hazards_segregation(a, [Hazard("6.1"), Hazard("4.1")]) == "1"  # only 8 vs 4.1
    b = [Hazard("6.1"), Hazard("4.1"), Hazard("5.1")]
    assert hazards_segregation(a, b) == "2"  # 8 vs 5.1, 3 vs 5.1
    assert hazards_segregation(b, a) == "2"
    assert hazards_segregation(a, [*b, Hazard("6.2")]) == "3"  # 3 vs 6.2, 8 vs 6.2


def test_class_1_against_class_1_wins_over_numbers():
    assert hazards_segregation([Hazard("1.4S")], [Hazard("1.1D")]) == "*"
    assert hazards_segregation([Hazard("1.4S"), Hazard("3")], [Hazard("1.1D")]) == "*"  # 3 vs 1.1 is "4"
    assert hazards_segregation([Hazard("1.4S")], [Hazard("6.2")]) == "4"


def test_empty_inputs_give_x():
    assert hazards_segregation([], []) == "X"
    assert hazards_segregation([], [Hazard("1.1D")]) == "X"
    assert hazards_segregation([Hazard("1.1D")], []) == "X"


def test_only_class_9_gives_x():
    assert hazards_segregation([Hazard("9")], [Hazard(label) for label in UN_CLASS_DIVISIONS]) == "X"


# --- table validation ------------------------------------------------------------------------------


def read_rows() -> list[list[str]]:
    with REPO_TABLE.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_table_load_reads_the_bundled_file():
    table = table_load()
    assert table.labels == tuple(LABELS)
    assert {key: str(code) for key, code in table.cells.items()} == CSV_CELLS


def test_table_load_accepts_an_explicit_path(tmp_path):
    table = table_load(write_rows(tmp_path / "copy.csv", read_rows()))
    assert table.level("3", "5.1") == "2"
    assert level("3", "5.1", table=table) == "2"


def test_table_load_uses_the_given_table(tmp_path):
    rows = read_rows()
    col = rows[0].index("5.1")
    row = next(i for i, r in enumerate(rows) if r[0] == "3")
    rows[row][col] = "3"
    rows[col][row] = "3"  # the table is square with the header row/column, so indices mirror
    table = table_load(write_rows(tmp_path / "changed.csv", rows))
    assert hazards_segregation([Hazard("3")], [Hazard("5.1")], table=table) == "3"
    assert hazards_segregation([Hazard("3")], [Hazard("5.1")]) == "2"


def test_asymmetric_table_is_rejected(tmp_path):
    rows = read_rows()
    rows[1][4] = "1"  # (1.1/1.2/1.5, 2.1) was "4"; (2.1, 1.1/1.2/1.5) stays "4"
    with pytest.raises(ValueError, match="not symmetric"):
        table_load(write_rows(tmp_path / "asym.csv", rows))


def test_missing_column_is_rejected(tmp_path):
    rows = [row[:-1] for row in read_rows()]
    with pytest.raises(ValueError, match="not square"):
        table_load(write_rows(tmp_path / "narrow.csv", rows))


def test_short_row_is_rejected(tmp_path):
    rows = read_rows()
    rows[5] = rows[5][:-1]
    with pytest.raises(ValueError, match="not square"):
        table_load(write_rows(tmp_path / "short.csv", rows))


def test_extra_row_is_rejected(tmp_path):
    rows = read_rows()
    rows.append(["10", *["X"] * len(LABELS)])
    with pytest.raises(ValueError, match="not square"):
        table_load(write_rows(tmp_path / "tall.csv", rows))


def test_unknown_code_is_rejected(tmp_path):
    rows = read_rows()
    rows[7][7] = "5"
    with pytest.raises(ValueError, match="unknown segregation code '5'"):
        table_load(write_rows(tmp_path / "code.csv", rows))


def test_mismatched_labels_are_rejected(tmp_path):
    rows = read_rows()
    rows[3][0] = "1.4S"
    with pytest.raises(ValueError, match="row labels"):
        table_load(write_rows(tmp_path / "labels.csv", rows))


def test_wrong_class_labels_are_rejected(tmp_path):
    rows = read_rows()
    rows[0][-1] = rows[-1][0] = "10"
    with pytest.raises(ValueError, match=r"not the IMDG table 7\.2\.4 labels"):
        table_load(write_rows(tmp_path / "classes.csv", rows))


def test_empty_table_is_rejected(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        table_load(path)
