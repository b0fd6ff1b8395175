"""Inbound trains: the train list refused whole or registered with its discharge moves, check-in, wagons released."""

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from aktau_tos import roles
from rail.models import LoadingLine, TrainVisit, TrainWagon, Wagon, WagonContainer, WagonModel
from rail.services import container_check_in, train_list_register, train_outbound_create, wagon_check_digit
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, ContainerVisitFactory, EquipmentFactory, IsoSizeTypeFactory
from yard import services as yard_services
from yard.models import AccessPoint, ContainerVisit, Hold, YardMove

pytestmark = pytest.mark.django_db


def wagon_number(first_seven: str) -> str:
    return first_seven + wagon_check_digit(first_seven)


@pytest.fixture
def rail_yard(db, un_list):
    IsoSizeTypeFactory()
    IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    r1 = BlockFactory(code="R1", bays=10, rows=3, max_tier=3, x_m=0, y_m=400)
    BlockFactory(code="A", bays=4, rows=2, x_m=0, y_m=0)
    AccessPoint.objects.create(kind=AccessPoint.Kind.RAIL, x_m=0, y_m=420)
    EquipmentFactory(code="RMG-1", blocks=[r1])
    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    line.blocks.set([r1])
    return line


def train_list(**overrides) -> dict:
    wagons = [
        {"number": wagon_number("4254321"), "position": 1, "containers": [
            {"number": "CSQU3054383", "iso_type": "22G1", "gross_kg": 20000, "seal": "CN001", "freight_kind": "full"},
            {"number": "MSKU2666542", "iso_type": "22G1", "gross_kg": 18000, "seal": "CN002", "freight_kind": "full"},
        ]},
        {"number": wagon_number("4254322"), "position": 2, "containers": [
            {"number": "TCNU7200794", "iso_type": "45G1", "gross_kg": 26000, "seal": "CN003", "freight_kind": "full"},
        ]},
    ]  # fmt: skip
    return {"train_number": "KZ-2401", "line": "L1", "origin": "Altynkol", "wagons": wagons, **overrides}


def test_the_check_digit_rule_by_hand():
    # 4,2,5,4,3,2,1 x 2,1,2,1,2,1,2 = 8,2,10,4,6,2,2 -> digit sums 8+2+1+4+6+2+2 = 25 -> topped up to 30: 5
    assert wagon_check_digit("4254321") == "5"
    assert wagon_check_digit("1111111") == "9"  # 2+1+2+1+2+1+2 = 11
    assert wagon_check_digit("0000000") == "0"


def test_a_train_list_opens_stays_and_plans_discharge(rail_yard, operator):
    train, moves = train_list_register(actor=operator, **train_list())
    assert [w.position for w in train.wagons.all()] == [1, 2]
    assert len(moves) == 3 and {move.kind for move in moves} == {"discharge"}
    assert all(move.to_slot.block.code == "R1" for move in moves)  # the block under the gantry, by the line
    assert {move.from_carrier.reference for move in moves} == {"KZ-2401"}
    visits = ContainerVisit.objects.filter(inbound_carrier=train.carrier)
    assert {visit.category for visit in visits} == {"transit"}
    # transit boxes are under customs control from arrival
    assert Hold.objects.filter(visit__in=visits, kind="customs_control").count() == 3


def test_a_bad_list_is_refused_whole_with_every_problem(rail_yard, operator, put_in_yard):
    put_in_yard("CSQU3054383")
    WagonModel.objects.create(code="13-470", payload_kg=30000)
    Wagon.objects.create(number=wagon_number("4254322"), model=WagonModel.objects.get())
    body = train_list()
    body["wagons"][0]["containers"].append({"number": "MSKU2666542", "iso_type": "22G1"})  # listed twice
    body["wagons"][0]["containers"].append({"number": "CSQU3054384", "iso_type": "22G1"})  # wrong check digit
    body["wagons"][1]["containers"].append({"number": "GYOU4047990", "iso_type": "22G1", "gross_kg": 9000})
    body["wagons"].append({"number": "42543290", "position": 2, "containers": []})  # should end in 8; same position
    from rail.errors import TrainListInvalid

    with pytest.raises(TrainListInvalid) as error:
        train_list_register(actor=operator, **body)
    problems = error.value.errors
    assert "already in the terminal" in problems["wagons.0.containers.0"][0]
    assert "listed 2 times" in problems["wagons.0.containers.1"][0]
    assert "check digit should be 3" in problems["wagons.0.containers.3"][0]
    assert "exceeds the 13-470 payload" in problems["wagons.1.containers"][0]
    assert "check digit should be" in problems["wagons.2.number"][0]
    assert "used twice" in problems["wagons.2.position"][0]
    assert not TrainVisit.objects.exists() and ContainerVisit.objects.count() == 1  # nothing partial


