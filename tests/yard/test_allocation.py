"""Allocation: only legal slots, rehandle-aware choice, explanations (scored on in-memory snapshots), and on the
database what the service reads: departures, reservations of open moves, the blocks for each kind of cargo."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories.yard import BlockFactory, CarrierVisitFactory, ContainerFactory, ContainerVisitFactory
from tests.snapshots import block, box, stack, yard_of
from yard import reference, services
from yard.admin import _COST_LABELS
from yard.allocation import (
    EXPECTED_DWELL,
    GAP_DAYS_AT_MOST,
    GAP_PER_DAY,
    GROUPING_BONUS,
    REHANDLE_UNKNOWN,
    REHANDLE_UNKNOWN_LATER,
    _planned_arrivals,
    blocks_for,
    slot_allocate,
    slot_choose,
)
from yard.layout import layout_apply
from yard.models import Block, IsoSizeType, SlotReservation
from yard.stacking import YardSnapshot, snapshot_load

NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)
SOON, LATE = 101, 102  # outbound carrier visits


def leaving(visit_id: int, hours: float | None, carrier: int | None = None, **fields):
    return box(visit_id, departure=None if hours is None else NOW + timedelta(hours=hours), carrier=carrier, **fields)


@pytest.fixture
def stacks_in_memory() -> YardSnapshot:
    """As `two_stacks` below, in memory: block T, one bay of two rows, three tiers; the box in row 1 leaves with
    carrier SOON in 10 h, the one in row 2 with LATE in 100 h (20 t each)."""
    yard = yard_of(block("T", bays=1, rows=2, max_tier=3))
    stack(yard, leaving(1, 10, SOON), "T-01-01-1")
    stack(yard, leaving(2, 100, LATE), "T-01-02-1")
    return yard


def test_a_box_is_not_buried_under_nor_put_on_an_earlier_departure(stacks_in_memory):
    allocation = slot_choose(leaving(3, 50), stacks_in_memory)
    assert allocation.chosen.position == "T-01-02-2"  # on the box leaving in 100 h, not the one leaving in 10 h
    assert allocation.chosen.costs.get("rehandle") is None
    assert [(c.position, c.costs.get("rehandle")) for c in allocation.runners_up] == [("T-01-01-2", 1.0)]
    assert allocation.considered == 2


def test_boxes_for_one_carrier_are_grouped(stacks_in_memory):
    allocation = slot_choose(leaving(3, 20, SOON), stacks_in_memory)  # leaves later, but with the box below
    assert allocation.chosen.position == "T-01-01-2"
    assert allocation.chosen.costs["grouping"] == GROUPING_BONUS and "rehandle" not in allocation.chosen.costs


def test_heavier_boxes_for_a_carrier_go_on_top(stacks_in_memory):
    allocation = slot_choose(leaving(3, 10, SOON, gross_kg=5000), stacks_in_memory)
    assert allocation.chosen.position == "T-01-01-2"
    assert allocation.chosen.costs.get("weight") == pytest.approx(0.2)  # lighter than the 20 t box below
    heavy = slot_choose(leaving(4, 10, SOON, gross_kg=25_000), stacks_in_memory)
    assert "weight" not in heavy.chosen.costs


def test_unknown_departures_prefer_the_ground():
    yard = yard_of(block("T", bays=2, rows=1, max_tier=3))
    stack(yard, leaving(1, 100), "T-01-01-1")
    allocation = slot_choose(leaving(2, None), yard, now=NOW)
    assert allocation.chosen.position == "T-02-01-1"
    # Expected to leave a dwell from now, before the box below: not a certain rehandle, a likely one.
    assert [(c.position, c.costs["rehandle"]) for c in allocation.runners_up] == [("T-01-01-2", REHANDLE_UNKNOWN_LATER)]


def test_an_unknown_departure_is_estimated_a_typical_dwell_from_now():
    """Where no place is certain, the estimate decides: the stack whose box leaves after the estimate."""
    dwell = EXPECTED_DWELL.total_seconds() / 3600
    yard = yard_of(block("T", bays=1, rows=2, max_tier=3))
    stack(yard, leaving(1, dwell - 10), "T-01-01-1")
    stack(yard, leaving(2, dwell + 10), "T-01-02-1")
    allocation = slot_choose(leaving(3, None), yard, now=NOW)
    assert (allocation.chosen.position, allocation.chosen.costs["rehandle"]) == ("T-01-02-2", REHANDLE_UNKNOWN_LATER)
    assert allocation.runners_up[0].costs["rehandle"] == REHANDLE_UNKNOWN
    # The same box a day later: both stacks now leave before its estimate.
    later = slot_choose(leaving(3, None), yard, now=NOW + timedelta(days=1))
    assert {c.costs["rehandle"] for c in [later.chosen, *later.runners_up]} == {REHANDLE_UNKNOWN}


def test_a_box_of_unknown_departure_below_is_judged_by_its_estimate():
    dwell = EXPECTED_DWELL.total_seconds() / 3600
    yard = yard_of(block("T", bays=1, rows=2, max_tier=3))
    stack(yard, leaving(1, None), "T-01-01-1")
    stack(yard, leaving(2, 5), "T-01-02-1")
    soon = slot_choose(leaving(3, 10), yard, now=NOW)  # on the unknown box, not for certain on the earlier one
    assert (soon.chosen.position, soon.chosen.costs["rehandle"]) == ("T-01-01-2", REHANDLE_UNKNOWN_LATER)
    late = slot_choose(leaving(3, dwell + 50), yard, now=NOW)
    assert late.chosen.position == "T-01-01-2" and late.chosen.costs["rehandle"] == REHANDLE_UNKNOWN


def test_lower_stacks_break_ties():
    yard = yard_of(block("T", bays=2, rows=1, max_tier=3))
    stack(yard, leaving(1, 100), "T-01-01-1")
    allocation = slot_choose(leaving(2, 20), yard)  # on the later box would cost no rehandle either
    widest = round(GAP_PER_DAY * GAP_DAYS_AT_MOST, 3)  # 80 h apart is as wide a gap as the empty ground's
    assert (allocation.chosen.position, allocation.chosen.costs) == (
        "T-02-01-1",
        {"gap": widest, "height": 0.05, "distance": 0},
    )
    assert [(c.position, c.costs) for c in allocation.runners_up] == [
        ("T-01-01-2", {"gap": widest, "height": 0.1, "distance": 0})
    ]


def test_the_closest_later_departure_fits_best():
    """A box leaving just before another goes on it, keeping the ground and the stack of far later departures for
    boxes that leave in between."""
    yard = yard_of(block("T", bays=1, rows=3, max_tier=3))
    stack(yard, leaving(1, 100), "T-01-01-1")
    stack(yard, leaving(2, 22), "T-01-02-1")
    allocation = slot_choose(leaving(3, 20), yard)
    assert allocation.chosen.position == "T-01-02-2"
    assert allocation.chosen.costs["gap"] == round(GAP_PER_DAY * 2 / 24, 3)
    assert [c.position for c in allocation.runners_up] == ["T-01-03-1", "T-01-01-2"]


def test_nearer_and_less_busy_blocks_break_ties():
    yard = yard_of(block("P", bays=1, rows=1), block("Q", bays=1, rows=1))
    p_block, q_block = 1, 2
    near_q = slot_choose(leaving(1, 50), yard, distance_m={p_block: 1000, q_block: 0})
    assert (near_q.chosen.position, near_q.chosen.costs["distance"]) == ("Q-01-01-1", 0)
    assert near_q.runners_up[0].costs["distance"] == 0.5
    busy_q = slot_choose(leaving(1, 50), yard, distance_m={p_block: 1000, q_block: 0}, workload={q_block: 60})
    assert (busy_q.chosen.position, busy_q.runners_up[0].costs["workload"]) == ("P-01-01-1", 0.6)


def test_a_full_area_has_no_place():
    yard = yard_of(block("T", bays=1, rows=1, max_tier=1))
    stack(yard, leaving(1, 10), "T-01-01-1")
    assert slot_choose(leaving(2, 10), yard) is None


# --- On the database -----------------------------------------------------------------------------------------


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


@pytest.mark.django_db
def test_the_service_reads_the_stacks_and_departures_from_the_database(two_stacks):
    block, _, _ = two_stacks
    allocation = slot_allocate(visit=arriving(50), blocks=[block])
    assert allocation.chosen.position == "T-01-02-2"  # on the box leaving in 100 h, not the one leaving in 10 h
    assert allocation.chosen.costs.get("rehandle") is None
    runner_up = allocation.runners_up[0]
    assert (runner_up.position, runner_up.costs["rehandle"]) == ("T-01-01-2", 1.0)


@pytest.mark.django_db
def test_open_moves_reserve_their_target(small_yard, clerk):
    first = services.gate_in(container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="T1", actor=clerk)
    second = services.gate_in(container="MSKU2666542", iso_type="22G1", freight_kind="full", truck="T2", actor=clerk)
    assert first.planned_to != second.planned_to


@pytest.mark.django_db
def test_a_40_foot_move_reserves_its_slot_and_the_next_bay(small_yard, clerk):
    long_move = services.gate_in(container="CSQU3054383", iso_type="45G1", freight_kind="full", truck="T1", actor=clerk)
    short_move = services.gate_in(container="MSKU2666542", iso_type="22G1", freight_kind="full", truck="T", actor=clerk)
    snapshot = snapshot_load(blocks=Block.objects.all())
    following = snapshot.neighbour(snapshot.slots[long_move.to_slot_id], bay_offset=1)

    reserved = _planned_arrivals(snapshot)

    assert reserved == {long_move.to_slot_id, following.pk, short_move.to_slot_id}
    on_their_way = {(place, entry[0].visit_id) for place, entry in snapshot.boxes.items()}
    assert on_their_way == {
        ((long_move.to_slot_id, 1), long_move.visit_id),
        ((following.pk, 1), long_move.visit_id),
        ((short_move.to_slot_id, 1), short_move.visit_id),
    }  # they stand in their places for the rules, the 40' on both its slots


@pytest.mark.django_db
def test_only_legal_slots_are_proposed(small_yard, clerk, put):
    reefer_visit = ContainerVisitFactory(container=ContainerFactory(iso_type=IsoSizeType.objects.get(code="45R1")))
    blocks = blocks_for(reefer_visit)
    assert [block.code for block in blocks] == ["RF"]
    allocation = slot_allocate(visit=reefer_visit, blocks=blocks)
    assert allocation.chosen.position == "RF-01-01-1"  # a 40' needs both powered bays
    assert allocation.considered == 1


@pytest.mark.django_db
def test_blocks_for_each_kind_of_cargo(small_yard):
    dg = ContainerVisitFactory(dangerous_goods=[{"un_number": "1203", "class": "3"}])
    empty = ContainerVisitFactory(freight_kind="empty")
    assert [b.code for b in blocks_for(dg)] == ["DG"]
    assert {b.kind for b in blocks_for(empty)} <= {Block.Kind.EMPTY, Block.Kind.FULL}
    assert [b.code for b in blocks_for(ContainerVisitFactory())] == ["A"]


@pytest.mark.django_db
def test_a_list_allocated_on_one_snapshot_gets_the_places_reading_the_yard_each_time_gives(small_yard, clerk, put):
    """allocation_batch reads each area once and keeps it up to date itself: the same choices as reading the
    yard again for every box (mixed sizes, cargo kinds and departures, on a yard with boxes in it)."""
    from django.db import transaction

    from yard.allocation import allocation_batch

    put("A-01-01-1", expected_departure=NOW + timedelta(hours=5))
    put("A-03-02-1", iso_type="45G1", expected_departure=NOW + timedelta(hours=50))
    # An empties' block with no room: the empties go to the full boxes' blocks, an area that overlaps theirs.
    BlockFactory(code="E", kind=Block.Kind.EMPTY, bays=1, rows=1, max_tier=1)
    put("E-01-01-1", freight_kind="empty", gross_kg=2300)
    visits = [
        ContainerVisitFactory(
            container=ContainerFactory(iso_type=IsoSizeType.objects.get(code=code)),
            expected_departure=NOW + timedelta(hours=hours),
            freight_kind=freight,
            gross_kg=2300 if freight == "empty" else 20000,
        )
        for code, hours, freight in [
            ("22G1", 10, "full"), ("45G1", 60, "full"), ("22G1", 3, "empty"), ("45R1", 20, "full"),
            ("22G1", 80, "full"), ("22G1", 40, "empty"),
        ]
    ]  # fmt: skip

    def plan_all(how: str) -> list[str]:
        with transaction.atomic():
            if how == "as one list":
                moves = services.moves_plan_to_yard(visits=visits, kind="receive", actor=clerk)
            else:
                with allocation_batch() if how == "in a batch" else transaction.atomic():
                    moves = [services.move_plan_to_yard(visit=visit, kind="receive", actor=clerk) for visit in visits]
            planned = [move.planned_to for move in moves]
            assert SlotReservation.objects.filter(move__in=moves).count() == 8  # two 45's hold two slots each
            transaction.set_rollback(True)
        return planned

    one_by_one = plan_all("one by one")
    assert len(set(one_by_one)) == len(visits)
    assert plan_all("in a batch") == one_by_one
    # Written only once all are chosen: the empties' area, first read mid-list, is told the places chosen before.
    assert plan_all("as one list") == one_by_one


@pytest.mark.django_db
def test_the_seeded_layout_has_a_powered_place_for_a_dg_reefer():
    reference.iso_size_types_load()
    layout_apply()
    peroxide = [{"un_number": "3109", "class": "5.2"}]
    dg_reefer = ContainerVisitFactory(
        container=ContainerFactory(iso_type=IsoSizeType.objects.get(code="45R1")), dangerous_goods=peroxide
    )
    plain_dg = ContainerVisitFactory(
        container=ContainerFactory(iso_type=IsoSizeType.objects.get(code="45G1")), dangerous_goods=peroxide
    )
    assert slot_allocate(visit=dg_reefer, blocks=blocks_for(dg_reefer)).chosen.position.startswith("DGR-")
    # DGR lies farther from every access point: a plain DG box leaves its plugs free.
    for arriving_from in ("rail", "quay", "gate"):
        chosen = slot_allocate(visit=plain_dg, blocks=blocks_for(plain_dg), arriving_from=arriving_from).chosen
        assert chosen.position.startswith("DG-")


@pytest.mark.django_db
def test_a_snapshot_reads_each_box_as_its_stay_describes_it(small_yard, put):
    """snapshot_load and boxes_of_visits read boxes as plain values (departures as epoch seconds, goods as text):
    each box equals the one built from the stay's model, to the microsecond, with and without goods and
    departures, and with a departure that comes from the outbound carrier."""
    from yard.stacking import Box, boxes_of_visits

    carrier = CarrierVisitFactory(etd=NOW + timedelta(hours=30, microseconds=987_654))
    stays = [
        put("A-01-01-1", expected_departure=NOW + timedelta(hours=5, microseconds=123_457)),
        put("A-02-01-1", iso_type="45G1", expected_departure=None, outbound_carrier=carrier),
        put("A-01-02-1", expected_departure=None, gross_kg=None),
        put("DG-01-01-1", dangerous_goods=[{"un_number": "1203", "class": "3"}], expected_departure=NOW),
    ]
    snapshot = snapshot_load(blocks=Block.objects.all())
    read = {box.visit_id: box for box, _ in snapshot.boxes.values()}
    for stay in stays:
        stay.refresh_from_db()
        assert read[stay.pk] == Box.of(stay)
    assert read[stays[1].pk].departure == carrier.etd and read[stays[3].pk].dangerous_goods[0]["class"] == "3"
    assert {box.visit_id: box for box in boxes_of_visits(stay.pk for stay in stays)} == read


def test_the_admin_names_every_cost_allocation_gives(stacks_in_memory):
    block_id = next(iter(stacks_in_memory.blocks))
    allocations = [
        slot_choose(leaving(3, 50), stacks_in_memory, workload={block_id: 3}),
        slot_choose(leaving(3, 10, SOON, gross_kg=5000), stacks_in_memory),
        slot_choose(leaving(3, None), stacks_in_memory, now=NOW),
    ]
    names = {name for chosen in allocations for c in [chosen.chosen, *chosen.runners_up] for name in c.costs}
    assert names == {"rehandle", "gap", "grouping", "weight", "height", "distance", "workload"}
    assert names <= set(_COST_LABELS)
