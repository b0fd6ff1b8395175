"""Stacking rules, decided on in-memory snapshots; then, on the database, the services that enforce them with the
contract's codes."""

from datetime import UTC, datetime

import pytest

from aktau_tos.errors import DomainError
from tests.factories.yard import ContainerFactory, ContainerVisitFactory
from tests.snapshots import block, box, check, slot_at, stack, yard_of
from yard import selectors, services
from yard.models import Block, CarrierVisit, Container, ContainerVisit, IsoSizeType, Occupancy, YardMove
from yard.positions import position_parse
from yard.stacking import Box, YardSnapshot, removal_check

GASOLINE = {"un_number": "1203", "class": "3", "packing_group": "II"}


@pytest.fixture
def small() -> YardSnapshot:
    """In memory, as `small_yard` on the database: block A (4 bays x 2 rows x 3 tiers), a powered reefer block
    RF (2 bays x 1 row) and a DG area (3 bays x 2 rows x 2 tiers)."""
    return yard_of(
        block("A"),
        block("RF", kind=Block.Kind.REEFER, bays=2, rows=1),
        block("DG", kind=Block.Kind.DANGEROUS_GOODS, bays=3, rows=2, max_tier=2),
    )


def forty(visit_id: int, **fields) -> Box:
    return box(visit_id, length_ft=40, **fields)


def test_one_container_per_slot_and_tier(small):
    first = stack(small, box(1), "A-01-01-1")
    verdict = check(small, box(2), "A-01-01-1")
    assert (verdict.allowed, verdict.code) == (False, "position_occupied")
    assert first.number in verdict.reason


def test_nothing_floats(small):
    verdict = check(small, box(1), "A-02-01-2")
    assert (verdict.allowed, verdict.code, "float" in verdict.reason) == (False, "position_invalid", True)


def test_no_tier_above_the_block_limit(small):
    for tier in (1, 2, 3):
        stack(small, box(tier), f"A-01-01-{tier}")
    verdict = check(small, box(4), "A-01-01-4")
    assert (verdict.allowed, verdict.code) == (False, "position_invalid")
    assert "at most 3 high" in verdict.reason


def test_a_twenty_never_stands_on_a_forty(small):
    stack(small, forty(1), "A-01-01-1")
    verdict = check(small, box(2), "A-01-01-2")
    assert (verdict.allowed, verdict.code) == (False, "position_invalid")
    assert "20' container may not stand on a 40'" in verdict.reason
    assert not check(small, box(2), "A-02-01-2").allowed  # nor on its second bay


def test_a_forty_fills_two_bays_and_stands_on_two_twenties_or_an_aligned_forty(small):
    first, _ = slot_at(small, "A-01-01-1")
    second, _ = slot_at(small, "A-02-01-1")
    stack(small, forty(1), "A-01-01-1")
    assert small.places_of(1) == [(first.pk, 1), (second.pk, 1)]
    assert small.box_at(second.pk, 1)[1] == first.pk  # both halves name bay 1 as its primary slot
    assert check(small, box(2), "A-02-01-1").code == "position_occupied"  # its second bay
    stack(small, forty(3), "A-01-01-2")  # aligned on the forty
    stack(small, box(4), "A-03-01-1")
    stack(small, box(5), "A-04-01-1")
    stack(small, forty(6), "A-03-01-2")  # on two twenties
    misaligned = check(small, forty(7), "A-02-01-3")  # half on the forty of bays 1-2, half on that of bays 3-4
    assert (misaligned.allowed, misaligned.code) == (False, "position_invalid")
    assert "a 40' must stand on a 40' in the same bays or on two 20's" in misaligned.reason


def test_a_forty_on_a_twenty_and_nothing_is_refused(small):
    stack(small, box(1), "A-01-01-1")
    verdict = check(small, forty(2), "A-01-01-2")
    assert (verdict.allowed, "float" in verdict.reason) == (False, True)


def test_a_forty_needs_the_next_bay(small):
    verdict = check(small, forty(1), "A-04-01-1")
    assert (verdict.allowed, verdict.code) == (False, "position_invalid")
    assert "bay 5" in verdict.reason


def test_reefers_only_on_powered_slots(small):
    refused = check(small, box(1, reefer=True), "A-01-01-1")
    assert (refused.allowed, refused.code, refused.reason) == (
        False,
        "position_invalid",
        "a reefer needs a powered slot",
    )
    assert check(small, box(1, reefer=True), "RF-01-01-1").allowed
    assert check(small, forty(2, reefer=True), "RF-01-01-1").allowed  # both bays powered


