"""Dangerous goods in the yard: admission, declarations against the UN list, segregation on every side."""

import itertools

import pytest

from aktau_tos.errors import DomainError
from dangerous_goods import selectors, services
from dangerous_goods.models import Declaration, SegregationAlert
from dangerous_goods.rules import segregation_rule
from tests.dangerous_goods.conftest import (
    AMMONIUM_NITRATE,
    CARTRIDGES,
    ENV_HAZARDOUS,
    GASOLINE,
    HYDROCHLORIC_ACID,
    SULFURIC_ACID,
)
from tests.factories.yard import ContainerVisitFactory
from yard import services as yard_services
from yard.models import ContainerVisit, Occupancy
from yard.stacking import Box, snapshot_load

pytestmark = pytest.mark.django_db


def refused_code(callable_, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        callable_(**kwargs)
    return error.value


class TestAdmission:
    @pytest.mark.parametrize(
        ("line", "reason"),
        [
            ({"un_number": "0004", "class": "1.1D"}, "direct delivery only"),
            ({"un_number": "2915", "class": "7"}, "direct delivery only"),
            ({"un_number": "2814", "class": "6.2"}, "not accepted"),
        ],
    )
    def test_refused_for_storage(self, arrive, line, reason):
        error = refused_code(arrive, lines=[line])
        assert (error.code, reason in error.detail) == ("dg_not_admitted", True)
        assert not ContainerVisit.objects.exists()

    def test_division_1_4s_is_admitted(self, arrive):
        assert arrive([CARTRIDGES]).to_slot.block.code == "DG"


class TestDeclaredLines:
    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ({"un_number": "9999", "class": "3"}, "not in the dangerous goods list"),
            ({"un_number": "1203", "class": "8"}, "listed as class 3 PG II, not class 8"),
            ({"un_number": "1203", "class": "3", "packing_group": "I"}, "not class 3 PG I"),
        ],
    )
    def test_lines_must_match_the_un_list(self, arrive, line, message):
        error = refused_code(arrive, lines=[GASOLINE, line])
        assert (error.code, error.status) == ("dg_line_invalid", 400)
        assert error.detail.startswith("Line 2:") and message in error.detail

    def test_lines_are_completed_and_a_declaration_recorded(self, arrive):
        move = arrive([{"un_number": "1230", "class": "3"}])  # methanol: the row with subsidiary risk 6.1 wins
        [line] = move.visit.dangerous_goods
        assert (line["subsidiary_risks"], line["proper_shipping_name"]) == (["6.1"], "Methanol")
        declaration = Declaration.objects.get(visit=move.visit)
        assert [(x.un_number, x.subsidiary_risks) for x in declaration.lines.all()] == [("1230", "6.1")]


