"""The contract's vessel flow through the API: announce, arrive, bay plan, load list, plan, quay work, departure,
and every refusal with its code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos import roles
from tests.factories.yard import valid_number
from tests.vessels.conftest import IMO
from vessels.identity import imo_check_digit
from vessels.models import Booking, OnBoard, VesselCall
from yard import services as yard_services
from yard.models import CarrierVisit, ContainerVisit, YardMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_api(client_for):
    return client_for(roles.OPERATOR)


@pytest.fixture
def driver_api(client_for):
    return client_for(roles.DRIVER)


def _announce(api, body) -> dict:
    response = api.post("/api/v1/vessels/calls/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def box(n: int, cell: str, pod: str = "KZAAU", iso_type: str = "22G1", **extra) -> dict:
    return {"number": valid_number(n, "CSQ"), "iso_type": iso_type, "gross_kg": 20_000, "stowage": cell,
            "pol": "AZBAK", "pod": pod, **extra}  # fmt: skip


def test_imo_check_digit_follows_the_published_weights():
    # 9*7 + 3*6 + 1*5 + 2*4 + 3*3 + 4*2 = 111: the check digit is the last digit of the sum
    assert imo_check_digit("931234") == 1
    assert imo_check_digit("907472") == 9


def test_announce_a_call(port, operator_api, call_body):
    call = _announce(operator_api, call_body)
    assert (call["status"], call["vessel"], call["berth"]) == (
        "expected", {"name": "TURKESTAN", "imo": IMO, "call_sign": "UNAT"}, "CB1",
    )  # fmt: skip
    assert (call["discharge"], call["load"], call["through"]) == (
        {"planned": 0, "done": 0},
        {"planned": 0, "done": 0},
        0,
    )
    assert call["reference"] == "TURKESTAN 0412E"
    carrier = VesselCall.objects.get(pk=call["id"]).carrier
    assert (carrier.mode, carrier.status, carrier.history.count()) == ("vessel", "expected", 1)


@pytest.mark.parametrize("imo", ["9074728", "907472", "IMO 90747A9", ""])
def test_a_wrong_imo_number_is_refused(port, operator_api, call_body, imo):
    call_body["vessel"]["imo"] = imo
    response = operator_api.post("/api/v1/vessels/calls/", call_body, format="json")
    if imo == "":
        assert response.status_code == 400  # a required field left blank: the serializer's validation error
    else:
        assert (response.status_code, response.json()["code"]) == (400, "invalid_imo_number")
    assert not VesselCall.objects.exists()


def test_two_calls_never_overlap_on_one_berth(port, operator_api, call_body, window):
    _announce(operator_api, call_body)
    _eta, etd = window
    other = {**call_body, "vessel": {"name": "Aktau", "imo": "9312346"}, "voyage_in": "7",
             "eta": (etd - timedelta(hours=1)).isoformat(), "etd": (etd + timedelta(hours=20)).isoformat()}  # fmt: skip
    other["vessel"]["imo"] = "931234" + str(imo_check_digit("931234"))
    response = operator_api.post("/api/v1/vessels/calls/", other, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "berth_occupied")
    other["eta"], other["etd"] = etd.isoformat(), (etd + timedelta(hours=20)).isoformat()  # right after: free
    assert operator_api.post("/api/v1/vessels/calls/", other, format="json").status_code == 201


def test_times_out_of_order_are_refused(port, operator_api, call_body):
    call_body["etd"] = call_body["eta"]
    response = operator_api.post("/api/v1/vessels/calls/", call_body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "window_invalid")


def test_cancel_needs_a_reason_and_frees_the_berth(port, operator_api, call_body):
    call = _announce(operator_api, call_body)
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/cancel/", {"reason": " "}, format="json")
    assert response.status_code == 400
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/cancel/", {"reason": "engine failure"})
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    call_body["voyage_in"] = "0413E"
    assert operator_api.post("/api/v1/vessels/calls/", call_body, format="json").status_code == 201


def test_unknown_call_is_404(port, operator_api):
    response = operator_api.post("/api/v1/vessels/calls/999999/arrive/", {})
    assert response.status_code == 404


def test_bay_plan_discharge_through_restow_and_problems(port, operator_api, call_body):
    call = _announce(operator_api, call_body)
    rows = [
        box(1, "010102"),                        # for this port, in the hold
        box(2, "010104", pod="AZBAK"),           # through, on top of box 1: a restow
        box(3, "030102", pod="AZBAK"),           # through, nothing under it for this port
        box(4, "050102", iso_type="45G1"),       # a 20' bay for a 40' box
        box(5, "010102"),                        # the cell of box 1
        box(1, "070102"),                        # box 1 again
        {**box(6, "070202"), "number": "CSQU3054384"},  # wrong check digit
        box(7, "070402", iso_type="99X9"),       # unknown size/type
        box(8, "020202", iso_type="45G1"),       # a 40' over bays 01 and 03, row 02
    ]  # fmt: skip
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/discharge-list/", {"containers": rows},
                                 format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert {(p["index"], p["code"]) for p in body["problems"]} == {
        (3, "cell_outside_profile"), (4, "cell_taken"), (5, "duplicate_container"), (6, "invalid_container_number"),
        (7, "invalid_iso_type"),
    }  # fmt: skip
    assert {row["container"] for row in body["through"]} == {rows[1]["number"], rows[2]["number"]}
    kinds = sorted((move["kind"], move["container"]) for move in body["moves"])
    assert kinds == sorted([("discharge", rows[0]["number"]), ("discharge", rows[8]["number"]),
                            ("restow", rows[1]["number"])])  # fmt: skip
    discharge = next(move for move in body["moves"] if move["container"] == rows[0]["number"])
    assert discharge["from"] == "VESSEL:TURKESTAN 0412E/010102" and discharge["to"].startswith("A-")
    restow = next(move for move in body["moves"] if move["kind"] == "restow")
    assert restow["from"] == restow["to"] == "VESSEL:TURKESTAN 0412E/010104"
    detail = operator_api.get(f"/api/v1/vessels/calls/{call['id']}/").json()
    assert (detail["discharge"], detail["through"]) == ({"planned": 2, "done": 0}, 2)
    assert OnBoard.objects.filter(restow=True).count() == 1
    visit = ContainerVisit.objects.get(container__number=rows[0]["number"])
    assert (visit.state, visit.inbound_carrier.reference) == ("expected", "TURKESTAN 0412E")


def test_a_box_already_in_the_terminal_is_a_row_problem_and_the_rest_is_written(port, operator_api, call_body,
                                                                              operator):  # fmt: skip
    call = _announce(operator_api, call_body)
    rows = [box(1, "010102"), box(2, "030102"), box(3, "050102", pod="AZBAK")]
    yard_services.gate_in(container=rows[1]["number"], iso_type="22G1", freight_kind="full", truck="045AKT12",
                          actor=operator)  # fmt: skip
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/discharge-list/", {"containers": rows},
                                 format="json")  # fmt: skip
    body = response.json()
    assert [(p["index"], p["code"]) for p in body["problems"]] == [(1, "container_already_in_terminal")]
    assert [move["container"] for move in body["moves"]] == [rows[0]["number"]]
    assert sorted(OnBoard.objects.filter(call_id=call["id"]).values_list("container", "kind")) == sorted(
        [(rows[0]["number"], "discharge"), (rows[2]["number"], "through")]
    )
    discharged = OnBoard.objects.get(container=rows[0]["number"])
    assert discharged.visit.inbound_carrier.reference == "TURKESTAN 0412E"
    assert discharged.history.get().history_user is not None  # written together, each with its history row


def test_a_row_that_cannot_be_applied_leaves_nothing_of_itself(port, operator_api, call_body):
    call = _announce(operator_api, call_body)
    dg = box(1, "010102", dangerous_goods=[{"un_number": "0000", "class": "3"}])
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/discharge-list/",
                                 {"containers": [dg, box(2, "030102")]}, format="json")  # fmt: skip
    body = response.json()
    assert [p["index"] for p in body["problems"]] == [0]
    assert not ContainerVisit.objects.filter(container__number=dg["number"]).exists()
    assert not OnBoard.objects.filter(container=dg["number"]).exists()
    assert len(body["moves"]) == 1


def test_quay_work_and_departure(port, operator_api, driver_api, call_body, put):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    assert operator_api.post(f"{url}/arrive/", {}, format="json").json()["status"] == "arrived"
    body = operator_api.post(f"{url}/discharge-list/", {"containers": [box(1, "010102")]}, format="json").json()
    discharge = body["moves"][0]
    exports = [put(f"A-0{bay}-01-1") for bay in (2, 3)]
    no_vgm = put("A-04-01-1")
    rows = [{"number": v.container.number, "pod": "AZBAK", "vgm_kg": 18_000} for v in exports]
    rows += [{"number": no_vgm.container.number, "pod": "AZBAK"}, {"number": valid_number(99, "ZZZ"), "pod": "AZBAK"},
             {"number": exports[0].container.number, "pod": "KZAAU"}]  # fmt: skip
    booked = operator_api.post(f"{url}/load-list/", {"containers": rows}, format="json").json()
    assert {b["container"] for b in booked["booked"]} == {v.container.number for v in [*exports, no_vgm]}
    assert {(p["index"], p["code"]) for p in booked["problems"]} == {(3, "container_not_in_terminal"),
                                                                       (4, "duplicate_container")}  # fmt: skip
    plan = operator_api.post(f"{url}/plan/").json()
    assert {a["container"] for a in plan["assigned"]} == {v.container.number for v in exports}
    assert plan["left_out"] == [{"container": no_vgm.container.number, "code": "vgm_missing",
                                 "reason": plan["left_out"][0]["reason"]}]  # fmt: skip
    assert "master" in plan["stability"] and plan["bound"] >= len(plan["assigned"])
    response = operator_api.post(f"{url}/depart/")
    assert (response.status_code, response.json()["code"]) == (409, "vessel_work_open")

    done = driver_api.post(f"/api/v1/yard/moves/{discharge['id']}/complete/",
                           {"container": discharge["container"], "position": discharge["to"]})  # fmt: skip
    assert done.status_code == 200, done.content
    assert not OnBoard.objects.filter(container=discharge["container"]).exists()
    for entry in sorted(plan["assigned"], key=lambda a: a["sequence"]):
        move = YardMove.objects.get(visit__container__number=entry["container"], kind="load", status="planned")
        to = f"VESSEL:TURKESTAN 0412E/{entry['stowage']}"
        response = driver_api.post(f"/api/v1/yard/moves/{move.pk}/complete/",
                                   {"container": entry["container"], "position": to})  # fmt: skip
        assert response.status_code == 200, response.content
    detail = operator_api.get(f"{url}/").json()
    assert (detail["discharge"], detail["load"]) == ({"planned": 1, "done": 1}, {"planned": 2, "done": 2})
    departed = operator_api.post(f"{url}/depart/").json()
    assert departed["status"] == "departed" and departed["atd"]
    vessel_call = VesselCall.objects.get(pk=call["id"])
    assert {row["container"] for row in vessel_call.departure_bay_plan} == {v.container.number for v in exports}
    for visit in exports:
        visit.refresh_from_db()
        assert (visit.state, visit.outbound_mode) == ("departed", "vessel")
    no_vgm.refresh_from_db()
    assert no_vgm.outbound_carrier is None  # unbooked: the ship left without it
    assert Booking.objects.get(container=no_vgm.container.number).status == "cancelled"


def test_a_load_into_another_free_legal_cell_is_a_deviation_and_a_taken_cell_is_refused(
    port, operator_api, driver_api, call_body, put
):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    operator_api.post(f"{url}/arrive/", {}, format="json")
    operator_api.post(f"{url}/discharge-list/", {"containers": [box(1, "030102", pod="AZBAK")]}, format="json")
    first, second = put("A-01-01-1"), put("A-02-01-1")
    rows = [{"number": v.container.number, "pod": "AZBAK", "vgm_kg": 15_000} for v in (first, second)]
    operator_api.post(f"{url}/load-list/", {"containers": rows}, format="json")
    operator_api.post(f"{url}/plan/")
    move = YardMove.objects.get(visit=first, kind="load")
    label = "VESSEL:TURKESTAN 0412E"
    for cell, code in [
        ("030102", "position_occupied"),
        ("010104", "position_invalid"),
        ("020102", "position_invalid"),
        ("990102", "position_invalid"),
    ]:  # taken; nothing under it; a 40' bay; not on the ship
        response = driver_api.post(f"/api/v1/yard/moves/{move.pk}/complete/",
                                   {"container": first.container.number, "position": f"{label}/{cell}"})  # fmt: skip
        assert (response.status_code, response.json()["code"]) == (409, code), cell
    response = driver_api.post(f"/api/v1/yard/moves/{move.pk}/complete/",
                               {"container": first.container.number, "position": f"{label}/050202"})  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["deviation"] is True and response.json()["position"] == f"{label}/050202"
    assert OnBoard.objects.get(container=first.container.number).cell == "050202"


def test_replanning_replaces_the_open_load_moves(port, operator_api, call_body, put):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    visit = put("A-01-01-1")
    operator_api.post(f"{url}/load-list/", {"containers": [{"number": visit.container.number, "pod": "AZBAK",
                                                              "vgm_kg": 12_000}]}, format="json")  # fmt: skip
    operator_api.post(f"{url}/plan/")
    operator_api.post(f"{url}/plan/")
    moves = YardMove.objects.filter(visit=visit, kind="load")
    assert sorted(moves.values_list("status", flat=True)) == ["cancelled", "planned"]


def test_a_held_box_and_a_box_not_yet_in_the_yard_are_left_out_with_their_codes(
    port, operator_api, call_body, put, customs_officer
):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    held = put("A-01-01-1")
    yard_services.hold_place(container=held.container.number, authority="customs", kind="documents",
                             actor=customs_officer)  # fmt: skip
    coming = operator_api.post(f"{url}/discharge-list/", {"containers": [box(1, "010102")]}, format="json").json()
    expected_number = coming["moves"][0]["container"]
    other = _other_call(operator_api, call_body)
    rows = [{"number": held.container.number, "pod": "AZBAK", "vgm_kg": 12_000},
            {"number": expected_number, "pod": "AZBAK", "vgm_kg": 12_000}]  # fmt: skip
    operator_api.post(f"/api/v1/vessels/calls/{other}/load-list/", {"containers": rows}, format="json")
    plan = operator_api.post(f"/api/v1/vessels/calls/{other}/plan/").json()
    assert {(row["container"], row["code"]) for row in plan["left_out"]} == {
        (held.container.number, "container_on_hold"), (expected_number, "not_in_yard"),
    }  # fmt: skip


def _other_call(api, call_body) -> int:
    later = timezone.datetime.fromisoformat(call_body["etd"]) + timedelta(hours=1)
    body = {
        **call_body,
        "voyage_in": "0500E",
        "eta": later.isoformat(),
        "etd": (later + timedelta(hours=20)).isoformat(),
    }
    return _announce(api, body)["id"]


def test_departure_only_when_alongside(port, operator_api, call_body):
    call = _announce(operator_api, call_body)
    response = operator_api.post(f"/api/v1/vessels/calls/{call['id']}/depart/")
    assert (response.status_code, response.json()["code"]) == (409, "vessel_call_status_invalid")
    assert CarrierVisit.objects.get(vessel_call__pk=call["id"]).status == "expected"


def test_the_stowage_plan_gives_a_restowed_box_its_cell_back_on_board(port, operator_api, driver_api, call_body):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    operator_api.post(f"{url}/arrive/", {}, format="json")
    rows = [box(1, "010102"), box(2, "010104", pod="AZBAK")]  # a through box on a box for this port
    moves = operator_api.post(f"{url}/discharge-list/", {"containers": rows}, format="json").json()["moves"]
    restow = next(move for move in moves if move["kind"] == "restow")
    discharge = next(move for move in moves if move["kind"] == "discharge")
    YardMove.objects.filter(pk=restow["id"]).update(status="in_progress")  # lifted off onto the quay
    response = driver_api.post(f"/api/v1/yard/moves/{discharge['id']}/complete/",
                               {"container": discharge["container"], "position": discharge["to"]})  # fmt: skip
    assert response.status_code == 200, response.content
    plan = operator_api.post(f"{url}/plan/").json()
    [back] = plan["assigned"]
    assert (back["container"], back["restow"]) == (rows[1]["number"], True)
    assert back["stowage"] != "010104"  # its old cell stands on nothing now
    label = "VESSEL:TURKESTAN 0412E"
    assert YardMove.objects.get(pk=restow["id"]).to_place == back["stowage"]
    done = driver_api.post(f"/api/v1/yard/moves/{restow['id']}/complete/",
                           {"container": rows[1]["number"], "position": f"{label}/{back['stowage']}"})  # fmt: skip
    assert done.status_code == 200, done.content
    assert done.json()["deviation"] is False
    assert OnBoard.objects.get(container=rows[1]["number"]).cell == back["stowage"]


def test_nothing_is_loaded_onto_a_ship_that_is_not_alongside(port, operator_api, driver_api, call_body, put):
    call = _announce(operator_api, call_body)
    url = f"/api/v1/vessels/calls/{call['id']}"
    visit = put("A-01-01-1")
    operator_api.post(f"{url}/load-list/", {"containers": [{"number": visit.container.number, "pod": "AZBAK",
                                                              "vgm_kg": 12_000}]}, format="json")  # fmt: skip
    [entry] = operator_api.post(f"{url}/plan/").json()["assigned"]
    move = YardMove.objects.get(visit=visit, kind="load", status="planned")
    body = {"container": visit.container.number, "position": f"VESSEL:TURKESTAN 0412E/{entry['stowage']}"}
    response = driver_api.post(f"/api/v1/yard/moves/{move.pk}/complete/", body)
    assert (response.status_code, response.json()["code"]) == (409, "vessel_not_alongside")
    operator_api.post(f"{url}/arrive/", {}, format="json")
    assert driver_api.post(f"/api/v1/yard/moves/{move.pk}/complete/", body).status_code == 200
