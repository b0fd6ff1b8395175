"""Vessel KPIs against hand computations: a call worked by two cranes at known times (see `worked_call`), a call
without moves, a call still alongside, a restow counting two lifts, and a period's pooled totals."""

from datetime import timedelta

import pytest
import time_machine

from tests.vessels.conftest import REPORT_DAY, bay_plan_box, on_day
from vessels import services
from vessels.kpis import Kpi, call_kpis, period_kpis
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import Equipment, YardMove

pytestmark = pytest.mark.django_db

NAMES = ["Gross crane rate", "Berth productivity", "Vessel turnaround", "Discharge moves", "Load moves",
         "Restow moves", "Moves", "Restows"]  # fmt: skip


def values(kpis: list[Kpi]) -> dict[str, float | int | None]:
    return {str(kpi.name): kpi.value for kpi in kpis}


def depart(call, hour: int):
    return services.call_depart(call_id=call.pk, actor=call.created_by, at=on_day(hour))


def test_every_kpi_of_a_call_worked_by_two_cranes(worked_call):
    call = depart(worked_call, 20)
    kpis = call_kpis(call)
    assert [str(kpi.name) for kpi in kpis] == NAMES
    assert all(str(kpi.unit) and len(str(kpi.definition)) > 40 for kpi in kpis)
    assert values(kpis) == {
        # MHC-1: 3 lifts in 03:00-07:00 (4 h); MHC-2: a restow (2 lifts) and a load in 05:00-06:30 (1.5 h).
        # The load without a machine is in neither. 6 lifts / 5.5 h, not the mean of 0.75 and 2.0 an hour.
        "Gross crane rate": round(6 / 5.5, 2),
        "Berth productivity": round(7 / 18, 2),  # 2 discharges + 3 loads + 2 restow lifts, 02:00 to 20:00
        "Vessel turnaround": 18.0,
        "Discharge moves": 2,
        "Load moves": 3,
        "Restow moves": 2,
        "Moves": 7,
        "Restows": 1,
    }


def test_only_the_calls_quay_moves_done_count(worked_call, put):
    # The yard's own moves (the exports' receipts) and an open or cancelled move are not the call's work.
    assert YardMove.objects.filter(kind="receive", status="done").count() == 3
    export = put("A-02-01-1")  # where the first export stood before it was loaded
    load = yard_services.move_plan(visit=export, kind=YardMove.Kind.LOAD, to_carrier=worked_call.carrier,
                                   to_place="070102", actor=worked_call.created_by)  # fmt: skip
    assert values(call_kpis(worked_call, now=on_day(20)))["Load moves"] == 3
    yard_services.move_cancel(move_id=load.pk, actor=worked_call.created_by)
    assert values(call_kpis(worked_call, now=on_day(20)))["Load moves"] == 3


def test_a_call_still_alongside_counts_its_hours_to_now(worked_call):
    kpis = values(call_kpis(worked_call, now=on_day(12)))
    assert (kpis["Berth productivity"], kpis["Vessel turnaround"]) == (0.7, None)  # 7 lifts in 10 h, not gone
    assert kpis["Gross crane rate"] == round(6 / 5.5, 2)
    with time_machine.travel(on_day(16), tick=False):  # without `now`: the clock's
        assert values(call_kpis(worked_call))["Berth productivity"] == round(7 / 14, 2)


def test_a_call_without_moves(call_at_berth):
    expected = call_at_berth("0500E", on_day(1), on_day(20))
    kpis = values(call_kpis(expected, now=on_day(10)))
    assert kpis == {"Gross crane rate": None, "Berth productivity": None, "Vessel turnaround": None,
                    "Discharge moves": 0, "Load moves": 0, "Restow moves": 0, "Moves": 0, "Restows": 0}  # fmt: skip
    call = services.call_arrive(call_id=expected.pk, actor=expected.created_by, at=on_day(2))
    kpis = values(call_kpis(call, now=on_day(10)))
    assert (kpis["Gross crane rate"], kpis["Berth productivity"], kpis["Moves"]) == (None, 0.0, 0)  # zero stays 0
    kpis = values(call_kpis(depart(call, 6)))
    assert (kpis["Berth productivity"], kpis["Vessel turnaround"]) == (0.0, 4.0)


def test_a_restow_is_two_lifts(call_at_berth):
    call = call_at_berth("0412E", on_day(1), on_day(20), arrived=on_day(2))
    rows = [bay_plan_box(1, "010102"), bay_plan_box(2, "010104", pod="AZBAK")]
    planned = services.discharge_list_apply(call_id=call.pk, containers=rows, actor=call.created_by).moves
    [restow] = [move for move in planned if move.kind == YardMove.Kind.RESTOW]
    yard_services.move_complete(move_id=restow.pk, container=restow.visit.container.number,
                                position=yard_selectors.move_to(restow), actor=call.created_by)  # fmt: skip
    YardMove.objects.filter(pk=restow.pk).update(
        equipment=Equipment.objects.get(code="MHC-1"), started_at=on_day(3), finished_at=on_day(3, 30)
    )
    kpis = values(call_kpis(call, now=on_day(6)))
    assert (kpis["Restows"], kpis["Restow moves"], kpis["Moves"], kpis["Discharge moves"]) == (1, 2, 2, 0)
    assert kpis["Gross crane rate"] == 4.0  # two lifts in half an hour
    assert kpis["Berth productivity"] == 0.5  # two lifts in four hours alongside


def test_moves_without_a_machine_leave_the_crane_rate_empty(worked_call):
    YardMove.objects.update(equipment=None)
    kpis = values(call_kpis(worked_call, now=on_day(20)))
    assert (kpis["Gross crane rate"], kpis["Berth productivity"], kpis["Moves"]) == (None, round(7 / 18, 2), 7)


def test_a_period_pools_the_calls_that_departed_in_it(worked_call, call_at_berth):
    depart(worked_call, 20)
    short = call_at_berth("0413E", on_day(20), on_day(23), arrived=on_day(20))
    depart(short, 22)  # two hours alongside, no moves
    call_at_berth("0414E", on_day(23), on_day(23) + timedelta(hours=5), arrived=on_day(23))  # still alongside
    day = period_kpis(on_day(0), on_day(0, day=REPORT_DAY + timedelta(days=1)))
    assert [row["call"].voyage_in for row in day["calls"]] == ["0412E", "0413E"]
    assert values(day["calls"][0]["kpis"])["Moves"] == 7
    assert values(day["totals"]) == {
        "Calls departed": 2,
        "Gross crane rate": round(6 / 5.5, 2),
        "Berth productivity": round(7 / 20, 2),  # lifts over hours alongside, summed: 18 h + 2 h
        "Vessel turnaround": 10.0,  # the mean of 18 h and 2 h
        "Discharge moves": 2,
        "Load moves": 3,
        "Restow moves": 2,
        "Moves": 7,
        "Restows": 1,
    }
    assert "For a period" in str(day["totals"][1].definition)
    before = period_kpis(on_day(0) - timedelta(days=1), on_day(0))
    assert before["calls"] == [] and values(before["totals"])["Gross crane rate"] is None
    assert values(before["totals"])["Calls departed"] == 0