def test_a_check_digit_mismatch_can_be_overridden(rail_yard, operator):
    body = train_list()
    wrong_digit = str((int(wagon_check_digit("4254322")) + 1) % 10)  # the plate says otherwise: the clerk insists
    body["wagons"][1]["number"] = "4254322" + wrong_digit
    body["wagons"][1]["override_check_digit"] = True
    train, _ = train_list_register(actor=operator, **body)
    wagon = train.wagons.get(position=2)
    assert wagon.check_digit_override and not wagon.wagon.check_digit_ok


def test_one_train_per_line(rail_yard, operator):
    train_list_register(actor=operator, **train_list())
    from rail.errors import TrainListInvalid

    with pytest.raises(TrainListInvalid) as error:
        train_list_register(actor=operator, **train_list(train_number="KZ-2402", wagons=[]))
    assert "holds another train" in error.value.errors["line"][0]


def test_check_in_records_seals_and_discharge_releases_the_wagon(rail_yard, operator, clerk):
    train, moves = train_list_register(actor=operator, **train_list())
    ok = container_check_in(train_id=train.pk, container="csqu 305438 3", seal="cn001", actor=clerk)
    bad = container_check_in(train_id=train.pk, container="MSKU2666542", seal="XX999", damage="dent", actor=clerk)
    assert (ok.seal_ok, bad.seal_ok, bad.damage) == (True, False, "dent")
    for move in moves:
        yard_services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                                    actor=clerk)  # fmt: skip
    assert all(wagon.released_at for wagon in TrainWagon.objects.all())
    assert WagonContainer.objects.filter(discharged_at__isnull=True).count() == 0


def test_the_contract_endpoint(rail_yard, client_for):
    assert (
        client_for(roles.YARD_CLERK).post("/api/v1/rail/visits/", {**train_list(), "direction": "inbound"}).status_code
        == 403
    )
    response = client_for(roles.OPERATOR).post("/api/v1/rail/visits/", {**train_list(), "direction": "inbound"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] and len(body["moves"]) == 3 and body["moves"][0]["from"] == "RAIL:KZ-2401"
    bad = client_for(roles.OPERATOR).post(
        "/api/v1/rail/visits/", {**train_list(train_number="X", line="L9"), "direction": "inbound"}
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "train_list_invalid")
    assert set(bad.json()["errors"]) == {
        "line",
        "wagons.0.containers.0",
        "wagons.0.containers.1",
        "wagons.1.containers.0",
    }
    clerk = client_for(roles.YARD_CLERK)
    checked = clerk.post(f"/api/v1/rail/visits/{body['id']}/check-in/", {"container": "TCNU7200794", "seal": "CN003"})
    assert checked.status_code == 200 and checked.json()["seal_ok"] is True
    missing = clerk.post(f"/api/v1/rail/visits/{body['id']}/check-in/", {"container": "GYOU4047990"})
    assert (missing.status_code, missing.json()["code"]) == (404, "container_not_on_train")


def test_trains_are_listed_by_status_and_direction(rail_yard, operator, client_for):
    LoadingLine.objects.create(code="L2", length_wagons=60)
    inbound, _ = train_list_register(actor=operator, **train_list())
    outbound = train_outbound_create(
        train_number="KZ-9001", line="L2", wagons=[{"number": wagon_number("4254329"), "position": 1}], actor=operator
    )
    api = client_for(roles.YARD_CLERK)

    def listed(query: str) -> list[str]:
        response = api.get(f"/api/v1/rail/visits/?{query}")
        assert response.status_code == 200, response.content
        return sorted(train["train_number"] for train in response.json()["results"])

    assert listed("") == ["KZ-2401", "KZ-9001"]
    assert listed("direction=inbound") == ["KZ-2401"]
    assert (inbound.carrier.status, outbound.carrier.status) == ("arrived", "arrived")  # both on their lines
    assert listed("status=arrived&direction=inbound") == ["KZ-2401"]
    assert listed("status=departed") == []
    assert listed("status=departed&status=cancelled&direction=outbound") == []
    bad = api.get("/api/v1/rail/visits/?status=gone")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


@pytest.fixture
def put_in_yard(clerk):
    from tests.factories.yard import ContainerFactory

    def put(number: str):
        visit = ContainerVisitFactory(container=ContainerFactory(number=number))
        move = yard_services.move_plan(visit=visit, kind="receive", actor=clerk)
        yard_services.move_complete(move_id=move.pk, container=number, position="A-01-01-1", actor=clerk)
        return visit

    return put


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks: PostgreSQL")
def test_two_clerks_emptying_one_wagon_release_it_once(un_list):
    IsoSizeTypeFactory()
    r1 = BlockFactory(code="R1", bays=10, rows=3, max_tier=3)
    AccessPoint.objects.create(kind=AccessPoint.Kind.RAIL, x_m=0, y_m=0)
    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    line.blocks.set([r1])
    operator, clerk = UserFactory(is_superuser=True), UserFactory()
    body = train_list()
    body["wagons"] = body["wagons"][:1]
    _, moves = train_list_register(actor=operator, **body)
    barrier, errors = threading.Barrier(2), []

    def discharge(move):
        barrier.wait()
        try:
            yard_services.move_complete(move_id=move.pk, container=move.visit.container.number,
                                        position=move.planned_to, actor=clerk)  # fmt: skip
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=discharge, args=(move,)) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert TrainWagon.objects.get().released_at is not None
    assert YardMove.objects.filter(status="done").count() == 2


