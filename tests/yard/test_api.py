"""The scanner contract's yard endpoints: shapes, codes, permissions, idempotency and pinned query counts."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from aktau_tos import roles
from aktau_tos.services import token_obtain
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.yard import BlockFactory, EquipmentFactory
from yard import services
from yard.models import Hold, YardMove

pytestmark = pytest.mark.django_db
GATE_IN = {
    "container": "csqu 305438 3",
    "iso_type": "22G1",
    "gross_kg": 21000,
    "freight_kind": "full",
    "seal": "KZ123456",
    "truck": "777AKT02",
    "dangerous_goods": [],
}


@pytest.fixture
def scanner(client_for, small_yard):
    return client_for(roles.YARD_CLERK)


def test_gate_in_returns_container_visit_and_planned_move(scanner):
    response = scanner.post("/api/v1/yard/gate-in/", GATE_IN)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["container"] == "CSQU3054383"
    move = body["move"]
    assert {"id", "container", "kind", "from", "to", "status", "allocation"} <= move.keys()
    assert (move["kind"], move["status"], move["from"]) == ("receive", "planned", "TRUCK:777AKT02")
    assert move["to"] == move["allocation"]["chosen"]["position"]


def test_gate_in_with_dangerous_goods_lines(scanner):
    body = {**GATE_IN, "dangerous_goods": [{"un_number": "1203", "class": "3", "packing_group": "II"}]}
    response = scanner.post("/api/v1/yard/gate-in/", body)
    assert response.status_code == 201, response.content
    assert response.json()["move"]["to"].startswith("DG-")
    detail = scanner.get("/api/v1/containers/CSQU3054383/").json()
    [line] = detail["dangerous_goods"]  # completed from the UN list
    assert (line["un_number"], line["class"], line["packing_group"]) == ("1203", "3", "II")
    assert line["proper_shipping_name"].startswith("Gasoline")


def test_gate_in_refuses_bad_input_with_field_errors(scanner):
    body = {**GATE_IN, "freight_kind": "half", "dangerous_goods": [{"un_number": "12", "class": "3"}]}
    response = scanner.post("/api/v1/yard/gate-in/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"freight_kind", "dangerous_goods.0.un_number"}
    bad_number = scanner.post("/api/v1/yard/gate-in/", {**GATE_IN, "container": "CSQU3054384"})
    assert bad_number.json()["code"] == "invalid_container_number"


def test_the_full_scan_flow(scanner, client_for):
    move = scanner.post("/api/v1/yard/gate-in/", GATE_IN).json()["move"]
    services.moves_dispatch()
    driver = client_for(roles.DRIVER)
    queue = driver.get(f"/api/v1/yard/moves/?equipment={move['to'].startswith('A') and 'RS-01'}").json()
    assert [item["id"] for item in queue] == [move["id"]]
    assert queue[0]["status"] == "dispatched" and queue[0]["equipment"] == "RS-01"
    done = driver.post(
        f"/api/v1/yard/moves/{move['id']}/complete/", {"container": "CSQU3054383", "position": move["to"]}
    )
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["position"]) == ("done", move["to"])
    container = scanner.get("/api/v1/containers/CSQU3054383/").json()
    assert (container["status"], container["position"]) == ("in_yard", move["to"])
    assert container["visit"]["inbound_carrier"] == "TRUCK:777AKT02"
    assert driver.get("/api/v1/yard/moves/?equipment=RS-01").json() == []


def test_completion_errors_use_the_contract_codes(scanner, put):
    other = put("A-02-01-1")
    move = scanner.post("/api/v1/yard/gate-in/", GATE_IN).json()["move"]
    url = f"/api/v1/yard/moves/{move['id']}/complete/"
    cases = [
        ({"container": other.container.number, "position": move["to"]}, 409, "container_mismatch"),
        ({"container": "CSQU3054383", "position": "A-02-01-1"}, 409, "position_occupied"),
        ({"container": "CSQU3054383", "position": "A-03-01-2"}, 409, "position_invalid"),
        ({"container": "CSQU3054383", "position": "nowhere"}, 409, "position_invalid"),
        ({"container": "CSQU3054384", "position": move["to"]}, 400, "invalid_container_number"),
        ({"container": "CSQU3054383"}, 400, "invalid"),
    ]
    for body, status, code in cases:
        response = scanner.post(url, body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
        assert response["Content-Type"] == "application/problem+json"
    assert scanner.post("/api/v1/yard/moves/999999/complete/", cases[0][0]).json()["code"] == "move_not_found"


def test_completion_is_idempotent_by_key(scanner):
    move = scanner.post("/api/v1/yard/gate-in/", GATE_IN).json()["move"]
    url, key = f"/api/v1/yard/moves/{move['id']}/complete/", str(uuid.uuid4())
    body = {"container": "CSQU3054383", "position": move["to"]}
    first = scanner.post(url, body, HTTP_IDEMPOTENCY_KEY=key)
    retry = scanner.post(url, body, HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, retry.status_code, retry["Idempotent-Replayed"]) == (200, 200, "true")
    assert retry.json() == first.json()
    other = scanner.post(url, {**body, "position": "A-04-02-1"}, HTTP_IDEMPOTENCY_KEY=key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    late = scanner.post(url, {**body, "position": "A-04-02-1"})  # a different completion of a done move
    assert (late.status_code, late.json()["code"]) == (409, "move_not_open")


def test_ad_hoc_move_to_the_gate_and_a_hold(scanner, client_for, put):
    visit = put("A-01-01-1")
    operator = client_for(roles.OPERATOR)
    hold = operator.post("/api/v1/yard/holds/", {"container": visit.container.number, "kind": "damage_survey"})
    assert hold.status_code == 201 and hold.json()["blocked_move_kinds"] == ["load", "delivery"]
    refused = scanner.post("/api/v1/yard/moves/", {"container": visit.container.number, "to": "GATE"})
    assert (refused.status_code, refused.json()["code"]) == (409, "container_on_hold")
    assert hold.json()["reference"] in refused.json()["detail"]
    held = scanner.get(f"/api/v1/containers/{visit.container.number}/").json()
    assert [h["kind"] for h in held["holds"]] == ["damage_survey"]
    assert scanner.post(f"/api/v1/yard/holds/{hold.json()['id']}/release/").status_code == 403  # clerks may not
    released = operator.post(f"/api/v1/yard/holds/{hold.json()['id']}/release/")
    assert released.status_code == 200 and released.json()["active"] is False
    again = operator.post(f"/api/v1/yard/holds/{hold.json()['id']}/release/")
    assert (again.status_code, again.json()["code"]) == (409, "hold_not_active")
    created = scanner.post("/api/v1/yard/moves/", {"container": visit.container.number, "to": "GATE"})
    assert created.status_code == 201 and created.json()["to"] == "GATE"


def test_the_container_list_gives_each_container_as_its_own_answer_does(scanner, client_for, put, operator):
    """A list that said `not_in_terminal` with no position for boxes in the yard misled every client."""
    held, other = put("A-01-01-1"), put("A-02-01-1")
    services.hold_place(container=held.container.number, authority="terminal", kind="survey", actor=operator)
    gone = put("A-03-01-1")
    move = services.move_create_adhoc(container=gone.container.number, to="GATE", actor=operator)
    services.move_complete(move_id=move.pk, container=gone.container.number, position="GATE", actor=operator)
    listed = {row["number"]: row for row in scanner.get("/api/v1/containers/").json()["results"]}
    for visit in (held, other, gone):
        number = visit.container.number
        assert listed[number] == scanner.get(f"/api/v1/containers/{number}/").json()
    assert (listed[held.container.number]["status"], listed[held.container.number]["position"]) == (
        "in_yard", "A-01-01-1",
    )  # fmt: skip
    assert [hold["kind"] for hold in listed[held.container.number]["holds"]] == ["survey"]
    assert (listed[gone.container.number]["status"], listed[gone.container.number]["visit"]) == (
        "not_in_terminal", None,
    )  # fmt: skip


def test_a_customs_hold_cannot_be_released_as_a_terminal_hold(client_for, put, customs_officer):
    visit = put("A-01-01-1")
    hold = services.hold_place(
        container=visit.container.number, authority=Hold.Authority.CUSTOMS, kind="x", actor=customs_officer
    )
    response = client_for(roles.OPERATOR).post(f"/api/v1/yard/holds/{hold.pk}/release/")
    assert (response.status_code, response.json()["code"]) == (404, "hold_not_found")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(roles.DRIVER, True), (roles.YARD_CLERK, True), (roles.OPERATOR, False), (roles.MANAGER, False)],
)
def test_who_may_complete_moves(client_for, small_yard, put, role, allowed):
    visit = put("A-01-01-1")
    move = services.move_create_adhoc(
        container=visit.container.number, to="A-02-01-1", actor=visit.moves.first().created_by
    )
    response = client_for(role).post(
        f"/api/v1/yard/moves/{move.pk}/complete/", {"container": visit.container.number, "position": "A-02-01-1"}
    )
    assert response.status_code == (200 if allowed else 403)


def test_unknown_equipment_is_404(scanner):
    response = scanner.get("/api/v1/yard/moves/?equipment=NOPE")
    assert (response.status_code, response.json()["code"]) == (404, "equipment_not_found")


def _fill(block_code: str, count: int, put) -> list:
    block = BlockFactory(code=block_code, bays=count, rows=1)
    return [put(f"{block.code}-{bay:02d}-01-1") for bay in range(1, count + 1)]


@pytest.mark.django_db(transaction=True)  # each request its own transaction, as in production (lock_timeout per one)
@pytest.mark.parametrize("yard_size", [3, 12])
def test_scanner_query_counts_do_not_grow_with_the_yard(client_for, small_yard, put, yard_size,
                                                        django_assert_num_queries, clerk, operator):  # fmt: skip
    visits = _fill("X", yard_size, put)
    target = visits[0]
    services.hold_place(container=target.container.number, authority="terminal", kind="survey", actor=operator)
    for visit in visits[1:3]:
        services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
    EquipmentFactory(code="RS-X", blocks=[target.occupancies.first().slot.block])
    services.moves_dispatch()
    driver = APIClient()  # token authentication, as a scanner does: the user is loaded on every request
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.DRIVER))
    _, key = token_obtain(username=user.username, password=PASSWORD, request=RequestFactory().post("/"))
    driver.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # look-up: token and user, role check, container, open visit, its position, its holds
    with django_assert_num_queries(6):
        assert driver.get(f"/api/v1/containers/{target.container.number}/").status_code == 200
    # the list: token and user, role check, count, the page, its stays, their positions, their holds
    with django_assert_num_queries(7):
        listed = driver.get("/api/v1/containers/?page_size=500").json()["results"]
    assert len(listed) == yard_size
    with django_assert_num_queries(4):  # token and user, role check, equipment, queue with its joins
        assert len(driver.get("/api/v1/yard/moves/?equipment=RS-X").json()) == 2
    move = YardMove.objects.filter(status="dispatched").first()
    body = {"container": move.visit.container.number, "position": "GATE"}
    # the completion: token, role, move with its places (locked), visit lock, holds, position, slot lock, snapshot
    # (slots and occupancies: the block came with the position), delete and its history, visit and history, move
    # and history, its place's reservation released, whether moves await a slot (to wake their allocation), the
    # partners' event (EDI: gone out of the gate); the answer is that move, not re-read. PostgreSQL adds one
    # lock_timeout setting per transaction.
    with django_assert_num_queries(20 + (1 if connection.vendor == "postgresql" else 0)):
        assert driver.post(f"/api/v1/yard/moves/{move.pk}/complete/", body).status_code == 200


def test_a_planned_place_that_no_longer_takes_the_box_redirects_the_driver(scanner, client_for, clerk):
    """The box's declaration changed while it was on its way (now DG): its planned place in A is refused, the move
    gets a place in the DG area, and the driver is told where. The new target is kept: a retry with the same key
    gets the same answer, and the box goes down at the new place."""
    import uuid

    from yard.models import ContainerVisit, SlotReservation, YardMove

    move = scanner.post("/api/v1/yard/gate-in/", GATE_IN).json()["move"]
    visit = ContainerVisit.objects.get(container__number="CSQU3054383")
    services.visit_dangerous_goods_set(
        visit=visit, lines=[{"un_number": "1203", "class": "3", "packing_group": "II"}], actor=clerk
    )
    driver, key = client_for(roles.DRIVER), str(uuid.uuid4())
    url = f"/api/v1/yard/moves/{move['id']}/complete/"
    body = {"container": "CSQU3054383", "position": move["to"]}
    answer = driver.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (answer.status_code, answer["Content-Type"]) == (409, "application/problem+json")
    problem = answer.json()
    assert problem["code"] == "move_redirected"
    redirected = YardMove.objects.get(pk=move["id"])
    assert redirected.to_slot.block.code == "DG" and redirected.status == "planned"
    assert redirected.planned_to in problem["detail"] and move["to"] in problem["detail"]
    assert [r.slot_id for r in SlotReservation.objects.filter(move=redirected)] == [redirected.to_slot_id]
    assert "redirected at completion" in redirected.history.first().history_change_reason
    again = driver.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (again.status_code, again["Idempotent-Replayed"], again.json()) == (409, "true", problem)
    assert YardMove.objects.get(pk=move["id"]).planned_to == redirected.planned_to  # not redirected twice
    done = driver.post(url, {"container": "CSQU3054383", "position": redirected.planned_to}, format="json")
    assert done.status_code == 200 and done.json()["position"] == redirected.planned_to


def test_a_drivers_own_choice_that_is_refused_is_not_redirected(scanner, client_for, put):
    from yard.models import YardMove

    put("A-02-01-1")
    move = scanner.post("/api/v1/yard/gate-in/", GATE_IN).json()["move"]
    answer = client_for(roles.DRIVER).post(
        f"/api/v1/yard/moves/{move['id']}/complete/", {"container": "CSQU3054383", "position": "A-02-01-1"}
    )
    assert answer.json()["code"] == "position_occupied"
    assert YardMove.objects.get(pk=move["id"]).planned_to == move["to"]
