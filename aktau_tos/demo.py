"""Demo traffic for `seed_aktau --demo`: a yard in mid-shift, made through the real services.

The yard filled over the past week (each box gated in at its own time, so stays have their dwell and the history
reads like a week's), a train on loading line L1 part checked in and part discharged, customs holds with two
inspections ordered, dangerous goods in the DG area. The quay: the feeder TURKESTAN alongside at CB1 with its
arrival bay plan applied (some boxes discharged, some still on board, through cargo for Baku and Turkmenbashi,
one restow) and its load list booked and planned; a second call, AKTAU, expected later in the week, with its load
list booked.
"""

import contextlib
import random
from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import iso6346

from aktau_tos.errors import DomainError
from customs import services as customs_services
from edi import services as edi_services
from rail import services as rail_services
from vessels import services as vessel_services
from vessels.identity import imo_check_digit
from vessels.models import VesselCall
from yard import services
from yard.models import ContainerVisit, Hold, YardMove

OWNERS = ["CSQ", "MSK", "TCN", "CMA", "HDM", "OOL", "KTZ", "FES", "TGH", "SEG"]
# (size/type, freight kind, share): mostly 40' high cubes and 20' boxes, some reefers and empties.
MIX = [("45G1", "full", 40), ("22G1", "full", 30), ("42G1", "full", 8), ("45R1", "full", 5), ("22G1", "empty", 10),
       ("45G1", "empty", 7)]  # fmt: skip
# With what the shipper's papers give besides the UN entry: net mass and the IMDG emergency schedules.
DG_LINES = [
    {"un_number": "1203", "class": "3", "packing_group": "II", "net_mass_kg": 18_400, "ems": "F-E,S-E"},
    {"un_number": "1830", "class": "8", "packing_group": "II", "net_mass_kg": 21_000, "ems": "F-A,S-B"},
    {"un_number": "1942", "class": "5.1", "packing_group": "III", "net_mass_kg": 20_000, "ems": "F-H,S-Q"},
]


# The arrival bay plan of the call alongside, on the default profile's cells (BBRRTT): for Aktau, then through
# cargo; the first through box stands on a box for Aktau (a restow). Rows: (size/type, cell, port of discharge).
ALONGSIDE_BAY_PLAN = [
    ("22G1", "010102", "KZAAU"), ("22G1", "010202", "KZAAU"), ("22G1", "010002", "KZAAU"), ("22G1", "030102", "KZAAU"),
    ("22G1", "030202", "KZAAU"), ("45G1", "060102", "KZAAU"), ("45G1", "060202", "KZAAU"), ("45R1", "100182", "KZAAU"),
    ("22G1", "030002", "KZAAU"), ("22T6", "050002", "KZAAU"),
    ("22G1", "010104", "TMKRW"), ("22G1", "130102", "TMKRW"), ("22G1", "130202", "TMKRW"), ("45G1", "140302", "AZBAK"),
]  # fmt: skip
DISCHARGED = {"010202", "010002", "030102", "030202", "060102"}  # already in the yard; the rest still on board
DEMO_VESSELS = {"TURKESTAN": "907472", "AKTAU": "931234"}  # first six digits of made-up IMO numbers
HISTORY_DAYS = 7  # the boxes in the yard came in over this many days
DEMO_TRAIN_WAGONS = 15  # the train on line L1: 60' platforms with two boxes each


def demo_number(rng: random.Random) -> str:
    body = f"{rng.choice(OWNERS)}U{rng.randrange(1_000_000):06d}"
    return body + iso6346.calc_check_digit(body)


