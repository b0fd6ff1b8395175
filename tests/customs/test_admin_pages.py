"""The customs pages answer the shift's questions: where each box stands, which box it is (a link to its record),
what each hold means, and which held boxes still wait for their inspection order."""

import re

import pytest
from django.urls import reverse

from customs import services
from customs.models import InspectionOrder
from tests.customs.conftest import arrive_import, complete
from tests.factories.yard import valid_number
from yard import selectors as yard_selectors
from yard.models import Hold

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/customs/inspectionorder/"


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def container_url(visit) -> str:
    return reverse("admin:yard_container_change", args=[visit.container_id])


def held_section(page: str) -> str:
    """The "held, no inspection order yet" part of the inspection orders' list."""
    match = re.search(r'<div class="module held-without-order".*?</div>', page, re.S)
    assert match, "the held section is missing"
    return match.group(0)


def hold_scan(visit, officer) -> Hold:
    return services.hold_place(container=visit.container.number, kind="scan_required", reason="X-ray", actor=officer)


def test_inspection_orders_show_position_link_and_hold_by_name(terminal, clerk, officer, officer_client):
    visit = arrive_import(clerk)
    services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
    page = officer_client.get(ORDERS_URL).content.decode()
    assert yard_selectors.visit_position(visit) in page  # still in block A: its move to the inspection area is planned
    assert f'<a href="{container_url(visit)}">{visit.container.number}</a>' in page
    assert "X-ray scan required" in page and "scan_required" not in page


def test_declarations_show_their_boxes_where_they_stand(terminal, clerk, officer, officer_client):
    visits = [arrive_import(clerk, valid_number(n)) for n in (1, 2)]
    services.declaration_register(
        number="10203040/221126/0001234", procedure="transit", containers=[v.container.number for v in visits],
        actor=officer,
    )  # fmt: skip
    page = officer_client.get("/admin/customs/customsdeclaration/").content.decode()
    for visit in visits:
        assert f'<a href="{container_url(visit)}">{visit.container.number}</a>' in page
        assert f"({yard_selectors.visit_position(visit)})" in page


def test_under_customs_control_shows_position_link_and_hold_names(terminal, clerk, officer, officer_client):
    visit = arrive_import(clerk)
    hold_scan(visit, officer)
    page = officer_client.get(reverse("admin:customs_control")).content.decode()
    row = re.search(rf'<tr[^>]*data-container="{visit.container.number}">.*?</tr>', page, re.S).group(0)
    assert f'<a href="{container_url(visit)}">' in row and yard_selectors.visit_position(visit) in row
    assert "Under customs control until declared" in row and "X-ray scan required" in row
    assert "customs_control" not in row and "scan_required" not in row


def test_a_held_box_waits_in_its_own_list_until_its_order_exists(terminal, clerk, officer, officer_client):
    held = arrive_import(clerk, valid_number(1))
    papers = arrive_import(clerk, valid_number(2))
    hold = hold_scan(held, officer)
    services.hold_place(container=papers.container.number, kind="documents", reason="invoice", actor=officer)

    section = held_section(officer_client.get(ORDERS_URL).content.decode())
    assert "Held, no inspection order yet: 1 container" in section
    assert held.container.number in section and yard_selectors.visit_position(held) in section
    assert papers.container.number not in section  # a documents hold asks for no inspection

    response = officer_client.post(reverse("admin:customs_order_for_hold", args=[hold.pk]), follow=True)
    order = InspectionOrder.objects.get(visit=held)
    assert (order.kind, order.status, order.ordered_by) == ("scan", "ordered", officer)
    assert f"{held.container.number}: X-ray scan ordered" in response.content.decode()
    section = held_section(officer_client.get(ORDERS_URL).content.decode())
    assert held.container.number not in section and "Held, no inspection order yet: 0 containers" in section

    # Scanned and done: the officer's own hold still stands, but the scan it asked for is answered.
    complete(order.move_in, clerk)
    services.inspection_result(order_id=order.pk, result="no_suspicion", actor=officer)
    assert Hold.objects.get(pk=hold.pk).active
    assert held.container.number not in held_section(officer_client.get(ORDERS_URL).content.decode())


def test_only_customs_officers_order_from_the_list(terminal, clerk, officer, client, operator):
    visit = arrive_import(clerk)
    hold = hold_scan(visit, officer)
    client.force_login(operator)
    assert client.get(reverse("admin:customs_order_for_hold", args=[hold.pk])).status_code == 405
    response = client.post(reverse("admin:customs_order_for_hold", args=[hold.pk]), follow=True)
    assert "Only officers of this authority (Customs)" in response.content.decode()
    assert not InspectionOrder.objects.exists()
    assert visit.container.number in held_section(response.content.decode())


@pytest.mark.parametrize("boxes", [3, 12])
def test_customs_pages_take_the_same_queries_for_any_number_of_boxes(
    terminal, clerk, officer, officer_client, django_assert_max_num_queries, boxes
):
    visits = [arrive_import(clerk, valid_number(n)) for n in range(boxes)]
    for index, visit in enumerate(visits):
        if index % 2:
            services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
        else:
            hold_scan(visit, officer)
        services.declaration_register(
            number=f"DECL-{index}", procedure="import", containers=[visit.container.number], actor=officer
        )
    for url in (ORDERS_URL, "/admin/customs/customsdeclaration/", reverse("admin:customs_control")):
        with django_assert_max_num_queries(10):
            page = officer_client.get(url).content.decode()
        assert all(visit.container.number in page for visit in visits), url


def test_a_record_shows_where_its_boxes_stand(terminal, clerk, officer, officer_client):
    visit = arrive_import(clerk)
    order = services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
    declaration = services.declaration_register(
        number="10203040/221126/0001234", procedure="transit", containers=[visit.container.number], actor=officer
    )
    position = yard_selectors.visit_position(visit)
    assert position in officer_client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    page = officer_client.get(f"/admin/customs/customsdeclaration/{declaration.pk}/change/").content.decode()
    assert f"{visit.container.number}</a> ({position})" in page
    assert officer_client.get("/admin/customs/customsdeclaration/add/").status_code == 200
