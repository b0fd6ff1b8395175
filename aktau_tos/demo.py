"""Demo traffic for `seed_aktau --demo`: a yard in mid-shift, made through the real services."""

import contextlib
import random
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from stdnum import iso6346

from aktau_tos.errors import DomainError
from yard import services
from yard.models import ContainerVisit, Hold, YardMove

OWNERS = ["CSQ", "MSK", "TCN", "CMA", "HDM", "OOL", "KTZ", "FES", "TGH", "SEG"]
# (size/type, freight kind, share): mostly 40' high cubes and 20' boxes, some reefers and empties.
MIX = [("45G1", "full", 40), ("22G1", "full", 30), ("42G1", "full", 8), ("45R1", "full", 5), ("22G1", "empty", 10),
       ("45G1", "empty", 7)]  # fmt: skip
DG_LINES = [
    {"un_number": "1203", "class": "3", "packing_group": "II"},
    {"un_number": "1830", "class": "8", "packing_group": "II"},
    {"un_number": "1942", "class": "5.1", "packing_group": "III"},
]


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
    departures = []
    for index, (mode, reference, hours) in enumerate(
        [
            ("rail", "KZ-2417 to Almaty-1", 20),
            ("vessel", "CASPIAN STAR 047 to Baku/Alat", 40),
            ("rail", "KZ-2419 to Tashkent", 60),
            ("vessel", "AKTAU 12 to Turkmenbashi", 90),
        ]
    ):
        eta, etd = now + timedelta(hours=hours - 6 - index), now + timedelta(hours=hours)
        departures.append(services.carrier_visit_open(mode=mode, reference=reference, eta=eta, etd=etd, actor=actor))
    kinds = [entry for entry in MIX for _ in range(entry[2])]
    placed = 0
    for index in range(containers):
        iso_type, freight_kind, _ = rng.choice(kinds)
        dangerous = [rng.choice(DG_LINES)] if freight_kind == "full" and rng.random() < 0.08 else []
        booked = rng.choice(departures) if rng.random() < 0.7 else None
        move = services.gate_in(
            container=demo_number(rng), iso_type=iso_type, freight_kind=freight_kind, truck=f"{index:03d}AKT12",
            gross_kg=rng.randrange(8000, 30000) if freight_kind == "full" else None, actor=actor,
            dangerous_goods=dangerous, outbound_carrier=booked,
        )  # fmt: skip
        if index % 10 == 9:
            continue  # a few still waiting at the gate: open moves for the work queues
        services.move_complete(move_id=move.pk, container=move.visit.container.number, position=move.planned_to,
                               actor=actor)  # fmt: skip
        placed += 1
    in_yard = list(ContainerVisit.objects.filter(state=ContainerVisit.State.IN_YARD).select_related("container"))
    for visit in rng.sample(in_yard, k=min(6, len(in_yard))):
        kind = rng.choice(["documents", "scan_required"])
        services.hold_place(
            container=visit.container.number, authority=Hold.Authority.CUSTOMS, kind=kind, reason="Demo", actor=actor
        )
    for visit in rng.sample(in_yard, k=min(4, len(in_yard))):
        if not YardMove.objects.filter(visit=visit, status__in=YardMove.OPEN_STATUSES).exists():
            with contextlib.suppress(DomainError):  # a held or buried box simply gets no delivery in the demo
                services.move_create_adhoc(container=visit.container.number, to="GATE", actor=actor)
    services.moves_dispatch()
    return placed
