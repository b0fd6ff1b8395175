"""The DG area's sizing check: the traffic model's DG boxes replayed on the layout's DG blocks."""

import pytest

from bench.dg_area import dg_area_measure, dg_flow
from tests.factories.yard import BlockFactory
from yard.models import Block, Slot

pytestmark = [pytest.mark.bench, pytest.mark.django_db]


def test_the_flow_is_the_model_s_dangerous_goods_each_leaving_after_it_came(un_list):
    arrivals, departures = dg_flow(days=5, seed=3, teu_per_year=240_000)
    assert len(arrivals) > 50  # about 8 % of some 650 boxes a day
    assert all(arrival.box.dangerous_goods for arrival in arrivals)
    assert [arrival.at for arrival in arrivals] == sorted(arrival.at for arrival in arrivals)
    assert all(departures[arrival.box.outbound_carrier_id] > arrival.at for arrival in arrivals)


def test_the_seeded_area_holds_a_week_that_a_small_one_does_not(aktau_yard):
    seeded = dg_area_measure(days=7, volumes=(240_000,), seeds=(4,))
    week = seeded["volumes"]["240000"]
    assert week["dg_boxes"] > 100 and week["refused"] == 0
    assert seeded["places"] == Slot.objects.filter(block__kind="dg").count() * 3

    # The same week on a DG area of 4 x 2 slots (the seeded blocks set aside) refuses boxes, and says so.
    Block.objects.filter(kind="dg").update(kind="full")
    BlockFactory(code="DGS", kind="dg", bays=4, rows=2, max_tier=3)
    small = dg_area_measure(days=7, volumes=(240_000,), seeds=(4,))
    assert small["places"] == 24
    assert small["volumes"]["240000"]["refused"] > 10
