"""Operator screens: containers searchable by number as printed, filters by size/type, history visible."""

import pytest

from aktau_tos import roles
from tests.factories.yard import ContainerFactory, IsoSizeTypeFactory
from yard.models import Container

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_search_finds_a_number_typed_as_printed(operator_client):
    ContainerFactory(number="CSQU3054383")
    ContainerFactory(number="MSKU2666542")
    page = operator_client.get("/admin/yard/container/", {"q": "csqu 305438 3"}).content.decode()
    assert "CSQU3054383" in page
    assert "MSKU2666542" not in page


def test_filter_by_length(operator_client):
    forty = IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    ContainerFactory(number="CSQU3054383")
    ContainerFactory(number="TCNU7200794", iso_type=forty)
    page = operator_client.get("/admin/yard/container/", {"iso_type__length_ft": 40}).content.decode()
    assert "TCNU7200794" in page
    assert "CSQU3054383" not in page


def test_add_normalises_the_number(operator_client):
    IsoSizeTypeFactory()
    response = operator_client.post(
        "/admin/yard/container/add/", {"number": "csqu 305438 3", "iso_type": "22G1", "tare_kg": "", "max_gross_kg": ""}
    )
    assert response.status_code == 302, response.content
    assert Container.objects.get().number == "CSQU3054383"


def test_add_refuses_a_wrong_check_digit(operator_client):
    IsoSizeTypeFactory()
    response = operator_client.post("/admin/yard/container/add/", {"number": "CSQU3054384", "iso_type": "22G1"})
    assert response.status_code == 200
    assert "check digit should be 3" in response.content.decode()
    assert not Container.objects.exists()


def test_history_page_shows_who_changed_it(operator_client, operator):
    container = ContainerFactory()
    container.tare_kg = 2300
    container._history_user = operator
    container.save()
    page = operator_client.get(f"/admin/yard/container/{container.pk}/history/").content.decode()
    assert operator.username in page


def test_manager_may_look_but_not_change(client, user_with_role):
    manager = user_with_role(roles.MANAGER, is_staff=True)
    container = ContainerFactory()
    client.force_login(manager)
    assert client.get("/admin/yard/container/").status_code == 200
    assert client.get("/admin/yard/container/add/").status_code == 403
    response = client.post(f"/admin/yard/container/{container.pk}/change/", {"number": container.number})
    assert response.status_code == 403


def test_clerks_have_no_admin(client, user_with_role):
    client.force_login(user_with_role(roles.YARD_CLERK, is_staff=True))
    assert client.get("/admin/yard/container/").status_code == 403


def test_holds_are_placed_through_the_service_and_refusals_shown(client, operator, customs_officer, un_list):
    from tests.factories.yard import ContainerVisitFactory
    from yard.models import Hold

    visit = ContainerVisitFactory()
    body = {"container": visit.container.number, "authority": "customs", "kind": "documents", "reason": "x",
            "blocked_move_kinds": ["load", "delivery"]}  # fmt: skip
    client.force_login(operator)
    response = client.post("/admin/yard/hold/add/", body)
    assert response.status_code == 200 and "Only officers of this authority (Customs)" in response.content.decode()
    assert not Hold.objects.exists()
    client.force_login(customs_officer)
    assert client.post("/admin/yard/hold/add/", body).status_code == 302
    hold = Hold.objects.get()
    assert (hold.placed_by, hold.history.get().history_user) == (customs_officer, customs_officer)
