"""The simulation through the real services on PostgreSQL: a short day end to end, the yard's invariants
afterwards, reproducibility, rehandles, and the allocation strategy switch."""

import itertools
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Q

import bench.allocation  # noqa: F401  (registers the baselines the strategy switch is tried with)
from dangerous_goods.services import declared_goods_check
from rail.models import TrainVisit
from simulation.runner import Simulation, real_traffic_count, reference_ensure, simulation_run
from simulation.traffic import (
    DEFAULT_START,
    RAIL,
    TRUCK,
    VESSEL,
    OutboundTrain,
    TrafficParameters,
    TrainArrival,
    TruckArrival,
    TruckPickup,
    VesselArrival,
    traffic_generate,
)
from vessels.identity import imo_normalise
from vessels.models import Booking, OnBoard, VesselCall
from yard import selectors, services
from yard.allocation import strategy_using
from yard.models import Block, CarrierVisit, ContainerVisit, Hold, Occupancy, YardMove

pytestmark = pytest.mark.django_db

# A small day in which everything happens: short trains, small vessels, boxes that leave within hours, and
# more DG, reefers and inspections than usual, so that every path runs in a few seconds.
SMALL = replace(
    TrafficParameters(),
    teu_per_year=14_000,
    platforms_per_train=8,
    outbound_train_teu=16,
    vessel_capacity_teu=24,
    vessel_announce_hours=12,
    vessel_through_share=0.5,
    vessel_restow_share=0.5,
    rail_destinations={"Almaty-1": 1.0},
    outbound_full={
        RAIL: {"vessel": 0.6, "truck": 0.3, "rail": 0.1},
        VESSEL: {"rail": 0.6, "truck": 0.4},
        TRUCK: {"vessel": 0.6, "rail": 0.4},
    },
    dwell={profile: (5.0, 0.4) for profile in TrafficParameters().dwell},
    release_hours={RAIL: (1.0, 0.3), VESSEL: (1.0, 0.3)},
    inspection_rates={"scan": 0.15, "physical_exam": 0.05, "seal_check": 0.05},
    inspection_after_hours=(0.5, 3.0),
    findings_hold_hours=(1.0, 3.0),
    gate_hours=(0, 24),
    dangerous_goods_share=0.12,
    reefer_share=0.08,
)
SEED = 13


def run(seed: int = SEED, strategy: str = "rehandle"):
    return simulation_run(days=1, seed=seed, parameters=SMALL, strategy=strategy)


def test_the_small_day_has_every_kind_of_traffic():
    traffic = traffic_generate(days=1, seed=SEED, parameters=SMALL)
    kinds = {type(event) for event in traffic.events}
    assert {TrainArrival, OutboundTrain, VesselArrival, TruckArrival, TruckPickup} <= kinds
    boxes = traffic.boxes.values()
    assert any(box.dangerous_goods for box in boxes) and any(box.reefer for box in boxes)
    assert any(box.inspection for box in boxes) and any(box.freight_kind == "empty" for box in boxes)


