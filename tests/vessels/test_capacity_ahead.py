"""Capacity ahead for a vessel call: its arrival bay plan weighed against the special areas (the API's answer, the
call, the admin's upload and page), never refused for it, and weighed again by the periodic check."""

import pytest

from aktau_tos import roles
from tests.factories.yard import BlockFactory, valid_number
from tests.vessels.test_admin import DISCHARGE_HEADER, call, csv_file, page_of, shown, upload_url  # noqa: F401
from vessels import tasks
from vessels.models import VesselCall
from yard.models import Block, ContainerVisit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _assumptions(settings, small_yard):
    """The small yard's DG area: 3 x 2 slots, 2 tiers: 12 places, half of them usable; an inspection area of 4."""
    settings.CAPACITY_DWELL_DAYS = {"dg": 4.0, "reefer": 4.0, "inspection": 1.0}
    settings.CAPACITY_EFFECTIVE_SHARE = {"dg": 0.5, "reefer": 1.0, "inspection": 1.0}
    settings.CAPACITY_INSPECTION_SHARE = 0.05
    BlockFactory(code="INS", kind=Block.Kind.INSPECTION, bays=4, rows=1, max_tier=1, x_m=0, y_m=300)


def in_dg_area(put, count: int) -> None:
    """Puts `count` boxes in the DG area, ground first, leaving alone the stacks a planned move is bound for."""
    from yard.models import SlotReservation

    bound = {(bay, row) for bay, row in SlotReservation.objects.values_list("slot__bay", "slot__row")}
    stacks = [(bay, row) for bay in (1, 2, 3) for row in (1, 2) if (bay, row) not in bound]
    places = [f"DG-{bay:02}-{row:02}-{tier}" for tier in (1, 2) for bay, row in stacks]
    for position in places[:count]:
        put(position)


def dg_box(n: int, cell: str) -> dict:
    goods = [{"un_number": "1203", "class": "3", "packing_group": "II"}]
    return {"number": valid_number(n, "CSQ"), "iso_type": "22G1", "gross_kg": 20_000, "stowage": cell, "pol": "AZBAK",
            "pod": "KZAAU", "dangerous_goods": goods}  # fmt: skip


def test_a_bay_plan_into_a_full_dg_area_is_applied_and_warns_with_the_numbers(call, put, client_for):  # noqa: F811
    in_dg_area(put, 5)
    api = client_for(roles.OPERATOR)
    url = f"/api/v1/vessels/calls/{call.pk}"

    response = api.post(f"{url}/discharge-list/", {"containers": [dg_box(1, "010102"), dg_box(2, "010202")]},
                        format="json")  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert len(body["moves"]) == 2 and body["problems"] == []  # applied: a shortage is a warning
    (warning,) = body["capacity_warnings"]
    assert {key: value for key, value in warning.items() if key not in ("date", "detail")} == {
        "area": "dg", "places": 12, "capacity": 6, "on_hand": 5, "announced": 0, "demand": 2, "boxes": 2, "short": 1
    }  # fmt: skip
    assert warning["detail"].endswith("this call brings 2 DG box(es), 2 place(s): 1 short.")
    assert api.get(f"{url}/").json()["capacity_warnings"] == body["capacity_warnings"]
    call.refresh_from_db()
    assert call.capacity_warnings[0]["short"] == 1


def test_a_bay_plan_with_room_has_no_capacity_warning(call, put, client_for):  # noqa: F811
    in_dg_area(put, 2)
    api = client_for(roles.OPERATOR)
    response = api.post(f"/api/v1/vessels/calls/{call.pk}/discharge-list/",
                        {"containers": [dg_box(1, "010102"), dg_box(2, "010202")]}, format="json")  # fmt: skip
    assert response.json()["capacity_warnings"] == []
    assert VesselCall.objects.get(pk=call.pk).capacity_warnings == []


def test_the_upload_and_the_call_page_show_the_warning(call, put, client, operator):  # noqa: F811
    in_dg_area(put, 6)
    client.force_login(operator)
    rows = [DISCHARGE_HEADER, [valid_number(1, "CSQ"), "22G1", 20000, "full", "010102", "AZBAK", "KZAAU", "", "",
                               "1203", "3"]]  # fmt: skip
    response = client.post(upload_url(call, "discharge"), {"file": csv_file(rows)}, follow=True)

    warnings = [text for level, text in shown(response) if level == "warning"]
    assert any(text.startswith("DG area: 6 of 6 usable places taken on") and text.endswith("1 short.")
               for text in warnings), shown(response)  # fmt: skip
    assert ContainerVisit.objects.filter(inbound_carrier=call.carrier).count() == 1  # applied all the same
    page = client.get(page_of(call)).content.decode()
    assert 'id="call-capacity"' in page and "this call brings 1 DG box(es), 1 place(s): 1 short." in page


def test_the_periodic_check_warns_of_a_shortage_that_developed_later(call, put, client_for):  # noqa: F811
    api = client_for(roles.OPERATOR)
    body = api.post(f"/api/v1/vessels/calls/{call.pk}/discharge-list/", {"containers": [dg_box(1, "010102")]},
                    format="json").json()  # fmt: skip
    assert body["capacity_warnings"] == []
    in_dg_area(put, 6)  # the area fills before the ship comes

    assert tasks.check_capacity_ahead() == {"checked": 1, "short": 1}

    call.refresh_from_db()
    (warning,) = call.capacity_warnings
    assert (warning["area"], warning["on_hand"], warning["demand"], warning["short"]) == ("dg", 6, 1, 1)
    assert call.history.first().history_user.username == "system"
    assert call.history.first().history_change_reason == "capacity checked"
