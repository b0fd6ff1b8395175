"""The nightly report on a known data set: every KPI, the e-mail's parts, the workbook, once per day, retries."""

import io
import threading
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from aktau_tos.models import ReportRun, ReportSubscription
from aktau_tos.reports.daily import daily_report_send
from aktau_tos.reports.kpis import daily_kpis
from aktau_tos.reports.workbook import SHEETS
from tests.factories.accounts import UserFactory
from tests.factories.yard import (
    BlockFactory,
    CarrierVisitFactory,
    ContainerFactory,
    ContainerVisitFactory,
    EquipmentFactory,
    IsoSizeTypeFactory,
)
from yard.models import Hold, Occupancy, Slot, YardMove

DAY = date(2026, 11, 20)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def known_day(db):
    """On DAY: 2 boxes in by rail (a 20' and a 40'), 1 by truck; 1 out by truck after 2.5 days; moves done."""
    twenty, forty = IsoSizeTypeFactory(), IsoSizeTypeFactory(code="45G1", length_ft=40, teu=2)
    block = BlockFactory(code="A", bays=5, rows=2, max_tier=2)  # 20 places
    EquipmentFactory(code="RS-01", blocks=[block])
    EquipmentFactory(code="RS-02", blocks=[block])
    train = CarrierVisitFactory(mode="rail", reference="KZ-1")
    truck = CarrierVisitFactory(mode="truck", reference="T")
    actor = UserFactory()
    visits = [
        ContainerVisitFactory(container=ContainerFactory(iso_type=twenty), inbound_carrier=train, state="in_yard",
                              arrived_at=at(DAY, 8)),
        ContainerVisitFactory(container=ContainerFactory(iso_type=forty), inbound_carrier=train, state="in_yard",
                              arrived_at=at(DAY, 9)),
        ContainerVisitFactory(container=ContainerFactory(iso_type=twenty), inbound_carrier=truck, state="in_yard",
                              arrived_at=at(DAY, 10)),
        ContainerVisitFactory(container=ContainerFactory(iso_type=twenty), inbound_carrier=truck, state="departed",
                              arrived_at=at(DAY, 12) - timedelta(days=2, hours=12), departed_at=at(DAY, 12),
                              outbound_mode="truck"),
    ]  # fmt: skip
    slots = list(Slot.objects.filter(block=block).order_by("bay", "row"))
    Occupancy.objects.create(slot=slots[0], tier=1, visit=visits[0])
    Occupancy.objects.create(slot=slots[2], tier=1, visit=visits[1])
    Occupancy.objects.create(slot=slots[4], tier=1, visit=visits[1], primary=False)
    for kind, status, visit in [("discharge", "done", visits[0]), ("discharge", "done", visits[1]),
                                ("receive", "done", visits[2]), ("delivery", "done", visits[3]),
                                ("shift", "done", visits[0]), ("shift", "failed", visits[2])]:  # fmt: skip
        YardMove.objects.create(visit=visit, kind=kind, status=status, created_by=actor, finished_at=at(DAY, 14))
    Hold.objects.create(visit=visits[2], authority="customs", kind="documents", blocked_move_kinds=["delivery"],
                        placed_by=actor)  # fmt: skip
    ReportSubscription.objects.create(email="director@aktau-hub.kz")
    ReportSubscription.objects.create(email="ops@aktau-hub.kz")
    ReportSubscription.objects.create(email="former@aktau-hub.kz", active=False)
    return visits


def test_every_kpi_of_the_day(known_day):
    kpis = daily_kpis(DAY)
    day = kpis.throughput[0]
    assert (day["period"], day["boxes"], day["teu"]) == ("day", 4, 5.0)  # in: 1+2 TEU rail, 1 truck; out: 1 truck
    assert {(r["direction"], r["mode"], r["boxes"]) for r in day["rows"]} == {
        ("in", "rail", 2), ("in", "truck", 1), ("out", "truck", 1),
    }  # fmt: skip
    assert day["design_teu"] == pytest.approx(657.5, abs=0.1)
    occupancy = {row["block"]: (row["used"], row["capacity"]) for row in kpis.occupancy}
    assert occupancy == {"A": (3, 20)}
    dwell = kpis.dwell["day"]
    assert (dwell["total"], dwell["counts"]["1-3 days"], dwell["mean_days"]) == (1, 1, 2.5)
    moves = kpis.moves[0]
    assert (moves["total"], moves["by_kind"]) == (5, {"discharge": 2, "receive": 1, "delivery": 1, "shift": 1})
    assert moves["per_machine_hour"] == pytest.approx(5 / (2 * 24), abs=0.001)
    assert moves["rehandle_ratio"] == 0.25  # one shift over four productive moves
    assert (kpis.customs["under_control"], kpis.customs["holds_open"]) == (1, 1)
    assert [row["status"] for row in kpis.exceptions] == ["failed"]
    month = kpis.throughput[1]  # also the box that arrived two and a half days before
    assert month["boxes"] == 5 and month["design_teu"] == pytest.approx(240_000 * 20 / 365, abs=0.1)