@pytest.mark.system  # the whole terminal through every service, twice
def test_a_day_runs_through_the_services_reproducibly_and_leaves_a_legal_yard():
    reference_ensure()
    with transaction.atomic():  # the first run is rolled back: the second starts from the same database
        first = run().figures()
        transaction.set_rollback(True)
    assert not ContainerVisit.objects.exists()
    result = run()
    figures = result.figures()
    assert figures == first  # the same seed on the same database: the same figures

    # Through every service: trains in and out, a vessel, trucks, customs, moves of every kind.
    assert figures["carriers"]["trains in"] >= 1 and figures["carriers"]["trains out"] >= 1
    assert figures["carriers"]["vessel calls"] >= 1 and figures["carriers"]["trucks in"] >= 1
    for kind in ("discharge", "receive", "load", "delivery", "inspection"):
        assert figures["moves_by_kind"].get(kind, 0) > 0, kind
    assert figures["customs"]["declarations released"] >= 1
    assert any(key.startswith("inspection results") for key in figures["customs"])
    assert result.departed > 0 and result.retrievals >= result.departed  # every departure is taken off a stack
    # Restowed through boxes get a stay of their own (transshipment) for their off-and-on moves.
    assert result.visits == ContainerVisit.objects.exclude(category="transshipment").count() > 15
    assert result.moves_per_container > 1.5
    assert 0 < figures["utilisation"]["places_mean"] <= figures["utilisation"]["places_peak"] < 1
    assert figures["utilisation"]["samples"] == 24
    assert result.events == len(traffic_generate(days=1, seed=SEED, parameters=SMALL).events)

    # The figures are the database's.
    done = Counter(YardMove.objects.filter(status=YardMove.Status.DONE).values_list("kind", flat=True))
    assert done == result.moves_by_kind
    assert result.rehandles == done.get("shift", 0)
    departed = ContainerVisit.objects.filter(state=ContainerVisit.State.DEPARTED).exclude(category="transshipment")
    assert result.departed == departed.count()

    # Records carry simulated time, and the simulation's traffic is not taken for real traffic.
    arrived = ContainerVisit.objects.exclude(arrived_at=None).values_list("arrived_at", flat=True)
    assert all(DEFAULT_START <= at < DEFAULT_START + timedelta(days=2) for at in arrived)
    assert real_traffic_count() == 0

    # Every train that came has left its line; nothing is left half done.
    assert not TrainVisit.objects.exclude(carrier__status=CarrierVisit.Status.DEPARTED).exists()
    assert not YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).exclude(kind="inspection").exists()

    yard_invariants_hold()
    vessel_calls_went_through_the_service(figures)


def vessel_calls_went_through_the_service(figures: dict) -> None:
    """Every vessel call was made and worked by the simulation's users through the vessels app's services: the
    calls were created, arrived and departed with a departure bay plan; boxes were discharged from their cells,
    restowed, and loaded into the cells of the stowage plan, their stays closed with outbound mode vessel."""
    vessels = figures["vessels"]
    calls = list(VesselCall.objects.select_related("carrier", "vessel"))
    assert len(calls) == vessels["calls"] >= 1
    for call in calls:
        assert call.carrier.status == CarrierVisit.Status.DEPARTED and call.berth.code == "CB1"
        assert imo_normalise(call.vessel.imo) == call.vessel.imo
        created = call.history.earliest("history_date")
        assert created.history_user.username == "simulation-operator"  # audited: a service wrote it
        assert call.departure_bay_plan, call  # through cargo and what was loaded here
        kinds = Counter(row["kind"] for row in call.departure_bay_plan)
        assert set(kinds) <= {"through", "loaded"}
    windows = sorted((call.alongside_from, call.etd) for call in calls)
    assert all(before[1] <= after[0] for before, after in itertools.pairwise(windows))

    discharged = YardMove.objects.filter(kind="discharge", status="done", from_carrier__mode="vessel")
    assert discharged.count() == vessels["boxes discharged"] > 0
    assert all(len(move.from_place) == 6 for move in discharged)  # from its cell on board
    assert not OnBoard.objects.filter(kind=OnBoard.Kind.DISCHARGE).exists()  # all off

    loads = YardMove.objects.filter(kind="load", status="done", to_carrier__mode="vessel").select_related("visit")
    assert loads.count() == vessels["boxes loaded"] > 0
    for move in loads:
        booking = Booking.objects.get(move=move)
        assert (booking.status, booking.cell) == (Booking.Status.LOADED, move.to_place)
        assert booking.vgm_kg and booking.pod in ("AZBAK", "TMKRW")
        assert (move.visit.state, move.visit.outbound_mode) == ("departed", "vessel") and move.visit.departed_at
        row = next(row for call in calls for row in call.departure_bay_plan if row["container"] == booking.container)
        assert (row["kind"], row["cell"], row["pol"]) == ("loaded", booking.cell, "KZAAU")

    restows = YardMove.objects.filter(kind="restow", status="done")
    assert restows.count() == vessels["restows"] == OnBoard.objects.filter(restow=True).count() >= 1
    assert vessels["through boxes"] == OnBoard.objects.filter(kind=OnBoard.Kind.THROUGH).count()


