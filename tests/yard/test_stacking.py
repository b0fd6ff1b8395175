"""Stacking rules, each refused with the contract's code whatever asks (here: the services)."""

import pytest

from aktau_tos.errors import DomainError
from tests.factories.yard import ContainerFactory, ContainerVisitFactory
from yard import selectors, services
from yard.models import ContainerVisit, IsoSizeType, Occupancy, YardMove

pytestmark = pytest.mark.django_db


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


def test_a_placed_container_has_one_position(put):
    visit = put("A-01-01-1")
    assert visit.state == ContainerVisit.State.IN_YARD
    assert selectors.visit_position(visit) == "A-01-01-1"
    assert Occupancy.objects.filter(visit=visit).count() == 1


def test_one_container_per_slot_and_tier(put, clerk):
    first = put("A-01-01-1")
    error = refused(arriving(), "A-01-01-1", clerk)
    assert error.code == "position_occupied"
    assert first.container.number in error.detail


def test_nothing_floats(small_yard, clerk):
    error = refused(arriving(), "A-02-01-2", clerk)
    assert (error.code, "float" in error.detail) == ("position_invalid", True)


def test_no_tier_above_the_block_limit(put, clerk):
    for tier in (1, 2, 3):
        put(f"A-01-01-{tier}")
    error = refused(arriving(), "A-01-01-4", clerk)
    assert error.code == "position_invalid" and "at most 3 high" in error.detail


def test_a_twenty_never_stands_on_a_forty(put, clerk):
    put("A-01-01-1", iso_type="45G1")
    error = refused(arriving(), "A-01-01-2", clerk)
    assert error.code == "position_invalid" and "20' container may not stand on a 40'" in error.detail


def test_a_forty_fills_two_bays_and_stands_on_two_twenties_or_an_aligned_forty(put, clerk):
    forty = put("A-01-01-1", iso_type="45G1")
    assert set(Occupancy.objects.filter(visit=forty).values_list("slot__bay", "primary")) == {(1, True), (2, False)}
    assert refused(arriving(), "A-02-01-1", clerk).code == "position_occupied"  # its second bay
    put("A-01-01-2", iso_type="45G1")  # aligned on the forty
    put("A-03-01-1")
    put("A-04-01-1")
    put("A-03-01-2", iso_type="45G1")  # on two twenties
    assert refused(arriving("45G1"), "A-02-01-3", clerk).code == "position_invalid"  # misaligned


def test_a_forty_needs_the_next_bay(small_yard, clerk):
    error = refused(arriving("45G1"), "A-04-01-1", clerk)
    assert error.code == "position_invalid" and "bay 5" in error.detail


def test_reefers_only_on_powered_slots(small_yard, clerk):
    assert refused(arriving("22R1"), "A-01-01-1", clerk).code == "position_invalid"
    visit = arriving("22R1")
    complete_at(visit, "RF-01-01-1", clerk)
    assert selectors.visit_position(visit) == "RF-01-01-1"


def test_empty_reefers_need_no_power(small_yard, clerk):
    visit = arriving("22R1", freight_kind=ContainerVisit.FreightKind.EMPTY)
    complete_at(visit, "A-01-01-1", clerk)


def test_dangerous_goods_only_in_the_dg_area(small_yard, clerk):
    dg = [{"un_number": "1203", "class": "3", "packing_group": "II"}]
    error = refused(arriving(dangerous_goods=dg), "A-01-01-1", clerk)
    assert error.code == "position_invalid" and "DG area" in error.detail
    complete_at(arriving(dangerous_goods=dg), "DG-01-01-1", clerk)


@pytest.mark.parametrize("position", ["Z-01-01-1", "A-09-01-1", "A-1-1", "A/01/01/1", ""])
def test_unknown_or_malformed_positions(small_yard, clerk, position):
    assert refused(arriving(), position, clerk).code == "position_invalid"


def test_a_buried_container_cannot_leave(put, clerk):
    bottom = put("A-01-01-1")
    top = put("A-01-01-2")
    move = services.move_create_adhoc(container=bottom.container.number, to="A-03-02-1", actor=clerk)
    with pytest.raises(DomainError) as error:
        services.move_complete(move_id=move.pk, container=bottom.container.number, position="A-03-02-1", actor=clerk)
    assert error.value.code == "container_not_on_top"
    assert top.container.number in error.value.detail
    assert selectors.visit_position(bottom) == "A-01-01-1"


def test_a_refused_placement_changes_nothing(put, clerk):
    visit = put("A-01-01-1")
    move = services.move_create_adhoc(container=visit.container.number, to="A-02-01-1", actor=clerk)
    put("A-03-01-1")
    with pytest.raises(DomainError):
        services.move_complete(move_id=move.pk, container=visit.container.number, position="A-03-01-1", actor=clerk)
    assert selectors.visit_position(visit) == "A-01-01-1"
    move.refresh_from_db()
    assert move.status == YardMove.Status.PLANNED


def test_a_container_moves_up_its_own_row(put, clerk):
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
