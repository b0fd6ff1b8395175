"""The tally clerk at the quay (POST vessels/calls/{id}/tally/): a tally confirms the box's quay move if it is still
open and records the seal as read and the damage seen; tallying again corrects the record."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos import roles
from tests.factories.yard import valid_number
from tests.vessels.test_api import box
from vessels import services
from vessels.models import OnBoard, Tally
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import YardMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def tally_api(client_for):
    return client_for(roles.YARD_CLERK)


@pytest.fixture
def discharging(alongside, operator):
    """Two boxes for this port in the hold, the first declared with seal KZ123456."""
    rows = [box(1, "010102", seal="KZ123456"), box(2, "030102")]
    services.discharge_list_apply(call_id=alongside.pk, containers=rows, actor=operator)
    return alongside


def _tally(api, call, **body):
    return api.post(f"/api/v1/vessels/calls/{call.pk}/tally/", body, format="json")


def _move(number: str, kind: str) -> YardMove:
    return YardMove.objects.get(visit__container__number=number, kind=kind)


def test_a_discharge_tally_confirms_the_move_and_records_the_seal(discharging, tally_api):
    number = box(1, "010102")["number"]
    planned_to = yard_selectors.move_to(_move(number, "discharge"))
    response = _tally(tally_api, discharging, container=number.lower(), seal=" kz123456 ")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["cell"], body["seal_declared"], body["seal_scanned"], body["seal_ok"]) == (
        "discharge", "010102", "KZ123456", "KZ123456", True,
    )  # fmt: skip
    assert (body["move"]["status"], body["move"]["to"]) == ("done", planned_to)
    assert not OnBoard.objects.filter(container=number).exists()  # off the ship
    tally = Tally.objects.get(container=number)
    assert (tally.tallied_by.username, tally.history.count()) == (body["tallied_by"], 1)


def test_a_seal_that_does_not_match_and_damage_are_recorded_not_refused(discharging, tally_api):
    first, second = box(1, "010102")["number"], box(2, "030102")["number"]
    body = _tally(tally_api, discharging, container=first, seal="KZ999999", damage="dent on the left side").json()
    assert (body["seal_ok"], body["damage"]) == (False, "dent on the left side")
    # A box declared without a seal: matches only if none is read either.
    assert _tally(tally_api, discharging, container=second).json()["seal_ok"] is True


def test_a_second_tally_corrects_the_first_and_keeps_its_history(discharging, tally_api):
    number = box(1, "010102")["number"]
    _tally(tally_api, discharging, container=number, seal="KZ999999")
    response = _tally(tally_api, discharging, container=number, seal="KZ123456", damage="scratch")
    assert response.status_code == 200, response.content
    tally = Tally.objects.get(container=number)
    assert (tally.seal_ok, tally.damage, tally.history.count()) == (True, "scratch", 2)
    assert YardMove.objects.filter(visit__container__number=number, status="done").count() == 1


def test_a_move_the_crane_already_confirmed_is_only_recorded(discharging, tally_api, operator):
    number = box(1, "010102")["number"]
    move = _move(number, "discharge")
    yard_services.move_complete(
        move_id=move.pk, container=number, position=yard_selectors.move_to(move), actor=operator
    )
    body = _tally(tally_api, discharging, container=number, seal="KZ123456").json()
    assert (body["move"]["id"], body["move"]["status"], body["cell"]) == (move.pk, "done", "010102")


def test_a_load_is_confirmed_in_the_scanned_cell_and_checked_against_a_confirmed_one(
    alongside, operator, put, tally_api
):
    visit = put("A-02-01-1", seals=["EXP1"])
    number = visit.container.number
    services.load_list_apply(
        call_id=alongside.pk, containers=[{"number": number, "pod": "AZBAK", "vgm_kg": 18_000}], actor=operator
    )
    plan = services.stowage_plan_build(call_id=alongside.pk, actor=operator)
    assert len(plan["assigned"]) == 1, plan["left_out"]
    cell = plan["assigned"][0]["stowage"]

    missing = _tally(tally_api, alongside, container=number, seal="EXP1")
    assert (missing.status_code, missing.json()["code"]) == (400, "cell_required")
    assert _move(number, "load").status == "planned"  # nothing done on a refusal

    done = _tally(tally_api, alongside, container=number, cell=f"0{cell}", seal="exp1")
    assert done.status_code == 200, done.content
    assert (done.json()["cell"], done.json()["seal_ok"], done.json()["move"]["status"]) == (cell, True, "done")
    assert OnBoard.objects.get(container=number).cell == cell

    other = "010182" if cell != "010182" else "030182"
    wrong = _tally(tally_api, alongside, container=number, cell=other)
    assert (wrong.status_code, wrong.json()["code"]) == (409, "cell_mismatch")
    assert Tally.objects.get(container=number).cell == cell  # the record stands


def test_a_refused_completion_records_no_tally(alongside, operator, put, tally_api):
    number = put("A-02-01-1").container.number
    services.load_list_apply(call_id=alongside.pk, containers=[{"number": number, "pod": "AZBAK", "vgm_kg": 18_000}],
                             actor=operator)  # fmt: skip
    services.stowage_plan_build(call_id=alongside.pk, actor=operator)
    response = _tally(tally_api, alongside, container=number, cell="990182")  # no bay 99 on this ship
    assert (response.status_code, response.json()["code"]) == (409, "position_invalid")
    assert _move(number, "load").status == "planned"
    assert not Tally.objects.exists()


def test_refusals_have_stable_codes(discharging, tally_api, client_for):
    assert _tally(tally_api, discharging, container=valid_number(99, "MSC")).json()["code"] == "container_not_in_call"
    assert _tally(tally_api, discharging, container="not a number").status_code == 400
    missing_call = tally_api.post(
        "/api/v1/vessels/calls/999999/tally/", {"container": valid_number(99, "MSC")}, format="json"
    )
    assert (missing_call.status_code, missing_call.json()["code"]) == (404, "vessel_call_not_found")
    number = box(2, "030102")["number"]
    driver = client_for(roles.DRIVER)
    assert _tally(driver, discharging, container=number).status_code == 403
    yard_services.move_cancel(move_id=_move(number, "discharge").pk, actor=discharging.created_by, reason="test")
    closed = _tally(tally_api, discharging, container=number)
    assert (closed.status_code, closed.json()["code"]) == (409, "tally_move_closed")


def test_the_same_key_tallies_once(discharging, tally_api):
    number = box(1, "010102")["number"]
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    url = f"/api/v1/vessels/calls/{discharging.pk}/tally/"
    first = tally_api.post(url, {"container": number, "seal": "KZ123456"}, format="json", **key)
    again = tally_api.post(url, {"container": number, "seal": "KZ123456"}, format="json", **key)
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (200, 200, "true")
    assert Tally.objects.get(container=number).history.count() == 1


def test_calls_are_listed_by_status(alongside, call_at_berth, tally_api):
    later = timezone.now() + timedelta(days=5)
    expected = call_at_berth("0413E", later, later + timedelta(hours=20))

    def listed(query: str) -> list[int]:
        response = tally_api.get(f"/api/v1/vessels/calls/?{query}")
        assert response.status_code == 200, response.content
        return sorted(call["id"] for call in response.json()["results"])

    assert listed("status=arrived") == [alongside.pk]
    assert listed("status=expected") == [expected.pk]
    assert listed("status=arrived&status=expected") == sorted([alongside.pk, expected.pk])
    assert listed("status=departed") == []
    bad = tally_api.get("/api/v1/vessels/calls/?status=sailing")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
