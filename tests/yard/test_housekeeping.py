"""Nightly housekeeping: the relocation planner finds tomorrow's rehandles and moves are planned to remove them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.yard import BlockFactory, CarrierVisitFactory
from yard import services
from yard.models import YardMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def buried(size_types, put, clerk):
    """Bay H-01: a container leaving in 5 h under two leaving in 3 days; other rows empty."""
    BlockFactory(code="H", bays=2, rows=3, max_tier=3)
    now = timezone.now()
    soon = CarrierVisitFactory(mode="rail", reference="SOON", etd=now + timedelta(hours=5))
    late = CarrierVisitFactory(mode="vessel", reference="LATE", etd=now + timedelta(days=3))
    bottom = put("H-01-01-1", outbound_carrier=soon, expected_departure=soon.etd)
    middle = put("H-01-01-2", outbound_carrier=late, expected_departure=late.etd)
    top = put("H-01-01-3", outbound_carrier=late, expected_departure=late.etd)
    return bottom, middle, top


def test_plans_moves_that_free_tomorrows_departure(buried, clerk):
    _, middle, top = buried
    result = services.housekeeping_plan(actor=clerk)
    assert (result.rehandles_expected, result.moves_planned, result.rehandles_avoided) == (2, 2, 2)
    moves = list(YardMove.objects.filter(kind="housekeeping").order_by("pk"))
    assert [move.visit for move in moves] == [top, middle]  # the top first
    assert all(move.to_slot.bay == 1 and move.to_slot.row != 1 for move in moves)
    for move in moves:  # done in order, they are all legal
        services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                               actor=clerk)  # fmt: skip
    again = services.housekeeping_plan(actor=clerk)
    assert (again.rehandles_expected, again.moves_planned) == (0, 0)


def test_stays_within_spare_capacity(buried, clerk):
    assert services.housekeeping_plan(actor=clerk, max_moves=1).moves_planned == 1
    assert YardMove.objects.filter(kind="housekeeping").count() == 1


def test_nothing_to_do_beyond_the_horizon(buried, clerk):
    result = services.housekeeping_plan(actor=clerk, now=timezone.now() - timedelta(days=2))
    assert (result.bays_with_departures, result.moves_planned) == (0, 0)


def test_a_held_container_is_not_moved(buried, clerk, operator):
    _, _, top = buried
    services.hold_place(container=top.container.number, authority="terminal", kind="x",
                        blocked_move_kinds=["housekeeping"], actor=operator)  # fmt: skip
    assert services.housekeeping_plan(actor=clerk).moves_planned == 0