def yard_invariants_hold() -> None:
    occupancies = list(Occupancy.objects.select_related("slot__block", "visit"))
    assert occupancies, "the yard is empty: nothing was checked"
    # One container per slot and tier (the database would refuse it, and the count says so).
    assert not Occupancy.objects.values("slot", "tier").annotate(n=Count("id")).filter(n__gt=1).exists()
    # Nothing floats.
    places = {(o.slot_id, o.tier) for o in occupancies}
    assert all(o.tier == 1 or (o.slot_id, o.tier - 1) in places for o in occupancies)
    # Every box stands where every rule (stacking, reefer power, DG area and segregation) allows it now:
    # the project's own check, as the DG office's re-check uses it.
    for occupancy in (o for o in occupancies if o.primary):
        verdict, position = selectors.visit_placement_verdict(occupancy.visit)
        assert verdict.allowed, f"{occupancy.visit} at {position}: {verdict.reason}"
        if occupancy.visit.dangerous_goods:
            assert occupancy.slot.block.kind == Block.Kind.DANGEROUS_GOODS
    # A stay in the yard has one position; a departed one none.
    in_yard = ContainerVisit.objects.filter(state=ContainerVisit.State.IN_YARD).annotate(
        positions=Count("occupancies", filter=Q(occupancies__primary=True))
    )
    assert all(visit.positions == 1 for visit in in_yard)
    assert not Occupancy.objects.filter(visit__state=ContainerVisit.State.DEPARTED).exists()
    # No held box ever left: at each departure, no active hold blocked that move.
    departures = YardMove.objects.filter(status=YardMove.Status.DONE, kind__in=["load", "delivery"])
    assert departures.exists()
    for move in departures:
        active = Hold.objects.filter(visit_id=move.visit_id, placed_at__lte=move.finished_at).filter(
            Q(released_at__isnull=True) | Q(released_at__gt=move.finished_at)
        )
        assert not [hold for hold in active if move.kind in hold.blocked_move_kinds], move


def test_a_buried_box_is_dug_out_through_the_services_and_the_relocation_counted():
    reference_ensure()
    traffic = traffic_generate(days=1, seed=1, teu_per_year=1_000)
    simulation = Simulation(traffic, strategy="rehandle", progress=None)
    clerk = simulation.clerk
    below, above = "TGHU1234567", "CSQU3054383"  # valid check digits
    for number, position in ((below, "A-05-02-1"), (above, "A-05-02-2")):
        move = services.gate_in(container=number, iso_type="22G1", freight_kind="full", actor=clerk, truck="001AKT12",
                                gross_kg=12_000, category="export")  # fmt: skip
        services.move_complete(move_id=move.pk, container=number, position=position, actor=clerk)
    delivery = services.move_create_adhoc(container=below, to="GATE", actor=clerk)

    done = simulation.complete(delivery.pk)

    assert done is not None and done.status == YardMove.Status.DONE and done.to_gate
    shift = YardMove.objects.get(visit__container__number=above, kind=YardMove.Kind.SHIFT)
    assert shift.status == YardMove.Status.DONE and shift.allocation["strategy"] == "rehandle"
    assert selectors.move_to(shift) != "A-05-02-1"  # not back onto the stack being dug out
    assert (simulation.result.rehandles, simulation.result.retrievals) == (1, 1)
    assert simulation.result.moves_by_kind == {"shift": 1, "delivery": 1}


def small_simulation_with_a_box(*, category: str) -> tuple[Simulation, str]:
    """A simulation of a quiet day, not run, and one box gated in and standing at A-01-01-1."""
    reference_ensure()
    simulation = Simulation(traffic_generate(days=1, seed=1, teu_per_year=1_000), strategy="rehandle", progress=None)
    number = "TGHU1234567"
    move = services.gate_in(container=number, iso_type="22G1", freight_kind="full", actor=simulation.clerk,
                            truck="001AKT12", gross_kg=12_000, category=category)  # fmt: skip
    services.move_complete(move_id=move.pk, container=number, position="A-01-01-1", actor=simulation.clerk)
    return simulation, number


