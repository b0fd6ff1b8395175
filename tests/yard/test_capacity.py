"""Capacity ahead: the forecast of the DG area, the reefer plugs and the inspection area over a pre-advice's window,
first as arithmetic over an outlook written by hand, then as read from the yard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.yard import BlockFactory, CarrierVisitFactory, ContainerFactory, ContainerVisitFactory
from yard import capacity
from yard.capacity import Outlook, Unit, capacity_forecast, capacity_warnings, outlook_load, unit_make
from yard.models import Block, CarrierVisit, IsoSizeType, YardMove

NOW = timezone.now().replace(microsecond=0)
ARRIVAL = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def _assumptions(settings):
    settings.CAPACITY_DWELL_DAYS = {"dg": 4.0, "reefer": 4.0, "inspection": 1.0}
    settings.CAPACITY_EFFECTIVE_SHARE = {"dg": 0.5, "reefer": 1.0, "inspection": 1.0}
    settings.CAPACITY_INSPECTION_SHARE = 0.1
    settings.CUSTOMS_CONTROL_CATEGORIES = ["import", "transit"]


def box(n: int, *, length: int = 20, dg: bool = False, reefer: bool = False, **fields) -> Unit:
    group = IsoSizeType.Group.REEFER if reefer else IsoSizeType.Group.GENERAL
    goods = [{"un_number": "1203", "class": "3"}] if dg else []
    return unit_make(container=f"BOX{n:08d}", length_ft=length, group=group, freight_kind=fields.pop("kind", "full"),
                     dangerous_goods=goods, **fields)  # fmt: skip


def outlook(**fields) -> Outlook:
    on_hand = {"dg": [], "reefer": [], "inspection": [], **fields.pop("on_hand", {})}
    return Outlook(now=NOW, places={"dg": 20, "reefer": 8, "inspection": 4}, on_hand=on_hand, **fields)


def by_area(forecasts) -> dict:
    return {forecast.area: forecast for forecast in forecasts}


def test_a_full_dg_area_warns_with_the_numbers_at_the_busiest_moment():
    seen = outlook(
        on_hand={"dg": [None] * 6 + [NOW + timedelta(hours=2)] * 2 + [ARRIVAL + timedelta(days=2)]},
        arrivals=[
            box(90, length=40, dg=True, arrives=ARRIVAL + timedelta(days=1)),  # in the window: 2 places from then
            box(91, dg=True, arrives=ARRIVAL + timedelta(days=10)),  # after the window
            box(92, arrives=ARRIVAL),  # not dangerous
            box(1, dg=True, arrives=ARRIVAL),  # one of this train's own boxes, announced again: counted once
        ],
    )
    train = [box(1, dg=True, arrives=ARRIVAL), box(2, dg=True, arrives=ARRIVAL), box(3, dg=True, arrives=ARRIVAL),
             box(4, arrives=ARRIVAL)]  # fmt: skip

    warnings = capacity_warnings(seen, arrival=ARRIVAL, units=train)

    # 20 places, half usable: 10. A day after arrival 7 boxes still stand there (two left before the train) and the
    # announced 40' has come: 9 taken; the train's 3 DG boxes need 3 places: 2 will not fit.
    busiest = timezone.localdate(ARRIVAL + timedelta(days=1))
    assert warnings == [{"area": "dg", "date": busiest.isoformat(), "places": 20, "capacity": 10, "on_hand": 7,
                         "announced": 2, "demand": 3, "boxes": 3, "short": 2}]  # fmt: skip
    text = capacity.capacity_warning_text(warnings[0], subject="this train")
    assert text.startswith("DG area: 9 of 10 usable places taken on ")
    assert text.endswith("this train brings 3 DG box(es), 3 place(s): 2 short.")


def test_boxes_leaving_before_the_arrival_free_their_places():
    seen = outlook(on_hand={"dg": [ARRIVAL - timedelta(hours=1)] * 9})
    (dg,) = [f for f in capacity_forecast(seen, arrival=ARRIVAL, units=[box(1, dg=True)]) if f.area == "dg"]
    assert (dg.on_hand, dg.short) == (0, 0)
    assert capacity_warnings(seen, arrival=NOW, units=[box(1, dg=True), box(2, dg=True)]) == [
        {"area": "dg", "date": timezone.localdate(NOW).isoformat(), "places": 20, "capacity": 10, "on_hand": 9,
         "announced": 0, "demand": 2, "boxes": 2, "short": 1},
    ]  # fmt: skip


def test_reefers_beyond_the_plugs_warn_and_empty_reefers_need_none():
    seen = outlook(on_hand={"reefer": [None] * 5})
    ship = [box(1, length=40, reefer=True), box(2, length=40, reefer=True), box(3, reefer=True, kind="empty")]
    (warning,) = capacity_warnings(seen, arrival=ARRIVAL, units=ship)
    assert warning == {"area": "reefer", "date": timezone.localdate(ARRIVAL).isoformat(), "places": 8, "capacity": 8,
                       "on_hand": 5, "announced": 0, "demand": 4, "boxes": 2, "short": 1}  # fmt: skip
    assert "Reefer plugs: 5 of 8 taken" in capacity.capacity_warning_text(warning)


def test_the_inspection_area_counts_a_share_of_the_boxes_under_control_and_the_boxes_bound_there():
    seen = outlook(on_hand={"inspection": [None]}, inspections=[(2, ARRIVAL + timedelta(hours=3))])
    train = [box(n) for n in range(25)] + [box(30 + n, category="export") for n in range(10)]
    train += [box(50 + n, kind="empty") for n in range(10)]
    (warning,) = capacity_warnings(seen, arrival=ARRIVAL, units=train)
    # 25 full boxes under customs control x 0.1 = 2.5: 3 places; 1 on hand and a 40' due for its scan: 3 taken of 4
    assert {key: warning[key] for key in ("area", "capacity", "on_hand", "announced", "demand", "boxes", "short")} == {
        "area": "inspection", "capacity": 4, "on_hand": 1, "announced": 2, "demand": 3, "boxes": 25, "short": 2
    }  # fmt: skip
    # After its inspection dwell the box due for its scan is back in the stack: nothing short a day later.
    later = ARRIVAL + timedelta(hours=3, days=1)
    assert capacity_warnings(seen, arrival=later, units=train) == []


def test_no_warning_when_there_is_room_though_the_forecast_has_its_numbers():
    seen = outlook(on_hand={"dg": [None] * 3, "reefer": [None] * 2})
    units = [box(1, dg=True), box(2, reefer=True), box(3)]
    assert capacity_warnings(seen, arrival=ARRIVAL, units=units) == []
    forecasts = by_area(capacity_forecast(seen, arrival=ARRIVAL, units=units))
    assert (forecasts["dg"].on_hand, forecasts["dg"].demand, forecasts["dg"].capacity) == (3, 1, 10)
    assert (forecasts["reefer"].on_hand, forecasts["reefer"].demand) == (2, 1)


@pytest.mark.django_db
def test_the_outlook_reads_places_boxes_on_hand_and_boxes_announced(small_yard, put, clerk):
    BlockFactory(code="INS", kind=Block.Kind.INSPECTION, bays=2, rows=1, max_tier=1)
    put("DG-01-01-1")
    put("RF-01-01-1", iso_type="45R1")  # a 40' reefer: two powered places
    leaving = put("DG-02-01-1", expected_departure=NOW + timedelta(hours=5))
    ship = CarrierVisitFactory(mode=CarrierVisit.Mode.VESSEL, status=CarrierVisit.Status.EXPECTED,
                               eta=NOW + timedelta(hours=8))  # fmt: skip
    coming = ContainerVisitFactory(inbound_carrier=ship, dangerous_goods=[{"un_number": "1203", "class": "3"}])
    restow = ContainerVisitFactory(inbound_carrier=ship)
    YardMove.objects.create(visit=restow, kind=YardMove.Kind.RESTOW, from_carrier=ship, to_carrier=ship,
                            created_by=clerk)  # fmt: skip
    ContainerVisitFactory(container=ContainerFactory(), state="departed")

    seen = outlook_load(now=NOW)

    assert seen.places == {"dg": 12, "reefer": 6, "inspection": 2}  # 3x2 slots x 2 tiers; 2 powered x 3; 2 x 1
    assert sorted(seen.on_hand["dg"], key=str) == sorted([None, leaving.expected_departure], key=str)
    assert seen.on_hand["reefer"] == [None, None] and seen.on_hand["inspection"] == []
    (announced,) = seen.arrivals  # the restow goes back on board, never into the yard
    assert (announced.container, announced.dangerous, announced.arrives) == (
        coming.container.number, True, ship.eta
    )  # fmt: skip


@pytest.mark.django_db
def test_an_announced_box_is_counted_once_it_is_not_in_the_terminal_already(small_yard, put, monkeypatch):
    """A pre-advice may name a box the yard already holds (it came by road, say): the yard counts its stay, and the
    announcement must not count it a second time. A box that has left before is announced like any other."""
    here = put("A-01-01-1")
    gone = ContainerVisitFactory(state="departed")
    same, again = (unit_make(container=visit.container.number, length_ft=20, group=IsoSizeType.Group.GENERAL,
                             freight_kind="full", dangerous_goods=[]) for visit in (here, gone))  # fmt: skip
    new = box(1, dg=True)
    monkeypatch.setattr(capacity.hooks.capacity_arrivals, "_functions", [lambda *, now: [same, new, again]])

    seen = outlook_load(now=NOW)

    assert [unit.container for unit in seen.arrivals] == [new.container, gone.container.number]
