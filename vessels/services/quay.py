"""Quay work: what the yard asks the sea side through its hooks (registered in vessels/apps.py).

- `cell_check`: a box confirmed into a stowage cell (the planned one or another, a deviation) must fit the ship,
  find the cell free and stand on something; the call's row is locked first, so two drivers loading into one cell
  are served one after the other and exactly one wins.
- `move_noted`: after a discharge, restow or load move is done, what is on board follows.
- `moves_waiting`: a load is not dispatched before its cell is free, the cells under it are filled, and no box
  below it is still to be discharged or restowed; a discharge or restow not before the boxes above it are off.
- `quay_machines`: the call's moves go to the machines of its berth (the harbour cranes).
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from vessels.errors import CellRefused
from vessels.geometry import Cell, Geometry, cell_parse
from vessels.models import Booking, OnBoard, VesselCall
from vessels.profiles import geometry_of
from vessels.services.calls import call_locked
from yard.models import CarrierVisit, ContainerVisit, Equipment, IsoSizeType, YardMove


def _call_for_carrier(carrier_id: int | None) -> VesselCall | None:
    if carrier_id is None:
        return None
    return VesselCall.objects.filter(carrier_id=carrier_id).select_related("carrier", "vessel__profile").first()


def _moved_call(move: YardMove) -> VesselCall | None:
    """The vessel call a move works: onto the ship, or off it (not yet in the yard). Trains and trucks are told
    apart by the carrier's mode, which the completion has read already, without looking for a call."""
    vessel = CarrierVisit.Mode.VESSEL
    if move.to_carrier_id and move.to_carrier.mode == vessel and (call := _call_for_carrier(move.to_carrier_id)):
        return call
    if move.from_carrier_id and not move.from_slot_id and move.from_carrier.mode == vessel:
        return _call_for_carrier(move.from_carrier_id)
    return None


def _halves_on_board(call: VesselCall, *, without: str = "") -> dict[Cell, OnBoard]:
    halves = {}
    for box in call.on_board.exclude(container=without):
        for half in cell_parse(box.cell).halves():
            halves[half] = box
    return halves


def _support_problem(geometry: Geometry, cell: Cell, halves: dict[Cell, OnBoard]) -> str | None:
    """Why a box in `cell` would not stand (None when it does): every half needs a box below it, and a 20' box
    never stands on a 40'."""
    for half in cell.halves():
        below = geometry.below(half)
        if below is None:
            continue
        under = halves.get(below)
        if under is None:
            return _("the cell below (%(cell)s) is empty") % {"cell": below}
        if not cell.long and under.length_ft > 20:
            return _("a 20' box cannot stand on a 40' box")
    return None


def cell_check(*, move: YardMove, place: str) -> str:
    call = _call_for_carrier(move.to_carrier_id)
    if call is None:
        return place
    call = call_locked(call.pk)
    if call.status != CarrierVisit.Status.ARRIVED:
        reason = _("the vessel is %(status)s, not alongside") % {"status": call.carrier.get_status_display().lower()}
        raise CellRefused(code="vessel_not_alongside", cell=place, reason=reason)
    geometry = geometry_of(call.vessel)
    visit: ContainerVisit = move.visit
    size_type = visit.container.iso_type
    cell = cell_parse(place)
    if cell is None or geometry is None or not geometry.fits(cell, size_type.length_ft):
        reason = _("not a cell of this ship for a %(length)s' box") % {"length": size_type.length_ft}
        raise CellRefused(code="position_invalid", cell=place, reason=reason)
    halves = _halves_on_board(call, without=visit.container.number)
    if clash := next((halves[half] for half in cell.halves() if half in halves), None):
        raise CellRefused(
            code="position_occupied", cell=cell.label, reason=_("%(other)s is there") % {"other": clash.container}
        )
    if problem := _support_problem(geometry, cell, halves):
        raise CellRefused(code="position_invalid", cell=cell.label, reason=problem)
    if size_type.group == IsoSizeType.Group.REEFER and not geometry.plugged(cell):
        raise CellRefused(code="position_invalid", cell=cell.label, reason=_("no reefer plug at this cell"))
    return cell.label


