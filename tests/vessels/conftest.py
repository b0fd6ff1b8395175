from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from aktau_tos import roles
from tests.factories.yard import EquipmentFactory, valid_number
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401  (the yard fixtures, shared)
from vessels import services
from vessels.models import Berth, StowageProfile, VesselCall
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import AccessPoint, Equipment, YardMove

IMO = "9074729"  # a valid IMO number: 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139 -> check digit 9


@pytest.fixture
def port(small_yard, settings):  # noqa: F811 (a fixture, imported above)
    """The small yard, a quay, one berth with two harbour cranes, a small default profile (2 bay pairs, 4 rows,
    2 hold tiers, 1 deck tier) with plugs on deck in bay 01."""
    settings.TERMINAL_LOCODE = "KZAAU"
    AccessPoint.objects.create(kind=AccessPoint.Kind.QUAY, x_m=0, y_m=200)
    berth = Berth.objects.create(code="CB1", name="Container berth", length_m=180)
    cranes = [EquipmentFactory(code=f"MHC-{i}", kind=Equipment.Kind.HARBOUR_CRANE, max_tier=0) for i in (1, 2)]
    berth.equipment.set(cranes)
    StowageProfile.objects.create(
        name="test feeder", bays_20=4, rows=4, hold_tiers=2, deck_tiers=1, stack_max_kg=90_000,
        reefer_plugs=["010182", "010282"], is_default=True,
    )  # fmt: skip
    return berth


@pytest.fixture
def window():
    start = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    return start, start + timedelta(hours=30)


@pytest.fixture
def call_body(window):
    eta, etd = window
    return {
        "vessel": {"name": "Turkestan", "imo": IMO, "call_sign": "UNAT"},
        "line": "KMTF", "voyage_in": "0412E", "voyage_out": "0412W", "berth": "CB1",
        "eta": eta.isoformat(), "etd": etd.isoformat(), "rotation": ["AZBAK", "TMKRW"],
    }  # fmt: skip


REPORT_DAY = date(2026, 11, 20)


def on_day(hour: int, minute: int = 0, day: date = REPORT_DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


def bay_plan_box(n: int, cell: str, pod: str = "KZAAU") -> dict:
    return {"number": valid_number(n, "CSQ"), "iso_type": "22G1", "gross_kg": 20_000, "stowage": cell,
            "pol": "AZBAK", "pod": pod}  # fmt: skip


def _done(move: YardMove, position: str, actor) -> None:
    yard_services.move_complete(move_id=move.pk, container=move.visit.container.number, position=position, actor=actor)


@pytest.fixture
def call_at_berth(port, user_with_role):
    """call_at_berth("0412E", eta, etd, arrived=...) -> a call of the Turkestan at CB1, through the services."""
    actor = user_with_role(roles.OPERATOR)
    vessel = services.vessel_register(name="Turkestan", imo=IMO, actor=actor)

    def make(voyage: str, eta: datetime, etd: datetime, *, arrived: datetime | None = None) -> VesselCall:
        call = services.call_create(vessel=vessel, voyage_in=voyage, berth="CB1", eta=eta, etd=etd, actor=actor)
        if arrived:
            call = services.call_arrive(call_id=call.pk, actor=actor, at=arrived)
        return call

    make.actor = actor
    return make


@pytest.fixture
def worked_call(call_at_berth, put):  # noqa: F811 (a fixture, imported above)
    """The Turkestan alongside at CB1 on REPORT_DAY from 02:00 (ETD 20:00), worked through the services: two
    discharges, a restow (the through box above the first discharge, put back on into the cell that freed) and
    three loads.
    The moves' machines and times are then set as a tally would have them (hours on REPORT_DAY):

        MHC-1  discharge 03:00-03:30, discharge 04:00-04:30, load 06:00-07:00   -> 4 h, 3 lifts
        MHC-2  restow 05:00-05:30 (two lifts), load 06:00-06:30                -> 1.5 h, 3 lifts
        none   load 08:00-08:10 (no machine recorded)

    It has not departed: the test departs it (at 20:00, 18 h alongside) or not."""
    actor = call_at_berth.actor
    exports = [put(f"A-0{bay}-01-1") for bay in (2, 3, 4)]
    call = call_at_berth("0412E", on_day(1), on_day(20), arrived=on_day(2))
    rows = [bay_plan_box(1, "010102"), bay_plan_box(2, "010104", pod="AZBAK"), bay_plan_box(3, "030102")]
    planned = services.discharge_list_apply(call_id=call.pk, containers=rows, actor=actor).moves
    first, second = sorted((m for m in planned if m.kind == YardMove.Kind.DISCHARGE), key=lambda m: m.from_place)
    [restow] = [m for m in planned if m.kind == YardMove.Kind.RESTOW]
    for move in (first, second):
        _done(move, yard_selectors.move_to(move), actor)
    _done(
        restow, yard_selectors.carrier_label(call.carrier, "010102"), actor
    )  # the freed cell: its own has nothing under it
    bookings = [{"number": v.container.number, "pod": "AZBAK", "vgm_kg": 18_000} for v in exports]
    services.load_list_apply(call_id=call.pk, containers=bookings, actor=actor)
    plan = services.stowage_plan_build(call_id=call.pk, actor=actor)
    loads = []
    for entry in sorted(plan["assigned"], key=lambda a: a["sequence"]):
        load = YardMove.objects.get(visit__container__number=entry["container"], kind="load", status="planned")
        _done(load, yard_selectors.carrier_label(call.carrier, entry["stowage"]), actor)
        loads.append(load)
    cranes = {code: Equipment.objects.get(code=code) for code in ("MHC-1", "MHC-2")}
    tally = [(first, "MHC-1", (3, 0), (3, 30)), (second, "MHC-1", (4, 0), (4, 30)),
             (restow, "MHC-2", (5, 0), (5, 30)), (loads[0], "MHC-1", (6, 0), (7, 0)),
             (loads[1], "MHC-2", (6, 0), (6, 30)), (loads[2], None, (8, 0), (8, 10))]  # fmt: skip
    for move, crane, started, finished in tally:
        YardMove.objects.filter(pk=move.pk).update(
            equipment=cranes.get(crane), started_at=on_day(*started), finished_at=on_day(*finished)
        )
    return call


@pytest.fixture
def alongside(port, operator, window):
    """TURKESTAN 0412E alongside at CB1, through the services, on the port's default profile (bays 01-07, rows
    04 02 01 03, tiers 02 04 in the hold and 82 on deck)."""
    eta, etd = window
    vessel = services.vessel_register(name="Turkestan", imo=IMO, actor=operator)
    created = services.call_create(vessel=vessel, voyage_in="0412E", berth="CB1", eta=eta, etd=etd, actor=operator)
    return services.call_arrive(call_id=created.pk, actor=operator)
