"""Arrival bay plans (discharge lists), load lists and the verified gross masses of booked boxes. The JSON API,
the admin's uploads and EDI (BAPLIE, COPRAR, COPARN, VERMAS) all come through these services.

A list is taken row by row: each bad row is listed as a problem with a stable code and nothing of it is saved.
An arrival bay plan's good rows are then written together, a table at a time (a ship brings hundreds); a load
list's each in its own savepoint or, if applying it fails, listed too. Nothing is half-saved.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import audited
from aktau_tos.errors import DomainError
from vessels.errors import BookingNotFound, ListEmpty, VgmInvalid
from vessels.geometry import Cell, Geometry, cell_parse
from vessels.models import Booking, OnBoard, VesselCall
from vessels.services.calls import LIVE_STATUSES, call_geometry, call_open_for_work
from vessels.services.capacity import call_capacity_check
from yard import hooks as yard_hooks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.errors import ContainerAlreadyInTerminal
from yard.identity import container_number_normalise
from yard.models import AccessPoint, ContainerVisit, YardMove


class RowProblem(DomainError):
    """A bad row of a list; collected, never raised out of the service."""

    status = 400

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__()
        self.args = (detail,)

    @property
    def detail(self) -> str:
        return self.args[0]


@dataclass
class ListResult:
    moves: list[YardMove] = field(default_factory=list)
    through: list[OnBoard] = field(default_factory=list)
    booked: list[Booking] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    capacity_warnings: list[dict] = field(default_factory=list)  # the call's shortages in the special areas

    def problem(self, index: int, container: str, error: DomainError) -> None:
        self.problems.append({"index": index, "container": container, "code": error.code, "detail": error.detail})


def _taken_halves(call: VesselCall) -> dict[Cell, str]:
    """Every 20' cell already holding a box of this call, and that box."""
    taken = {}
    for cell_text, container in call.on_board.values_list("cell", "container"):
        for half in cell_parse(cell_text).halves():
            taken[half] = container
    return taken


def _pod(row: dict) -> str:
    return str(row.get("pod") or "").strip().upper()


def _temperature(row: dict) -> Decimal | None:
    value = row.get("temperature_c")
    if value in (None, ""):
        return None
    try:
        temperature = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise RowProblem("invalid_temperature", _("%(value)r is not a temperature") % {"value": value}) from None
    if not Decimal("-99.9") <= temperature <= Decimal("99.9"):  # a reefer's set point, in °C
        raise RowProblem("invalid_temperature", _("%(value)s °C is not a reefer's set point") % {"value": value})
    return temperature


def _gross(row: dict) -> int:
    try:
        gross = int(row.get("gross_kg") or 0)
    except (TypeError, ValueError):
        gross = 0
    if not 1_000 <= gross <= 60_000:
        raise RowProblem("invalid_container_mass", _("gross mass must be 1,000 to 60,000 kg"))
    return gross


