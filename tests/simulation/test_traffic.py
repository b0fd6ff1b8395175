"""The traffic model alone: pure and seeded, no database. Shares, identities and reference data."""

import csv
import itertools
from collections import Counter
from datetime import timedelta

import pytest
from stdnum import iso6346

from dangerous_goods.reference import REFERENCE_DIR as UN_DIR
from rail.reference import REFERENCE_DIR as WAGON_DIR
from rail.services import wagon_check_digit
from simulation.traffic import (
    DEFAULT_START,
    EMPTY,
    RAIL,
    OutboundTrain,
    TrafficParameters,
    TrainArrival,
    TruckArrival,
    TruckPickup,
    VesselAnnouncement,
    VesselArrival,
    size_types,
    traffic_generate,
)
from vessels.identity import imo_normalise
from yard.models import CarrierVisit

DAYS = 30


@pytest.fixture(scope="module")
def month():
    """Thirty days at the design volume (240,000 TEU a year)."""
    return traffic_generate(days=DAYS, seed=7)


def test_the_same_seed_gives_the_same_traffic_and_another_seed_other_traffic():
    first, again, other = (traffic_generate(days=3, seed=seed) for seed in (11, 11, 12))
    assert first.events == again.events
    assert first.boxes == again.boxes
    assert first.events != other.events


def test_events_are_in_time_order_within_the_simulated_days(month):
    times = [event.at for event in month.events]
    assert times == sorted(times)
    assert month.start <= times[0] and times[-1] < month.start + timedelta(days=DAYS)
    kinds = Counter(type(event) for event in month.events)
    assert set(kinds) == {TrainArrival, OutboundTrain, VesselAnnouncement, VesselArrival, TruckArrival, TruckPickup}


def test_volume_and_mix_match_the_design(month):
    summary = month.summary()
    shares = summary["shares"]
    assert summary["teu_per_day"] == pytest.approx(240_000 / 365, rel=0.08)
    assert summary["boxes_per_day"] == pytest.approx(410, rel=0.1)  # ≈150,000 stays a year
    assert shares["dangerous_goods"] == pytest.approx(0.08, abs=0.012)
    assert shares["reefer"] == pytest.approx(0.05, abs=0.01)
    assert shares["empty"] == pytest.approx(0.15, abs=0.025)
    assert shares["40ft"] > shares["20ft"] > shares["45ft"] > 0.02
    inspection_rate = sum(TrafficParameters().inspection_rates.values())  # of the boxes under customs control
    assert shares["under_customs_control"] == pytest.approx(0.85, abs=0.05)
    assert shares["inspected"] == pytest.approx(inspection_rate * shares["under_customs_control"], rel=0.2)
    arrivals = summary["arrivals_by_mode"]
    teu_by_mode = Counter()
    for box in month.boxes.values():
        teu_by_mode[box.inbound_mode] += box.teu
    total = sum(teu_by_mode.values())
    assert teu_by_mode["rail"] / total == pytest.approx(0.60, abs=0.04)
    assert teu_by_mode["vessel"] / total == pytest.approx(0.25, abs=0.04)
    assert teu_by_mode["truck"] / total == pytest.approx(0.15, abs=0.03)
    assert sum(arrivals.values()) == summary["boxes"]


def test_dwell_follows_its_distributions(month):
    medians = month.summary()["median_dwell_hours"]
    for profile, (median, _) in TrafficParameters().dwell.items():
        assert medians[profile] == pytest.approx(median, rel=0.12), profile
    assert max(box.dwell_hours for box in month.boxes.values()) <= 24 * 30


def test_block_trains_are_57_platforms_with_valid_wagon_numbers_within_the_models_limits(month):
    trains = [event for event in month.events if isinstance(event, TrainArrival)]
    assert 2.5 <= len(trains) / DAYS <= 4.5  # several a day
    with open(WAGON_DIR / "wagons.csv", newline="", encoding="utf-8") as f:
        payload = {
            row["model"]: float(row["load_capacity_t"]) * 1000 for row in csv.DictReader(f) if row["load_capacity_t"]
        }
    models = {model.code: model for model in TrafficParameters().platform_models}
    assert all(payload[code] == model.payload_kg for code, model in models.items())  # the catalogue's figures
    teu = []
    for train in trains:
        assert [platform.position for platform in train.platforms] == list(range(1, 58))
        numbers = [platform.number for platform in train.platforms]
        assert len(set(numbers)) == 57
        for platform in train.platforms:
            assert len(platform.number) == 8 and platform.number[0] == "4"
            assert platform.number[7] == wagon_check_digit(platform.number)
            model = models[platform.model]
            lengths = tuple(box.length_ft for box in platform.containers)
            assert not lengths or any(lengths == load[: len(lengths)] for load, _ in model.loads)
            assert sum(box.gross_kg for box in platform.containers) <= model.payload_kg
            assert all(not model.max_box_kg or box.gross_kg <= model.max_box_kg for box in platform.containers)
            assert all(box.inbound_mode == RAIL for box in platform.containers)
        teu.append(sum(box.teu for box in train.boxes))
    assert 100 <= sum(teu) / len(teu) <= 135  # ≈55-60 forty-foot boxes a train


