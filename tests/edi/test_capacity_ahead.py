"""Capacity ahead for the railway's train pre-advice: weighed against the special areas when accepted, warned in
the answer and the admin, never refused, and weighed again by the periodic check while the train is due."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from edi import tasks
from edi.models import TrainAdvice
from tests.edi.test_train_advice import advice, ktz, rail_yard  # noqa: F401  (fixtures and helpers, shared)
from tests.factories.yard import (
    BlockFactory,
    ContainerFactory,
    ContainerVisitFactory,
    IsoSizeTypeFactory,
    valid_number,
)
from yard import services as yard_services
from yard.models import Block, YardMove

pytestmark = pytest.mark.django_db
URL = "/api/v1/edi/train-advices/"
DG_LINE = [{"un_number": "1203", "class": "3", "packing_group": "II"}]


@pytest.fixture(autouse=True)
def _assumptions(settings, rail_yard):  # noqa: F811
    """The rail yard's DG area: 3 x 2 slots, 2 tiers: 12 places, half of them usable; an inspection area of 4."""
    settings.CAPACITY_DWELL_DAYS = {"dg": 4.0, "reefer": 4.0, "inspection": 1.0}
    settings.CAPACITY_EFFECTIVE_SHARE = {"dg": 0.5, "reefer": 1.0, "inspection": 1.0}
    settings.CAPACITY_INSPECTION_SHARE = 0.05
    BlockFactory(code="INS", kind=Block.Kind.INSPECTION, bays=4, rows=1, max_tier=1, x_m=0, y_m=100)


@pytest.fixture
def stand(user_with_role):
    """stand(n) -> n plain boxes put down in the DG area through the yard's services."""
    actor = user_with_role("yard_clerk")
    places = [f"DG-{bay:02d}-{row:02d}-{tier}" for tier in (1, 2) for bay in (1, 2, 3) for row in (1, 2)]
    used = []

    def put(count: int) -> None:
        for position in places[len(used) : len(used) + count]:
            container = ContainerFactory(iso_type=IsoSizeTypeFactory())
            visit = ContainerVisitFactory(container=container)
            move = yard_services.move_plan(visit=visit, kind=YardMove.Kind.RECEIVE, actor=actor)
            yard_services.move_complete(move_id=move.pk, container=container.number, position=position, actor=actor)
            used.append(position)

    return put


def post(client, body: dict) -> dict:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_train_into_a_full_dg_area_is_accepted_with_the_numbers(ktz, stand):  # noqa: F811
    client, _ = ktz
    stand(6)  # the 6 usable places of the DG area taken
    body = post(client, advice())  # one DG box (MSKU2666542)

    assert body["status"] == "accepted"  # a warning, never a refusal
    arrival = timezone.localdate(timezone.datetime.fromisoformat(body["expected_arrival"]))
    (warning,) = body["capacity_warnings"]
    assert warning == {
        "area": "dg", "date": arrival.isoformat(), "places": 12, "capacity": 6, "on_hand": 6, "announced": 0,
        "demand": 1, "boxes": 1, "short": 1,
        "detail": f"DG area: 6 of 6 usable places taken on {arrival.day} {arrival:%b %Y}; this train brings 1 DG "
                  "box(es), 1 place(s): 1 short.",
    }  # fmt: skip
    stored = TrainAdvice.objects.get(pk=body["id"])
    assert stored.capacity_warnings == [{key: value for key, value in warning.items() if key != "detail"}]
    assert stored.history.first().history_change_reason == "capacity checked"


def test_a_train_with_room_has_no_capacity_warning(ktz, stand):  # noqa: F811
    client, _ = ktz
    stand(5)
    body = post(client, advice())
    assert body["capacity_warnings"] == [] and body["warnings"] == {}
    assert TrainAdvice.objects.get(pk=body["id"]).capacity_warnings == []


def test_another_train_announced_counts_and_the_periodic_check_warns_the_first(ktz, stand):  # noqa: F811
    client, _ = ktz
    stand(5)
    first = post(client, advice())  # 5 + its DG box = 6: room
    assert first["capacity_warnings"] == []
    later = (timezone.now() + timedelta(hours=12)).replace(microsecond=0).isoformat()
    second_train = advice(train_number="KZ-2402", expected_arrival=later)
    boxes = [box for wagon in second_train["wagons"] for box in wagon["containers"]]
    for n, box in enumerate(boxes):  # other boxes, the same mix
        box["number"] = valid_number(500 + n, "KZT")
    second = post(client, second_train)
    (warning,) = second["capacity_warnings"]  # the first train's DG box is announced for its window
    assert (warning["area"], warning["on_hand"], warning["announced"], warning["short"]) == ("dg", 5, 1, 1)

    result = tasks.check_capacity_ahead()

    assert result == {"checked": 2, "short": 2}
    stored = TrainAdvice.objects.get(pk=first["id"])
    (warning,) = stored.capacity_warnings  # the second train comes within the first's dwell
    assert (warning["on_hand"], warning["announced"], warning["demand"], warning["short"]) == (5, 1, 1, 1)
    assert stored.history.first().history_user.username == "system"
    rows = stored.history.count()
    assert tasks.check_capacity_ahead() == {"checked": 2, "short": 2}
    assert stored.history.count() == rows  # the same answer again writes nothing


def test_the_periodic_check_leaves_trains_beyond_its_horizon_alone(ktz, stand, settings):  # noqa: F811
    client, _ = ktz
    settings.CAPACITY_LOOKAHEAD_HOURS = 72
    far = (timezone.now() + timedelta(days=5)).replace(microsecond=0).isoformat()
    body = post(client, advice(expected_arrival=far))
    stand(6)
    assert tasks.check_capacity_ahead() == {"checked": 0, "short": 0}
    assert TrainAdvice.objects.get(pk=body["id"]).capacity_warnings == []


def test_the_advice_page_and_list_show_the_warning(ktz, stand, client, operator):  # noqa: F811
    api, _ = ktz
    stand(6)
    body = post(api, advice())
    client.force_login(operator)
    page = client.get(f"/admin/edi/trainadvice/{body['id']}/change/").content.decode()
    assert "DG area: 6 of 6 usable places taken on" in page and "1 place(s): 1 short." in page
    listing = client.get("/admin/edi/trainadvice/").content.decode()
    assert "dg 1" in listing