def test_a_held_box_is_refused_and_counted_not_moved():
    simulation, number = small_simulation_with_a_box(category="import")
    assert Hold.objects.filter(visit__container__number=number, released_at=None).exists()  # customs control
    with pytest.raises(Exception) as refused:
        simulation.call("delivery", services.move_create_adhoc, container=number, to="GATE", actor=simulation.clerk)
    assert refused.value.code == "container_on_hold"
    assert simulation.result.refusals == {"container_on_hold": 1}
    assert ContainerVisit.objects.get(container__number=number).state == ContainerVisit.State.IN_YARD


def test_the_allocation_strategy_is_chosen_for_everything_inside_the_block():
    reference_ensure()
    simulation = Simulation(traffic_generate(days=1, seed=1, teu_per_year=1_000), strategy="lowest", progress=None)
    clerk = simulation.clerk

    def receive(number: str) -> dict:
        return services.gate_in(container=number, iso_type="22G1", freight_kind="full", actor=clerk,
                                truck="001AKT12", gross_kg=12_000, category="export").allocation  # fmt: skip

    with strategy_using("lowest"):
        assert receive("TGHU1234567")["strategy"] == "lowest"
    assert receive("CSQU3054383")["strategy"] == "rehandle"  # outside the block: the terminal's own
    with pytest.raises(ValueError):
        strategy_using("cheapest").__enter__()
    with pytest.raises(ValueError):
        simulation_run(days=1, seed=1, teu_per_year=1_000, strategy="cheapest")


def test_a_random_strategy_run_is_recorded_as_such():
    result = simulation_run(days=1, seed=2, parameters=replace(SMALL, teu_per_year=2_000), strategy="random")
    assert result.strategy == "random"
    strategies = set(
        YardMove.objects.exclude(allocation=None).values_list("allocation__strategy", flat=True).distinct()
    )
    assert strategies == {"random"}


def test_every_un_number_the_model_draws_is_accepted_by_the_system(un_list):
    traffic = traffic_generate(days=10, seed=4)
    lines = {line for box in traffic.boxes.values() for line in box.dangerous_goods}
    assert len(lines) > 100
    for line in sorted(lines, key=lambda line: (line.un_number, line.hazard_class, line.packing_group)):
        checked = declared_goods_check([line.as_dict()])  # raises dg_line_invalid / dg_not_admitted otherwise
        assert checked[0]["un_number"] == line.un_number and checked[0]["class"] == line.hazard_class


def test_an_outbound_train_leaves_without_a_box_it_cannot_load_and_the_box_waits_for_the_next():
    from rail import services as rail_services
    from simulation.runner import ROLL_AFTER_RETRIES

    simulation, number = small_simulation_with_a_box(category="export")
    train = rail_services.train_outbound_create(
        train_number="KZ-9001",
        line="L1",
        actor=simulation.operator,
        wagons=[{"number": "4200001" + rail_services.wagon_check_digit("4200001"), "position": 1}],
    )
    visit = ContainerVisit.objects.get(container__number=number)
    services.visit_book_outbound(visit=visit, carrier=train.carrier, actor=simulation.operator)
    simulation.booking[number], simulation.lines["L1"] = train.carrier_id, train.pk
    assert rail_services.load_plan_build(train_id=train.pk, actor=simulation.operator)["entries"] == 1
    services.hold_place(container=number, authority="terminal", kind="documents", actor=simulation.operator)

    simulation.train_leaves(train.pk, "L1", 0, True)  # the load is refused: the train waits
    assert simulation.lines["L1"] == train.pk
    simulation.train_leaves(train.pk, "L1", ROLL_AFTER_RETRIES, True)  # two hours on: it leaves without the box

    assert simulation.lines["L1"] is None
    assert CarrierVisit.objects.get(pk=train.carrier_id).status == "departed"
    visit.refresh_from_db()
    assert (visit.state, visit.outbound_carrier_id) == ("in_yard", None)
    assert number not in simulation.booking  # free for the next train to its destination
    assert simulation.result.waits["boxes rolled over to a later train"] == 1


