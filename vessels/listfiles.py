"""Discharge lists (arrival bay plans) and load lists as the operators' files: CSV or XLSX, one box per row.

A file is read whole into the row dicts the list services take (the same as the API's `containers`), or refused
whole with the reason: not CSV or XLSX, too large, no header, a required column missing, no rows, too many rows.
Checking each row is the services' job; rows keep their line in the file so problems can be named by it.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_BYTES = 2 * 1024 * 1024  # a full feeder's list is a few tens of kilobytes
MAX_ROWS = 3000  # as the API's list input

DISCHARGE = "discharge"
LOAD = "load"
FULL, FREIGHT_KINDS = "full", ("full", "empty")
FREIGHT_SHORT = {"f": "full", "e": "empty", "mt": "empty"}  # as bay plans often write them


@dataclass(frozen=True)
class ListKind:
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    sample: tuple[tuple[str, ...], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS = {
    DISCHARGE: ListKind(
        title=gettext_lazy("discharge list (arrival bay plan)"),
        required=("number", "iso_type", "gross_kg", "stowage", "pod"),
        optional=("freight_kind", "pol", "seal", "temperature_c", "dg_un_number", "dg_class"),
        # Two boxes for this port (one reefer), a through box and a 40' box for the next port.
        sample=(
            ("KMTU1000019", "22G1", "21500", "010102", "{here}", "full", "AZBAK", "SEAL0001", "", "", ""),
            ("KMTU1000024", "22R1", "18200", "010182", "{here}", "full", "AZBAK", "SEAL0002", "-18.0", "", ""),
            ("KMTU1000030", "22G1", "14300", "030102", "TMKRW", "full", "AZBAK", "", "", "1203", "3"),
            ("ASCU2000019", "45G1", "26000", "020202", "TMKRW", "full", "AZBAK", "", "", "", ""),
        ),
    ),
    LOAD: ListKind(
        title=gettext_lazy("load list"),
        required=("number", "pod"),
        optional=("vgm_kg",),
        sample=(("KMTU1000045", "AZBAK", "18000"), ("ASCU2000024", "TMKRW", "")),
    ),
}


class ListFileUnreadable(Exception):
    """The file as a whole cannot be taken; nothing of it is applied."""


@dataclass
class ListFile:
    rows: list[dict]  # as the service takes them
    lines: list[int]  # each row's line in the file (the header is line 1)
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # rows refused before the service: {line, container, ...}


def sample_csv(kind: str) -> str:
    spec = KINDS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(spec.columns)
    writer.writerows([cell.format(here=settings.TERMINAL_LOCODE) for cell in row] for row in spec.sample)
    return out.getvalue()


def list_file_read(kind: str, name: str, data: bytes) -> ListFile:
    """The rows of an uploaded list; ListFileUnreadable (with the reason) if the file cannot be taken whole."""
    spec = KINDS[kind]
    if len(data) > MAX_BYTES:
        raise ListFileUnreadable(
            _("The file is %(size)s KB; the limit is %(limit)s KB.")
            % {"size": len(data) // 1024, "limit": MAX_BYTES // 1024}
        )
    if data.startswith(b"PK\x03\x04"):  # XLSX is a zip archive, whatever the file is called
        table = _xlsx_rows(data)
    elif name.lower().endswith((".xlsx", ".xlsm")):
        raise ListFileUnreadable(_("The file is named as an Excel workbook but is not one."))
    else:
        table = _csv_rows(data)
    if not table or not any(table[0]):
        raise ListFileUnreadable(_("The file is empty: the first row must name the columns."))
    header = [_text(cell).lower() for cell in table[0]]
    missing = [column for column in spec.required if column not in header]
    if missing:
        raise ListFileUnreadable(
            _("Columns missing from the first row: %(missing)s. A %(list)s has the columns %(columns)s.")
            % {"missing": ", ".join(missing), "list": spec.title, "columns": ", ".join(spec.columns)}
        )
    result = ListFile(rows=[], lines=[])
    for line, cells in enumerate(table[1:], start=2):
        if not any(_text(cell) for cell in cells):
            continue  # blank lines at the end of a sheet
        raw = {column: cells[index] if index < len(cells) else None for index, column in enumerate(header)}
        row = _discharge_row(raw) if kind == DISCHARGE else _load_row(raw)
        if row.get("freight_kind", FULL) not in FREIGHT_KINDS:
            # Checked here: the service would store any text as the box's freight kind.
            result.problems.append({
                "line": line, "container": row.get("number", ""), "code": "invalid_freight_kind",
                "detail": _("the freight kind must be full or empty"),
            })  # fmt: skip
            continue
        result.rows.append(row)
        result.lines.append(line)
    rows = result.rows
    if not rows and not result.problems:
        raise ListFileUnreadable(_("The file names the columns but lists no containers."))
    if len(rows) > MAX_ROWS:
        raise ListFileUnreadable(
            _("The file lists %(count)s containers; at most %(limit)s at once.")
            % {"count": len(rows), "limit": MAX_ROWS}
        )
    result.ignored_columns = [column for column in header if column and column not in spec.columns]
    return result


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileUnreadable(_("The file is neither an XLSX workbook nor a UTF-8 CSV file.")) from None
    if "\x00" in text:
        raise ListFileUnreadable(_("The file is neither an XLSX workbook nor a UTF-8 CSV file."))
    # Spreadsheets save CSV with commas, or semicolons where the comma is the decimal mark: the header tells.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise ListFileUnreadable(_("The CSV file cannot be read: %(error)s.") % {"error": error}) from None


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ListFileUnreadable(_("The workbook cannot be read: %(error)s.") % {"error": error}) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1000:  # blank-looking formatted rows count too; stop well past the limit
                break
        return rows
    finally:
        book.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole(value):
    """A mass as the service takes it: an int when the cell holds a whole number, else the text as written."""
    text = _text(value)
    try:
        number = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        return text
    return int(number) if number == number.to_integral_value() else text


def _cell(value) -> str:
    # A spreadsheet stores 010102 as the number 10102: a cell is six digits.
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):06d}"
    return _text(value)


def _discharge_row(raw: dict) -> dict:
    row = {
        "number": _text(raw.get("number")),
        "iso_type": _text(raw.get("iso_type")).upper(),
        "gross_kg": _whole(raw.get("gross_kg")),
        "stowage": _cell(raw.get("stowage")),
        "pol": _text(raw.get("pol")),
        "pod": _text(raw.get("pod")),
        "freight_kind": FREIGHT_SHORT.get(freight := _text(raw.get("freight_kind")).lower(), freight),
        "seal": _text(raw.get("seal")),
        "temperature_c": _text(raw.get("temperature_c")),
    }
    if un_number := _text(raw.get("dg_un_number")):
        row["dangerous_goods"] = [{"un_number": un_number.zfill(4), "class": _text(raw.get("dg_class"))}]
    return {key: value for key, value in row.items() if value != ""}


def _load_row(raw: dict) -> dict:
    row = {"number": _text(raw.get("number")), "pod": _text(raw.get("pod"))}
    vgm = _whole(raw.get("vgm_kg"))
    if vgm != "":
        row["vgm_kg"] = vgm
    return row