def demo_traffic_create(*, actor: AbstractBaseUser, containers: int = 120, seed: int = 2026) -> int:
    """Creates departures and `containers` arrivals by truck placed in the yard; returns how many were placed.

    Does nothing if the yard already holds containers, so seeding twice adds nothing.
    """
    if ContainerVisit.objects.exists():
        return 0
    rng, now = random.Random(seed), timezone.now()
    _demo_partners(actor)
    alongside, later = _demo_calls(actor, now)
    trains = [
        services.carrier_visit_open(
            mode="rail",
            reference=reference,
            eta=now + timedelta(hours=hours - 6 - index),
            etd=now + timedelta(hours=hours),
            actor=actor,
        )
        for index, reference, hours in [(0, "KZ-2417 to Almaty-1", 20), (2, "KZ-2419 to Tashkent", 60)]
    ]
    departures = [trains[0], alongside, trains[1], later]  # the vessel calls' boxes are booked by load lists
    kinds = [entry for entry in MIX for _copy in range(entry[2])]
    placed, load_lists = 0, {alongside.pk: [], later.pk: []}
    # Arrivals spread over the week, oldest first; the last few came in within the hour.
    arrivals = sorted(now - timedelta(hours=rng.uniform(1, HISTORY_DAYS * 24)) for _arrival in range(containers))
    for index, arrived in enumerate(arrivals):
        iso_type, freight_kind, _share = rng.choice(kinds)
        dangerous = [rng.choice(DG_LINES)] if freight_kind == "full" and rng.random() < 0.08 else []
        booked = rng.choice(departures) if rng.random() < 0.7 else None
        gross = rng.randrange(8000, 30000) if freight_kind == "full" else None
        number = demo_number(rng)
        line = ""
        if isinstance(booked, VesselCall):
            line = "KMTF"  # the feeders' line: its boxes' gate moves are reported to it (CODECO)
            pod = "AZBAK" if booked == alongside else "TMKRW"
            vgm = gross or (2_300 if iso_type.startswith("2") else 3_900)  # an empty box weighs its tare
            load_lists[booked.pk].append({"number": number, "pod": pod, "vgm_kg": vgm})
            booked = None
        waiting = index % 10 == 9  # a few still waiting at the gate: open moves for the work queues
        with time_machine.travel(now - timedelta(minutes=rng.uniform(5, 50)) if waiting else arrived, tick=False):
            move = services.gate_in(
                container=number, iso_type=iso_type, freight_kind=freight_kind, truck=f"{index:03d}AKT12",
                gross_kg=gross, actor=actor, dangerous_goods=dangerous, outbound_carrier=booked, line=line,
            )  # fmt: skip
            if waiting:
                continue
            services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                                   actor=actor)  # fmt: skip
        placed += 1
    _demo_quay_work(actor, alongside, later, load_lists)
    in_yard = list(
        ContainerVisit.objects.filter(state=ContainerVisit.State.IN_YARD, dangerous_goods=[])
        .select_related("container")
        .order_by("pk")
    )
    held = rng.sample(in_yard, k=min(8, len(in_yard)))
    # Translators: the reason recorded in the history of the demo's customs holds.
    hold_reason = _("Demo")
    for visit in held[:6]:
        kind = rng.choice(["documents", "scan_required"])
        with time_machine.travel(now - timedelta(hours=rng.uniform(2, 72)), tick=False):
            services.hold_place(container=visit.container.number, authority=Hold.Authority.CUSTOMS, kind=kind,
                                reason=hold_reason, actor=actor)  # fmt: skip
    for visit, kind in zip(held[6:], ["scan", "physical_exam"], strict=False):  # the inspection area's work
        with contextlib.suppress(DomainError):  # a buried box simply waits for its order in the demo
            customs_services.inspection_order(container=visit.container.number, kind=kind, actor=actor)
    _demo_train_on_line(actor, rng, now)
    for visit in rng.sample(in_yard, k=min(4, len(in_yard))):
        if not YardMove.objects.filter(visit=visit, status__in=YardMove.OPEN_STATUSES).exists():
            with contextlib.suppress(DomainError):  # a held or buried box simply gets no delivery in the demo
                services.move_create_adhoc(container=visit.container.number, to="GATE", actor=actor)
    services.moves_dispatch()
    return placed


def _demo_train_box(rng: random.Random) -> dict:
    return {"number": demo_number(rng), "iso_type": "22G1", "gross_kg": rng.randrange(12_000, 24_000),
            "seal": f"CN{rng.randrange(10**6):06d}", "freight_kind": "full"}  # fmt: skip


