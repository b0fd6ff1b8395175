"""The dangerous-goods endpoints: the contract's segregation look-up, declarations, the emergency inventory."""

import pytest

from aktau_tos import roles
from tests.dangerous_goods.conftest import AMMONIUM_NITRATE, ENV_HAZARDOUS, GASOLINE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [("3", "5.1", "2"), ("5.1", "3", "2"), ("1.4S", "6.1", "X"), ("2.1", "1.1D", "4"), ("1.4", "1.4S", "*")],
)
def test_segregation_per_the_contract(client_for, un_list, a, b, level):
    response = client_for(roles.DRIVER).get("/api/v1/dangerous-goods/segregation/", {"a": a, "b": b})
    assert response.status_code == 200
    assert response.json() == {"a": a, "b": b, "level": level, "amendment": "42-24"}


@pytest.mark.parametrize("query", [{"a": "3", "b": "10"}, {"a": "1", "b": "3"}, {"a": "3"}])
def test_segregation_refuses_unknown_classes(client_for, query):
    response = client_for(roles.DRIVER).get("/api/v1/dangerous-goods/segregation/", query)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_class")


def test_declaration_by_the_dg_office_with_alerts(client_for, place):
    gasoline = place([GASOLINE], "DG-05-02-1")
    neighbour = place([ENV_HAZARDOUS], "DG-05-03-1")
    body = {"container": neighbour.container.number.lower(), "lines": [{**AMMONIUM_NITRATE, "net_mass_kg": "18000"}]}
    assert client_for(roles.YARD_CLERK).post("/api/v1/dangerous-goods/declarations/", body).status_code == 403
    response = client_for(roles.DG_OFFICER).post("/api/v1/dangerous-goods/declarations/", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert [line["un_number"] for line in answer["lines"]] == ["1942"]
    assert [alert["neighbour"] for alert in answer["alerts"]] == [gasoline.container.number]


def test_declaration_errors(client_for, place):
    visit = place([GASOLINE], "DG-05-02-1")
    officer = client_for(roles.DG_OFFICER)
    bad = {"container": visit.container.number, "lines": [{"un_number": "1203", "class": "8"}]}
    response = officer.post("/api/v1/dangerous-goods/declarations/", bad)
    assert (response.status_code, response.json()["code"]) == (400, "dg_line_invalid")
    empty = officer.post("/api/v1/dangerous-goods/declarations/", {"container": visit.container.number, "lines": []})
    assert (empty.status_code, set(empty.json()["errors"])) == (400, {"lines"})
    unknown = officer.post("/api/v1/dangerous-goods/declarations/", {"container": "CSQU3054383", "lines": [GASOLINE]})
    assert unknown.json()["code"] == "container_not_found"


def test_inventory_json_and_csv(client_for, place):
    place([GASOLINE], "DG-05-02-1")
    place([ENV_HAZARDOUS], "DG-01-01-1")
    officer = client_for(roles.DG_OFFICER)
    rows = officer.get("/api/v1/dangerous-goods/inventory/").json()
    assert [(row["position"], row["un_number"], row["class"]) for row in rows] == [
        ("DG-01-01-1", "3082", "9"), ("DG-05-02-1", "1203", "3"),
    ]  # fmt: skip
    csv_response = officer.get("/api/v1/dangerous-goods/inventory/?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("block,position,container,un_number,class")
    assert len(lines) == 3 and "Gasoline" in lines[2]
    assert client_for(roles.DRIVER).get("/api/v1/dangerous-goods/inventory/").status_code == 403


def test_gate_in_refusals_reach_the_scanner(client_for, dg_yard):
    body = {"container": "CSQU3054383", "iso_type": "22G1", "freight_kind": "full", "truck": "T1",
            "dangerous_goods": [{"un_number": "2814", "class": "6.2"}]}  # fmt: skip
    response = client_for(roles.YARD_CLERK).post("/api/v1/yard/gate-in/", body)
    assert (response.status_code, response.json()["code"]) == (409, "dg_not_admitted")


def test_printable_inventory_page(client, place, user_with_role):
    place([GASOLINE], "DG-05-02-1")
    client.force_login(user_with_role(roles.DG_OFFICER, is_staff=True))
    page = client.get("/admin/dangerous_goods/declaration/inventory/")
    assert page.status_code == 200
    assert "Block DG" in page.content.decode() and "1203" in page.content.decode()
    assert client.get("/admin/dangerous_goods/declaration/inventory/?format=csv")["Content-Type"].startswith("text/csv")