def test_the_email_has_text_html_charts_and_the_workbook(known_day, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run = daily_report_send(day=DAY)
    assert (run.status, run.recipients) == ("sent", 2)
    [message] = mail.outbox
    assert sorted(message.to) == ["director@aktau-hub.kz", "ops@aktau-hub.kz"]
    assert "THROUGHPUT" in message.body and "Rehandle ratio" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert ">A (full)</td>" in html  # the occupancy table
    inline = [part for part in message.attachments if getattr(part, "get_content_type", lambda: "")() == "image/png"]
    assert sorted(part["Content-ID"] for part in inline) == ["<dwell>", "<occupancy>", "<throughput>"]
    for chart in ("throughput", "occupancy", "dwell"):  # each chart shown in the text where it belongs
        assert f'<img src="cid:{chart}"' in html
    [(name, content, _)] = [a for a in message.attachments if isinstance(a, tuple)]
    assert name == "aktau-tos-2026-11-20.xlsx"
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == SHEETS
    assert [cell.value for cell in book["Occupancy"][2]] == ["A", "full", 3, 20, 0.15]


def test_sent_once_per_day(known_day, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert daily_report_send(day=DAY) is not None
    assert daily_report_send(day=DAY) is None  # a second beat tick or a manual re-run
    assert len(mail.outbox) == 1


def test_a_failed_send_is_recorded_and_retried(known_day, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failing = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down"))
    with failing, pytest.raises(OSError):
        daily_report_send(day=DAY)
    run = ReportRun.objects.get()
    assert (run.status, "SMTP down" in run.error) == ("failed", True)
    retried = daily_report_send(day=DAY)
    assert (retried.status, retried.attempts, len(mail.outbox)) == ("sent", 2, 1)


def test_the_task_retries_through_celery(known_day, settings):
    from aktau_tos.tasks import send_daily_report

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_daily_report.autoretry_for == (Exception,) and send_daily_report.max_retries == 5
    assert send_daily_report.apply(kwargs={"day": DAY.isoformat()}).get() == "sent to 2"


def test_command_preview_and_send_to(known_day, settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_daily_report", "--date", DAY.isoformat(), "--preview", str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} >= {
        "report.html",
        "report.txt",
        "occupancy.png",
        "aktau-tos-2026-11-20.xlsx",
    }
    html = (tmp_path / "report.html").read_text()
    assert all(f'src="{chart}.png"' in html for chart in ("throughput", "occupancy", "dwell"))  # the files beside it
    call_command("send_daily_report", "--date", DAY.isoformat(), "--to", "me@example.kz")
    assert mail.outbox[0].to == ["me@example.kz"] and not ReportRun.objects.exists()  # not the nightly send


def test_admin_preview(known_day, client, operator):
    client.force_login(operator)
    response = client.get("/admin/aktau_tos/reportsubscription/preview/?date=2026-11-20")
    assert response.status_code == 200 and b"data:image/png;base64," in response.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions: PostgreSQL")
def test_two_concurrent_runs_send_once(known_day, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    barrier, results = threading.Barrier(2), []

    def run():
        barrier.wait()
        try:
            results.append(daily_report_send(day=DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result is None for result in results) == [False, True]
    assert len(mail.outbox) == 1


def test_train_turnaround_by_line(known_day):
    from rail.models import LoadingLine, TrainVisit

    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    carrier = CarrierVisitFactory(mode="rail", reference="KZ-9", status="departed", arrived_at=at(DAY, 2),
                                  departed_at=at(DAY, 20))  # fmt: skip
    TrainVisit.objects.create(carrier=carrier, train_number="KZ-9", direction="inbound", line=line,
                              created_by=UserFactory())  # fmt: skip
    for _ in range(9):
        YardMove.objects.create(visit=known_day[0], kind="discharge", status="done", from_carrier=carrier,
                                created_by=UserFactory(), finished_at=at(DAY, 10))  # fmt: skip
    rows = [row for row in daily_kpis(DAY).trains if row["period"] == "day"]
    assert rows == [{"period": "day", "label": "day", "line": "L1", "direction": "inbound", "trains": 1,
                     "mean_hours": 18.0, "moves": 9, "moves_per_hour": 0.5}]  # fmt: skip