def _demo_train_on_line(actor: AbstractBaseUser, rng: random.Random, now) -> None:
    """A block train from Altynkol on line L1 since three hours ago: its list registered on arrival, two thirds of
    its boxes checked in by the clerk (one seal differs), a third discharged into the rail block."""
    wagons = []
    for position in range(1, DEMO_TRAIN_WAGONS + 1):
        first_seven = f"94{rng.randrange(100_000):05d}"
        boxes = [_demo_train_box(rng) for _box in range(2)]
        wagons.append({"number": first_seven + rail_services.wagon_check_digit(first_seven), "position": position,
                       "containers": boxes})  # fmt: skip
    with time_machine.travel(now - timedelta(hours=3), tick=False):
        train, moves = rail_services.train_list_register(
            train_number="KZ-8801", line="L1", origin="Altynkol", wagons=wagons, actor=actor
        )
    boxes = [box for wagon in wagons for box in wagon["containers"]]
    for index, box in enumerate(boxes[: len(boxes) * 2 // 3]):
        seal = "CN000000" if index == 4 else box["seal"]  # the clerk reads another seal on one box
        with time_machine.travel(now - timedelta(hours=2, minutes=50 - index), tick=False):
            rail_services.container_check_in(train_id=train.pk, container=box["number"], seal=seal, actor=actor)
    for index, move in enumerate(moves[: len(moves) // 3]):
        at = now - timedelta(hours=2, minutes=-index * 3)
        with time_machine.travel(at, tick=False), contextlib.suppress(DomainError):  # no slot yet: stays on its wagon
            services.move_complete(move_id=move.pk, container=move.visit.container.number,
                                       position=move.planned_to, actor=actor)  # fmt: skip


# The corridor's partners: the feeders' line and ASCO (posting and fetching through the API), and the railway.
DEMO_PARTNERS = [
    ("KMTF", "Kazmortransflot", "line", ["BAPLIE", "COPRAR", "COPARN", "VERMAS", "IFTDGN", "COPINO"],
     ["CODECO", "COARRI", "BAPLIE", "CONTRL", "APERAK"]),
    ("ASCO", "Azerbaijan Caspian Shipping", "line", ["BAPLIE", "COPRAR", "VERMAS"], ["CODECO", "COARRI", "BAPLIE"]),
    ("KTZ", "Kazakhstan Temir Zholy (railway)", "railway", [], []),
]  # fmt: skip


def _demo_partners(actor: AbstractBaseUser) -> None:
    for code, name, kind, sends, receives in DEMO_PARTNERS:
        users = list(get_user_model().objects.filter(username=code.lower()))  # the demo's edi_partner user, if any
        edi_services.partner_register(
            code=code, name=name, kind=kind, unb_id=code, sends=sends, receives=receives, users=users, actor=actor
        )


def _demo_calls(actor: AbstractBaseUser, now) -> tuple[VesselCall, VesselCall]:
    """The call alongside since this morning, and the one expected later in the week."""
    calls = []
    for name, voyage, hours, rotation in [
        ("TURKESTAN", "0412E", -5, ["AZBAK", "TMKRW"]),
        ("AKTAU", "0107W", 80, ["TMKRW", "AZBAK"]),
    ]:
        first_six = DEMO_VESSELS[name]
        vessel = vessel_services.vessel_register(
            name=name, imo=first_six + str(imo_check_digit(first_six)), line="KMTF", flag="KZ", actor=actor
        )
        eta = now + timedelta(hours=hours)
        call = vessel_services.call_create(
            vessel=vessel,
            voyage_in=voyage,
            berth="CB1",
            eta=eta,
            etd=eta + timedelta(hours=26),
            rotation=rotation,
            actor=actor,
        )
        calls.append(call)
    vessel_services.call_arrive(call_id=calls[0].pk, actor=actor, at=calls[0].eta + timedelta(minutes=40))
    return calls[0], calls[1]


def _demo_quay_work(actor: AbstractBaseUser, alongside: VesselCall, later: VesselCall, load_lists: dict) -> None:
    """The arrival bay plan applied, some boxes discharged, the load lists booked and the alongside one planned."""
    rng = random.Random("demo-quay")  # apart from the yard's draws, so the yard looks as before
    rows = []
    for iso_type, cell, pod in ALONGSIDE_BAY_PLAN:
        row = {"number": demo_number(rng), "iso_type": iso_type, "stowage": cell, "pod": pod, "pol": "AZBAK",
               "gross_kg": rng.randrange(9000, 26000)}  # fmt: skip
        if iso_type == "45R1":
            row["temperature_c"] = -18
        if iso_type == "22T6":
            row["dangerous_goods"] = [DG_LINES[1]]
        rows.append(row)
    applied = vessel_services.discharge_list_apply(call_id=alongside.pk, containers=rows, actor=actor)
    for move in applied.moves:
        if move.kind == YardMove.Kind.DISCHARGE and move.from_place in DISCHARGED:
            services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                                   actor=actor)  # fmt: skip
    for call in (alongside, later):
        if load_lists[call.pk]:
            vessel_services.load_list_apply(call_id=call.pk, containers=load_lists[call.pk], actor=actor)
    vessel_services.stowage_plan_build(call_id=alongside.pk, actor=actor, time_limit=2.0)
