"""Customs control end to end: held on arrival, scanned, examined, re-sealed, released, and only then gone."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from aktau_tos import roles
from aktau_tos.errors import DomainError
from customs import services
from customs.models import InspectionOrder
from tests.customs.conftest import arrive_import, complete
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, ContainerVisitFactory, EquipmentFactory, IsoSizeTypeFactory
from yard import selectors
from yard import services as yard_services
from yard.models import Block, ContainerVisit, Hold

pytestmark = pytest.mark.django_db


def refused(callable_, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        callable_(**kwargs)
    return error.value


def test_the_whole_flow_and_only_then_the_container_leaves(terminal, clerk, officer):
    visit = arrive_import(clerk)
    control = Hold.objects.get(visit=visit)
    assert (control.authority, control.kind, control.placed_by.username) == ("customs", "customs_control", "system")
    assert refused(yard_services.move_create_adhoc, container=visit.container.number, to="GATE", actor=clerk).code == (
        "container_on_hold"
    )

    scan = services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
    assert scan.move_in.to_slot.block.code == "INS" and scan.seals_before == ["OLD1"]
    complete(scan.move_in, clerk)
    scan.refresh_from_db()
    assert scan.status == InspectionOrder.Status.AT_INSPECTION

    services.inspection_result(order_id=scan.pk, result="suspicion", findings="dense mass in the middle", actor=officer)
    exam = InspectionOrder.objects.get(visit=visit, kind="physical_exam")
    assert exam.status == InspectionOrder.Status.AT_INSPECTION  # it is already there
    services.inspection_photo_add(
        order_id=exam.pk, image=SimpleUploadedFile("seal.jpg", b"\xff\xd8\xff photo"), actor=officer
    )
    exam = services.inspection_result(order_id=exam.pk, result="no_suspicion", seals=["kz 000777"], actor=officer)
    assert exam.seals_after == ["KZ 000777"] and exam.photos.count() == 1
    complete(exam.move_out, clerk)  # back to the yard
    visit.refresh_from_db()
    assert visit.seals == ["KZ 000777"] and selectors.visit_position(visit).startswith("A-")

    # the scan's and the examination's holds are gone; the arrival control stays until the declaration is released
    assert list(Hold.objects.filter(visit=visit, released_at=None).values_list("kind", flat=True)) == [
        "customs_control"
    ]
    declaration = services.declaration_register(
        number="10203040/221126/0001234", procedure="transit", containers=[visit.container.number], actor=officer
    )
    services.declaration_release(declaration_id=declaration.pk, actor=officer)
    delivery = yard_services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
    complete(delivery, clerk, "GATE")
    visit.refresh_from_db()
    assert visit.state == ContainerVisit.State.DEPARTED
    officer_steps = {record.history_user for record in InspectionOrder.history.filter(kind="physical_exam")}
    assert officer_steps == {officer}


def test_export_boxes_are_not_held_on_arrival(terminal, clerk):
    move = yard_services.gate_in(container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T", actor=clerk)
    assert not Hold.objects.filter(visit_id=move.visit_id).exists()


class TestRules:
    def test_holds_need_a_known_kind_and_a_reason(self, terminal, clerk, officer):
        visit = arrive_import(clerk)
        kwargs = {"container": visit.container.number, "actor": officer}
        assert refused(services.hold_place, kind="documents", reason="  ", **kwargs).code == "reason_required"
        assert refused(services.hold_place, kind="smuggling", reason="x", **kwargs).code == "invalid_hold_kind"

    def test_a_result_only_at_the_inspection_area(self, terminal, clerk, officer):
        visit = arrive_import(clerk)
        scan = services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
        error = refused(services.inspection_result, order_id=scan.pk, result="no_suspicion", actor=officer)
        assert error.code == "inspection_not_at_area"
        again = refused(services.inspection_order, container=visit.container.number, kind="scan", actor=officer)
        assert again.code == "inspection_already_open"

    def test_a_full_inspection_area_delays_the_inspection_and_the_order_stands(self, terminal, clerk, officer):
        """INS holds two boxes: the third order waits for a slot, and gets one as soon as an inspected box leaves."""
        from yard.models import YardMove

        numbers = ["CSQU3054383", "MSKU2666542", "TCNU7200794"]
        visits = [arrive_import(clerk, number) for number in numbers]
        orders = [services.inspection_order(container=v.container.number, kind="scan", actor=officer) for v in visits]
        assert [order.move_in.to_slot.block.code for order in orders[:2]] == ["INS", "INS"]
        waiting = orders[2].move_in
        assert (waiting.to_slot_id, waiting.status) == (None, "planned") and waiting.awaiting_slot_since
        assert orders[2].hold.kind == "scan_required"  # customs' hold is placed all the same
        assert refused(yard_services.move_send_to_overflow, move_id=waiting.pk, actor=officer).code == (
            "overflow_not_for_inspection"
        )
        for order in orders[:2]:
            complete(order.move_in, clerk)
        assert yard_services.awaiting_slots_allocate() == 0  # INS is full now
        services.inspection_result(order_id=orders[0].pk, result="no_suspicion", actor=officer)
        orders[0].refresh_from_db()
        complete(orders[0].move_out, clerk)  # back to the yard: its INS slot frees
        assert yard_services.awaiting_slots_allocate() == 1
        waiting.refresh_from_db()
        assert waiting.to_slot.block.code == "INS" and waiting.awaiting_slot_since is None
        complete(waiting, clerk)
        orders[2].refresh_from_db()
        assert orders[2].status == InspectionOrder.Status.AT_INSPECTION
        assert not YardMove.objects.filter(awaiting_slot_since__isnull=False).exists()

    def test_unknown_things(self, terminal, officer):
        assert refused(services.inspection_order, container="CSQU3054383", kind="scan", actor=officer).code == (
            "container_not_found"
        )
        assert refused(services.inspection_result, order_id=999, result="findings", actor=officer).code == (
            "inspection_not_found"
        )

    def test_storage_clock_warns_before_the_limit(self, settings):
        settings.CUSTOMS_STORAGE_LIMIT_DAYS, settings.CUSTOMS_STORAGE_WARNING_DAYS = 120, 10
        visit = ContainerVisitFactory(arrived_at=timezone.now() - timedelta(days=112))
        clock = services.storage_clock(visit)
        assert (clock["days"], clock["days_left"], clock["warning"]) == (112, 8, True)
        assert not services.storage_clock(ContainerVisitFactory(arrived_at=timezone.now()))["warning"]


class TestWhereTheBoxIsInspected:
    """A reefer goes to the powered inspection bays, a DG box is inspected where it stands: neither waits for a
    place the stacking rules can never give it."""

    @pytest.fixture
    def special_areas(self, terminal):
        IsoSizeTypeFactory(code="22R1", group="R", type_code="R1")
        reefer = BlockFactory(code="RF", kind=Block.Kind.REEFER, bays=2, rows=1, max_tier=2)
        dg = BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=2, rows=1, max_tier=2)
        powered = BlockFactory(
            code="INSR", kind=Block.Kind.INSPECTION, bays=2, rows=1, max_tier=1, slots__reefer_power=True
        )
        EquipmentFactory(code="RS-05", blocks=[reefer, dg, powered, Block.objects.get(code="INS")])

    def arrive(self, clerk, number, **kwargs):
        move = yard_services.gate_in(
            container=number, freight_kind="full", truck="T1", category="import", actor=clerk, **kwargs
        )
        complete(move, clerk)
        return ContainerVisit.objects.get(pk=move.visit_id)

    def test_a_reefer_goes_to_the_powered_bays_and_back_to_power(self, special_areas, clerk, officer):
        visit = self.arrive(clerk, "CSQU3054383", iso_type="22R1")
        order = services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
        assert order.move_in.to_slot.block.code == "INSR" and order.move_in.awaiting_slot_since is None
        complete(order.move_in, clerk)
        services.inspection_result(order_id=order.pk, result="no_suspicion", actor=officer)
        order.refresh_from_db()
        assert order.move_out.to_slot.block.code == "RF"

    def test_a_dg_box_is_inspected_where_it_stands(self, special_areas, clerk, officer):
        goods = [{"un_number": "1203", "class": "3", "packing_group": "II"}]
        visit = self.arrive(clerk, "CSQU3054383", iso_type="22G1", dangerous_goods=goods)
        standing = selectors.visit_position(visit)
        assert standing.startswith("DG-")

        order = services.inspection_order(container=visit.container.number, kind="scan", actor=officer)
        assert (order.status, order.move_in, order.arrived_at is not None) == ("at_inspection", None, True)
        assert order.hold.active and order.hold.kind == "scan_required"

        services.inspection_result(order_id=order.pk, result="suspicion", actor=officer)
        exam = InspectionOrder.objects.get(visit=visit, kind="physical_exam")
        assert exam.status == "at_inspection"
        services.inspection_result(order_id=exam.pk, result="findings", findings="not as declared", actor=officer)
        exam.refresh_from_db()
        assert exam.move_out is None and exam.hold.active  # findings: the hold stays, the box stays
        assert selectors.visit_position(visit) == standing
        assert not visit.moves.filter(kind="inspection").exists()


class TestApiAndRoles:
    def test_customs_holds_per_the_contract(self, terminal, clerk, client_for):
        visit = arrive_import(clerk)
        body = {"container": visit.container.number, "kind": "documents", "reason": "invoice missing"}
        for role in (roles.OPERATOR, roles.YARD_CLERK, roles.DRIVER, roles.DG_OFFICER, roles.MANAGER):
            assert client_for(role).post("/api/v1/customs/holds/", body).status_code == 403
        officer = client_for(roles.CUSTOMS_OFFICER)
        created = officer.post("/api/v1/customs/holds/", body)
        assert created.status_code == 201 and created.json()["kind"] == "documents"
        url = f"/api/v1/customs/holds/{created.json()['id']}/release/"
        assert client_for(roles.OPERATOR).post(url).status_code == 403
        assert officer.post(url).status_code == 200
        again = officer.post(url)
        assert (again.status_code, again.json()["code"]) == (409, "hold_not_active")
        missing = officer.post("/api/v1/customs/holds/", {**body, "reason": ""})
        assert (missing.status_code, missing.json()["code"]) == (400, "invalid")

    def test_the_yard_admin_cannot_release_a_customs_hold(self, terminal, clerk, client, operator):
        visit = arrive_import(clerk)
        hold = Hold.objects.get(visit=visit)
        client.force_login(operator)
        response = client.post("/admin/yard/hold/", {"action": "release", "_selected_action": [hold.pk]}, follow=True)
        assert "Only officers of this authority (Customs)" in response.content.decode()
        hold.refresh_from_db()
        assert hold.active

    def test_inspection_over_the_api(self, terminal, clerk, client_for):
        visit = arrive_import(clerk)
        officer = client_for(roles.CUSTOMS_OFFICER)
        order = officer.post("/api/v1/customs/inspections/", {"container": visit.container.number, "kind": "scan"})
        assert order.status_code == 201, order.content
        early = officer.post(f"/api/v1/customs/inspections/{order.json()['id']}/result/", {"result": "no_suspicion"})
        assert (early.status_code, early.json()["code"]) == (409, "inspection_not_at_area")
        pending = client_for(roles.MANAGER).get("/api/v1/customs/inspections/?status=ordered").json()
        assert [row["container"] for row in pending["results"]] == [visit.container.number]

    def test_admin_pages(self, terminal, clerk, client, officer):
        arrive_import(clerk)
        client.force_login(officer)
        page = client.get("/admin/customs/inspectionorder/under-control/")
        assert page.status_code == 200 and "CSQU3054383" in page.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks: PostgreSQL")
def test_a_hold_and_a_departure_never_cross(un_list):
    """Officers hold a container while a driver delivers it: either it stays held, or it left before."""
    IsoSizeTypeFactory()
    BlockFactory(code="A", bays=4, rows=2)
    clerk, officer = UserFactory(), UserFactory()
    officer.groups.add(Group.objects.get(name=roles.CUSTOMS_OFFICER))
    for bay in range(1, 5):
        visit = ContainerVisitFactory()
        placed = yard_services.move_plan(visit=visit, kind="receive", actor=clerk)
        complete(placed, clerk, f"A-0{bay}-01-1")
        delivery = yard_services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
        barrier, results = threading.Barrier(2), {}

        def hold(visit=visit, barrier=barrier, results=results):
            barrier.wait()
            try:
                services.hold_place(container=visit.container.number, kind="documents", reason="x", actor=officer)
                results["hold"] = "placed"
            except DomainError as error:
                results["hold"] = error.code
            finally:
                connection.close()

        def deliver(delivery=delivery, barrier=barrier, results=results):
            barrier.wait()
            try:
                complete(delivery, clerk, "GATE")
                results["delivery"] = "done"
            except DomainError as error:
                results["delivery"] = error.code
            finally:
                connection.close()

        threads = [threading.Thread(target=hold), threading.Thread(target=deliver)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        visit.refresh_from_db()
        if visit.state == ContainerVisit.State.DEPARTED:
            assert results == {"hold": "container_not_in_terminal", "delivery": "done"}
        else:
            assert results == {"hold": "placed", "delivery": "container_on_hold"}
