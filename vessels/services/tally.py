"""The tally clerk at the quay: each box confirmed as it comes off or goes on, with its seal and damage.

A tally confirms the quay move (its completion, as the scanner's `complete` would: a discharge at the yard
place it was given, a load or restow in the cell the clerk scans) and records what the clerk saw. The crane's
own confirmation may come first: the tally then only records, and checks the cell against the confirmed one.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aktau_tos.audit import audited
from vessels.errors import CellMismatch, CellRequired, ContainerNotInCall, TallyMoveClosed, VesselCallNotFound
from vessels.geometry import cell_parse
from vessels.models import Tally, VesselCall
from yard import selectors as yard_selectors
from yard.identity import container_number_normalise, seal_matches
from yard.models import YardMove
from yard.services import move_complete

QUAY_KINDS = (YardMove.Kind.DISCHARGE, YardMove.Kind.RESTOW, YardMove.Kind.LOAD)


def _quay_move(call: VesselCall, number: str) -> YardMove:
    """The box's latest discharge, restow or load move at this call (a cancelled one only if there is no other)."""
    at_call = Q(from_carrier_id=call.carrier_id) | Q(to_carrier_id=call.carrier_id)
    moves = yard_selectors.moves_with_places().filter(at_call, kind__in=QUAY_KINDS, visit__container__number=number)
    move = moves.exclude(status=YardMove.Status.CANCELLED).order_by("-pk").first() or moves.order_by("-pk").first()
    if move is None:
        raise ContainerNotInCall(container=number, call=call.carrier.reference)
    return move


def _cell_scanned(move: YardMove, cell: str) -> str:
    """The cell a load or restow went into as scanned (`BBRRTT`); a discharge needs none."""
    if move.kind == YardMove.Kind.DISCHARGE:
        return ""
    parsed = cell_parse(cell.replace(" ", ""))
    if parsed is None:
        raise CellRequired(container=move.visit.container.number)
    return parsed.label


def tally_record(
    *, call_id: int, container: str, actor: AbstractBaseUser, cell: str = "", seal: str = "", damage: str = ""
) -> Tally:
    """Confirms the box's quay move at this call if it is still open, then records the tally (or corrects it)."""
    call = VesselCall.objects.select_related("carrier").filter(pk=call_id).first()
    if call is None:
        raise VesselCallNotFound(call=call_id)
    number = container_number_normalise(container)
    move = _quay_move(call, number)
    scanned_cell = _cell_scanned(move, cell)
    out_of = move.from_place if move.kind == YardMove.Kind.DISCHARGE else ""
    if move.status in YardMove.OPEN_STATUSES:
        to = yard_selectors.move_to(move)
        position = (
            to if move.kind == YardMove.Kind.DISCHARGE else yard_selectors.carrier_label(call.carrier, scanned_cell)
        )
        # Not inside this service's transaction: a refused place redirects the move, and that must be kept.
        move = move_complete(move_id=move.pk, container=number, position=position, actor=actor)
    elif move.status != YardMove.Status.DONE:
        raise TallyMoveClosed(
            kind=move.get_kind_display().lower(), container=number, status=move.get_status_display().lower()
        )
    elif scanned_cell and scanned_cell != move.to_place:
        raise CellMismatch(container=number, confirmed=move.to_place, scanned=scanned_cell)
    return _tally_write(call, move, cell=scanned_cell or out_of, seal=seal, damage=damage, actor=actor)


@transaction.atomic
def _tally_write(call: VesselCall, move: YardMove, *, cell: str, seal: str, damage: str, actor) -> Tally:
    visit = move.visit
    declared = [str(item).strip().upper() for item in visit.seals or [] if str(item).strip()]
    values = {
        "move": move,
        "cell": cell,
        "seal_declared": ", ".join(declared)[:40],
        "seal_scanned": seal.strip().upper(),
        "seal_ok": seal_matches(seal, declared),
        "damage": damage.strip(),
        "tallied_by": actor,
        "tallied_at": timezone.now(),
    }
    tally = (
        Tally.objects.select_for_update().filter(call=call, container=visit.container.number, kind=move.kind).first()
    )
    if tally is None:
        tally = Tally(call=call, container=visit.container.number, kind=move.kind)
    for field, value in values.items():
        setattr(tally, field, value)
    audited(tally, actor).save()
    return tally
