"""The report's detail tables as an XLSX workbook (openpyxl)."""

import io
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook

from aktau_tos.reports.kpis import DailyKpis

VESSELS = gettext_lazy("Vessels")
SHEETS = ["Summary", "Throughput", "Occupancy", "Dwell", "Moves", "Trains", VESSELS, "Customs", "Dangerous goods",
          "Exceptions", "Awaiting a slot", "Definitions"]  # fmt: skip


def _local(moment: datetime | None) -> datetime | None:
    """Aktau time without its zone: a spreadsheet cell has none."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _vessels_sheet(book: Workbook, vessels: dict) -> None:
    sheet = book.create_sheet(str(VESSELS))
    heads = [f"{name} ({unit})" for name, unit in vessels["columns"]]
    sheet.append([_("section"), _("call"), _("berth"), _("arrived"), _("departed or ETD"), *heads])
    for section, rows in [
        (_("departed on the day"), vessels["day"]["calls"]),
        (_("alongside now"), vessels["alongside"]),
    ]:
        for row in rows:
            call = row["call"]
            until = call.carrier.departed_at or call.etd
            sheet.append([section, call.reference, call.berth.code, _local(call.carrier.arrived_at), _local(until),
                          *(kpi.value for kpi in row["kpis"])])  # fmt: skip
    calls, *totals = vessels["month"]["totals"]  # the others in the order of the columns
    count = ngettext("%(count)d call departed", "%(count)d calls departed", calls.value) % {"count": calls.value}
    sheet.append([_("month to date"), count, "", None, None, *(kpi.value for kpi in totals)])


def workbook_bytes(kpis: DailyKpis) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Aktau TOS daily report", kpis.day.isoformat()])
    summary.append(["Built at", kpis.built_at.isoformat(timespec="seconds")])
    for row in kpis.throughput:
        summary.append(
            [f"TEU, {row['period']}", row["teu"], "design", row["design_teu"], "share", row["share_of_design"]]
        )

    sheet = book.create_sheet("Throughput")
    sheet.append(["period", "direction", "mode", "boxes", "TEU"])
    for period in kpis.throughput:
        for row in period["rows"]:
            sheet.append([period["period"], row["direction"], row["mode"] or "", row["boxes"], float(row["teu"] or 0)])

    sheet = book.create_sheet("Occupancy")
    sheet.append(["block", "kind", "places used", "places", "share"])
    for row in kpis.occupancy:
        sheet.append([row["block"], row["kind"], row["used"], row["capacity"], row["share"]])

    sheet = book.create_sheet("Dwell")
    labels = list(next(iter(kpis.dwell.values()))["counts"]) if kpis.dwell else []
    sheet.append(["period", *labels, "total", "mean days"])
    for name, dwell in kpis.dwell.items():
        sheet.append([name, *dwell["counts"].values(), dwell["total"], dwell["mean_days"]])

    sheet = book.create_sheet("Moves")
    kinds = sorted({kind for row in kpis.moves for kind in row["by_kind"]})
    sheet.append(["period", *kinds, "total", "per machine hour", "rehandle ratio"])
    for row in kpis.moves:
        sheet.append([row["period"], *(row["by_kind"].get(k, 0) for k in kinds), row["total"], row["per_machine_hour"],
                      row["rehandle_ratio"]])  # fmt: skip

    sheet = book.create_sheet("Trains")
    sheet.append(["period", "line", "direction", "trains", "mean turnaround (h)", "moves", "moves per hour"])
    for row in kpis.trains:
        sheet.append([row["period"], row["line"], row["direction"], row["trains"], row["mean_hours"], row["moves"],
                      row["moves_per_hour"]])  # fmt: skip

    _vessels_sheet(book, kpis.vessels)

    sheet = book.create_sheet("Customs")
    for key, value in kpis.customs.items():
        sheet.append([key, str(value) if isinstance(value, dict) else value])

    sheet = book.create_sheet("Dangerous goods")
    sheet.append(["class", "declaration lines in the yard"])
    for hazard, count in kpis.dangerous_goods["lines_by_class"].items():
        sheet.append([hazard, count])
    sheet.append(["alerts open", kpis.dangerous_goods["alerts_open"]])

    sheet = book.create_sheet("Exceptions")
    sheet.append(["move", "container", "kind", "status", "equipment", "at"])
    for row in kpis.exceptions:
        sheet.append([row["move"], row["container"], row["kind"], row["status"], row["equipment"],
                      row["at"].replace(tzinfo=None) if row["at"] else None])  # fmt: skip

    sheet = book.create_sheet("Awaiting a slot")
    sheet.append(["move", "container", "kind", "waiting since", "hours", "why"])
    for row in kpis.awaiting_slot:
        sheet.append([row["move"], row["container"], row["kind"], _local(row["since"]), row["hours"],
                      row["reason"]])  # fmt: skip

    sheet = book.create_sheet("Definitions")
    for key, text in kpis.definitions.items():
        sheet.append([key, str(text)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
