"""Moves through their states, holds that block them, gate-in and dispatch to the machines' queues."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos.errors import DomainError
from yard import selectors, services
from yard.models import ContainerVisit, Equipment, Hold, Occupancy, YardMove

pytestmark = pytest.mark.django_db


def code_of(callable_, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        callable_(**kwargs)
    return error.value.code


class TestGateIn:
    def test_plans_a_move_to_an_allocated_slot_and_explains_it(self, small_yard, clerk):
        move = services.gate_in(
            container="csqu 305438 3", iso_type="22G1", freight_kind="full", truck="777 akt 02", gross_kg=21000,
            seal="SL123", actor=clerk,
        )  # fmt: skip
        assert (move.kind, move.status, move.priority) == ("receive", "planned", 20)
        assert selectors.move_from(move) == "TRUCK:777 AKT 02"
        assert move.to_slot.block.code == "A"
        assert move.allocation["chosen"]["position"] == selectors.move_to(move) == move.planned_to
        assert move.allocation["runners_up"] == []  # the other empty ground slots of A score the same: not repeated
        assert move.allocation["considered"] == 8  # every ground slot of block A
        visit = move.visit
        assert (visit.state, visit.category, visit.seals) == ("expected", "export", ["SL123"])

    def test_the_container_arrives_when_the_move_is_done(self, small_yard, clerk):
        move = services.gate_in(container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk)
        services.move_complete(move_id=move.pk, container="CSQU3054383", position=move.planned_to, actor=clerk)
        visit = ContainerVisit.objects.get()
        assert visit.state == ContainerVisit.State.IN_YARD and visit.arrived_at is not None
        assert selectors.visit_position(visit) == move.planned_to

    def test_a_container_has_one_open_visit(self, small_yard, clerk):
        services.gate_in(container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk)
        code = code_of(
            services.gate_in, container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T2", actor=clerk
        )
        assert code == "container_already_in_terminal"
        assert ContainerVisit.objects.count() == 1

    def test_dangerous_goods_go_to_the_dg_area(self, small_yard, clerk):
        move = services.gate_in(
            container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk,
            dangerous_goods=[{"un_number": "1203", "class": "3", "packing_group": "II"}],
        )  # fmt: skip
        assert move.to_slot.block.code == "DG"

    def test_a_full_yard_says_so(self, small_yard, clerk, put):
        for bay in (1, 2, 3):
            for row in (1, 2):
                put(f"DG-0{bay}-0{row}-1", dangerous_goods=[{"un_number": "1203", "class": "3"}])
                put(f"DG-0{bay}-0{row}-2", dangerous_goods=[{"un_number": "1203", "class": "3"}])
        code = code_of(
            services.gate_in, container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk,
            dangerous_goods=[{"un_number": "1203", "class": "3"}],
        )  # fmt: skip
        assert code == "no_slot_available"


class TestCompletion:
    def test_accepted_from_planned_dispatched_or_in_progress(self, put, clerk):
        for index, status in enumerate(["planned", "dispatched", "in_progress"]):
            visit = put(f"A-0{index + 1}-01-1")
            move = services.move_create_adhoc(container=visit.container.number, to=f"A-0{index + 1}-02-1", actor=clerk)
            YardMove.objects.filter(pk=move.pk).update(status=status)
            done = services.move_complete(
                move_id=move.pk, container=visit.container.number, position=f"A-0{index + 1}-02-1", actor=clerk
            )
            assert done.status == "done" and done.finished_by == clerk

    def test_another_legal_position_is_a_recorded_deviation(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        done = services.move_complete(
            move_id=move.pk, container=visit.container.number, position="a-3-2-1", actor=clerk
        )
        assert (done.deviation, done.planned_to, selectors.move_to(done)) == (True, "A-02-01-1", "A-03-02-1")

    def test_the_scanned_container_must_be_the_moves(self, put, clerk):
        visit, other = put("A-01-01-1"), put("A-02-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-03-01-1", actor=clerk)
        code = code_of(
            services.move_complete, move_id=move.pk, container=other.container.number, position="A-03-01-1", actor=clerk
        )
        assert code == "container_mismatch"

    def test_the_same_confirmation_twice_is_harmless_and_another_is_refused(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        first = services.move_complete(
            move_id=move.pk, container=visit.container.number, position="A-02-01-1", actor=clerk
        )
        history = YardMove.history.filter(id=move.pk).count()
        again = services.move_complete(
            move_id=move.pk, container=visit.container.number, position="A-02-01-1", actor=clerk
        )
        assert again.finished_at == first.finished_at
        assert YardMove.history.filter(id=move.pk).count() == history
        code = code_of(
            services.move_complete, move_id=move.pk, container=visit.container.number, position="A-03-01-1", actor=clerk
        )
        assert code == "move_not_open"

    def test_a_cancelled_move_is_not_open(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        services.move_cancel(move_id=move.pk, actor=clerk, reason="plan changed")
        assert YardMove.history.filter(id=move.pk).first().history_change_reason == "plan changed"
        code = code_of(
            services.move_complete, move_id=move.pk, container=visit.container.number, position="A-02-01-1", actor=clerk
        )
        assert code == "move_not_open"
        assert selectors.visit_position(visit) == "A-01-01-1"

    def test_delivery_to_the_gate_closes_the_visit_and_frees_the_slot(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="gate", actor=clerk)
        assert (move.kind, selectors.move_to(move)) == ("delivery", "GATE")
        services.move_complete(move_id=move.pk, container=visit.container.number, position="GATE", actor=clerk)
        visit.refresh_from_db()
        assert visit.state == ContainerVisit.State.DEPARTED and visit.departed_at is not None
        assert not Occupancy.objects.filter(visit=visit).exists()
        put("A-01-01-1")  # the slot is free again

    def test_gate_is_only_for_deliveries(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        code = code_of(
            services.move_complete, move_id=move.pk, container=visit.container.number, position="GATE", actor=clerk
        )
        assert code == "position_invalid"

    def test_one_open_move_per_container(self, put, clerk):
        visit = put("A-01-01-1")
        services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        code = code_of(services.move_create_adhoc, container=visit.container.number, to="A-03-01-1", actor=clerk)
        assert code == "move_already_open"

    def test_ad_hoc_moves_are_checked_when_asked(self, put, clerk):
        visit = put("A-01-01-1")
        put("A-02-01-1")
        code = code_of(services.move_create_adhoc, container=visit.container.number, to="A-02-01-1", actor=clerk)
        assert code == "position_occupied"
        assert code_of(services.move_create_adhoc, container="CSQU3054383", to="GATE", actor=clerk) == (
            "container_not_found"
        )


class TestHolds:
    def test_a_hold_blocks_delivery_and_names_itself(self, put, clerk, customs_officer):
        visit = put("A-01-01-1")
        hold = services.hold_place(
            container=visit.container.number, authority=Hold.Authority.CUSTOMS, kind="documents", actor=customs_officer
        )
        with pytest.raises(DomainError) as error:
            services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
        assert error.value.code == "container_on_hold"
        assert hold.reference in error.value.detail and "Customs" in error.value.detail
        # a yard shift is not an outbound move: the default hold does not block it
        services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)

    def test_a_hold_placed_after_planning_still_stops_the_move(self, put, clerk, operator):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
        hold = services.hold_place(
            container=visit.container.number, authority="terminal", kind="scan_required", actor=operator
        )
        for attempt in (services.move_start, services.move_complete):
            kwargs = (
                {"container": visit.container.number, "position": "GATE"} if attempt is services.move_complete else {}
            )
            assert code_of(attempt, move_id=move.pk, actor=clerk, **kwargs) == "container_on_hold"
        visit.refresh_from_db()
        assert visit.state == ContainerVisit.State.IN_YARD
        services.hold_release(hold_id=hold.pk, actor=operator)
        services.move_complete(move_id=move.pk, container=visit.container.number, position="GATE", actor=clerk)

    def test_release_is_audited_and_only_once(self, put, operator):
        visit = put("A-01-01-1")
        hold = services.hold_place(
            container=visit.container.number, authority="terminal", kind="damage", actor=operator
        )
        released = services.hold_release(hold_id=hold.pk, actor=operator)
        assert released.released_by == operator and released.history.first().history_user == operator
        assert code_of(services.hold_release, hold_id=hold.pk, actor=operator) == "hold_not_active"

    def test_blocked_kinds_are_validated(self, put, operator):
        visit = put("A-01-01-1")
        code = code_of(
            services.hold_place, container=visit.container.number, authority="terminal", kind="x",
            blocked_move_kinds=["teleport"], actor=operator,
        )  # fmt: skip
        assert code == "invalid_move_kinds"


class TestDispatch:
    def test_moves_go_to_the_machine_serving_their_block(self, put, clerk):
        a = put("A-01-01-1")
        reefer = put("RF-01-01-1", iso_type="22R1")
        to_a = services.move_create_adhoc(container=a.container.number, to="A-02-01-1", actor=clerk)
        to_rf = services.move_create_adhoc(container=reefer.container.number, to="RF-02-01-1", actor=clerk)
        assert services.moves_dispatch() == 2
        to_a.refresh_from_db(), to_rf.refresh_from_db()
        assert (to_a.status, to_a.equipment.code) == ("dispatched", "RS-01")
        assert to_rf.equipment.code == "RS-02"
        assert to_a.history.first().history_user.username == "system"
        assert services.moves_dispatch() == 0  # nothing left to hand out

    def test_queue_order_is_started_then_priority_then_deadline(self, put, clerk):
        visits = [put(f"A-0{bay}-01-1") for bay in (1, 2, 3)]
        soon = timezone.now() + timedelta(hours=1)
        shift = services.move_create_adhoc(container=visits[0].container.number, to="A-01-02-1", actor=clerk)
        delivery = services.move_create_adhoc(container=visits[1].container.number, to="GATE", actor=clerk)
        load_soon = services.move_plan(visit=visits[2], kind="load", deadline=soon, to_gate=True, actor=clerk)
        services.moves_dispatch()
        services.move_start(move_id=shift.pk, actor=clerk)
        queue = [move.pk for move in selectors.moves_queue(equipment_code="rs-01")]
        assert queue == [shift.pk, load_soon.pk, delivery.pk]

    def test_a_move_no_machine_can_reach_stays_planned(self, small_yard, put, clerk):
        Equipment.objects.filter(code="RS-02").update(active=False)
        visit = put("RF-01-01-1", iso_type="22R1")
        move = services.move_create_adhoc(container=visit.container.number, to="RF-02-01-1", actor=clerk)
        assert services.moves_dispatch() == 0
        move.refresh_from_db()
        assert (move.status, move.equipment) == ("planned", None)

    def test_held_moves_at_the_top_do_not_stall_the_rest(self, put, clerk, operator):
        held = [put(f"A-0{bay}-01-1") for bay in (1, 2, 3)]
        free = put("A-04-01-1")
        for visit in [*held, free]:
            services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
        for visit in held:  # older moves, so first in line; and more of them than a batch
            services.hold_place(container=visit.container.number, authority="terminal", kind="x", actor=operator)
        assert services.moves_dispatch(limit=2) == 1
        assert YardMove.objects.get(visit=free, kind="delivery").status == "dispatched"
        held_moves = YardMove.objects.filter(visit__in=held, kind="delivery")
        assert set(held_moves.values_list("status", flat=True)) == {"planned"}

    def test_a_load_onto_a_vessel_with_a_long_name_is_planned(self, put, clerk):
        from yard.models import CarrierVisit

        vessel = CarrierVisit.objects.create(mode="vessel", reference="CASPIAN STAR 047 TO BAKU/ALAT VIA ALYAT")
        visit = put("A-01-01-1")
        move = services.move_plan(visit=visit, kind="load", to_carrier=vessel, actor=clerk)
        move.refresh_from_db()
        assert move.planned_to.endswith(vessel.reference)  # the whole label is kept, not a database error


class TestHoldsInEveryChannel:
    def test_dispatch_leaves_a_held_move_planned_until_the_release(self, put, clerk, operator):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="GATE", actor=clerk)
        hold = services.hold_place(container=visit.container.number, authority="terminal", kind="x", actor=operator)
        assert services.moves_dispatch() == 0
        move.refresh_from_db()
        assert move.status == "planned"
        services.hold_release(hold_id=hold.pk, actor=operator)
        assert services.moves_dispatch() == 1

    def test_the_admin_action_is_refused_and_says_why(self, client, put, operator):
        visit = put("A-01-01-1")
        hold = services.hold_place(container=visit.container.number, authority="terminal", kind="x", actor=operator)
        client.force_login(operator)
        response = client.post(
            "/admin/yard/containervisit/",
            {"action": "deliver_to_gate", "_selected_action": [visit.pk]},
            follow=True,
        )
        assert hold.reference in response.content.decode()
        assert not YardMove.objects.filter(visit=visit, kind="delivery").exists()

    def test_the_admin_action_plans_through_the_service(self, client, put, operator):
        visit = put("A-01-01-1")
        client.force_login(operator)
        client.post("/admin/yard/containervisit/", {"action": "deliver_to_gate", "_selected_action": [visit.pk]})
        move = YardMove.objects.get(visit=visit, kind="delivery")
        assert (move.created_by, move.history.first().history_user) == (operator, operator)


class TestPlacementRulePlugins:
    def test_a_registered_rule_refuses_with_its_own_code_and_adds_costs(self, put, clerk, monkeypatch):
        from yard import hooks, stacking

        def no_row_two(box, block, slots, tier, snapshot):
            if slots[0].row == 2:
                return stacking.Verdict.refuse("row 2 is closed", code="segregation_conflict")
            return stacking.Verdict(True, cost=0.7, cost_label="test_rule")

        monkeypatch.setattr(hooks.placement_rules, "_functions", [no_row_two])
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        with pytest.raises(DomainError) as error:
            services.move_complete(move_id=move.pk, container=visit.container.number, position="A-03-02-1",
                                   actor=clerk)  # fmt: skip
        assert (error.value.code, "row 2 is closed" in error.value.detail) == ("segregation_conflict", True)
        gate_move = services.gate_in(
            container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T", actor=clerk
        )
        assert gate_move.to_slot.row == 1
        assert gate_move.allocation["chosen"]["costs"]["test_rule"] == 0.7


class TestHoldAuthority:
    def test_only_the_authoritys_officers_place_and_release_its_holds(self, put, operator, customs_officer):
        visit = put("A-01-01-1")
        with pytest.raises(DomainError) as error:
            services.hold_place(container=visit.container.number, authority="customs", kind="x", actor=operator)
        assert (error.value.code, error.value.status) == ("permission_denied", 403)
        hold = services.hold_place(
            container=visit.container.number, authority="customs", kind="x", actor=customs_officer
        )
        with pytest.raises(DomainError) as error:
            services.hold_release(hold_id=hold.pk, actor=operator)
        assert error.value.code == "permission_denied"
        services.hold_release(hold_id=hold.pk, actor=customs_officer)
