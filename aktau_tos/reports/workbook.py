"""The report's detail tables as an XLSX workbook (openpyxl)."""

import io

from openpyxl import Workbook

from aktau_tos.reports.kpis import DailyKpis

SHEETS = ["Summary", "Throughput", "Occupancy", "Dwell", "Moves", "Trains", "Customs", "Dangerous goods",
          "Exceptions", "Definitions"]  # fmt: skip


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

    sheet = book.create_sheet("Definitions")
    for key, text in kpis.definitions.items():
        sheet.append([key, text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
