"""The printable emergency list is complete: every DG box in the yard, with net mass, limited quantity and EmS as
declared, and "not declared" where nobody declared them (the fire brigade must see that a value is unknown)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from aktau_tos import roles
from dangerous_goods import selectors, services
from dangerous_goods.models import Declaration
from tests.dangerous_goods.conftest import ENV_HAZARDOUS, GASOLINE
from tests.factories.yard import valid_number
from yard import services as yard_services
from yard.models import CarrierVisit

pytestmark = pytest.mark.django_db

PAGE = "/admin/dangerous_goods/declaration/inventory/"


@pytest.fixture
def dg_officer(user_with_role):
    return user_with_role(roles.DG_OFFICER, is_staff=True)


@pytest.fixture
def dg_client(client, dg_officer):
    client.force_login(dg_officer)
    return client


def row_of(page: str, container: str) -> str:
    match = re.search(rf'<tr data-container="{container}">.*?</tr>', page, re.S)
    assert match, f"{container} is not on the emergency list"
    return match.group(0)


def cell(row: str, name: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(rf'<td class="{name}">(.*?)</td>', row, re.S).group(1)).strip()


def test_a_declared_box_shows_net_mass_limited_quantity_and_ems(place, dg_client, dg_officer, client_for):
    visit = place([GASOLINE], "DG-05-02-1")
    line = {**GASOLINE, "net_mass_kg": Decimal("18000"), "limited_quantity": True, "ems": "F-E, S-E"}
    services.declaration_replace(container=visit.container.number, lines=[line], actor=dg_officer)

    row = row_of(dg_client.get(PAGE).content.decode(), visit.container.number)
    assert (cell(row, "net-mass"), cell(row, "lq"), cell(row, "ems")) == ("18000.00", "yes", "F-E, S-E")
    assert "DG-05-02-1" in row and "Gasoline" in row
    assert f'<a href="{reverse("admin:yard_container_change", args=[visit.container_id])}">' in row
    [answer] = client_for(roles.DG_OFFICER).get("/api/v1/dangerous-goods/inventory/").json()
    assert (answer["net_mass_kg"], answer["limited_quantity"], answer["ems"]) == ("18000.00", True, "F-E, S-E")
    assert set(answer) == set(selectors.INVENTORY_FIELDS)  # the API's contract is unchanged


def test_what_nobody_declared_is_shown_as_not_declared(place, dg_client):
    visit = place([GASOLINE], "DG-05-02-1")  # the gate declares UN number and class only
    plain = place([], "A-01-01-1")
    page = dg_client.get(PAGE).content.decode()
    assert plain.container.number not in page
    row = row_of(page, visit.container.number)
    assert (cell(row, "net-mass"), cell(row, "lq"), cell(row, "ems")) == ("not declared", "no", "not declared")
    assert "Not declared: net mass on 1 line(s), EmS on 1 line(s)." in page


def test_goods_declared_at_the_gate_of_an_announced_stay_are_declared_and_listed(dg_yard, clerk, dg_client):
    """A stay announced before arrival (EDI COPARN) gets its goods at the gate. No DG declaration used to be
    recorded for it, and the box was missing from the list: now the gate's lines are its declaration."""
    vessel = yard_services.carrier_visit_open(mode=CarrierVisit.Mode.VESSEL, reference="Turkestan 0412W", actor=clerk)
    placeholder = yard_services.carrier_visit_open(mode=CarrierVisit.Mode.TRUCK, reference="COPARN 1", actor=clerk)
    announced = yard_services.visit_open(
        container=valid_number(1), iso_type="22G1", freight_kind="full", category="export",
        inbound_carrier=placeholder, actor=clerk,
    )  # fmt: skip
    yard_services.visit_book_outbound(visit=announced, carrier=vessel, actor=clerk)
    move = yard_services.gate_in(
        container=announced.container.number, iso_type="22G1", freight_kind="full", truck="T1",
        dangerous_goods=[{"un_number": "1230", "class": "3"}], actor=clerk,
    )  # fmt: skip
    yard_services.move_complete(move_id=move.pk, container=announced.container.number, position=move.planned_to,
                                actor=clerk)  # fmt: skip
    declaration = Declaration.objects.get(visit=announced)
    assert [line.un_entry.un_number for line in declaration.lines.all()] == ["1230"]
    assert declaration.history.first().history_user == clerk

    [row] = selectors.inventory()
    assert (row["container"], row["un_number"], row["proper_shipping_name"]) == (
        announced.container.number, "1230", "Methanol"
    )  # fmt: skip
    assert (row["subsidiary_risks"], row["net_mass_kg"], row["ems"]) == ("6.1", None, "")
    page_row = row_of(dg_client.get(PAGE).content.decode(), announced.container.number)
    assert cell(page_row, "net-mass") == "not declared"


