"""Dangerous goods in the yard: admission, declarations against the UN list, segregation on every side (the rule on
in-memory snapshots, its enforcement through the services on the database)."""

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
from tests.snapshots import block, box, check, stack, yard_of
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.allocation import slot_choose
from yard.models import Block, ContainerVisit, Occupancy
from yard.stacking import Box, YardSnapshot

ACETONE = {"un_number": "1090", "class": "3"}
MIX = [[GASOLINE], [AMMONIUM_NITRATE], [SULFURIC_ACID], [ENV_HAZARDOUS], [HYDROCHLORIC_ACID]]


def refused_code(callable_, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        callable_(**kwargs)
    return error.value


@pytest.mark.django_db
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


@pytest.mark.django_db
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


@pytest.fixture
def dg_area() -> YardSnapshot:
    """In memory, as `dg_yard` on the database: a DG area of 10 bays x 4 rows x 3 tiers and a full block."""
    return yard_of(block("DG", kind=Block.Kind.DANGEROUS_GOODS, bays=10, rows=4, max_tier=3), block("A"))


class TestSegregationRule:
    """On in-memory snapshots: every placement rule, segregation among them, as a service would ask them."""

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
    def test_separated_from_needs_one_empty_slot_between(self, dg_area, position, allowed):
        gasoline = stack(dg_area, box(1, dangerous_goods=[GASOLINE]), "DG-05-02-1")
        verdict = check(dg_area, box(2, dangerous_goods=[AMMONIUM_NITRATE]), position)
        if allowed:
            assert verdict.allowed, verdict.reason
            return
        assert (verdict.allowed, verdict.code, verdict.neighbour_visit_id) == (False, "segregation_conflict", 1)
        assert gasoline.number in verdict.reason and "level 2" in verdict.reason

    def test_stacking_only_on_the_same_class(self, dg_area):
        stack(dg_area, box(1, dangerous_goods=[GASOLINE]), "DG-05-02-1")
        stack(dg_area, box(2, dangerous_goods=[ACETONE]), "DG-05-02-2")  # acetone on gasoline: both class 3
        verdict = check(dg_area, box(3, dangerous_goods=[ENV_HAZARDOUS]), "DG-05-02-3")  # class 9: "X", but stacked
        assert (verdict.allowed, verdict.code) == (False, "segregation_conflict")
        assert "same stack" in verdict.reason

    def test_boxes_of_several_classes_are_not_stacked_even_on_the_same_mix(self, dg_area):
        stack(dg_area, box(1, dangerous_goods=[GASOLINE, SULFURIC_ACID]), "DG-05-02-1")
        verdict = check(dg_area, box(2, dangerous_goods=[GASOLINE, SULFURIC_ACID]), "DG-05-02-2")
        assert (verdict.allowed, verdict.code, "same stack" in verdict.reason) == (False, "segregation_conflict", True)

    def test_never_two_different_class_8_cargoes_stacked(self, dg_area):
        stack(dg_area, box(1, dangerous_goods=[SULFURIC_ACID]), "DG-01-01-1")
        verdict = check(dg_area, box(2, dangerous_goods=[HYDROCHLORIC_ACID]), "DG-01-01-2")
        assert (verdict.allowed, verdict.code) == (False, "segregation_conflict")
        assert check(dg_area, box(3, dangerous_goods=[SULFURIC_ACID]), "DG-01-01-2").allowed  # the same cargo may

    def test_class_1_against_class_1_needs_another_block(self, dg_area):
        stack(dg_area, box(1, dangerous_goods=[CARTRIDGES]), "DG-01-01-1")
        assert slot_choose(box(2, dangerous_goods=[CARTRIDGES]), dg_area) is None  # allocation finds no place
        verdict = check(dg_area, box(2, dangerous_goods=[CARTRIDGES]), "DG-10-04-1")  # the far corner
        assert (verdict.allowed, verdict.code) == (False, "segregation_conflict")
        assert "another block" in verdict.reason

    def test_level_x_neighbours_may_stand_side_by_side(self, dg_area):
        stack(dg_area, box(1, dangerous_goods=[GASOLINE]), "DG-05-02-1")
        verdict = check(dg_area, box(2, dangerous_goods=[ENV_HAZARDOUS]), "DG-06-02-1")
        assert verdict.allowed, verdict.reason

    def test_goods_in_another_block_are_no_neighbours(self, dg_area):
        other = yard_of(*dg_area.blocks.values(), block("DG2", kind=Block.Kind.DANGEROUS_GOODS))
        stack(other, box(1, dangerous_goods=[CARTRIDGES]), "DG-01-01-1")
        assert check(other, box(2, dangerous_goods=[CARTRIDGES]), "DG2-01-01-1").allowed

    def test_allocation_never_proposes_a_conflict_in_a_busy_area(self, dg_area):
        placed = 0
        for visit_id, lines in enumerate(itertools.islice(itertools.cycle(MIX), 60), start=1):
            arriving = box(visit_id, dangerous_goods=lines)
            allocation = slot_choose(arriving, dg_area)
            if allocation is None:
                continue
            stack(dg_area, arriving, allocation.chosen.position)  # every proposal passes every rule as proposed
            placed += 1
        assert placed >= 30
        for (slot_id, tier), (standing, _) in dg_area.boxes.items():  # the final yard breaks no rule
            slot = dg_area.slots[slot_id]
            verdict = segregation_rule(
                standing, dg_area.blocks[slot.block_id], [slot], tier, dg_area.without(standing.visit_id)
            )
            assert verdict.allowed, verdict.reason


@pytest.mark.django_db
class TestSegregationThroughTheServices:
    def test_a_completion_next_to_a_separated_cargo_is_refused(self, place):
        gasoline = place([GASOLINE], "DG-05-02-1")
        error = refused_code(place, lines=[AMMONIUM_NITRATE], position="DG-06-02-1")
        assert error.code == "segregation_conflict"
        assert gasoline.container.number in error.detail and "level 2" in error.detail
        visit = place([AMMONIUM_NITRATE], "DG-07-02-1")  # one empty bay between
        assert yard_selectors.visit_position(visit) == "DG-07-02-1"

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

    def test_every_proposal_of_the_allocation_is_confirmed_as_proposed(self, arrive, clerk):
        for lines in itertools.islice(itertools.cycle(MIX), 15):
            move = arrive(lines)
            yard_services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=move.planned_to, actor=clerk
            )
            assert yard_selectors.visit_position(move.visit) == move.planned_to
        assert Occupancy.objects.filter(slot__block__code="DG").count() == 15

    def test_boxes_on_their_way_count_as_standing_in_their_places(self, arrive, clerk):
        """Every box gated in before any is put down (a list's boxes, or a busy gate), then put down in reverse
        order: each finds its planned place legal, because allocation counted the others' planned places."""
        moves = [arrive(lines) for lines in itertools.islice(itertools.cycle(MIX), 12)]
        for move in reversed(moves):
            done = yard_services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=move.planned_to, actor=clerk
            )
            assert (done.status, done.deviation) == ("done", False)


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_the_inventory_lists_every_dg_container_by_position(place, django_assert_max_num_queries):
    place([GASOLINE], "DG-05-02-1")
    place([ENV_HAZARDOUS, SULFURIC_ACID], "DG-01-01-1")
    with django_assert_max_num_queries(2):
        rows = selectors.inventory()
    assert [(row["position"], row["un_number"]) for row in rows] == [
        ("DG-01-01-1", "3082"), ("DG-01-01-1", "1830"), ("DG-05-02-1", "1203"),
    ]  # fmt: skip
    assert rows[2]["proper_shipping_name"].startswith("Gasoline") and rows[2]["class"] == "3"


@pytest.mark.django_db
def test_box_lines_reach_the_rule(place):
    visit = place([GASOLINE], "DG-05-02-1")
    assert Box.of(ContainerVisit.objects.get(pk=visit.pk)).dangerous_goods[0]["un_number"] == "1203"
