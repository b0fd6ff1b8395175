"""Reads of the vessels app."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from vessels.models import OnBoard, VesselCall
from yard.models import CarrierVisit, YardMove


def call_moves(call: VesselCall) -> QuerySet[YardMove]:
    """The call's discharge, restow and load moves: from the ship (not yet in the yard) or onto it."""
    return YardMove.objects.filter(
        Q(from_carrier_id=call.carrier_id, from_slot__isnull=True) | Q(to_carrier_id=call.carrier_id)
    )


LIVE_MOVE = ~Q(status__in=[YardMove.Status.CANCELLED, YardMove.Status.FAILED])


def call_progress(call: VesselCall) -> dict:
    """Discharge and load moves planned (not cancelled or failed) and done; through boxes on board; restows."""
    moves = call_moves(call).filter(LIVE_MOVE)
    counts = moves.aggregate(
        discharge_planned=Count("pk", filter=Q(kind=YardMove.Kind.DISCHARGE)),
        discharge_done=Count("pk", filter=Q(kind=YardMove.Kind.DISCHARGE, status=YardMove.Status.DONE)),
        load_planned=Count("pk", filter=Q(kind=YardMove.Kind.LOAD)),
        load_done=Count("pk", filter=Q(kind=YardMove.Kind.LOAD, status=YardMove.Status.DONE)),
    )
    board = call.on_board.aggregate(
        through=Count("pk", filter=Q(kind=OnBoard.Kind.THROUGH)), restows=Count("pk", filter=Q(restow=True))
    )
    return {
        "discharge": {"planned": counts["discharge_planned"], "done": counts["discharge_done"]},
        "load": {"planned": counts["load_planned"], "done": counts["load_done"]},
        "through": board["through"],
        "restows": board["restows"],
    }


def calls_with_related():
    return VesselCall.objects.select_related("carrier", "vessel", "berth")


def call_find(*, voyage: str, vessel_ids: list[str], outbound: bool = False) -> VesselCall | None:
    """The live call of a vessel (named by call sign, IMO number or name) on this voyage, inbound or outbound:
    how EDI messages (BAPLIE, COPRAR) find their call."""
    voyage = voyage.strip().upper()
    wanted = {value.strip().upper().removeprefix("IMO").strip() for value in vessel_ids if value and value.strip()}
    if not voyage or not wanted:
        return None
    calls = calls_with_related().filter(**{"voyage_out" if outbound else "voyage_in": voyage})
    calls = calls.filter(carrier__status__in=[CarrierVisit.Status.EXPECTED, CarrierVisit.Status.ARRIVED])
    matching = [
        call for call in calls if wanted & {call.vessel.call_sign.upper(), call.vessel.imo, call.vessel.name.upper()}
    ]
    return matching[0] if len(matching) == 1 else None


def call_of_carrier(carrier_id: int) -> VesselCall | None:
    """The vessel call a yard carrier visit is (None for a train or a truck): how EDI finds a departed call."""
    return calls_with_related().filter(carrier_id=carrier_id).first()


def call_moves_done(call: VesselCall, kind: str) -> list[YardMove]:
    """The call's done moves of one kind (discharge, load, restow), in the order they were done, with their box."""
    moves = call_moves(call).filter(kind=kind, status=YardMove.Status.DONE)
    return list(moves.select_related("visit__container").order_by("finished_at", "pk"))


def calls_alongside(begin: datetime, end: datetime) -> list[VesselCall]:
    """Calls whose berth window (ETB or ETA to ETD) meets [begin, end), cancelled ones left out."""
    window = Q(etd__gt=begin) & (Q(etb__lt=end) | Q(etb__isnull=True, eta__lt=end))
    calls = calls_with_related().filter(window).exclude(carrier__status=CarrierVisit.Status.CANCELLED)
    return sorted(calls, key=lambda call: (call.berth.code, call.alongside_from))


def call_moves_by_machine(call: VesselCall) -> list[dict]:
    """Moves done for the call per machine (equipment code) and kind, busiest machine first."""
    done = (
        call_moves(call)
        .filter(status=YardMove.Status.DONE)
        .values("equipment__code", "kind")
        .annotate(count=Count("pk"))
    )
    machines: dict[str, dict] = {}
    for row in done:
        machine = machines.setdefault(row["equipment__code"] or "", {"discharge": 0, "restow": 0, "load": 0})
        machine[row["kind"]] = machine.get(row["kind"], 0) + row["count"]
    table = [{"machine": code, **counts, "total": sum(counts.values())} for code, counts in machines.items()]
    return sorted(table, key=lambda row: (-row["total"], row["machine"]))
