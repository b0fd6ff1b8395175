"""The stowage plan and load sequence of a call's bookings (vessels/stowage.py solves it).

Inputs are read, the solver runs with no lock held (it may take VESSEL_PLAN_SECONDS), then the plan is written in
one short transaction that first checks nothing it read has changed (else `409 plan_outdated`, plan again).
Each planned box gets its cell, its place in the sequence and a load move; a new plan replaces the open load
moves of the previous one. Ship stability beyond the weight rules (GM, trim, lashing) is the master's.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktau_tos.audit import audited
from aktau_tos.locking import lock_wait
from vessels.errors import PlanOutdated
from vessels.models import Booking, OnBoard, VesselCall
from vessels.profiles import profile_of
from vessels.services.calls import call_geometry, call_locked, call_open_for_work
from vessels.stowage import Rules, StowBox, stowage_solve
from yard import hooks as yard_hooks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import ContainerVisit, IsoSizeType, Occupancy, YardMove

STABILITY_NOTE = gettext_lazy(
    "The plan keeps stack weights, heavy under light, port order, reefer plugs, DG segregation and the port/starboard "
    "balance; ship stability beyond these (GM, trim, lashing forces) is the master's to check."
)
PLANNABLE = (Booking.Status.BOOKED, Booking.Status.PLANNED, Booking.Status.LEFT_OUT)


def _classes(lines: list[dict]) -> tuple[str, ...]:
    classes = []
    for line in lines:
        classes.append(str(line.get("class", "")))
        subsidiary = line.get("subsidiary_risks") or ()
        classes.extend(subsidiary.split(",") if isinstance(subsidiary, str) else subsidiary)
    return tuple(sorted({code.strip() for code in classes if code and code.strip()}))


def cells_apart(classes_a: tuple[str, ...], classes_b: tuple[str, ...]) -> int | None:
    """Cells two DG boxes keep between them on board (VESSEL_DG_SEPARATION per IMDG code); None: not on one ship."""
    if not classes_a or not classes_b:
        return 0
    level = yard_hooks.goods_segregation_level(classes_a, classes_b)
    value = str(settings.VESSEL_DG_SEPARATION.get(level, "0")).strip().lower()
    return None if value == "none" else int(value or 0)


def _rank(call: VesselCall):
    rotation = [port.upper() for port in call.rotation]

    def rank(pod: str) -> int:
        return rotation.index(pod) if pod in rotation else len(rotation)

    return rank


def _on_board_box(box: OnBoard, rank) -> StowBox:
    return StowBox(
        key=box.container,
        length_ft=box.length_ft,
        gross_kg=box.gross_kg,
        pod_rank=rank(box.pod),
        reefer=box.reefer,
        dg_classes=_classes(box.dangerous_goods),
    )


def _inputs(call: VesselCall) -> tuple[list[Booking], dict[str, tuple[str, str]], list[StowBox], dict[str, StowBox]]:
    rank = _rank(call)
    bookings = list(
        call.bookings.filter(status__in=PLANNABLE).select_related("visit__container__iso_type").order_by("pk")
    )
    positions = {
        occupancy.visit_id: occupancy
        for occupancy in Occupancy.objects.filter(
            visit__in=[b.visit_id for b in bookings], primary=True
        ).select_related("slot__block")
    }
    left_out, boxes = {}, []
    for booking in bookings:
        visit = booking.visit
        hold = yard_selectors.hold_blocking(visit_id=visit.pk, move_kind=YardMove.Kind.LOAD)
        if visit.state != ContainerVisit.State.IN_YARD or visit.pk not in positions:
            left_out[booking.container] = ("not_in_yard", _("not in the yard yet"))
        elif hold:
            left_out[booking.container] = (
                "container_on_hold",
                _("%(authority)s hold %(hold)s (%(kind)s)")
                % {"authority": hold.get_authority_display(), "hold": hold.reference, "kind": hold.kind},
            )
        elif booking.vgm_kg is None:
            left_out[booking.container] = ("vgm_missing", _("no verified gross mass (SOLAS VGM) yet"))
        else:
            place = positions[visit.pk]
            boxes.append(
                StowBox(
                    key=booking.container,
                    length_ft=visit.container.iso_type.length_ft,
                    gross_kg=booking.vgm_kg,
                    pod_rank=rank(booking.pod),
                    reefer=visit.container.iso_type.group == IsoSizeType.Group.REEFER,
                    dg_classes=_classes(visit.dangerous_goods),
                    yard_stack=str(place.slot),
                    yard_tier=place.tier,
                )
            )
    # Boxes for this port are discharged before loading starts; through cargo and boxes already loaded stay, except
    # restowed boxes not yet back on board: they are off the ship when loading starts and need a cell like a load.
    restowing = _restows_open(call)
    on_board = {
        box.cell: _on_board_box(box, rank)
        for box in call.on_board.exclude(kind=OnBoard.Kind.DISCHARGE).exclude(container__in=restowing)
    }
    boxes += [_on_board_box(box, rank) for box in call.on_board.filter(container__in=restowing)]
    return bookings, left_out, boxes, on_board


def _restows_open(call: VesselCall) -> dict[str, YardMove]:
    """The call's restow moves not yet done, by container: where each box goes back is the plan's to choose."""
    moves = YardMove.objects.filter(
        kind=YardMove.Kind.RESTOW, from_carrier_id=call.carrier_id, status__in=YardMove.OPEN_STATUSES
    ).select_related("visit__container")
    return {move.visit.container.number: move for move in moves}


def _fingerprint(call: VesselCall) -> tuple:
    bookings = tuple(call.bookings.filter(status__in=PLANNABLE).order_by("pk").values_list("pk", "pod", "vgm_kg"))
    board = tuple(call.on_board.order_by("cell").values_list("cell", "container"))
    return bookings, board


def stowage_plan_build(*, call_id: int, actor: AbstractBaseUser, time_limit: float | None = None) -> dict:
    """The plan of the call's bookings; the solver's budget is VESSEL_PLAN_SECONDS unless `time_limit` says."""
    with transaction.atomic():
        call = call_open_for_work(call_id)
        geometry = call_geometry(call)
        profile_limit = profile_of(call.vessel).stack_max_kg
        bookings, left_out, boxes, on_board = _inputs(call)
        fingerprint = _fingerprint(call)
    rules = Rules(
        stack_max_kg=profile_limit,
        balance_share=settings.VESSEL_BALANCE_SHARE,
        balance_min_kg=settings.VESSEL_BALANCE_MIN_KG,
        dg_cells_apart=cells_apart,
    )
    plan = stowage_solve(
        geometry,
        boxes,
        on_board=on_board,
        rules=rules,
        time_limit=settings.VESSEL_PLAN_SECONDS if time_limit is None else time_limit,
        gettext=_,  # the reasons of the boxes left out, in the reader's language
    )
    with transaction.atomic():
        replaced = YardMove.objects.filter(
            to_carrier_id=call.carrier_id,
            kind=YardMove.Kind.LOAD,
            status__in=[YardMove.Status.PLANNED, YardMove.Status.DISPATCHED],
        ).order_by("pk")
        # The moves before the call: a driver confirming a load holds its move, then asks for the call.
        with lock_wait(_("the load moves of %(call)s") % {"call": call.reference}):
            replaced = list(replaced.select_for_update(of=("self",)))
        call = call_locked(call_id)
        if _fingerprint(call) != fingerprint:
            raise PlanOutdated(call=call.reference)
        for move in replaced:
            yard_services.move_cancel(move_id=move.pk, actor=actor, reason=_("replaced by a new stowage plan"))
        by_number = {booking.container: booking for booking in bookings}
        restowing = _restows_open(call)
        assigned = []
        for sequence, number in enumerate(plan.sequence, start=1):
            if number in restowing:  # back on board into the cell the plan gives it
                yard_services.move_place_set(
                    move_id=restowing[number].pk,
                    to_place=plan.cell_of[number],
                    actor=actor,
                    reason=_("back on board as the stowage plan places it"),
                )
                assigned.append(
                    {"container": number, "stowage": plan.cell_of[number], "sequence": sequence, "restow": True}
                )
                continue
            booking = by_number[number]
            booking.move = yard_services.move_plan(
                visit=booking.visit,
                kind=YardMove.Kind.LOAD,
                to_carrier=call.carrier,
                to_place=plan.cell_of[number],
                priority=10,
                deadline=call.etd,
                actor=actor,
            )
            booking.status, booking.cell, booking.sequence = Booking.Status.PLANNED, plan.cell_of[number], sequence
            booking.left_out_code = booking.left_out_reason = ""
            audited(booking, actor).save()
            assigned.append({"container": number, "stowage": booking.cell, "sequence": sequence})
        left = {**left_out, **{number: ("no_cell", reason) for number, reason in plan.left_out.items()}}
        for number, (code, reason) in left.items():
            if number in restowing:
                continue  # stays where its restow move points; the answer lists it
            booking = by_number[number]
            booking.status, booking.cell, booking.sequence, booking.move = Booking.Status.LEFT_OUT, "", None, None
            booking.left_out_code, booking.left_out_reason = code, str(reason)[:200]
            audited(booking, actor).save()
    return {
        "assigned": assigned,
        "left_out": [
            {"container": n, "code": code, "reason": str(reason)} for n, (code, reason) in sorted(left.items())
        ],
        "bound": plan.bound,
        "gap": round(plan.gap, 4),
        "optimal": plan.optimal,
        "seconds": round(plan.seconds, 2),
        "rehandles": plan.rehandles,
        "balance": {"port_kg": plan.port_kg, "starboard_kg": plan.starboard_kg},
        "stability": str(STABILITY_NOTE),
    }