def test_an_empty_reefer_is_no_reefer_to_the_rules():
    reefer = IsoSizeType(code="22R1", length_ft=20, group=IsoSizeType.Group.REEFER, type_code="R1")
    container = Container(number="CSQU3054383", iso_type=reefer)
    empty = ContainerVisit(pk=1, container=container, freight_kind=ContainerVisit.FreightKind.EMPTY)
    full = ContainerVisit(pk=2, container=container, freight_kind=ContainerVisit.FreightKind.FULL)
    assert (Box.of(empty).reefer, Box.of(full).reefer) == (False, True)


def test_a_box_leaves_when_its_visit_or_else_its_carrier_says():
    container = Container(number="CSQU3054383", iso_type=IsoSizeType(code="45G1", length_ft=40, group="G"))
    etd = datetime(2026, 1, 5, 12, tzinfo=UTC)
    train = CarrierVisit(pk=7, mode=CarrierVisit.Mode.RAIL, etd=etd)
    by_carrier = ContainerVisit(pk=1, container=container, outbound_carrier=train, dangerous_goods=[GASOLINE])
    own_date = ContainerVisit(pk=2, container=container, outbound_carrier=train, expected_departure=etd.replace(hour=8))
    assert Box.of(by_carrier).departure == etd and Box.of(own_date).departure == etd.replace(hour=8)
    assert (Box.of(by_carrier).outbound_carrier_id, Box.of(by_carrier).long) == (7, True)
    assert Box.of(ContainerVisit(pk=3, container=container, gross_kg=31_000)).gross_kg == 31_000
    assert Box.of(by_carrier).dangerous_goods == (GASOLINE,)


def test_dangerous_goods_only_in_the_dg_area(small):
    verdict = check(small, box(1, dangerous_goods=[GASOLINE]), "A-01-01-1")
    assert (verdict.allowed, verdict.code) == (False, "position_invalid")
    assert "DG area" in verdict.reason
    assert check(small, box(1, dangerous_goods=[GASOLINE]), "DG-01-01-1").allowed


@pytest.mark.parametrize("position", ["A-1-1", "A/01/01/1", "", "A-01-01"])
def test_malformed_positions(position):
    with pytest.raises(DomainError) as error:
        position_parse(position)
    assert error.value.code == "position_invalid"


def test_a_buried_container_must_wait_for_the_one_on_top(small):
    bottom = stack(small, box(1), "A-01-01-1")
    top = stack(small, box(2), "A-01-01-2")
    slot, _ = slot_at(small, "A-01-01-1")
    assert removal_check(bottom.visit_id, slot, 1, small) == top
    assert removal_check(top.visit_id, slot, 2, small) is None


def test_what_stands_on_a_forty_or_on_either_of_its_bays_must_move_first(small):
    stack(small, box(1), "A-01-01-1")
    under_second_bay = stack(small, box(2), "A-02-01-1")
    long_box = stack(small, forty(3), "A-01-01-2")  # on the two twenties
    on_top = stack(small, forty(4), "A-01-01-3")  # aligned on it
    first_bay, _ = slot_at(small, "A-01-01-1")
    second_bay, _ = slot_at(small, "A-02-01-1")
    assert removal_check(long_box.visit_id, first_bay, 2, small) == on_top
    assert removal_check(under_second_bay.visit_id, second_bay, 1, small) == long_box
    assert small.top_above(under_second_bay.visit_id) == on_top  # the first of the boxes above it to lift
    assert small.top_above(on_top.visit_id) is None
    assert (small.height(first_bay.pk), small.height(second_bay.pk)) == (3, 3)


def test_a_yard_with_a_box_lifted_out_or_slots_closed(small):
    stack(small, box(1), "A-01-01-1")
    assert not check(small, box(2), "A-01-01-1").allowed
    assert check(small.without(1), box(2), "A-01-01-1").allowed
    closed_slot, _ = slot_at(small, "A-02-01-1")
    closed = small.restricted({closed_slot.pk})
    assert not check(closed, box(3), "A-02-01-1").allowed  # closed itself
    verdict = check(closed.without(1), forty(2), "A-01-01-1")  # its second bay is closed
    assert (verdict.allowed, verdict.code) == (False, "position_reserved")
    assert check(closed, forty(2), "A-01-02-1").allowed  # the other row is open


# --- Through the services, on the database ---------------------------------------------------------------------