class TestSegregationInTheYard:
    @pytest.mark.parametrize(
        ("position", "allowed"),
        [
            ("DG-06-02-1", False),  # next bay, same row
            ("DG-04-02-1", False),  # bay before
            ("DG-05-03-1", False),  # next row
            ("DG-05-01-1", False),  # row before
            ("DG-06-03-1", False),  # diagonal
            ("DG-07-02-1", True),  # one empty bay between
            ("DG-05-04-1", True),  # one empty row between
        ],
    )
    def test_separated_from_needs_one_empty_slot_between(self, place, position, allowed):
        gasoline = place([GASOLINE], "DG-05-02-1")
        if allowed:
            place([AMMONIUM_NITRATE], position)
            return
        error = refused_code(place, lines=[AMMONIUM_NITRATE], position=position)
        assert error.code == "segregation_conflict"
        assert gasoline.container.number in error.detail and "level 2" in error.detail

    def test_stacking_only_on_the_same_class(self, place):
        place([GASOLINE], "DG-05-02-1")
        place([{"un_number": "1090", "class": "3"}], "DG-05-02-2")  # acetone on gasoline: both class 3
        error = refused_code(place, lines=[ENV_HAZARDOUS], position="DG-05-02-3")  # class 9: "X", but stacked
        assert error.code == "segregation_conflict" and "same stack" in error.detail

    def test_never_two_different_class_8_cargoes_stacked(self, place):
        place([SULFURIC_ACID], "DG-01-01-1")
        assert refused_code(place, lines=[HYDROCHLORIC_ACID], position="DG-01-01-2").code == "segregation_conflict"
        place([SULFURIC_ACID], "DG-01-01-2")  # the same cargo may

    def test_class_1_against_class_1_needs_another_block(self, place, arrive, clerk):
        place([CARTRIDGES], "DG-01-01-1")
        assert refused_code(arrive, lines=[CARTRIDGES]).code == "no_slot_available"  # allocation finds none
        visit = ContainerVisitFactory(dangerous_goods=[{**CARTRIDGES, "subsidiary_risks": []}])
        move = yard_services.move_plan(visit=visit, kind="receive", actor=clerk)
        error = refused_code(
            yard_services.move_complete, move_id=move.pk, container=visit.container.number, position="DG-10-04-1",
            actor=clerk,
        )  # fmt: skip
        assert error.code == "segregation_conflict" and "another block" in error.detail

    def test_level_x_neighbours_may_stand_side_by_side(self, place):
        place([GASOLINE], "DG-05-02-1")
        place([ENV_HAZARDOUS], "DG-06-02-1")

    def test_allocation_never_proposes_a_conflict_in_a_busy_area(self, arrive, clerk):
        mix = itertools.cycle([[GASOLINE], [AMMONIUM_NITRATE], [SULFURIC_ACID], [ENV_HAZARDOUS], [HYDROCHLORIC_ACID]])
        placed = 0
        for lines in itertools.islice(mix, 60):
            try:
                move = arrive(lines)
            except DomainError as error:
                assert error.code == "no_slot_available"
                continue
            yard_services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=move.planned_to, actor=clerk
            )  # every proposal is confirmed as proposed: it must be legal
            placed += 1
        assert placed >= 30
        snapshot = snapshot_load(blocks=[Occupancy.objects.first().slot.block])
        for (slot_id, tier), (box, _) in snapshot.boxes.items():  # the final yard breaks no rule
            slot = snapshot.slots[slot_id]
            verdict = segregation_rule(
                box, snapshot.blocks[slot.block_id], [slot], tier, snapshot.without(box.visit_id)
            )
            assert verdict.allowed, verdict.reason


class TestRedeclaration:
    def test_a_changed_declaration_is_rechecked_where_the_box_stands(self, place, user_with_role):
        officer = user_with_role("dg_officer")
        gasoline = place([GASOLINE], "DG-05-02-1")
        neighbour = place([ENV_HAZARDOUS], "DG-06-02-1")
        declaration = services.declaration_replace(
            container=neighbour.container.number, lines=[{**AMMONIUM_NITRATE, "net_mass_kg": 18000}], actor=officer
        )
        assert [line.un_number for line in declaration.lines.all()] == ["1942"]
        alert = SegregationAlert.objects.get()
        assert (alert.visit, alert.neighbour, alert.position) == (neighbour, gasoline, "DG-06-02-1")
        neighbour.refresh_from_db()
        assert neighbour.dangerous_goods[0]["class"] == "5.1"
        assert declaration.lines.get().history.first().history_user == officer

    def test_an_invalid_declaration_changes_nothing(self, place, user_with_role):
        visit = place([GASOLINE], "DG-05-02-1")
        error = refused_code(
            services.declaration_replace, container=visit.container.number,
            lines=[{"un_number": "0000", "class": "3"}], actor=user_with_role("dg_officer"),
        )  # fmt: skip
        assert error.code == "dg_line_invalid"
        visit.refresh_from_db()
        assert visit.dangerous_goods[0]["un_number"] == "1203"


def test_the_inventory_lists_every_dg_container_by_position(place, django_assert_max_num_queries):
    place([GASOLINE], "DG-05-02-1")
    place([ENV_HAZARDOUS, SULFURIC_ACID], "DG-01-01-1")
    with django_assert_max_num_queries(2):
        rows = selectors.inventory()
    assert [(row["position"], row["un_number"]) for row in rows] == [
        ("DG-01-01-1", "3082"), ("DG-01-01-1", "1830"), ("DG-05-02-1", "1203"),
    ]  # fmt: skip
    assert rows[2]["proper_shipping_name"].startswith("Gasoline") and rows[2]["class"] == "3"


def test_box_lines_reach_the_rule(place):
    visit = place([GASOLINE], "DG-05-02-1")
    assert Box.of(ContainerVisit.objects.get(pk=visit.pk)).dangerous_goods[0]["un_number"] == "1203"
