"""The speed figures against their aims: allocation per box on a yard (measured and rolled back), seconds per
simulated day and where they go, and how the summary puts each figure beside its aim."""

import pytest

from aktau_tos.audit import system_user
from bench.allocation_speed import AIM_MS_PER_BOX, allocation_speed_measure, yard_fill
from bench.management.commands.bench import simulated_day_profile, simulated_day_speed
from bench.numbers import container_number
from bench.summary import speed_lines
from yard import services
from yard.models import CarrierVisit, ContainerVisit, Occupancy, YardMove

pytestmark = pytest.mark.bench


def _yard_state() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (CarrierVisit, ContainerVisit, YardMove, Occupancy))


@pytest.mark.django_db
def test_allocation_is_timed_alone_and_within_a_list_for_ours_and_the_baseline_and_rolled_back(aktau_yard):
    actor, number = system_user(), container_number(1)
    truck = CarrierVisit.objects.create(mode=CarrierVisit.Mode.TRUCK, reference="T1", status="arrived")
    visit = services.visit_open(container=number, iso_type="22G1", freight_kind="full", category="export",
                                inbound_carrier=truck, actor=actor)  # fmt: skip
    move = services.move_plan_to_yard(visit=visit, kind=YardMove.Kind.RECEIVE, actor=actor)
    services.move_complete(move_id=move.pk, container=number, position=move.planned_to, actor=actor)
    before = _yard_state()

    figures = allocation_speed_measure(boxes=6, rounds=2, single_boxes=3)

    assert figures["yard"] == yard_fill() and figures["yard"]["boxes"] == 1  # measured on the yard as found
    assert figures["aim_ms_per_box"] == AIM_MS_PER_BOX and figures["area_slots"] > 0
    for strategy in ("rehandle", "lowest"):
        row = figures[strategy]
        assert row["single_allocations"] == 6 and len(row["list_ms_per_box_all"]) == 2
        assert 0 < row["single_ms_per_box_median"] <= row["single_ms_per_box_p90"]
        assert row["list_ms_per_box_median"] > 0
    assert _yard_state() == before  # nothing measured is left behind


def test_seconds_per_simulated_day_is_the_median_of_the_days():
    assert simulated_day_speed([30.0, 12.0, 14.0]) == {"seconds_per_day_median": 14.0, "days": 3, "aim_seconds": 15.0}
    assert simulated_day_speed([])["seconds_per_day_median"] is None


def test_the_day_profile_ranks_the_steps_and_keeps_the_simulators_own_time_apart():
    seconds = {"gate_in": 2.0, "train_list_register": 12.0, "moves_dispatch": 1.0}

    profile = simulated_day_profile(seconds, wall_seconds=20.0, days=2, top=2)

    assert [step["step"] for step in profile["steps"]] == ["train_list_register", "gate_in"]
    assert profile["steps"][0] == {"step": "train_list_register", "seconds_per_day": 6.0, "share": 0.6}
    assert profile["rest_of_the_steps_seconds_per_day"] == 0.5
    assert profile["other_seconds_per_day"] == 2.5 and profile["other_share"] == 0.25


def test_the_summary_puts_each_speed_figure_beside_its_aim():
    list_row = {"containers": 114, "seconds": 1.4, "seconds_all": [1.4, 1.5, 1.3], "aim_seconds": 1.0}
    allocation = {"single_ms_per_box_median": 7.0, "list_ms_per_box_median": 9.5, "single_allocations": 4}
    results = {
        "train_list_import": {"57_wagons": {**list_row, "seconds": 0.8}},
        "simulation": {"wall_seconds_by_day": [16.0], "day_speed": simulated_day_speed([16.0])},
        "allocation_speed": {
            "rehandle": allocation, "lowest": {**allocation, "single_ms_per_box_median": 3.0}, "aim_ms_per_box": 8.0,
            "train_list_57_wagons": list_row, "rounds": 2, "boxes_per_list": 114, "area_slots": 1200,
            "yard": {"boxes": 900, "ground_slots": 0.4, "places": 0.1, "full_blocks_ground_slots": 0.35},
            "yard_filled_by": "the simulation section",
        },
    }  # fmt: skip

    table = [line for line in speed_lines(results) if line.startswith("| ") and "---" not in line][1:]

    verdicts = [line.split(" | ")[3] for line in table]
    assert verdicts == ["met", "MISSED", "met", "MISSED", "MISSED"]  # gate-in, list, two 57-wagon lists, a day
    assert "`lowest` baseline 3.0" in table[0] and "near-empty yard" in table[2] and "simulated yard" in table[3]
    assert speed_lines({}) == []