@pytest.mark.parametrize("boxes", [3, 12])
def test_the_list_takes_the_same_queries_for_any_number_of_boxes(
    place, dg_client, django_assert_max_num_queries, boxes
):
    positions = [f"DG-{bay:02d}-{row:02d}-1" for bay in range(1, 4) for row in range(1, 5)]
    visits = [place([ENV_HAZARDOUS], position) for position in positions[:boxes]]
    with django_assert_max_num_queries(6):
        page = dg_client.get(PAGE).content.decode()
    assert all(visit.container.number in page for visit in visits)


def test_goods_declared_anew_at_the_gate_replace_those_announced(dg_yard, clerk):
    vessel = yard_services.carrier_visit_open(mode=CarrierVisit.Mode.VESSEL, reference="Turkestan 0412W", actor=clerk)
    placeholder = yard_services.carrier_visit_open(mode=CarrierVisit.Mode.TRUCK, reference="COPARN 2", actor=clerk)
    announced = yard_services.visit_open(
        container=valid_number(2), iso_type="22G1", freight_kind="full", category="export",
        inbound_carrier=placeholder, dangerous_goods=[{"un_number": "1230", "class": "3"}], actor=clerk,
    )  # fmt: skip
    yard_services.visit_book_outbound(visit=announced, carrier=vessel, actor=clerk)
    assert [line.un_entry.un_number for line in Declaration.objects.get(visit=announced).lines.all()] == ["1230"]
    yard_services.gate_in(
        container=announced.container.number, iso_type="22G1", freight_kind="full", truck="T2",
        dangerous_goods=[{"un_number": "1203", "class": "3"}], actor=clerk,
    )  # fmt: skip
    declaration = Declaration.objects.get(visit=announced)
    assert [line.un_entry.un_number for line in declaration.lines.all()] == ["1203"]


def test_net_mass_lq_and_ems_declared_at_the_gate_reach_the_emergency_list(dg_yard, client_for, dg_client):
    """The gate's DG line takes what the shipper's papers give besides the UN entry, and it is recorded as declared:
    the fire brigade sees it without waiting for the DG office."""
    number = valid_number(7)
    line = {**GASOLINE, "net_mass_kg": "18400.5", "limited_quantity": False, "ems": "F-E,S-E"}
    body = {"container": number, "iso_type": "22G1", "gross_kg": 21000, "freight_kind": "full", "truck": "T7",
            "dangerous_goods": [line]}  # fmt: skip
    clerk = client_for(roles.YARD_CLERK)
    assert clerk.post("/api/v1/yard/gate-in/", body, format="json").status_code == 201
    [declared] = Declaration.objects.get(visit__container__number=number).lines.all()
    assert (declared.net_mass_kg, declared.ems, declared.limited_quantity) == (Decimal("18400.50"), "F-E,S-E", False)


@pytest.mark.parametrize(
    ("field", "value"), [("ems", "F-Z,S-A"), ("ems", "fire"), ("net_mass_kg", "0"), ("net_mass_kg", "heavy")]
)
def test_a_malformed_ems_or_mass_at_the_gate_is_refused_by_field(dg_yard, client_for, field, value):
    body = {"container": valid_number(8), "iso_type": "22G1", "gross_kg": 21000, "freight_kind": "full",
            "truck": "T8", "dangerous_goods": [{**GASOLINE, field: value}]}  # fmt: skip
    response = client_for(roles.YARD_CLERK).post("/api/v1/yard/gate-in/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert list(response.json()["errors"]) == [f"dangerous_goods.0.{field}"]
    assert not Declaration.objects.exists()
