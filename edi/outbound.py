"""Outbound reports: what the terminal tells a line, written into the outbox in the transaction of the event.

- CODECO, per box: gate-in (BGM 34) and gate-out (BGM 36) of a box whose stay has a line, to that line's partner.
- COARRI, per vessel call when it departs: the discharge report (BGM 44) and the loading report (BGM 46), each box
  with its stowage cell (LOC+147) and the time its move was done (DTM+203).
- BAPLIE, per vessel call when it departs: the departure bay plan (what stayed or was loaded on board, by cell).

Each goes only to an active partner whose `receives` lists the type. The segments follow SMDG's D.95B message
implementation guides, laid out as the inbound reader (`edi.inbound`) reads them, so our own reports read back.
Acknowledgments of what partners send us are in `edi.acknowledgments`.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from edi.edifact import Outgoing
from edi.models import Partner
from edi.services import outbound_enqueue
from vessels import selectors as vessel_selectors
from vessels.models import VesselCall
from yard.models import CarrierVisit, ContainerVisit, YardMove

D95B = ("D", "95B", "UN")
BAPLIE_VERSION = (*D95B, "SMDG20")  # SMDG's BAPLIE 2.0 guide, the layout its readers expect
GATE_IN, GATE_OUT = "34", "36"
DISCHARGE_REPORT, LOADING_REPORT = "44", "46"

# EQD equipment status (8249) by the stay's category; the rest (transit, empty) is left out.
STATUS = {
    ContainerVisit.Category.IMPORT: "3",
    ContainerVisit.Category.EXPORT: "2",
    ContainerVisit.Category.TRANSSHIPMENT: "6",
}


def stamp(moment: datetime | None) -> str:
    """CCYYMMDDHHMM (DTM format 203) in the terminal's time, as the lines' guides ask for local times."""
    return timezone.localtime(moment or timezone.now()).strftime("%Y%m%d%H%M")


def partner_receiving(code: str, message_type: str) -> Partner | None:
    """The active partner with this code (a line's carrier code) if it receives this message type."""
    code = (code or "").strip().upper()
    if not code:
        return None
    partner = Partner.objects.filter(code=code, active=True).first()
    return partner if partner is not None and message_type in partner.receives else None


def _full_empty(freight_kind: str) -> str:
    return "4" if freight_kind == ContainerVisit.FreightKind.EMPTY else "5"


def _port(locode: str) -> tuple:
    return (locode, "139", "6")


def _equipment(message: Outgoing, visit: ContainerVisit) -> None:
    """EQD: the box, its ISO size/type (code list 102, ISO), its status and whether it is full or empty."""
    iso = (visit.container.iso_type_id, "102", "5")
    status = STATUS.get(visit.category)
    message.add("EQD", "CN", visit.container.number, iso, None, status, _full_empty(visit.freight_kind))


def _goods(message: Outgoing, lines: list[dict]) -> None:
    for line in lines or []:
        if line.get("un_number"):
            message.add("DGS", "IMD", line.get("class", ""), line["un_number"])


# --- CODECO ----------------------------------------------------------------------------------------------------


def codeco(*, visit: ContainerVisit, function: str, at: datetime, truck: str, partner: Partner, document: str):
    """One box through the gate: in (34) or out (36), with the truck that brought or took it."""
    message = Outgoing("CODECO", D95B, reference="")
    message.add("BGM", function, document, "9")
    message.add("NAD", "MS", settings.EDI_TERMINAL_ID)
    message.add("NAD", "MR", partner.unb_id)
    message.add("NAD", "CF", (visit.line, "172", "20"))
    _equipment(message, visit)
    message.add("DTM", ("7", stamp(at), "203"))
    if visit.gross_kg:
        message.add("MEA", "AAE", "G", ("KGM", visit.gross_kg))
    for seal in visit.seals:
        message.add("SEL", seal)
    _goods(message, visit.dangerous_goods)
    message.add("TDT", "1", None, "3", "31", None, None, None, truck)  # road leg (mode 3), truck (31), its plate
    message.add("CNT", ("16", "1"))
    return message


def gate_report(*, move: YardMove, actor: AbstractBaseUser) -> None:
    """`move_completed`: a CODECO to the box's line when a box passed the gate.

    Gate-in is the completion of the receive move off the truck, not the opening of the stay: only then has the
    terminal taken the box (a truck turned away at the gate leaves an expected stay and a cancelled move, and a
    booked box's expected stay is completed at the gate without being opened again). Gate-out is a move that
    took the box out by truck (a delivery to the gate)."""
    visit = move.visit
    if not visit.line:
        return  # no line, no one to tell: and no query added to a completion
    if (
        move.kind == YardMove.Kind.RECEIVE
        and move.from_slot_id is None
        and visit.state == ContainerVisit.State.IN_YARD
        and visit.inbound_carrier.mode == CarrierVisit.Mode.TRUCK
    ):
        function, truck = GATE_IN, visit.inbound_carrier.reference
    elif visit.state == ContainerVisit.State.DEPARTED and visit.outbound_mode == CarrierVisit.Mode.TRUCK:
        function, truck = GATE_OUT, move.to_carrier.reference if move.to_carrier_id else ""
    else:
        return
    partner = partner_receiving(visit.line, "CODECO")
    if partner is None:
        return
    message = codeco(
        visit=visit, function=function, at=move.finished_at, truck=truck, partner=partner, document=f"{move.pk}"
    )
    outbound_enqueue(partner=partner, messages=[message], actor=actor, subject=visit.container.number)


# --- COARRI and the departure BAPLIE --------------------------------------------------------------------------


def _vessel_transport(message: Outgoing, call: VesselCall, voyage: str) -> None:
    """TDT+20: the voyage, sea transport (1) by ocean vessel (13), the line, the ship by call sign or IMO number."""
    vessel = call.vessel
    if vessel.call_sign:
        identity = (vessel.call_sign, "103", "ZZZ", vessel.name)  # 103: call sign directory
    else:
        identity = (vessel.imo, "146", "ZZZ", vessel.name)  # 146: IMO number
    message.add("TDT", "20", voyage, "1", "13", (call.line, "172", "20"), None, None, identity)


def coarri(*, call: VesselCall, function: str, moves: list[YardMove]) -> Outgoing:
    """The boxes discharged (44) or loaded (46) during the call, each with its cell and the time it was done."""
    loading = function == LOADING_REPORT
    on_board = {box.container: box for box in call.on_board.all()} if loading else {}
    message = Outgoing("COARRI", D95B, reference="")
    message.add("BGM", function, f"{call.pk}-{function}", "9")
    _vessel_transport(message, call, call.voyage_out if loading else call.voyage_in)
    message.add("LOC", "9" if loading else "11", _port(settings.TERMINAL_LOCODE))
    message.add("DTM", ("178", stamp(call.carrier.arrived_at), "203"))
    message.add("DTM", ("136", stamp(call.carrier.departed_at), "203"))
    message.add("NAD", "CF", (call.line, "172", "20"))
    for move in moves:
        visit, number = move.visit, move.visit.container.number
        box = on_board.get(number)
        _equipment(message, visit)
        message.add("DTM", ("203", stamp(move.finished_at), "203"))
        if box is not None and box.pod:
            message.add("LOC", "11", _port(box.pod))
        message.add("LOC", "147", (move.to_place if loading else move.from_place, "", "5"))
        if gross := (box.gross_kg if box is not None else visit.gross_kg):
            message.add("MEA", "AAE", "G", ("KGM", gross))
        for seal in visit.seals:
            message.add("SEL", seal)
        _goods(message, visit.dangerous_goods)
        if visit.line:
            message.add("NAD", "CA", (visit.line, "172", "20"))
    message.add("CNT", ("16", str(len(moves))))
    return message


def baplie_departure(*, call: VesselCall) -> Outgoing:
    """The departure bay plan: every box on board when the ship sailed, cell by cell, for the next port."""
    lines = dict(
        call.on_board.filter(visit__isnull=False).exclude(visit__line="").values_list("container", "visit__line")
    )
    message = Outgoing("BAPLIE", BAPLIE_VERSION, reference="")
    message.add("BGM", None, f"{call.pk}-BAPLIE", "9")
    message.add("DTM", ("137", stamp(None), "203"))
    _vessel_transport(message, call, call.voyage_out)
    message.add("LOC", "5", _port(settings.TERMINAL_LOCODE))
    if call.rotation:
        message.add("LOC", "61", _port(call.rotation[0]))
    message.add("DTM", ("136", stamp(call.carrier.departed_at), "203"))
    message.add("RFF", ("VON", call.voyage_out))
    for box in call.departure_bay_plan:
        message.add("LOC", "147", ("0" + box["cell"], "", "5"))  # BBBRRTT: SMDG writes the bay in three digits
        message.add("MEA", "WT", None, ("KGM", box["gross_kg"]))
        if box.get("temperature_c") is not None:
            message.add("TMP", "2", (f"{box['temperature_c']:.1f}", "CEL"))
        if box.get("pol"):
            message.add("LOC", "9", _port(box["pol"]))
        message.add("LOC", "11", _port(box["pod"]))
        full_empty = _full_empty(box.get("freight_kind", ""))
        message.add("EQD", "CN", box["container"], box["iso_type"], None, None, full_empty)
        if line := lines.get(box["container"]):
            message.add("NAD", "CA", (line, "172", "20"))
        _goods(message, box.get("dangerous_goods"))
    return message


def call_departed_report(*, carrier: CarrierVisit, actor: AbstractBaseUser) -> None:
    """`carrier_departed`: a departed vessel call's COARRI reports and departure BAPLIE, to the call's line."""
    if carrier.mode != CarrierVisit.Mode.VESSEL:
        return
    call = vessel_selectors.call_of_carrier(carrier.pk)
    if call is None:
        return
    if partner := partner_receiving(call.line, "COARRI"):
        reports = [
            coarri(call=call, function=function, moves=moves)
            for function, kind in ((DISCHARGE_REPORT, YardMove.Kind.DISCHARGE), (LOADING_REPORT, YardMove.Kind.LOAD))
            if (moves := vessel_selectors.call_moves_done(call, kind))
        ]
        if reports:
            outbound_enqueue(partner=partner, messages=reports, actor=actor, subject=call.reference)
    if partner := partner_receiving(call.line, "BAPLIE"):
        outbound_enqueue(partner=partner, messages=[baplie_departure(call=call)], actor=actor, subject=call.reference)
