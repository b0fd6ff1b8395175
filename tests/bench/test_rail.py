"""The train-list import measure: real registrations, counted and timed, and none of them left behind."""

import pytest

from bench.rail import train_lists_measure
from rail.models import TrainVisit
from yard.models import CarrierVisit, ContainerVisit, Occupancy, YardMove

pytestmark = [pytest.mark.bench, pytest.mark.django_db]


def _yard_state() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (CarrierVisit, TrainVisit, ContainerVisit, YardMove, Occupancy))


def test_lists_are_registered_in_trains_of_59_wagons_and_rolled_back(aktau_yard):
    before = _yard_state()

    results = train_lists_measure(units_large=180, repeats=3)  # 59 wagons (177 boxes), then one more wagon

    assert results["57_wagons"]["containers"] == 114  # two boxes a wagon
    runs = results["57_wagons"]["seconds_all"]  # each run on the same yard: the ones before were rolled back
    assert len(runs) == 3 and results["57_wagons"]["seconds"] == sorted(runs)[1]
    assert results["180_units"]["containers"] == 180 and results["180_units"]["trains"] == 2
    for row in results.values():
        assert row["seconds"] > 0 and row["ms_per_container"] == pytest.approx(
            1000 * row["seconds"] / row["containers"], abs=0.1
        )
    assert _yard_state() == before  # the scanner benchmark after it finds the ground it found
