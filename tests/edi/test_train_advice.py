"""The railway's train pre-advice: stored as sent, checked before arrival, turned into the train list on arrival."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from aktau_tos import roles
from edi.models import Partner, TrainAdvice
from rail.models import LoadingLine, TrainVisit
from rail.services import wagon_check_digit
from tests.factories.accounts import UserFactory
from tests.factories.yard import (
    BlockFactory,
    ContainerFactory,
    ContainerVisitFactory,
    EquipmentFactory,
    IsoSizeTypeFactory,
)
from yard import services as yard_services
from yard.models import AccessPoint, Block, ContainerVisit, YardMove

pytestmark = pytest.mark.django_db

URL = "/api/v1/edi/train-advices/"
CSV_HEADER = "train_number,origin,expected_arrival,wagon_position,wagon_number,container,iso_type,gross_kg,seals,dangerous_goods,etsng,gng\n"  # noqa: E501


def wagon(first_seven: str) -> str:
    return first_seven + wagon_check_digit(first_seven)


@pytest.fixture
def rail_yard(db, un_list):
    IsoSizeTypeFactory()
    IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    r1 = BlockFactory(code="R1", bays=10, rows=3, max_tier=3, x_m=0, y_m=400)
    BlockFactory(code="A", bays=4, rows=2, x_m=0, y_m=0)
    dg = BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=3, rows=2, max_tier=2, x_m=0, y_m=300)
    EquipmentFactory(code="RMG-1", blocks=[r1])
    EquipmentFactory(code="RS-02", blocks=[dg], max_tier=2)
    AccessPoint.objects.create(kind=AccessPoint.Kind.RAIL, x_m=0, y_m=420)
    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    line.blocks.set([r1])
    return line


def partner_client(code: str, kind: str = Partner.Kind.RAILWAY) -> tuple[APIClient, Partner]:
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.EDI_PARTNER))
    partner = Partner.objects.create(code=code, name=code, unb_id=f"{code}-UNB", kind=kind)
    partner.users.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client, partner


@pytest.fixture
def ktz():
    return partner_client("KTZ")


def advice(**overrides) -> dict:
    arrival = (timezone.now() + timedelta(hours=6)).replace(microsecond=0)
    wagons = [
        {"number": wagon("4254321"), "position": 1, "containers": [
            {"number": "CSQU3054383", "iso_type": "22G1", "gross_kg": 20000, "seals": ["KZ001", "CN001"],
             "etsng": "421034", "gng": "84715000", "line": "KMTF"},
            {"number": "MSKU2666542", "iso_type": "22G1", "gross_kg": 18000, "seals": ["KZ002"],
             "dangerous_goods": [{"un_number": "1203", "class": "3", "packing_group": "II"}]},
        ]},
        {"number": wagon("4254322"), "position": 2, "containers": [
            {"number": "TCNU7200794", "iso_type": "45G1", "gross_kg": 26000, "seals": ["KZ003"]},
        ]},
    ]  # fmt: skip
    return {"train_number": "kz-2401", "origin": "Altynkol", "expected_arrival": arrival.isoformat(), "wagons": wagons,
            **overrides}  # fmt: skip


def post_json(client: APIClient, body) -> dict:
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post(URL, data=raw.encode(), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_clean_advice_is_accepted_and_kept_as_sent(rail_yard, ktz):
    client, partner = ktz
    raw = json.dumps(advice(), indent=2)
    body = post_json(client, raw)
    assert (body["status"], body["problems"], body["warnings"]) == ("accepted", {}, {})
    assert (body["partner"], body["train_number"], body["train"]) == ("KTZ", "KZ-2401", None)
    stored = TrainAdvice.objects.get(pk=body["id"])
    assert stored.raw == raw and stored.partner == partner and stored.format == "json"
    assert stored.content["wagons"][0]["containers"][0]["etsng"] == "421034"
    assert not ContainerVisit.objects.exists() and not TrainVisit.objects.exists()  # nothing in the yard yet


def test_a_bad_advice_is_stored_with_every_problem(rail_yard, ktz):
    client, _ = ktz
    body = advice()
    boxes = body["wagons"][0]["containers"]
    boxes[0]["etsng"], boxes[0]["gng"] = "42103", "8471500A"  # five digits; a letter
    boxes[1]["number"] = "MSKU2666543"  # wrong container check digit
    body["wagons"][1]["containers"].append({"number": "CSQU3054383", "iso_type": "22G1"})  # listed twice
    body["wagons"].append({"number": "42543290", "position": 3})  # wrong wagon check digit (should end in 8)
    answer = post_json(client, body)
    assert answer["status"] == "rejected"
    problems = answer["problems"]
    assert "6-digit ETSNG" in problems["wagons.0.containers.0.etsng"][0]
    assert "8-digit GNG" in problems["wagons.0.containers.0.gng"][0]
    assert "check digit" in problems["wagons.0.containers.1"][0]
    assert "listed 2 times" in problems["wagons.0.containers.0"][0]
    assert "listed 2 times" in problems["wagons.1.containers.1"][0]
    assert "check digit should be 8" in problems["wagons.2.number"][0]
    stored = TrainAdvice.objects.get(pk=answer["id"])
    assert stored.status == "rejected" and "42103" in stored.raw and stored.train_number == "KZ-2401"


def test_a_duplicate_wagon_and_position_are_problems(rail_yard, ktz):
    body = advice()
    body["wagons"].append({**body["wagons"][0], "containers": []})
    problems = post_json(ktz[0], body)["problems"]
    assert "listed 2 times" in problems["wagons.0.number"][0] and "used twice" in problems["wagons.2.position"][0]


def test_what_cannot_be_read_is_stored_all_the_same(rail_yard, ktz):
    client, _ = ktz
    answer = post_json(client, '{"train_number": "KZ-1", "wagons": [')
    assert answer["status"] == "rejected" and "not readable JSON" in answer["problems"]["advice"][0]
    shapeless = post_json(client, {"train_number": "KZ-2", "wagons": [{"number": "x", "position": "first"}]})
    assert shapeless["status"] == "rejected"
    assert {"expected_arrival", "wagons.0.position"} <= set(shapeless["problems"])
    assert TrainAdvice.objects.filter(raw__startswith='{"train_number": "KZ-1"').exists()


def test_a_box_already_in_the_terminal_is_a_warning_before_arrival_and_a_problem_at_it(rail_yard, ktz, operator):
    ContainerVisitFactory(container=ContainerFactory(number="TCNU7200794"))  # here now; may leave before the train
    answer = post_json(ktz[0], advice())
    assert answer["status"] == "accepted"
    assert "already in the terminal" in answer["warnings"]["wagons.1.containers.0"][0]
    operator_api = APIClient()
    operator_api.force_authenticate(operator)
    refused = operator_api.post(f"{URL}{answer['id']}/arrive/", {"line": "L1"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "train_list_invalid"), refused.content
    assert "already in the terminal" in refused.json()["errors"]["wagons.1.containers.0"][0]
    assert TrainAdvice.objects.get(pk=answer["id"]).status == "accepted"  # still waiting: nothing half done


def test_a_csv_advice_by_its_content_type_with_problems_by_row(rail_yard, ktz):
    client, _ = ktz
    arrival = (timezone.now() + timedelta(hours=6)).replace(microsecond=0).isoformat()
    rows = [
        f"KZ-2402,Dostyk,{arrival},1,{wagon('4254321')},CSQU3054383,22G1,20000,KZ001;CN001,1203/3/II,421034,84715000",
        f"KZ-2402,Dostyk,{arrival},1,{wagon('4254321')},MSKU2666542,22G1,18000,KZ002,,4210,",
        f"KZ-2402,Dostyk,{arrival},2,42543220,TCNU7200794,45G1,26000,KZ003,,,",
        f"KZ-2402,Dostyk,{arrival},3,{wagon('4254323')},,,,,,,",  # an empty wagon
    ]
    raw = CSV_HEADER + "\n".join(rows) + "\n"
    response = client.post(URL, data=raw.encode(), content_type="text/csv")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["status"], answer["train_number"]) == ("rejected", "KZ-2402")
    assert "6-digit ETSNG" in answer["problems"]["row 3.etsng"][0]  # line 1 is the header
    assert "check digit should be" in answer["problems"]["row 4.number"][0]
    stored = TrainAdvice.objects.get(pk=answer["id"])
    assert stored.format == "csv" and stored.raw == raw
    first = stored.content["wagons"][0]["containers"][0]
    assert first["seals"] == ["KZ001", "CN001"] and first["dangerous_goods"][0]["un_number"] == "1203"
    assert stored.content["wagons"][2] == {"number": wagon("4254323"), "position": 3, "override_check_digit": False,
                                           "containers": []}  # fmt: skip


def test_a_clean_csv_advice_is_accepted(rail_yard, ktz):
    arrival = (timezone.now() + timedelta(hours=6)).replace(microsecond=0).isoformat()
    raw = CSV_HEADER + f"KZ-9,Dostyk,{arrival},1,{wagon('4254321')},CSQU3054383,22G1,20000,KZ001,,421034,\n"
    response = ktz[0].post(URL, data=raw.encode(), content_type="text/csv")
    assert response.json()["status"] == "accepted", response.content
    missing = ktz[0].post(URL, data=b"wagon_number,container\n1,CSQU3054383\n", content_type="text/csv").json()
    assert missing["status"] == "rejected" and "missing columns" in missing["problems"]["columns"][0]


def test_arrival_makes_the_train_list_once(rail_yard, ktz, client_for):
    first = post_json(ktz[0], advice())
    latest = post_json(ktz[0], advice(origin="Khorgos"))  # a corrected sheet for the same train
    assert TrainAdvice.objects.get(pk=first["id"]).status == "superseded"
    operator_api = client_for(roles.OPERATOR)
    superseded = operator_api.post(f"{URL}{first['id']}/arrive/", {"line": "L1"}, format="json")
    assert (superseded.status_code, superseded.json()["code"]) == (409, "train_advice_not_accepted")
    arrived = operator_api.post(f"{URL}{latest['id']}/arrive/", {"line": "L1"}, format="json")
    assert arrived.status_code == 200, arrived.content
    body = arrived.json()
    assert body["advice"]["status"] == "arrived" and body["advice"]["train"] == body["train"]["id"]
    assert len(body["moves"]) == 3 and {move["kind"] for move in body["moves"]} == {"discharge"}
    train = TrainVisit.objects.get()
    assert (train.train_number, train.origin, train.line.code) == ("KZ-2401", "Khorgos", "L1")
    assert train.advice.pk == latest["id"]
    assert YardMove.objects.filter(visit__inbound_carrier=train.carrier, kind="discharge").count() == 3
    visit = ContainerVisit.objects.get(container__number="CSQU3054383")
    assert (visit.seals, visit.line, visit.category) == (["KZ001", "CN001"], "KMTF", "transit")
    assert visit.wagon_place.seal_declared == "KZ001"
    again = operator_api.post(f"{URL}{latest['id']}/arrive/", {"line": "L1"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "train_advice_already_arrived")
    assert again.json()["train"] == train.pk and TrainVisit.objects.count() == 1


def test_arrival_is_the_operators(rail_yard, ktz, client_for):
    answer = post_json(ktz[0], advice())
    refused = ktz[0].post(f"{URL}{answer['id']}/arrive/", {"line": "L1"}, format="json")
    assert refused.status_code == 403
    rejected = post_json(ktz[0], advice(train_number="KZ-5", wagons=[{"number": "1", "position": 1}]))
    not_accepted = client_for(roles.OPERATOR).post(f"{URL}{rejected['id']}/arrive/", {"line": "L1"}, format="json")
    assert (not_accepted.status_code, not_accepted.json()["code"]) == (409, "train_advice_not_accepted")
    missing = client_for(roles.OPERATOR).post(f"{URL}999999/arrive/", {"line": "L1"}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (404, "train_advice_not_found")


def test_a_partner_reads_only_its_own_advices(rail_yard, ktz, client_for):
    ours = post_json(ktz[0], advice())
    other_client, _ = partner_client("ADY")  # another railway
    theirs = post_json(other_client, advice(train_number="AZ-7"))
    assert [row["id"] for row in ktz[0].get(URL).json()["results"]] == [ours["id"]]
    assert ktz[0].get(f"{URL}{theirs['id']}/").status_code == 404
    detail = ktz[0].get(f"{URL}{ours['id']}/").json()
    assert detail["raw"].startswith("{") and detail["content"]["train_number"] == "kz-2401"  # as sent
    assert {row["id"] for row in client_for(roles.OPERATOR).get(URL).json()["results"]} == {ours["id"], theirs["id"]}
    line_client, _ = partner_client("KMTF", kind=Partner.Kind.LINE)  # a shipping line sends no train sheets
    assert line_client.get(URL).status_code == 403
    assert line_client.post(URL, data=json.dumps(advice()), content_type="application/json").status_code == 403


def test_an_operator_keys_in_an_advice_and_arrives_it_in_the_admin(rail_yard, operator, client):
    operator_api = APIClient()
    operator_api.force_authenticate(operator)
    answer = post_json(operator_api, advice())
    assert answer["partner"] is None
    client.force_login(operator)
    page = "/admin/edi/trainadvice/"
    assert client.get(page).status_code == 200
    missing_line = client.post(page, {"action": "arrive", "_selected_action": [answer["id"]], "line": ""}, follow=True)
    assert "Give the loading line" in missing_line.content.decode()
    done = client.post(page, {"action": "arrive", "_selected_action": [answer["id"]], "line": "L1"}, follow=True)
    assert "3 discharge moves planned" in done.content.decode()
    assert TrainAdvice.objects.get().train == TrainVisit.objects.get()
    again = client.post(page, {"action": "arrive", "_selected_action": [answer["id"]], "line": "L1"}, follow=True)
    assert "a train arrives once" in again.content.decode()


def test_discharging_the_arrived_train_uses_the_advice_s_boxes(rail_yard, ktz, client_for, user_with_role):
    answer = post_json(ktz[0], advice())
    client_for(roles.OPERATOR).post(f"{URL}{answer['id']}/arrive/", {"line": "L1"}, format="json")
    clerk = user_with_role(roles.YARD_CLERK)
    for move in YardMove.objects.filter(kind="discharge"):
        yard_services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                                    actor=clerk)  # fmt: skip
    assert ContainerVisit.objects.filter(state="in_yard").count() == 3
