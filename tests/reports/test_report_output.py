"""What the reader gets: a text part in plain text with zeros as 0, a workbook of plain values, charts that say
when they have nothing to draw and size the blocks by their places, and a preview that refuses a date it cannot
read."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from aktau_tos.reports import charts
from aktau_tos.reports.daily import report_day_default, report_render
from aktau_tos.reports.kpis import DESIGN_TEU_PER_DAY, SERIES_DAYS, daily_kpis
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, CarrierVisitFactory, ContainerVisitFactory
from yard.models import Hold, YardMove
from yard.selectors import yard_map

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report_day():
    return report_day_default()


def at_noon(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def quiet_day(report_day):
    """A day with one discharge done and nothing else: zero rehandles, a hold placed just now (0 days old), a late
    vessel whose name has an apostrophe and an ampersand."""
    visit = ContainerVisitFactory(state="in_yard", arrived_at=at_noon(report_day))
    YardMove.objects.create(visit=visit, kind="discharge", status="done", created_by=UserFactory(),
                            finished_at=at_noon(report_day))  # fmt: skip
    Hold.objects.create(visit=visit, authority="customs", kind="documents", blocked_move_kinds=["delivery"],
                        placed_by=UserFactory())  # fmt: skip
    CarrierVisitFactory(mode="vessel", reference="AL'QUDS & <1>", status="expected",
                        eta=timezone.now() - timedelta(hours=2))  # fmt: skip
    return visit


def test_the_text_part_is_plain_text_with_zeros_as_0(quiet_day, report_day):
    _kpis, _html, text, _images, _workbook = report_render(report_day)
    assert "Vessel AL'QUDS & <1>: ETA " in text  # as written, not escaped
    assert "&#" not in text and "&amp;" not in text and "&lt;" not in text
    day_moves = next(line for line in text.splitlines() if line.startswith("  day: ") and "per machine hour" in line)
    assert day_moves.startswith("  day: 1 move, ")  # one move, not "1 moves"
    assert day_moves.endswith("rehandle ratio 0.0")  # one productive move, no rehandle: 0, not "-"
    assert "holds open: 1 (oldest 0 days)" in text
    assert "inspections open: 0;" in text and "storage clocks near the limit: 0" in text


def test_the_html_escapes_what_the_text_does_not(quiet_day, report_day):
    _kpis, html, _text, _images, _workbook = report_render(report_day)
    assert "AL&#x27;QUDS &amp; &lt;1&gt;" in html and "<1>" not in html


def test_every_workbook_cell_is_a_plain_value(quiet_day, report_day):
    *_, workbook = report_render(report_day)
    book = load_workbook(io.BytesIO(workbook))
    values = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]
    assert values and all(value is None or isinstance(value, str | int | float | datetime) for value in values)
    assert not [value for value in values if isinstance(value, str) and value.startswith(("{", "["))]
    customs = {row[0]: row[1] for row in book["Customs"].iter_rows(min_row=2, values_only=True)}
    assert customs["customs holds open: documents"] == 1  # the holds by kind, a row each
    assert customs["oldest customs hold (days)"] == 0
    action = [row for row in book["Needs action"].iter_rows(min_row=2, values_only=True)]
    assert [(row[0], row[1], row[2]) for row in action] == [("Late trains and vessels", 1, "Vessel AL'QUDS & <1>")]
    assert isinstance(action[0][4], datetime)  # since: the ETA, a date cell


def test_the_workbook_says_when_nothing_needs_action(report_day):
    *_, workbook = report_render(report_day)
    sheet = load_workbook(io.BytesIO(workbook))["Needs action"]
    assert [cell.value for cell in sheet[2]][:1] == ["Nothing needs action today."]


def test_a_date_the_preview_cannot_read_is_refused(client, operator):
    client.force_login(operator)
    url = "/admin/aktau_tos/reportsubscription/preview/"
    for bad in ("2026-13-01", "yesterday", "", "21.11.2026"):
        response = client.get(url, {"date": bad})
        assert response.status_code == 400, bad
        assert response["Content-Type"].startswith("text/plain")
        assert "is not a date: write the day as YYYY-MM-DD" in response.content.decode()
    assert client.get(url, {"date": "2026-11-21"}).status_code == 200
    assert client.get(url).status_code == 200  # without a date: yesterday


def test_the_command_refuses_a_date_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="'2026-02-30' is not a date"):
        call_command("send_daily_report", "--date", "2026-02-30", "--preview", str(tmp_path))


def valid_png(png: bytes) -> bool:
    Image.open(io.BytesIO(png)).verify()
    return png.startswith(PNG)


def test_the_dwell_chart_without_departures_says_so(report_day):
    chart = charts.dwell_chart(daily_kpis(report_day))
    assert valid_png(chart.png) and chart.has_data is False


def test_the_dwell_chart_with_departures(report_day):
    ContainerVisitFactory(state="departed", arrived_at=at_noon(report_day) - timedelta(days=2),
                          departed_at=at_noon(report_day))  # fmt: skip
    chart = charts.dwell_chart(daily_kpis(report_day))
    assert valid_png(chart.png) and chart.has_data is True


def test_the_occupancy_blocks_are_as_long_as_their_places(db):
    BlockFactory(code="IN", bays=2, rows=2, max_tier=3)  # 12 places
    BlockFactory(code="R1", bays=50, rows=6, max_tier=5)  # 1,500 places
    bars = {bar.code: bar for bar in charts.occupancy_layout(yard_map())}
    assert (bars["IN"].places, bars["R1"].places) == (12, 1500)
    assert bars["R1"].width / bars["IN"].width == pytest.approx(1500 / 12)
    assert (len(bars["R1"].fills), len(bars["R1"].fills[0])) == (6, 50)  # a row of the heatmap per row of the block
    chart = charts.occupancy_chart(list(bars.values()))
    assert valid_png(chart.png) and chart.has_data is True


def test_the_daily_series_against_the_design_pace(report_day):
    ContainerVisitFactory(state="in_yard", arrived_at=at_noon(report_day))
    ContainerVisitFactory(state="departed", arrived_at=at_noon(report_day - timedelta(days=40)),
                          departed_at=at_noon(report_day - timedelta(days=3)))  # fmt: skip
    kpis = daily_kpis(report_day)
    series = kpis.daily_throughput
    assert len(series) == SERIES_DAYS and series[-1]["day"] == report_day
    assert (series[-1]["teu_in"], series[-1]["teu_out"]) == (1.0, 0.0)
    assert (series[-4]["boxes_in"], series[-4]["boxes_out"]) == (0, 1)
    assert sum(row["boxes_in"] + row["boxes_out"] for row in series) == 2  # the arrival 40 days back is outside
    assert round(DESIGN_TEU_PER_DAY) == 658  # 240,000 TEU a year
    chart = charts.throughput_chart(kpis)
    assert valid_png(chart.png) and chart.has_data is True
