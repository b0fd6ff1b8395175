"""The report's vessel section on a known call (see tests/vessels/conftest.py, `worked_call`): the calls that
departed on the day with their KPIs, the calls alongside now, the month's totals, in the HTML, the text and the
workbook."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from aktau_tos.reports.daily import report_render
from aktau_tos.reports.kpis import daily_kpis
from tests.vessels.conftest import REPORT_DAY, on_day
from vessels import services

pytestmark = pytest.mark.django_db
NONE = "\N{EN DASH}"  # what the report shows for a figure that cannot be computed


@pytest.fixture
def vessel_month(worked_call, call_at_berth):
    """On REPORT_DAY the worked call departs at 20:00 (18 h alongside, 7 lifts) and another arrives at 20:00; ten
    days before, a call without moves stayed 8 hours."""
    actor = call_at_berth.actor
    services.call_depart(call_id=worked_call.pk, actor=actor, at=on_day(20))
    earlier = REPORT_DAY - timedelta(days=10)
    before = call_at_berth("0400E", on_day(1, day=earlier), on_day(12, day=earlier), arrived=on_day(2, day=earlier))
    services.call_depart(call_id=before.pk, actor=actor, at=on_day(10, day=earlier))
    call_at_berth("0413E", on_day(20), on_day(20) + timedelta(days=1), arrived=on_day(20))


def values(kpis) -> dict:
    return {str(kpi.name): kpi.value for kpi in kpis}


def test_the_vessel_figures(vessel_month):
    vessels = daily_kpis(REPORT_DAY).vessels
    [departed] = vessels["day"]["calls"]
    assert departed["call"].voyage_in == "0412E"
    assert values(departed["kpis"]) == {
        "Gross crane rate": 1.09, "Berth productivity": 0.39, "Vessel turnaround": 18.0, "Discharge moves": 2,
        "Load moves": 3, "Restow moves": 2, "Moves": 7, "Restows": 1,
    }  # fmt: skip
    assert [row["call"].voyage_in for row in vessels["alongside"]] == ["0413E"]
    assert values(vessels["month"]["totals"]) == {
        "Calls departed": 2, "Gross crane rate": 1.09, "Berth productivity": round(7 / 26, 2),
        "Vessel turnaround": 13.0, "Discharge moves": 2, "Load moves": 3, "Restow moves": 2, "Moves": 7,
        "Restows": 1,
    }  # fmt: skip


def test_the_vessel_section_in_html_text_and_workbook(vessel_month):
    _kpis, html, text, _images, workbook = report_render(REPORT_DAY)
    assert ">Vessel calls</h2>" in html
    departed = html.split("Departed on the day")[1].split("Alongside now")[0]
    assert ">TURKESTAN 0412E, CB1: 20.11 02:00 \N{EN DASH} 20.11 20:00</th>" in departed  # a table for each call
    for name, value in [("Gross crane rate", "1.09 moves/h"), ("Berth productivity", "0.39 moves/h"),
                        ("Vessel turnaround", "18.0 h"), ("Moves", "7 moves")]:  # fmt: skip
        assert f">{name}</td>" in departed and f">{value}</td>" in departed
    alongside = html.split("Alongside now")[1].split("Month to date")[0]
    assert "TURKESTAN 0413E" in alongside and f">{NONE} h</td>" in alongside  # no turnaround yet

    assert (
        "TURKESTAN 0412E at CB1, 20.11 02:00 to 20.11 20:00: Gross crane rate 1.09 moves/h; Berth productivity "
        "0.39 moves/h; Vessel turnaround 18.0 h; Discharge moves 2 moves; Load moves 3 moves; Restow moves 2 moves; "
        "Moves 7 moves; Restows 1 boxes" in text
    )
    assert "TURKESTAN 0413E at CB1, since 20.11 20:00, ETD 21.11 20:00: " in text
    assert "Month to date: Calls departed 2 calls; Gross crane rate 1.09 moves/h; Berth productivity 0.27" in text
    assert "Gross crane rate: TIC 4.0's crane productivity" in text  # the definition, in the footer
    assert "&#x27;" not in text and "&amp;" not in text and "&lt;" not in text

    sheet = load_workbook(io.BytesIO(workbook))["Vessels"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == ["section", "call", "berth", "arrived", "departed or ETD", "Gross crane rate (moves/h)"]
    assert rows[1][:3] == ["departed on the day", "TURKESTAN 0412E", "CB1"]
    assert (rows[1][3].isoformat(), rows[1][4].isoformat()) == ("2026-11-20T02:00:00", "2026-11-20T20:00:00")
    assert rows[1][5:] == [1.09, 0.39, 18, 2, 3, 2, 7, 1]
    assert rows[2][:2] == ["alongside now", "TURKESTAN 0413E"] and rows[2][7] is None
    assert rows[3] == ["month to date", "2 calls departed", None, None, None, 1.09, 0.27, 13, 2, 3, 2, 7, 1]
