"""The report opens with what needs action today: each item counted, its first boxes or carriers named, in the
HTML, the text and the subject; and one line when nothing does."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from aktau_tos.reports.daily import report_day_default, report_render, report_subject
from aktau_tos.reports.kpis import daily_kpis
from dangerous_goods.models import SegregationAlert
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, CarrierVisitFactory, ContainerFactory, ContainerVisitFactory
from yard.models import Hold, YardMove

pytestmark = pytest.mark.django_db


def in_yard(days: float = 1, **fields):
    return ContainerVisitFactory(state="in_yard", arrived_at=timezone.now() - timedelta(days=days), **fields)


def hold_on(visit, hours_ago: float) -> Hold:
    hold = Hold.objects.create(visit=visit, authority="customs", kind="documents", blocked_move_kinds=["delivery"],
                               placed_by=UserFactory())  # fmt: skip
    Hold.objects.filter(pk=hold.pk).update(placed_at=timezone.now() - timedelta(hours=hours_ago))  # auto_now_add
    return hold


@pytest.fixture
def report_day():
    return report_day_default()


@pytest.fixture
def trouble(report_day, settings):
    """One of each thing that needs action, beside one just short of it (which must not be listed)."""
    settings.REPORT_HOLD_AGE_HOURS, settings.REPORT_DWELL_LIMIT_DAYS = 48, 14
    now, actor = timezone.now(), UserFactory()
    noon = datetime.combine(report_day, time(12), tzinfo=timezone.get_current_timezone())
    boxes = {name: in_yard(container=ContainerFactory(number=number)) for name, number in [
        ("held", "MSCU1234566"), ("fresh_hold", "CSQU3054383"), ("waiting", "TGHU1111114"), ("failed", "TCLU2222221"),
        ("dg", "HLXU3333331"), ("dg_neighbour", "MRKU4444440")]}  # fmt: skip
    hold_on(boxes["held"], hours_ago=60)
    hold_on(boxes["fresh_hold"], hours_ago=10)
    YardMove.objects.create(visit=boxes["waiting"], kind="discharge", status="planned", created_by=actor,
                            awaiting_slot_since=now - timedelta(hours=5))  # fmt: skip
    YardMove.objects.create(visit=boxes["failed"], kind="shift", status="failed", created_by=actor, finished_at=noon)
    YardMove.objects.create(visit=boxes["failed"], kind="shift", status="done", created_by=actor, finished_at=noon)
    SegregationAlert.objects.create(visit=boxes["dg"], neighbour=boxes["dg_neighbour"], position="DG-01-01-1",
                                    detail="class 3 next to class 5.1")  # fmt: skip
    SegregationAlert.objects.create(visit=boxes["dg_neighbour"], neighbour=boxes["dg"], position="DG-01-02-1",
                                    detail="resolved", resolved_at=now)  # fmt: skip
    CarrierVisitFactory(mode="rail", reference="KZ-7001", status="expected", eta=now - timedelta(hours=3))
    CarrierVisitFactory(mode="vessel", reference="TURKESTAN 0412E", status="arrived", etd=now - timedelta(hours=30))
    CarrierVisitFactory(mode="rail", reference="KZ-ONTIME", status="expected", eta=now + timedelta(hours=3))
    CarrierVisitFactory(mode="rail", reference="KZ-GONE", status="departed", etd=now - timedelta(days=2))
    CarrierVisitFactory(mode="truck", reference="870AKT12", status="expected", eta=now - timedelta(hours=3))
    in_yard(days=20, container=ContainerFactory(number="OOLU5555550"))  # past the 14-day dwell limit
    in_yard(days=3, container=ContainerFactory(number="CMAU6666663"), expected_departure=now - timedelta(hours=2))
    in_yard(days=20, container=ContainerFactory(number="EGHU7777778"), expected_departure=now + timedelta(days=1))
    return boxes


def names(item) -> list[str]:
    return [entry.name for entry in item.entries]


def test_each_item_counts_and_names_what_needs_action(trouble, report_day):
    items = {item.key: item for item in daily_kpis(report_day).needs_action}
    assert set(items) == {"old_holds", "awaiting_slot", "failed_moves", "segregation_alerts", "late_carriers",
                          "past_limit"}  # fmt: skip
    assert (items["old_holds"].count, names(items["old_holds"])) == (1, ["MSCU1234566"])  # not the 10-hour hold
    assert "customs hold (documents), open 60 h" in items["old_holds"].entries[0].detail
    assert names(items["awaiting_slot"]) == ["TGHU1111114"]
    assert items["awaiting_slot"].entries[0].detail.startswith("discharge move #")
    assert names(items["failed_moves"]) == ["TCLU2222221"]  # the failed one, not the done one
    assert " failed at " in items["failed_moves"].entries[0].detail
    assert names(items["segregation_alerts"]) == ["HLXU3333331"]  # the resolved one is not listed
    assert "DG-01-01-1, too close to MRKU4444440" in items["segregation_alerts"].entries[0].detail
    # Late: the vessel past its ETD (longer ago), then the train past its ETA; not the truck, not the one on time.
    assert names(items["late_carriers"]) == ["Vessel TURKESTAN 0412E", "Train KZ-7001"]
    assert "not departed, 30 h late" in items["late_carriers"].entries[0].detail
    assert "not arrived, 3 h late" in items["late_carriers"].entries[1].detail
    # By arrival, oldest first: 20 days without an expected departure, then one whose expected departure passed.
    assert names(items["past_limit"]) == ["OOLU5555550", "CMAU6666663"]
    assert "20 days in the yard" in items["past_limit"].entries[0].detail
    assert "expected out" in items["past_limit"].entries[1].detail


def test_the_thresholds_are_settings(trouble, report_day, settings):
    settings.REPORT_HOLD_AGE_HOURS, settings.REPORT_DWELL_LIMIT_DAYS = 8, 30
    items = {item.key: item for item in daily_kpis(report_day).needs_action}
    assert sorted(names(items["old_holds"])) == ["CSQU3054383", "MSCU1234566"]
    assert names(items["past_limit"]) == ["CMAU6666663"]


def test_the_report_opens_with_the_action_list(trouble, report_day):
    kpis, html, text, _images, _workbook = report_render(report_day)
    opening = html.split(">Throughput</h2>")[0]
    assert ">What needs action today</h2>" in opening
    for name in ("MSCU1234566", "TGHU1111114", "TCLU2222221", "HLXU3333331", "Train KZ-7001", "OOLU5555550"):
        assert name in opening
    assert "Late trains and vessels: 2" in opening and "Holds open longer than 48 hours: 1" in opening
    assert "CSQU3054383" not in html and "KZ-ONTIME" not in html and "870AKT12" not in html
    text_opening = text.split("THROUGHPUT")[0]
    assert "WHAT NEEDS ACTION TODAY" in text_opening
    assert "  Open dangerous-goods segregation alerts: 1\n    HLXU3333331: at DG-01-01-1" in text_opening
    assert "    Train KZ-7001: ETA " in text_opening
    assert report_subject(kpis).endswith(": 6 items need action")


def test_only_the_first_boxes_are_named_the_rest_counted(report_day, settings):
    settings.REPORT_DWELL_LIMIT_DAYS = 14
    for _ in range(8):
        in_yard(days=30)
    kpis, html, text, _images, _workbook = report_render(report_day)
    [item] = kpis.needs_action
    assert (item.count, len(item.shown), item.not_shown) == (8, 5, 3)
    assert "and 3 more, listed in the workbook" in html and "and 3 more, listed in the workbook" in text


def test_nothing_needs_action_in_one_line(report_day):
    BlockFactory(code="A")
    in_yard(days=2)  # a box in the yard, well within its limits
    kpis, html, text, _images, _workbook = report_render(report_day)
    assert kpis.needs_action == [] and [item.count for item in kpis.actions] == [0] * 6
    assert "Nothing needs action today." in html.split(">Throughput</h2>")[0]
    assert "WHAT NEEDS ACTION TODAY\n  Nothing needs action today.\n" in text
    assert report_subject(kpis) == f"Aktau TOS daily report {report_day.isoformat()}"