@transaction.atomic
@yard_services.allocation_batch()  # the yard's areas read once for the whole list
def discharge_list_apply(*, call_id: int, containers: list[dict], actor: AbstractBaseUser) -> ListResult:
    """The arrival bay plan: boxes for this port (pod = TERMINAL_LOCODE) get a stay and a discharge move to an
    allocated yard slot; the others stay on board as through cargo in their cells. A through box standing on a
    box for this port is planned for a restow (off and back on) and counted."""
    if not containers:
        raise ListEmpty()
    call = call_open_for_work(call_id)
    geometry, result = call_geometry(call), ListResult()
    taken = _taken_halves(call)
    aboard = set(call.on_board.values_list("container", flat=True))
    staying = _open_stays([row.get("number", "") for row in containers])
    size_types: dict = {}  # a bay plan names a handful of size/types hundreds of times
    seen: set[str] = set()
    boxes, arrivals = [], []  # every row that passed, written together below; the boxes for this port and theirs
    for index, row in enumerate(containers):
        number = str(row.get("number", "")).strip()
        try:
            number = container_number_normalise(number)
            if number in seen or number in aboard:
                raise RowProblem("duplicate_container", _("%(number)s is listed twice") % {"number": number})
            seen.add(number)
            code = str(row.get("iso_type", "")).strip().upper()
            size_type = size_types.get(code) or size_types.setdefault(code, yard_selectors.iso_type_resolve(code))
            cell = cell_parse(row.get("stowage", ""))
            if cell is None or not geometry.fits(cell, size_type.length_ft):
                raise RowProblem(
                    "cell_outside_profile",
                    _("%(cell)r is not a cell of this ship for a %(length)s' box")
                    % {"cell": row.get("stowage", ""), "length": size_type.length_ft},
                )
            if clash := next((taken[half] for half in cell.halves() if half in taken), None):
                raise RowProblem(
                    "cell_taken", _("cell %(cell)s already holds %(other)s") % {"cell": cell, "other": clash}
                )
            pod = _pod(row)
            if len(pod) != 5:
                raise RowProblem("pod_invalid", _("the port of discharge must be a five-letter UN/LOCODE"))
            gross, temperature = _gross(row), _temperature(row)
            freight_kind = row.get("freight_kind") or ContainerVisit.FreightKind.FULL
            if freight_kind not in ContainerVisit.FreightKind.values:
                raise RowProblem("invalid_freight_kind", _("freight kind must be full or empty"))
            lines = yard_hooks.arrival_goods_checked(list(row.get("dangerous_goods") or []))
            box = OnBoard(
                call=call,
                cell=cell.label,
                container=number,
                iso_type=size_type.code,
                length_ft=size_type.length_ft,
                gross_kg=gross,
                pol=str(row.get("pol") or "").strip().upper()[:5],
                pod=pod,
                freight_kind=freight_kind,
                temperature_c=temperature,
                dangerous_goods=lines,
            )
            if pod == settings.TERMINAL_LOCODE:
                if number in staying:
                    raise ContainerAlreadyInTerminal(container=number, state=staying[number])
                box.kind = OnBoard.Kind.DISCHARGE
                arrival = yard_services.Arrival(
                    container=number,
                    iso_type=size_type,
                    freight_kind=box.freight_kind,
                    category=row.get("category") or ContainerVisit.Category.TRANSIT,
                    gross_kg=gross,
                    seals=(row["seal"],) if row.get("seal") else (),
                    dangerous_goods=lines,
                    line=str(row.get("line") or call.line),
                )
                arrivals.append((box, arrival))
            else:
                box.kind = OnBoard.Kind.THROUGH
                result.through.append(box)
            boxes.append(audited(box, actor))
        except DomainError as error:
            result.problem(index, number, error)
            continue
        for half in cell.halves():
            taken[half] = number
    if arrivals:
        visits = yard_services.visits_open(
            arrivals=[arrival for _box, arrival in arrivals], inbound_carrier=call.carrier, actor=actor
        )
        for (box, _arrival), visit in zip(arrivals, visits, strict=True):
            box.visit = visit
        result.moves = yard_services.moves_plan_to_yard(
            visits=visits,
            kind=YardMove.Kind.DISCHARGE,
            arriving_from=AccessPoint.Kind.QUAY,
            from_places=[box.cell for box, _arrival in arrivals],
            actor=actor,
            wait_for_slot=True,  # the ship's boxes come off: one with no place yet waits for one
        )
    bulk_create_with_history(boxes, OnBoard, default_user=actor)
    result.moves.extend(_restows_plan(call, geometry, actor))
    result.capacity_warnings = call_capacity_check(call=call, actor=actor)
    return result


def _open_stays(numbers: list[str]) -> dict[str, str]:
    """Of these listed numbers, those with a stay open in the terminal, and its state (as people read it)."""
    normalised = set()
    for number in numbers:
        try:
            normalised.add(container_number_normalise(str(number)))
        except DomainError:
            continue  # the row's own check says so
    stays = ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).filter(container__number__in=normalised)
    return {
        number: ContainerVisit.State(state).label.lower()
        for number, state in stays.values_list("container__number", "state")
    }


def _restows_plan(call: VesselCall, geometry: Geometry, actor: AbstractBaseUser) -> list[YardMove]:
    """Through boxes standing above a box for this port in the same row and bay(s): each is lifted off and put back
    on once the box under it is out (a restow move from its cell to the same cell; another free cell is accepted)."""
    boxes = list(call.on_board.all())
    discharge_halves = {}
    for box in boxes:
        if box.kind == OnBoard.Kind.DISCHARGE:
            for half in cell_parse(box.cell).halves():
                discharge_halves.setdefault((half.bay, half.row), []).append(half.tier)
    moves = []
    for box in boxes:
        if box.kind != OnBoard.Kind.THROUGH or box.restow:
            continue
        cell = cell_parse(box.cell)
        if not any(t < cell.tier for half in cell.halves() for t in discharge_halves.get((half.bay, half.row), [])):
            continue
        box.visit = yard_services.visit_open(
            container=box.container,
            iso_type=box.iso_type,
            freight_kind=box.freight_kind,
            category=ContainerVisit.Category.TRANSSHIPMENT,
            inbound_carrier=call.carrier,
            gross_kg=box.gross_kg,
            dangerous_goods=box.dangerous_goods,
            actor=actor,
        )
        box.restow = True
        audited(box, actor, _("restow planned")).save(update_fields=["visit", "restow"])
        moves.append(
            yard_services.move_plan(
                visit=box.visit,
                kind=YardMove.Kind.RESTOW,
                from_carrier=call.carrier,
                from_place=box.cell,
                to_carrier=call.carrier,
                to_place=box.cell,
                actor=actor,
            )
        )
    return moves


