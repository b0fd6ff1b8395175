"""The report's detail tables as an XLSX workbook (openpyxl): one plain value a cell, so that every cell sorts,
filters and sums; a mapping becomes rows or columns, never a cell.

Sheet names and column headers are in the reader's language (the one active as it is built); numbers and dates are
numbers and dates, which the spreadsheet shows as its user's settings write them. Codes (a move's kind, a block's
kind, a mode) stay codes, so that a filter on them works in every language's workbook.
"""

import io
import re
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from aktau_tos.reports.kpis import DIRECTION_LABELS, DailyKpis

SUMMARY, NEEDS_ACTION, DAILY = gettext_lazy("Summary"), gettext_lazy("Needs action"), gettext_lazy("Daily throughput")
THROUGHPUT, OCCUPANCY, DWELL = gettext_lazy("Throughput"), gettext_lazy("Occupancy"), gettext_lazy("Dwell")
MOVES, TRAINS, VESSELS = gettext_lazy("Moves"), gettext_lazy("Trains"), gettext_lazy("Vessels")
CUSTOMS, DANGEROUS_GOODS = gettext_lazy("Customs"), gettext_lazy("Dangerous goods")
EXCEPTIONS, AWAITING = gettext_lazy("Exceptions"), gettext_lazy("Awaiting a slot")
DEFINITIONS = gettext_lazy("Definitions")
SHEETS = [SUMMARY, NEEDS_ACTION, DAILY, THROUGHPUT, OCCUPANCY, DWELL, MOVES, TRAINS, VESSELS, CUSTOMS,
          DANGEROUS_GOODS, EXCEPTIONS, AWAITING, DEFINITIONS]  # fmt: skip
CUSTOMS_LABELS = {
    "under_control": gettext_lazy("containers under customs control"),
    "holds_open": gettext_lazy("customs holds open"),
    "oldest_hold_days": gettext_lazy("oldest customs hold (days)"),
    "inspections_open": gettext_lazy("inspection orders open"),
    "oldest_inspection_hours": gettext_lazy("oldest inspection order (hours)"),
    "storage_near_limit": gettext_lazy("storage clocks near the limit"),
}


def _local(moment: datetime | None) -> datetime | None:
    """Aktau time without its zone: a spreadsheet cell has none."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _cell(value):
    """A value a spreadsheet cell holds as such: text, a number, a date or nothing."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _local(value) if timezone.is_aware(value) else value
    if value is None or isinstance(value, str | int | float | date):
        return value
    raise TypeError(f"a workbook cell cannot hold {type(value).__name__}: give it a row or a column of its own")


def _append(sheet: Worksheet, values: list) -> None:
    sheet.append([_cell(value) for value in values])


def sheet_title(title) -> str:
    """A (translated) sheet name as Excel takes it: without any of []:*?/\\, at most 31 characters, no apostrophe at
    either end (openpyxl refuses the characters; Excel refuses a file with a longer name)."""
    cleaned = re.sub(r"[\\*?:/\[\]]", "-", str(title)).strip().strip("'")
    return cleaned[:31].rstrip().strip("'") or "-"


def _sheet(book: Workbook, title) -> Worksheet:
    return book.create_sheet(sheet_title(title))  # a second sheet of the same name is numbered by openpyxl


def _summary(sheet: Worksheet, kpis: DailyKpis) -> None:
    _append(sheet, [_("Aktau TOS daily report"), kpis.day])
    _append(sheet, [_("Built at (Aktau time)"), kpis.built_at])
    _append(sheet, [])
    _append(sheet, [_("needs action"), _("count")])
    for item in kpis.actions:
        _append(sheet, [item.title, item.count])
    _append(sheet, [])
    _append(sheet, [_("period"), _("TEU"), _("boxes"), _("design TEU"), _("share of design")])
    for row in kpis.throughput:
        _append(sheet, [row["label"], row["teu"], row["boxes"], row["design_teu"], row["share_of_design"]])


def _needs_action(sheet: Worksheet, kpis: DailyKpis) -> None:
    """One row per box or carrier, with its item and the item's full count (the list may stop at ROWS_MAX)."""
    _append(sheet, [_("needs action"), _("count"), _("box or carrier"), _("detail"), _("since (Aktau time)")])
    for item in kpis.needs_action:
        for entry in item.entries:
            _append(sheet, [item.title, item.count, entry.name, entry.detail, entry.since])
    if not kpis.needs_action:
        _append(sheet, [_("Nothing needs action today.")])


