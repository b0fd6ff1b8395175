"""EDI: a full feeder's arrival bay plan (BAPLIE) read and applied through the inbox, as a line would send it.

The interchange is written with the product's own writer (so it is what our partners' software would send in
shape: UNA, UNB, one BAPLIE with a LOC+147 group per box), read (envelope, counts) and then posted through
`interchange_receive`: the message routed to the vessels service, boxes for this port allocated a yard slot
with a discharge move, the others kept on board as through cargo. All of it is rolled back at the end.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aktau_tos.audit import system_user
from edi.edifact import Outgoing, interchange_read, interchange_write
from edi.models import Partner
from edi.outbound import baplie_departure, coarri
from edi.services import interchange_receive
from simulation.runner import statistics_refresh
from vessels.geometry import Geometry
from vessels.models import StowageProfile, Vessel, VesselCall
from vessels.services import call_create
from vessels.services.calls import departure_bay_plan
from yard.models import YardMove

from .numbers import container_number

# A 700-TEU feeder of the planned class: 16 20' bays, 9 rows, 3 tiers in the hold and 2 on deck (720 cells).
SHIP = {"bays_20": 16, "rows": 9, "hold_tiers": 3, "deck_tiers": 2}


def baplie_text(*, boxes: int, for_this_port: float, voyage: str = "0700E", call_sign: str = "UNBENCH") -> str:
    """A BAPLIE of `boxes` 20' boxes filling the ship's cells bottom-up, a share of them for this port."""
    geometry = Geometry(**SHIP)
    cells = sorted(geometry.cells_20(), key=lambda cell: (geometry.tier_numbers.index(cell.tier), cell.bay, cell.row))
    message = Outgoing(type="BAPLIE", version=("D", "95B", "UN", "SMDG20"), reference="1")
    message.add("BGM", "", "BENCH", "9")
    message.add("TDT", "20", voyage, "", "", ("", "172", "20"), "", "", (call_sign, "103", "", "BENCH FEEDER"))
    every = max(1, round(1 / for_this_port)) if for_this_port else 0
    for index, cell in enumerate(cells[:boxes]):
        pod = settings.TERMINAL_LOCODE if every and index % every == 0 else "AZBAK"
        message.add("LOC", "147", (cell.label, "", "5"))
        message.add("MEA", "WT", "", ("KGM", str(12_000 + (index * 37) % 14_000)))
        message.add("LOC", "9", ("TMKRW", "139", "6"))
        message.add("LOC", "11", (pod, "139", "6"))
        message.add("EQD", "CN", container_number(index, "EDIU"), "22G1", "", "", "5")
        message.add("NAD", "CA", ("KMTF", "172", "20"))
    return interchange_write(
        sender="BENCHLINE",
        recipient=settings.EDI_TERMINAL_ID,
        reference="BENCH1",
        prepared="261205:0600",
        messages=[message],
    )


def call_of_voyage(voyage: str):
    return VesselCall.objects.select_related("vessel", "carrier").get(voyage_in=voyage)


def _generate(call: VesselCall) -> dict:
    """The reports a line gets when this ship sails: COARRI for its discharges and the departure BAPLIE of what
    stays on board, written as the outbox writes them (the moves as planned: the measure is the writing)."""
    call.departure_bay_plan = departure_bay_plan(call)
    moves = list(
        YardMove.objects.filter(from_carrier=call.carrier, kind=YardMove.Kind.DISCHARGE).select_related(
            "visit__container__iso_type"
        )
    )
    started = time.perf_counter()
    coarri_text = interchange_write(
        sender="AKTAU",
        recipient="LINE",
        reference="1",
        prepared="261205:0600",
        messages=[coarri(call=call, function="44", moves=moves)],
    )
    coarri_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baplie_text_out = interchange_write(
        sender="AKTAU", recipient="LINE", reference="2", prepared="261205:0600", messages=[baplie_departure(call=call)]
    )
    baplie_seconds = time.perf_counter() - started
    return {
        "coarri_boxes": len(moves),
        "coarri_seconds": round(coarri_seconds, 3),
        "coarri_bytes": len(coarri_text),
        "departure_baplie_boxes": len(call.departure_bay_plan),
        "departure_baplie_seconds": round(baplie_seconds, 3),
        "departure_baplie_bytes": len(baplie_text_out),
    }


def edi_measure(*, boxes: int = 700, for_this_port: float = 0.25) -> dict:
    """The bay plan with a share of boxes for this port; then the same boxes all through cargo, which separates
    reading and recording cells from the yard's allocation of each discharged box (its cost per box is the
    train list's)."""
    with transaction.atomic():
        results = _measure(boxes, for_this_port)
        transaction.set_rollback(True)
    with transaction.atomic():
        results["through_only_apply_seconds"] = _measure(boxes, 0)["apply_seconds"]
        transaction.set_rollback(True)
    return results


def _measure(boxes: int, for_this_port: float) -> dict:
    actor = system_user()
    Partner.objects.create(code="BENCH", name="bench line", unb_id="BENCHLINE", sends=["BAPLIE"])
    profile = StowageProfile.objects.create(name="bench 700 TEU", stack_max_kg=120_000, **SHIP)
    vessel = Vessel.objects.create(name="BENCH FEEDER", imo="9074729", call_sign="UNBENCH", profile=profile)
    eta = timezone.now() + timedelta(days=400)  # clear of any call the rest of the bench made
    call_create(vessel=vessel, voyage_in="0700E", berth="CB1", eta=eta, etd=eta + timedelta(hours=30), actor=actor)
    raw = baplie_text(boxes=boxes, for_this_port=for_this_port)
    started = time.perf_counter()
    read = interchange_read(raw)
    read_seconds = time.perf_counter() - started
    statistics_refresh()
    started = time.perf_counter()
    _, answer, _ = interchange_receive(raw=raw, actor=actor)
    apply_seconds = time.perf_counter() - started
    [message] = answer["messages"]
    generated = _generate(call_of_voyage("0700E"))
    return {
        **generated,
        "boxes": boxes,
        "bytes": len(raw),
        "segments": len(read.messages[0].segments) + 4,
        "read_seconds": round(read_seconds, 3),
        "apply_seconds": round(apply_seconds, 2),
        "status": message["status"],
        "discharge_moves": message["effects"].get("discharge_moves"),
        "through": message["effects"].get("through"),
        "problems": len(message["problems"]),
        "aim": "read under 1 s, apply under 5 s",
    }