@transaction.atomic
def load_list_apply(
    *, call_id: int, containers: list[dict], actor: AbstractBaseUser, capacity_check: bool = True
) -> ListResult:
    """Books boxes (in the yard or expected) onto the call's outbound voyage. Sending a box again updates its
    port of discharge and VGM; a box without VGM is booked but left out of the stowage plan until it has one.
    The call is then weighed against the special areas (a caller booking box by box checks once at the end)."""
    if not containers:
        raise ListEmpty()
    call, result, seen = call_open_for_work(call_id), ListResult(), set()
    for index, row in enumerate(containers):
        number = str(row.get("number", "")).strip()
        try:
            number = container_number_normalise(number)
            if number in seen:
                raise RowProblem("duplicate_container", _("%(number)s is listed twice") % {"number": number})
            seen.add(number)
            pod = _pod(row)
            if len(pod) != 5 or pod == settings.TERMINAL_LOCODE:
                raise RowProblem("pod_invalid", _("the port of discharge must be another port's five-letter UN/LOCODE"))
            vgm = row.get("vgm_kg")
            if vgm not in (None, "") and not (isinstance(vgm, int) and 1_000 <= vgm <= 60_000):
                raise RowProblem("invalid_vgm", _("the verified gross mass must be 1,000 to 60,000 kg"))
            visit = (
                ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
                .select_related("outbound_carrier")
                .filter(container__number=number)
                .first()
            )
            if visit is None:
                raise RowProblem(
                    "container_not_in_terminal",
                    _("%(number)s is neither in the yard nor expected") % {"number": number},
                )
            elsewhere = visit.outbound_carrier
            if elsewhere and elsewhere.pk != call.carrier_id and elsewhere.status in LIVE_STATUSES:
                raise RowProblem(
                    "container_booked_elsewhere",
                    _("%(number)s is booked to leave by %(carrier)s") % {"number": number, "carrier": elsewhere},
                )
            yard_hooks.arrival_goods_checked(list(visit.dangerous_goods))  # its DG lines must still be admitted
            with transaction.atomic():
                booking = call.bookings.exclude(status=Booking.Status.CANCELLED).filter(container=number).first()
                if booking and booking.status == Booking.Status.LOADED:
                    raise RowProblem(
                        "container_already_loaded", _("%(number)s is already on board") % {"number": number}
                    )
                booking = booking or Booking(call=call, visit=visit, container=number)
                booking.pod, booking.vgm_kg = pod, vgm or booking.vgm_kg
                audited(booking, actor).save()
                yard_services.visit_book_outbound(
                    visit=visit,
                    carrier=call.carrier,
                    destination=pod,
                    line=str(row.get("line") or call.line),
                    actor=actor,
                )
            result.booked.append(booking)
        except DomainError as error:
            result.problem(index, number, error)
    if capacity_check:
        result.capacity_warnings = call_capacity_check(call=call, actor=actor)
    return result


LIVE_BOOKING = (Booking.Status.BOOKED, Booking.Status.PLANNED, Booking.Status.LEFT_OUT)


@transaction.atomic
def booking_vgm_set(*, container: str, vgm_kg: int, actor: AbstractBaseUser) -> Booking:
    """The box's verified gross mass (SOLAS VI/2, from its shipper: VERMAS) onto its booking on a live call. A box
    left out of the stowage plan for want of it is taken at the next planning run."""
    number = container_number_normalise(container)
    if not 1_000 <= vgm_kg <= 60_000:
        raise VgmInvalid(vgm_kg=vgm_kg)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .filter(container=number, status__in=LIVE_BOOKING, call__carrier__status__in=LIVE_STATUSES)
        .order_by("-created_at")
        .first()
    )
    if booking is None:
        raise BookingNotFound(container=number)
    if booking.vgm_kg != vgm_kg:  # the same mass again (a resent VERMAS) writes no history
        booking.vgm_kg = vgm_kg
        audited(booking, actor, _("verified gross mass declared")).save(update_fields=["vgm_kg"])
    return booking
