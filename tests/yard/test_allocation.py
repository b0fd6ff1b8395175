"""Allocation: only legal slots, rehandle-aware choice, explanations, reservations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.yard import BlockFactory, CarrierVisitFactory, ContainerFactory, ContainerVisitFactory
from yard import services
from yard.allocation import _reserved_slots, blocks_for, slot_allocate
from yard.models import Block, IsoSizeType
from yard.stacking import snapshot_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stacks(size_types, clerk):
    """Block T: two ground slots, three tiers, one container on each (leaving in 10 h and in 100 h)."""
    block = BlockFactory(code="T", bays=1, rows=2, max_tier=3)
    now = timezone.now()
    soon = CarrierVisitFactory(mode="rail", reference="SOON", etd=now + timedelta(hours=10))
    late = CarrierVisitFactory(mode="rail", reference="LATE", etd=now + timedelta(hours=100))
    for row, carrier in ((1, soon), (2, late)):
        visit = ContainerVisitFactory(outbound_carrier=carrier, expected_departure=carrier.etd)
        move = services.move_plan(visit=visit, kind="receive", actor=clerk)
        services.move_complete(
            move_id=move.pk, container=visit.container.number, position=f"T-01-0{row}-1", actor=clerk
        )
    return block, soon, late


def arriving(departure_hours: float | None, carrier=None) -> object:
    departure = timezone.now() + timedelta(hours=departure_hours) if departure_hours is not None else None
    return ContainerVisitFactory(outbound_carrier=carrier, expected_departure=departure)


def test_a_box_is_not_buried_under_nor_put_on_an_earlier_departure(two_stacks):
    block, _, _ = two_stacks
    allocation = slot_allocate(visit=arriving(50), blocks=[block])
    assert allocation.chosen.position == "T-01-02-2"  # on the box leaving in 100 h, not the one leaving in 10 h
    assert allocation.chosen.costs.get("rehandle") is None
    runner_up = allocation.runners_up[0]
    assert (runner_up.position, runner_up.costs["rehandle"]) == ("T-01-01-2", 1.0)


def test_boxes_for_one_carrier_are_grouped(two_stacks):
    block, soon, _ = two_stacks
    allocation = slot_allocate(visit=arriving(10, carrier=soon), blocks=[block])
    assert allocation.chosen.position == "T-01-01-2"
    assert allocation.chosen.costs["grouping"] < 0


def test_heavier_boxes_for_a_carrier_go_on_top(two_stacks, clerk):
    block, soon, _ = two_stacks
    light = ContainerVisitFactory(outbound_carrier=soon, expected_departure=soon.etd, gross_kg=5000)
    allocation = slot_allocate(visit=light, blocks=[block])
    assert allocation.chosen.costs.get("weight") == pytest.approx(0.2)  # lighter than the 20 t box below


def test_unknown_departures_prefer_the_ground(size_types):
    block = BlockFactory(code="T", bays=2, rows=1, max_tier=3)
    allocation = slot_allocate(visit=arriving(None), blocks=[block])
    assert allocation.chosen.tier == 1


def test_open_moves_reserve_their_target(small_yard, clerk):
    first = services.gate_in(container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk)
    second = services.gate_in(container="MSKU2666542", iso_type="22G1", freight_kind="full", truck="T2", actor=clerk)
    assert first.planned_to != second.planned_to


def test_a_40_foot_move_reserves_its_slot_and_the_next_bay(small_yard, clerk):
    long_move = services.gate_in(container="CSQU3054383", iso_type="45G1", freight_kind="full", truck="T1", actor=clerk)
    short_move = services.gate_in(container="MSKU2666542", iso_type="22G1", freight_kind="full", truck="T", actor=clerk)
    snapshot = snapshot_load(blocks=Block.objects.all())
    following = snapshot.neighbour(snapshot.slots[long_move.to_slot_id], bay_offset=1)

    reserved = _reserved_slots(snapshot, visit_id=0)

    assert reserved == {long_move.to_slot_id, following.pk, short_move.to_slot_id}
    own_excluded = _reserved_slots(snapshot, visit_id=long_move.visit_id)  # its own move reserves nothing for it
    assert own_excluded == {short_move.to_slot_id}


def test_only_legal_slots_are_proposed(small_yard, clerk, put):
    reefer_visit = ContainerVisitFactory(container=ContainerFactory(iso_type=IsoSizeType.objects.get(code="45R1")))
    blocks = blocks_for(reefer_visit)
    assert [block.code for block in blocks] == ["RF"]
    allocation = slot_allocate(visit=reefer_visit, blocks=blocks)
    assert allocation.chosen.position == "RF-01-01-1"  # a 40' needs both powered bays
    assert allocation.considered == 1


def test_blocks_for_each_kind_of_cargo(small_yard):
    dg = ContainerVisitFactory(dangerous_goods=[{"un_number": "1203", "class": "3"}])
    empty = ContainerVisitFactory(freight_kind="empty")
    assert [b.code for b in blocks_for(dg)] == ["DG"]
    assert {b.kind for b in blocks_for(empty)} <= {Block.Kind.EMPTY, Block.Kind.FULL}
    assert [b.code for b in blocks_for(ContainerVisitFactory())] == ["A"]