def move_noted(*, move: YardMove, actor: AbstractBaseUser) -> None:
    call = _moved_call(move)
    if call is None:
        return
    number = move.visit.container.number
    if move.kind == YardMove.Kind.DISCHARGE:
        if box := call.on_board.filter(container=number).first():
            audited(box, actor, _("discharged")).delete()
    elif move.kind == YardMove.Kind.RESTOW:
        box = call.on_board.get(container=number)
        if box.cell != move.to_place:
            box.cell = move.to_place
            audited(box, actor, _("restowed into another cell")).save(update_fields=["cell"])
    elif move.kind == YardMove.Kind.LOAD and move.to_carrier_id == call.carrier_id:
        visit = move.visit
        booking = call.bookings.filter(container=number).exclude(status=Booking.Status.CANCELLED).first()
        size_type = visit.container.iso_type
        audited(
            OnBoard(
                call=call,
                cell=move.to_place,
                container=number,
                kind=OnBoard.Kind.LOADED,
                iso_type=size_type.code,
                length_ft=size_type.length_ft,
                gross_kg=(booking and booking.vgm_kg) or visit.gross_kg or 0,
                pol=settings.TERMINAL_LOCODE,
                pod=booking.pod if booking else visit.destination[:5],
                freight_kind=visit.freight_kind,
                dangerous_goods=visit.dangerous_goods,
                visit=visit,
            ),
            actor,
        ).save()
        if booking:
            booking.status, booking.cell = Booking.Status.LOADED, move.to_place
            audited(booking, actor).save(update_fields=["status", "cell"])


def moves_waiting(moves: list[YardMove]) -> set[int]:
    by_call: dict[int, list[YardMove]] = {}
    for move in moves:
        carrier_id = move.to_carrier_id or (move.from_carrier_id if not move.from_slot_id else None)
        if carrier_id and (move.to_place or move.from_place):
            by_call.setdefault(carrier_id, []).append(move)
    waiting = set()
    for carrier_id, worked in by_call.items():
        call = _call_for_carrier(carrier_id)
        geometry = call and geometry_of(call.vessel)
        if geometry is None:
            continue
        if call.carrier.status != CarrierVisit.Status.ARRIVED:  # no crane works a ship that is not alongside
            waiting.update(move.pk for move in worked)
            continue
        halves = _halves_on_board(call)
        restows = dict(
            YardMove.objects.filter(
                kind=YardMove.Kind.RESTOW, status__in=YardMove.OPEN_STATUSES, from_carrier_id=carrier_id
            ).values_list("visit_id", "status")
        )
        lifted = {visit_id for visit_id, status in restows.items() if status == YardMove.Status.IN_PROGRESS}
        hold_bays_loading = _hold_bays_loading(carrier_id)
        for move in worked:
            if move.kind == YardMove.Kind.LOAD:
                cell = cell_parse(move.to_place)
                if (
                    any(half in halves for half in cell.halves())
                    or (cell.on_deck and any(half.bay in hold_bays_loading for half in cell.halves()))
                    or _boxes_to_move_below(geometry, cell, halves, set(restows))
                    or _support_problem(geometry, cell, halves)
                ):
                    waiting.add(move.pk)
            elif _boxes_above(geometry, cell_parse(move.from_place), halves, move.visit_id, lifted):
                waiting.add(move.pk)
    return waiting


def _hold_bays_loading(carrier_id: int) -> set[int]:
    """The 20' bays whose hold still has loads to come: their hatch covers stay open, so nothing goes on deck there."""
    places = YardMove.objects.filter(
        kind=YardMove.Kind.LOAD, to_carrier_id=carrier_id, status__in=YardMove.OPEN_STATUSES
    ).values_list("to_place", flat=True)
    cells = [cell_parse(place) for place in places]
    return {half.bay for cell in cells if cell and not cell.on_deck for half in cell.halves()}


def _boxes_above(geometry: Geometry, cell: Cell, halves: dict[Cell, OnBoard], visit_id: int, lifted: set[int]) -> bool:
    """Something still stands above this cell in its stack (a restow counts as off once its move has started)."""
    for half in cell.halves():
        for tier in geometry.tier_numbers:
            if tier <= half.tier:  # deck tiers (82, 84, ...) stand above the hold's, over its hatch cover
                continue
            box = halves.get(Cell(half.bay, half.row, tier))
            if box and box.visit_id != visit_id and box.visit_id not in lifted:
                return True
    return False


def _boxes_to_move_below(geometry: Geometry, cell: Cell, halves: dict[Cell, OnBoard], restowing: set[int]) -> bool:
    """A box for this port, or one still to be restowed, stands below this cell in its stack (the hold's under a deck
    cell too): a box loaded here would bury it."""
    for half in cell.halves():
        for tier in geometry.tier_numbers:
            if tier >= half.tier:
                continue
            box = halves.get(Cell(half.bay, half.row, tier))
            if box and (box.kind == OnBoard.Kind.DISCHARGE or box.visit_id in restowing):
                return True
    return False


def quay_machines(move: YardMove, machines: list[Equipment]) -> list[Equipment] | None:
    call = _moved_call(move)
    if call is None:
        return None
    cranes = set(call.berth.equipment.values_list("pk", flat=True))
    return [machine for machine in machines if machine.pk in cranes]