def _vessels(sheet: Worksheet, vessels: dict) -> None:
    heads = [_("%(name)s (%(unit)s)") % {"name": name, "unit": unit} for name, unit in vessels["columns"]]
    _append(sheet, [_("section"), _("call"), _("berth"), _("arrived"), _("departed or ETD"), *heads])
    for section, rows in [
        (_("departed on the day"), vessels["day"]["calls"]),
        (_("alongside now"), vessels["alongside"]),
    ]:
        for row in rows:
            call = row["call"]
            until = call.carrier.departed_at or call.etd
            _append(sheet, [section, call.reference, call.berth.code, call.carrier.arrived_at, until,
                            *(kpi.value for kpi in row["kpis"])])  # fmt: skip
    calls, *totals = vessels["month"]["totals"]  # the others in the order of the columns
    count = ngettext("%(count)d call departed", "%(count)d calls departed", calls.value) % {"count": calls.value}
    _append(sheet, [_("month to date"), count, "", None, None, *(kpi.value for kpi in totals)])


def workbook_bytes(kpis: DailyKpis) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = sheet_title(SUMMARY)
    _summary(summary, kpis)
    _needs_action(_sheet(book, NEEDS_ACTION), kpis)

    sheet = _sheet(book, DAILY)
    _append(sheet, [_("day"), _("boxes in"), _("TEU in"), _("boxes out"), _("TEU out"), _("TEU in and out")])
    for row in kpis.daily_throughput:
        _append(sheet, [row["day"], row["boxes_in"], row["teu_in"], row["boxes_out"], row["teu_out"],
                        row["teu_in"] + row["teu_out"]])  # fmt: skip

    sheet = _sheet(book, THROUGHPUT)
    _append(sheet, [_("period"), _("direction"), _("mode"), _("boxes"), _("TEU")])
    for period in kpis.throughput:
        for row in period["rows"]:
            direction = DIRECTION_LABELS[row["direction"]]
            _append(sheet, [period["label"], direction, row["mode"] or "", row["boxes"], row["teu"] or 0])

    sheet = _sheet(book, OCCUPANCY)
    _append(sheet, [_("block"), _("kind"), _("places used"), _("places"), _("share")])
    for row in kpis.occupancy:
        _append(sheet, [row["block"], row["kind"], row["used"], row["capacity"], row["share"]])

    sheet = _sheet(book, DWELL)
    labels = list(next(iter(kpis.dwell.values()))["counts"]) if kpis.dwell else []
    _append(sheet, [_("period"), *labels, _("total"), _("mean days")])
    for dwell in kpis.dwell.values():
        _append(sheet, [dwell["label"], *dwell["counts"].values(), dwell["total"], dwell["mean_days"]])

    sheet = _sheet(book, MOVES)
    kinds = sorted({kind for row in kpis.moves for kind in row["by_kind"]})
    _append(sheet, [_("period"), *kinds, _("total"), _("per machine hour"), _("rehandle ratio")])
    for row in kpis.moves:
        _append(sheet, [row["label"], *(row["by_kind"].get(k, 0) for k in kinds), row["total"],
                        row["per_machine_hour"], row["rehandle_ratio"]])  # fmt: skip

    sheet = _sheet(book, TRAINS)
    _append(sheet, [_("period"), pgettext("loading line", "line"), _("direction"), _("trains"),
                    _("mean turnaround (h)"), _("moves"), _("moves per hour")])  # fmt: skip
    for row in kpis.trains:
        _append(sheet, [row["label"], row["line"], row["direction"], row["trains"], row["mean_hours"], row["moves"],
                        row["moves_per_hour"]])  # fmt: skip

    _vessels(_sheet(book, VESSELS), kpis.vessels)

    sheet = _sheet(book, CUSTOMS)
    _append(sheet, [_("figure"), _("value")])
    for key, value in kpis.customs.items():
        if key == "holds_by_kind":  # a row for each kind of hold
            for kind, count in sorted(value.items()):
                _append(sheet, [_("customs holds open: %(kind)s") % {"kind": kind}, count])
        else:
            _append(sheet, [CUSTOMS_LABELS.get(key, key), value])

    sheet = _sheet(book, DANGEROUS_GOODS)
    _append(sheet, [_("class"), _("declaration lines in the yard")])
    for hazard, count in kpis.dangerous_goods["lines_by_class"].items():
        _append(sheet, [hazard, count])
    _append(sheet, [_("containers with dangerous goods"), kpis.dangerous_goods["containers"]])
    _append(sheet, [_("segregation alerts open"), kpis.dangerous_goods["alerts_open"]])
    _append(sheet, [_("segregation alerts raised on the day"), kpis.dangerous_goods["alerts_raised"]])

    sheet = _sheet(book, EXCEPTIONS)
    _append(sheet, [_("move"), _("container"), _("kind"), _("status"), _("equipment"), _("at")])
    for row in kpis.exceptions:
        _append(sheet, [row["move"], row["container"], row["kind"], row["status"], row["equipment"], row["at"]])

    sheet = _sheet(book, AWAITING)
    _append(sheet, [_("move"), _("container"), _("kind"), _("waiting since"), _("hours"), _("why")])
    for row in kpis.awaiting_slot:
        _append(sheet, [row["move"], row["container"], row["kind"], row["since"], row["hours"], str(row["reason"])])

    sheet = _sheet(book, DEFINITIONS)
    for key, text in kpis.definitions.items():
        _append(sheet, [key, str(text)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