def test_train_board(rail_yard, operator, client):
    train_list_register(actor=operator, **train_list())
    client.force_login(operator)
    page = client.get("/admin/rail/trainvisit/board/").content.decode()
    assert "KZ-2401" in page and "0 / 3" in page  # nothing checked in or discharged yet


def test_a_trains_page_shows_each_wagon_with_its_containers_and_cannot_delete_it(rail_yard, operator, clerk, client):
    train, moves = train_list_register(actor=operator, **train_list())
    container_check_in(train_id=train.pk, container="CSQU3054383", seal="CN001", actor=clerk)
    container_check_in(train_id=train.pk, container="MSKU2666542", seal="XX999", damage="door dent", actor=clerk)
    first = next(move for move in moves if move.visit.container.number == "CSQU3054383")
    yard_services.move_complete(move_id=first.pk, container="CSQU3054383", position=first.planned_to, actor=clerk)
    client.force_login(operator)
    response = client.get(f"/admin/rail/trainvisit/{train.pk}/change/")
    page = response.content.decode()
    wagons = page.split('class="train-wagon"')[1:]
    assert len(wagons) == 2
    assert "CSQU3054383" in wagons[0] and "MSKU2666542" in wagons[0] and "TCNU7200794" in wagons[1]
    assert first.planned_to in wagons[0]  # where the discharged box stands now
    assert "XX999: differs" in wagons[0] and "door dent" in wagons[0]
    assert "2 of 3" in page and "1 seal differs" in page  # checked in; the mismatch counted
    container = ContainerVisit.objects.get(container__number="TCNU7200794").container
    assert f'href="/admin/yard/container/{container.pk}/change/"' in wagons[1]
    assert "check digit does not match" not in page  # both wagons' numbers are right: nothing reads like a fault
    assert "deletelink" not in page and 'name="_save"' not in page  # read-only, and a train with history stays
    assert client.post(f"/admin/rail/trainvisit/{train.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TrainVisit.objects.filter(pk=train.pk).exists()


# session and user, the train (twice: the page, then the admin's form) with its carrier and line, wagons, their
# containers, where those stand, the load plan, the user's permissions (2), the history link's content type
QUERIES_TRAIN_PAGE = 11


@pytest.mark.parametrize("wagons", [2, 8])
def test_a_trains_page_reads_the_same_number_of_queries_for_any_length(rail_yard, operator, client, wagons,
                                                                        django_assert_num_queries):  # fmt: skip
    from tests.factories.yard import valid_number

    body = train_list()

    def box(index: int) -> dict:
        return {"number": valid_number(index, owner="ABC"), "iso_type": "22G1", "gross_kg": 20000, "seal": f"S{index}"}

    body["wagons"] = [
        {"number": wagon_number(f"42543{index:02d}"), "position": index, "containers": [box(index)]}
        for index in range(1, wagons + 1)
    ]
    train, _ = train_list_register(actor=operator, **body)
    client.force_login(operator)
    ContentType.objects.clear_cache()  # the history link reads it once per process: counted in every run
    with django_assert_num_queries(QUERIES_TRAIN_PAGE):
        assert client.get(f"/admin/rail/trainvisit/{train.pk}/change/").status_code == 200


def test_a_train_list_is_written_a_table_at_a_time_whatever_its_length(rail_yard, operator):
    """Stays, holds, wagons, their boxes, moves and reservations (with their history) in a statement or two each
    for the whole list: the same statements for 3 wagons as for 12, so a 57-wagon train registers in under a
    second instead of a few dozen statements per box."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from tests.factories.yard import valid_number

    def register(wagons: int) -> int:
        body = train_list()
        body["wagons"] = [
            {"number": wagon_number(f"42543{index:02d}"), "position": index, "containers": [
                {"number": valid_number(2 * index + slot, owner="ABC"), "iso_type": iso_type, "gross_kg": 20000,
                 "seal": f"S{index}"}
                for slot, iso_type in enumerate(["22G1", "45G1"] if index % 2 else ["22G1", "22G1"])
            ]}
            for index in range(1, wagons + 1)
        ]  # fmt: skip
        with transaction.atomic():
            with CaptureQueriesContext(connection) as counted:
                train, moves = train_list_register(actor=operator, **body)
            assert len(moves) == 2 * wagons and len({move.planned_to for move in moves}) == 2 * wagons
            visits = [move.visit for move in moves]
            assert Hold.objects.filter(visit__in=visits, kind="customs_control").count() == 2 * wagons
            assert {move.history.get().history_user for move in moves} == {operator}  # each audited
            assert WagonContainer.objects.filter(train_wagon__train=train).count() == 2 * wagons
            transaction.set_rollback(True)
        return len(counted.captured_queries)

    assert register(3) == register(12)


def test_an_emptied_inbound_train_leaves_and_frees_its_line(rail_yard, operator, clerk):
    from aktau_tos.errors import DomainError
    from rail.services import train_depart

    train, moves = train_list_register(actor=operator, **train_list())
    with pytest.raises(DomainError) as error:
        train_depart(train_id=train.pk, actor=operator)
    assert error.value.code == "train_not_ready"
    for move in moves:
        yard_services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                                    actor=clerk)  # fmt: skip
    train_depart(train_id=train.pk, actor=operator)
    train_list_register(actor=operator, **train_list(train_number="KZ-2403", wagons=[]))  # the line is free


def test_train_list_upload_in_the_admin(rail_yard, client, user_with_role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    operator = user_with_role(roles.OPERATOR, is_staff=True)
    client.force_login(operator)
    header = "wagon_position,wagon_number,container,iso_type,gross_kg,seal,freight_kind\n"
    good = header + f"1,{wagon_number('4254321')},CSQU3054383,22G1,20000,CN1,full\n"
    bad = header + f"1,{wagon_number('4254321')},CSQU3054384,22G1,20000,CN1,full\n"
    form = {"train_number": "KZ-77", "line": "L1", "origin": "Dostyk", "category": "transit"}
    refused = client.post("/admin/rail/trainvisit/upload/", {**form, "file": SimpleUploadedFile("t.csv", bad.encode())})
    assert "check digit should be 3" in refused.content.decode() and not TrainVisit.objects.exists()
    accepted = client.post(
        "/admin/rail/trainvisit/upload/", {**form, "file": SimpleUploadedFile("t.csv", good.encode())}
    )
    assert accepted.status_code == 302
    assert TrainVisit.objects.get().wagons.get().containers.get().visit.container.number == "CSQU3054383"