def test_outbound_trains_and_vessel_calls(month):
    outbound = [event for event in month.events if isinstance(event, OutboundTrain)]
    assert 1.2 <= len(outbound) / DAYS <= 3
    for train in outbound:
        assert not any(platform.containers for platform in train.platforms)
        assert all(platform.number[7] == wagon_check_digit(platform.number) for platform in train.platforms)
        assert train.etd > train.at
    calls = [event.call for event in month.events if isinstance(event, VesselArrival)]
    ports = Counter(call.port for call in calls)
    assert set(ports) == {"Baku/Alat", "Turkmenbashi"} and ports["Baku/Alat"] > 4 * ports["Turkmenbashi"]
    announced = {event.call.reference for event in month.events if isinstance(event, VesselAnnouncement)}
    assert {call.reference for call in calls} <= announced
    # One berth: each call's window starts after the previous one's ETD and the gap.
    gap = timedelta(hours=TrafficParameters().berth_gap_hours)
    for before, after in itertools.pairwise(sorted(calls, key=lambda call: call.eta)):
        assert before.eta < before.etd and after.eta >= before.etd + gap
    locodes = TrafficParameters().port_locodes
    for call in calls:
        imo_normalise(call.imo)  # raises if the check digit is wrong
        assert call.rotation[0] == locodes[call.port] and set(call.rotation) == set(locodes.values())
        on_board = sum(box.teu for box in (*call.discharge, *call.through))
        assert on_board <= call.capacity_teu == 224  # the default profile's cells
        for box in call.through:  # for the next ports, never one of the terminal's boxes
            assert box.pod in call.rotation and box.pod != locodes[call.port] and box.number not in month.boxes
            assert iso6346.is_valid(box.number)
    through = [box for call in calls for box in call.through]
    assert through and any(box.restow for box in through) and not all(box.restow for box in through)


def test_every_container_is_well_formed(month):
    types = size_types()
    numbers = list(month.boxes)
    assert len(numbers) == len(set(numbers))
    for box in month.boxes.values():
        assert iso6346.is_valid(box.number), box.number
        assert box.iso_type in types and types[box.iso_type].length_ft == box.length_ft
        assert box.inbound_mode in CarrierVisit.Mode.values and box.outbound_mode in CarrierVisit.Mode.values
        tare = TrafficParameters().tare_kg[box.iso_type]
        if box.freight_kind == EMPTY:
            assert box.gross_kg == tare and not box.dangerous_goods and not box.reefer
        else:
            assert tare < box.gross_kg <= 30_000
        assert not (box.reefer and box.dangerous_goods)
        assert not box.reefer or types[box.iso_type].group == "R"
        assert box.outbound_mode != RAIL or box.length_ft <= 40  # outbound wagons take no 45'
    pickups = [event.container for event in month.events if isinstance(event, TruckPickup)]
    assert len(pickups) == len(set(pickups)) and set(pickups) <= set(numbers)


def test_un_numbers_exist_in_the_reference_with_their_class_and_are_admitted(month, settings):
    with open(UN_DIR / "un_numbers.csv", newline="", encoding="utf-8") as f:
        listed = {(row["un_number"], row["class_division"], row["packing_group"]) for row in csv.DictReader(f)}
    lines = [line for box in month.boxes.values() for line in box.dangerous_goods]
    assert len(lines) > 500
    refused = set(settings.DG_REFUSED_CLASSES) | set(settings.DG_DIRECT_DELIVERY_CLASSES)
    for line in lines:
        assert (line.un_number, line.hazard_class, line.packing_group) in listed
        assert line.hazard_class.split(".")[0] not in refused and line.hazard_class not in refused
    classes = Counter(line.hazard_class for line in lines)
    assert classes.most_common(1)[0][0] == "3"
    assert len({line.un_number for line in lines}) > 60  # common cargoes and a long tail


def test_parameters_change_the_traffic_as_they_say():
    quiet = traffic_generate(days=90, seed=3, teu_per_year=24_000)  # a train every three days: a long look
    assert quiet.summary()["teu_per_day"] == pytest.approx(24_000 / 365, rel=0.25)
    no_dg = traffic_generate(days=2, seed=3, parameters=TrafficParameters(dangerous_goods_share=0.0))
    assert not any(box.dangerous_goods for box in no_dg.boxes.values())
    avoided = traffic_generate(days=1, seed=3)
    again = traffic_generate(days=1, seed=3, avoid_numbers=set(list(avoided.boxes)[:50]))
    assert not set(list(avoided.boxes)[:50]) & set(again.boxes)
    assert traffic_generate(days=1, seed=3, start=DEFAULT_START + timedelta(days=7)).events[0].at > DEFAULT_START


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        traffic_generate(days=0, seed=1)
    with pytest.raises(ValueError):
        traffic_generate(days=1, seed=1, teu_per_year=0)