def arriving(iso_type: str = "22G1", **fields) -> ContainerVisit:
    return ContainerVisitFactory(container=ContainerFactory(iso_type=IsoSizeType.objects.get(code=iso_type)), **fields)


def complete_at(visit: ContainerVisit, position: str, clerk) -> YardMove:
    move = YardMove.objects.filter(visit=visit, status=YardMove.Status.PLANNED).first()
    move = move or services.move_plan(visit=visit, kind=YardMove.Kind.RECEIVE, actor=clerk)
    return services.move_complete(move_id=move.pk, container=visit.container.number, position=position, actor=clerk)


def refused(visit, position, clerk) -> DomainError:
    with pytest.raises(DomainError) as error:
        complete_at(visit, position, clerk)
    return error.value


@pytest.mark.django_db
class TestThroughTheServices:
    def test_a_placed_container_has_one_position(self, put):
        visit = put("A-01-01-1")
        assert visit.state == ContainerVisit.State.IN_YARD
        assert selectors.visit_position(visit) == "A-01-01-1"
        assert Occupancy.objects.filter(visit=visit).count() == 1

    def test_a_refusal_reaches_the_clerk_with_the_contract_code(self, put, clerk):
        first = put("A-01-01-1")
        error = refused(arriving(), "A-01-01-1", clerk)
        assert error.code == "position_occupied"
        assert first.container.number in error.detail
        error = refused(arriving(), "A-02-01-2", clerk)
        assert (error.code, "float" in error.detail) == ("position_invalid", True)

    def test_a_forty_occupies_two_bays_the_first_one_primary(self, put, clerk):
        forty = put("A-01-01-1", iso_type="45G1")
        assert set(Occupancy.objects.filter(visit=forty).values_list("slot__bay", "primary")) == {(1, True), (2, False)}
        assert refused(arriving(), "A-02-01-1", clerk).code == "position_occupied"  # its second bay

    def test_reefers_only_on_powered_slots(self, small_yard, clerk):
        assert refused(arriving("22R1"), "A-01-01-1", clerk).code == "position_invalid"
        visit = arriving("22R1")
        complete_at(visit, "RF-01-01-1", clerk)
        assert selectors.visit_position(visit) == "RF-01-01-1"

    def test_empty_reefers_need_no_power(self, small_yard, clerk):
        visit = arriving("22R1", freight_kind=ContainerVisit.FreightKind.EMPTY)
        move = complete_at(visit, "A-01-01-1", clerk)
        visit.refresh_from_db()
        assert (move.status, visit.state) == (YardMove.Status.DONE, ContainerVisit.State.IN_YARD)
        assert list(Occupancy.objects.filter(visit=visit).values_list("slot__block__code", "slot__bay", "tier")) == [
            ("A", 1, 1)
        ]

    @pytest.mark.parametrize("position", ["Z-01-01-1", "A-09-01-1", "A-1-1"])
    def test_unknown_or_malformed_positions(self, small_yard, clerk, position):
        assert refused(arriving(), position, clerk).code == "position_invalid"

    def test_a_buried_container_cannot_leave(self, put, clerk):
        bottom = put("A-01-01-1")
        top = put("A-01-01-2")
        move = services.move_create_adhoc(container=bottom.container.number, to="A-03-02-1", actor=clerk)
        with pytest.raises(DomainError) as error:
            services.move_complete(
                move_id=move.pk, container=bottom.container.number, position="A-03-02-1", actor=clerk
            )
        assert error.value.code == "container_not_on_top"
        assert top.container.number in error.value.detail
        assert selectors.visit_position(bottom) == "A-01-01-1"

    def test_a_refused_placement_changes_nothing(self, put, clerk):
        visit = put("A-01-01-1")
        move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
        put("A-03-01-1")
        with pytest.raises(DomainError) as error:
            services.move_complete(move_id=move.pk, container=visit.container.number, position="A-03-01-1", actor=clerk)
        assert error.value.code == "position_occupied"
        assert selectors.visit_position(visit) == "A-01-01-1"
        move.refresh_from_db()
        assert move.status == YardMove.Status.PLANNED

    def test_a_container_moves_up_its_own_row(self, put, clerk):
        visit = put("A-01-01-1")
        put("A-02-01-1")
        services.move_complete(
            move_id=services.move_create_adhoc(container=visit.container.number, to="A-02-01-2", actor=clerk).pk,
            container=visit.container.number,
            position="A-02-01-2",
            actor=clerk,
        )
        assert selectors.visit_position(visit) == "A-02-01-2"
        assert not Occupancy.objects.filter(slot__bay=1, visit=visit).exists()