def test_a_truck_the_gate_cannot_place_comes_back_later_and_its_wait_is_counted():
    """A DG box at the gate while the DG area has no place: the gate does not take it, and the truck is given a
    later appointment instead of being turned away; when it comes back to a place, the box is in and its wait is
    counted as a wait for a slot. A truck that finds no place for a whole day is turned away."""
    import time_machine

    from simulation.runner import TRUCK_RESCHEDULE, TRUCK_RESCHEDULES

    reference_ensure()
    traffic = traffic_generate(days=3, seed=4)
    simulation = Simulation(traffic, strategy="rehandle", progress=None)
    event = next(e for e in traffic.events if isinstance(e, TruckArrival) and e.box.dangerous_goods)
    dg_blocks = list(Block.objects.filter(kind=Block.Kind.DANGEROUS_GOODS).values_list("pk", flat=True))

    def arrive(at, attempt: int = 0) -> None:
        simulation.now = at
        with time_machine.travel(at, tick=False):
            simulation.truck_arrives(event, attempt)

    Block.objects.filter(pk__in=dg_blocks).update(kind=Block.Kind.FULL)  # the DG area has no place for it
    arrive(event.at)
    assert not ContainerVisit.objects.filter(container__number=event.box.number).exists()
    assert simulation.result.turned_away == 0
    assert simulation.result.waits["trucks given a later appointment for lack of a place"] == 1
    (comeback,) = simulation.queue
    assert comeback.at == event.at + TRUCK_RESCHEDULE and comeback.args == (event, 1)

    Block.objects.filter(pk__in=dg_blocks).update(kind=Block.Kind.DANGEROUS_GOODS)  # a place has freed
    arrive(comeback.at, 1)
    visit = ContainerVisit.objects.get(container__number=event.box.number)
    assert YardMove.objects.get(visit=visit, kind=YardMove.Kind.RECEIVE).planned_to.startswith("DG")
    month = simulation.result.month(comeback.at)
    assert (month.boxes_awaiting_slot, month.hours_awaiting_slot) == (1, 2.0)

    other = next(e for e in traffic.events if isinstance(e, TruckArrival) and e.box.dangerous_goods and e != event)
    event = other
    Block.objects.filter(pk__in=dg_blocks).update(kind=Block.Kind.FULL)
    steps = len(simulation.queue)
    arrive(other.at + TRUCK_RESCHEDULE * TRUCK_RESCHEDULES, TRUCK_RESCHEDULES)  # the last appointment
    assert simulation.result.turned_away == 1 and len(simulation.queue) == steps  # no further appointment


def test_the_days_statistics_refresh_analyses_the_projects_tables_and_not_the_servers_shared_catalogues():
    """A simulated day analyses the tables at its start, inside its transaction: a bare ANALYZE would also hold the
    shared catalogues until the day commits, and a second simulation on the same server would wait for it."""
    from django.db import connection

    from simulation.runner import statistics_refresh

    def analysed(shared: bool) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid()"
                " AND l.mode = 'ShareUpdateExclusiveLock' AND c.relisshared = %s",
                [shared],
            )
            return [row[0] for row in cursor.fetchall()]

    with transaction.atomic():
        statistics_refresh()
        assert analysed(shared=False) and "yard_occupancy" in analysed(shared=False)
        assert analysed(shared=True) == []


@pytest.mark.django_db(transaction=True)
def test_between_days_the_tables_are_vacuumed_not_only_analysed():
    """Outside the day's transaction the refresh is a VACUUM too: an ANALYZE held inside the day kept autovacuum
    away, so dead rows piled up and each day took longer than the one before."""
    from django.db import connection

    from simulation.runner import statistics_refresh

    def vacuumed() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'yard_containervisit'"
            )
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_reset_single_table_counters('yard_containervisit'::regclass)")
    assert not vacuumed()
    statistics_refresh()
    assert vacuumed()
