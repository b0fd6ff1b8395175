"""The invariants that matter, under concurrency on real PostgreSQL: threads race through the services."""

import threading
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from aktau_tos.errors import DomainError
from tests.factories.accounts import UserFactory
from tests.factories.yard import (
    BlockFactory,
    ContainerFactory,
    ContainerVisitFactory,
    EquipmentFactory,
    IsoSizeTypeFactory,
)
from yard import services
from yard.models import Occupancy, Slot, YardMove

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks: PostgreSQL")


def race(workers: int, work) -> list:
    """Runs work(i) in `workers` threads released together; returns each result or DomainError code."""
    barrier, results = threading.Barrier(workers), [None] * workers

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except DomainError as error:
            results[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db
def test_the_database_refuses_two_containers_in_one_place():
    IsoSizeTypeFactory()
    block = BlockFactory(code="A")
    slot = Slot.objects.get(block=block, bay=1, row=1)
    first, second = ContainerVisitFactory(), ContainerVisitFactory()
    Occupancy.objects.create(slot=slot, tier=1, visit=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(slot=slot, tier=1, visit=second)
    other = Slot.objects.get(block=block, bay=2, row=1)
    with pytest.raises(IntegrityError), transaction.atomic():  # a container has one position
        Occupancy.objects.create(slot=other, tier=1, visit=first)


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_many_clerks_completing_into_one_slot_exactly_one_wins():
    IsoSizeTypeFactory()
    BlockFactory(code="A")
    clerk = UserFactory()
    moves = []
    for _ in range(8):
        visit = ContainerVisitFactory()
        moves.append(services.move_plan(visit=visit, kind=YardMove.Kind.RECEIVE, actor=clerk))

    def complete(index: int):
        move = moves[index]
        return services.move_complete(
            move_id=move.pk, container=move.visit.container.number, position="A-01-01-1", actor=clerk
        ).status

    results = race(len(moves), complete)
    assert Counter(results) == {"done": 1, "position_occupied": 7}
    assert Occupancy.objects.filter(slot__bay=1, slot__row=1, tier=1).count() == 1


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_forty_and_a_twenty_racing_for_overlapping_slots():
    IsoSizeTypeFactory()
    forty = IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    BlockFactory(code="A")
    clerk = UserFactory()
    for _ in range(5):
        twenty_visit = ContainerVisitFactory()
        forty_visit = ContainerVisitFactory(container=ContainerFactory(iso_type=forty))
        plans = [
            (services.move_plan(visit=twenty_visit, kind="receive", actor=clerk), "A-02-01-1"),
            (services.move_plan(visit=forty_visit, kind="receive", actor=clerk), "A-01-01-1"),
        ]

        def complete(index: int, plans=plans):
            move, position = plans[index]
            return services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=position, actor=clerk
            ).status

        assert sorted(race(2, complete)) == ["done", "position_occupied"]
        assert Occupancy.objects.filter(slot__bay=2, slot__row=1, tier=1).count() == 1
        Occupancy.objects.all().delete()


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_dispatchers_never_dispatch_a_move_twice():
    IsoSizeTypeFactory()
    block = BlockFactory(code="A", bays=10, rows=4)
    for _ in range(4):
        EquipmentFactory(blocks=[block])
    clerk = UserFactory()
    slots = list(Slot.objects.filter(block=block).select_related("block"))
    for slot in slots[:40]:
        visit = ContainerVisitFactory()
        services.move_plan(visit=visit, kind="receive", to_slot=slot, to_tier=1, actor=clerk)

    def dispatch(index: int) -> int:
        return services.moves_dispatch(limit=15)

    counts = race(4, dispatch)
    assert sum(counts) == 40  # every move once, none twice
    assert not YardMove.objects.filter(status="planned").exists()
    history = Counter(
        YardMove.history.filter(status="dispatched", history_type="~").values_list("id", flat=True)
    )  # fmt: skip
    assert set(history.values()) == {1}, "a move was dispatched by two workers"


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_incompatible_dangerous_goods_racing_into_neighbouring_slots_only_one_lands():
    from dangerous_goods.reference import un_numbers_load
    from yard.models import Block

    un_numbers_load()
    IsoSizeTypeFactory()
    BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=4, rows=2, max_tier=2)
    clerk = UserFactory()
    lines = [
        [{"un_number": "1203", "class": "3", "packing_group": "II", "subsidiary_risks": []}],
        [{"un_number": "1942", "class": "5.1", "packing_group": "III", "subsidiary_risks": []}],
    ]
    for round_ in range(3):
        plans = []
        for goods, position in zip(lines, ["DG-01-01-1", "DG-02-01-1"], strict=True):
            visit = ContainerVisitFactory(dangerous_goods=goods)
            plans.append((services.move_plan(visit=visit, kind="receive", actor=clerk), position))

        def complete(index: int, plans=plans):
            move, position = plans[index]
            return services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=position, actor=clerk
            ).status

        assert sorted(race(2, complete)) == ["done", "segregation_conflict"], f"round {round_}"
        assert Occupancy.objects.count() == 1
        Occupancy.objects.all().delete()


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_gate_ins_from_many_clients_at_once_are_sent_to_places_no_other_box_is_sent_to():
    """Allocations racing (gate-ins from many clients) never hand out one place twice, nor overlapping slots to a
    40': the database holds one reservation per place. Then every move completes at its planned place."""
    from yard.models import AccessPoint, SlotReservation

    IsoSizeTypeFactory()
    IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
    AccessPoint.objects.create(kind=AccessPoint.Kind.GATE, x_m=0, y_m=0)
    BlockFactory(code="A", bays=8, rows=3, max_tier=3)
    clerk = UserFactory()
    for round_ in range(3):
        boxes = [ContainerFactory.build() for _ in range(8)]

        def gate_in(index: int, boxes=boxes, round_=round_):
            return services.gate_in(
                container=boxes[index].number, iso_type="45G1" if index % 4 == 0 else "22G1", freight_kind="full",
                truck=f"T{round_}{index}", gross_kg=20_000 - 100 * index, actor=clerk,
            ).pk  # fmt: skip

        race_results = race(len(boxes), gate_in)
        planned = [move for move in race_results if isinstance(move, int)]
        assert len(planned) == len(boxes), race_results  # nobody turned away: a collision allocates again
        places = list(SlotReservation.objects.values_list("slot_id", "tier"))
        assert len(places) == len(set(places))  # the constraint's promise, as the moves see it
        for move in YardMove.objects.filter(pk__in=planned).select_related("to_slot__block", "visit__container"):
            done = services.move_complete(
                move_id=move.pk, container=move.visit.container.number, position=move.planned_to, actor=clerk
            )
            assert (done.status, done.deviation) == ("done", False)
    assert not SlotReservation.objects.exists()  # every place freed when its move ended
