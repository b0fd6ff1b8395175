"""Outbound trains: the load plan from the booked containers, loading per wagon by scanner, departure."""

import pytest

from aktau_tos import roles
from rail.models import LoadingLine, LoadPlanEntry, WagonModel
from rail.services import load_plan_build, train_outbound_create, wagon_check_digit
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, ContainerFactory, ContainerVisitFactory, IsoSizeTypeFactory
from yard import services as yard_services
from yard.models import ContainerVisit, IsoSizeType

pytestmark = pytest.mark.django_db


def wagon(first_seven: str, position: int) -> dict:
    return {"number": first_seven + wagon_check_digit(first_seven), "position": position}


@pytest.fixture
def outbound(db, un_list, client_for):
    IsoSizeTypeFactory()
    IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    BlockFactory(code="A", bays=6, rows=2, max_tier=3)
    LoadingLine.objects.create(code="L2", length_wagons=60)
    operator = client_for(roles.OPERATOR)
    response = operator.post("/api/v1/rail/visits/", {
        "train_number": "KZ-3001", "direction": "outbound", "line": "L2", "destination": "Almaty-1",
        "wagons": [wagon("4200001", 1), wagon("4200002", 2)],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()["id"]


def booked(train_id: int, position: str, iso_type: str = "22G1", gross_kg: int | None = 20_000) -> ContainerVisit:
    from rail.models import TrainVisit

    clerk = UserFactory()
    visit = ContainerVisitFactory(container=ContainerFactory(iso_type=IsoSizeType.objects.get(code=iso_type)),
                                  gross_kg=gross_kg)  # fmt: skip
    move = yard_services.move_plan(visit=visit, kind="receive", actor=clerk)
    yard_services.move_complete(move_id=move.pk, container=visit.container.number, position=position, actor=clerk)
    yard_services.visit_book_outbound(visit=visit, carrier=TrainVisit.objects.get(pk=train_id).carrier, actor=clerk)
    return visit


def test_plan_load_and_depart(outbound, client_for, customs_officer):
    boxes = [booked(outbound, "A-01-01-1"), booked(outbound, "A-01-01-2"), booked(outbound, "A-03-01-1", "45G1")]
    held = booked(outbound, "A-05-01-1")
    yard_services.hold_place(container=held.container.number, authority="customs", kind="documents",
                             actor=customs_officer)  # fmt: skip
    no_vgm = booked(outbound, "A-05-02-1", gross_kg=None)
    operator = client_for(roles.OPERATOR)
    plan = operator.post(f"/api/v1/rail/visits/{outbound}/plan/").json()
    assert (plan["entries"], plan["loaded_teu"], plan["optimal"]) == (3, 4, True)
    assert {row["container"]: row["reason"] for row in plan["excluded"]} == {
        held.container.number: "a hold blocks loading", no_vgm.container.number: "no verified gross mass",
    }  # fmt: skip
    entries = list(LoadPlanEntry.objects.select_related("move", "train_wagon"))
    # loading goes top of each stack first: the box on tier 2 is loaded before the one under it
    by_box = {entry.visit_id: entry for entry in entries}
    assert by_box[boxes[1].pk].move_id < by_box[boxes[0].pk].move_id
    driver = client_for(roles.DRIVER)
    early = operator.post(f"/api/v1/rail/visits/{outbound}/depart/")
    assert (early.status_code, early.json()["code"]) == (409, "train_not_ready")
    first = by_box[boxes[0].pk]
    load_url = f"/api/v1/rail/visits/{outbound}/load/"
    wrong = driver.post(
        load_url, {"container": boxes[0].container.number, "wagon_position": 3 - first.train_wagon.position}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_wagon")
    for entry in sorted(entries, key=lambda e: e.move_id):  # in the planned order
        scan = {"container": entry.visit.container.number, "wagon_position": entry.train_wagon.position}
        response = driver.post(load_url, scan)
        assert response.status_code == 200, response.content
    departed = operator.post(f"/api/v1/rail/visits/{outbound}/depart/")
    assert departed.status_code == 200 and departed.json()["status"] == "departed"
    assert all(ContainerVisit.objects.get(pk=b.pk).state == "departed" for b in boxes)
    consist = operator.get(f"/api/v1/rail/visits/{outbound}/consist/?format=csv").content.decode().splitlines()
    assert consist[0].startswith("wagon_position,wagon,place,container") and len(consist) == 4
    pdf = operator.get(f"/api/v1/rail/visits/{outbound}/consist/?as=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_payload_of_the_catalogue_is_respected(outbound):
    from rail.models import TrainWagon

    light = WagonModel.objects.create(code="TEST-30T", payload_kg=30_000)
    for train_wagon in TrainWagon.objects.filter(train_id=outbound).select_related("wagon"):
        train_wagon.wagon.model = light
        train_wagon.wagon.save()
    for position in ["A-01-01-1", "A-02-01-1", "A-03-01-1", "A-04-01-1"]:
        booked(outbound, position, gross_kg=20_000)
    plan = load_plan_build(train_id=outbound, actor=UserFactory())
    assert plan["entries"] == 2  # one 20 t box per 30 t wagon
    assert [row["reason"] for row in plan["excluded"]] == ["no room on the train"] * 2


def test_inbound_trains_have_no_load_plan(db, un_list):
    line = LoadingLine.objects.create(code="L3", length_wagons=60)
    IsoSizeTypeFactory()
    train = train_outbound_create(train_number="X", line=line.code, wagons=[wagon("4200003", 1)], actor=UserFactory())
    train.direction = "inbound"
    train.save()
    from aktau_tos.errors import DomainError

    with pytest.raises(DomainError) as error:
        load_plan_build(train_id=train.pk, actor=UserFactory())
    assert error.value.code == "train_not_outbound"


def test_a_box_that_cannot_go_is_rolled_and_the_train_leaves_without_it(outbound, client_for, customs_officer):
    from rail.models import TrainVisit
    from yard.models import YardMove

    boxes = [booked(outbound, "A-01-01-1"), booked(outbound, "A-02-01-1"), booked(outbound, "A-03-01-1")]
    operator, driver = client_for(roles.OPERATOR), client_for(roles.DRIVER)
    assert operator.post(f"/api/v1/rail/visits/{outbound}/plan/").json()["entries"] == 3
    entry = {e.visit_id: e for e in LoadPlanEntry.objects.select_related("train_wagon")}
    first, rolled, late = boxes
    loaded = {"container": first.container.number, "wagon_position": entry[first.pk].train_wagon.position}
    assert driver.post(f"/api/v1/rail/visits/{outbound}/load/", loaded).status_code == 200

    roll_url = f"/api/v1/rail/visits/{outbound}/roll/"
    on_wagon = operator.post(roll_url, {"container": first.container.number, "reason": "customs"})
    assert (on_wagon.status_code, on_wagon.json()["code"]) == (409, "container_already_loaded")
    assert driver.post(roll_url, {"container": rolled.container.number, "reason": "x"}).status_code == 403
    assert operator.post(roll_url, {"container": rolled.container.number}).status_code == 400  # a reason is needed
    answer = operator.post(roll_url, {"container": rolled.container.number, "reason": "seal missing"})
    assert answer.status_code == 200, answer.content
    planned = entry[rolled.pk]
    assert answer.json() == {"container": rolled.container.number, "move": planned.move_id,
                             "wagon_position": planned.train_wagon.position, "place": planned.place}  # fmt: skip
    again = operator.post(roll_url, {"container": rolled.container.number, "reason": "seal missing"})
    assert (again.status_code, again.json()["code"]) == (404, "container_not_on_train")

    # The rolled box stays in the yard, booked on nothing, its loading move cancelled with the reason kept.
    rolled.refresh_from_db()
    assert (rolled.state, rolled.outbound_carrier_id) == ("in_yard", None)
    move = YardMove.objects.get(pk=entry[rolled.pk].move_id)
    assert move.status == "cancelled"
    assert move.history.latest().history_change_reason == "rolled off train KZ-3001: seal missing"

    # Departure on time: the one still unloaded is rolled too; the loaded one leaves.
    assert operator.post(f"/api/v1/rail/visits/{outbound}/depart/").json()["code"] == "train_not_ready"
    departed = operator.post(f"/api/v1/rail/visits/{outbound}/depart/", {"roll_unloaded": True})
    assert departed.status_code == 200 and departed.json()["status"] == "departed"
    states = {visit.pk: visit.state for visit in ContainerVisit.objects.filter(pk__in=[b.pk for b in boxes])}
    assert states == {first.pk: "departed", rolled.pk: "in_yard", late.pk: "in_yard"}
    late.refresh_from_db()
    assert late.outbound_carrier_id is None
    assert YardMove.objects.get(pk=entry[late.pk].move_id).status == "cancelled"
    assert list(TrainVisit.objects.get(pk=outbound).load_plan.values_list("visit_id", flat=True)) == [first.pk]


def test_the_admin_action_departs_on_time_and_says_how_many_were_rolled(outbound, client, operator):
    from django.urls import reverse

    from rail.models import TrainVisit

    booked(outbound, "A-01-01-1"), booked(outbound, "A-02-01-1")
    load_plan_build(train_id=outbound, actor=operator)
    client.force_login(operator)
    page = client.post(
        reverse("admin:rail_trainvisit_changelist"),
        {"action": "depart_rolling_unloaded", "_selected_action": [outbound]}, follow=True,
    )  # fmt: skip
    assert "2 container(s) rolled to a later train" in page.content.decode()
    assert TrainVisit.objects.get(pk=outbound).carrier.status == "departed"
