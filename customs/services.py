"""Customs control: holds placed and released by officers only, declarations, and inspections with their moves.

Holds are the yard's generic holds with authority "customs" (the yard enforces them on every move and
lets only customs officers place or release them). An inspection order holds the container, plans its
move to the inspection area and, once the result is in, its move back. Dangerous goods are the exception: they
are inspected where they stand (see inspected_where_it_stands).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from aktau_tos.audit import audited, system_user
from customs.errors import (
    DeclarationExists,
    DeclarationNotFound,
    DeclarationNotOpen,
    InspectionAlreadyOpen,
    InspectionNotAtArea,
    InspectionNotFound,
    InvalidHoldKind,
    ReasonRequired,
)
from customs.models import CustomsDeclaration, InspectionOrder, InspectionPhoto
from yard import hooks as yard_hooks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.errors import ContainerNotInTerminal
from yard.models import Block, ContainerVisit, Hold, YardMove

HOLD_KINDS = ["documents", "scan_required", "physical_exam", "seal_discrepancy"]
CONTROL_KIND = "customs_control"  # placed on arrival by policy, released with the declaration
HOLD_FOR_INSPECTION = {
    InspectionOrder.Kind.SCAN: "scan_required",
    InspectionOrder.Kind.PHYSICAL_EXAM: "physical_exam",
    InspectionOrder.Kind.SEAL_CHECK: "seal_discrepancy",
}


def hold_place(*, container: str, kind: str, reason: str, actor: AbstractBaseUser) -> Hold:
    """An officer's hold: the container may not be loaded or delivered until it is released."""
    if kind not in HOLD_KINDS:
        raise InvalidHoldKind(kind=kind, allowed=", ".join(HOLD_KINDS))
    if not reason.strip():
        raise ReasonRequired()
    return yard_services.hold_place(
        container=container, authority=Hold.Authority.CUSTOMS, kind=kind, reason=reason.strip(), actor=actor
    )


def hold_release(*, hold_id: int, actor: AbstractBaseUser) -> Hold:
    return yard_services.hold_release(hold_id=hold_id, authority=Hold.Authority.CUSTOMS, actor=actor)


def control_on_arrival(*, visits: list[ContainerVisit], actor: AbstractBaseUser) -> list[Hold]:
    """Registered with yard.hooks.visits_opened. Policy (CUSTOMS_CONTROL_CATEGORIES): arriving import and transit
    boxes are held until declared free. The holds are placed by policy, so by the system user, whoever opened the
    stays."""
    controlled = [visit for visit in visits if visit.category in settings.CUSTOMS_CONTROL_CATEGORIES]
    if not controlled:
        return []
    return yard_services.holds_place(
        visits=controlled,  # opened in this transaction: nobody else sees them yet
        authority=Hold.Authority.CUSTOMS,
        kind=CONTROL_KIND,
        reason=gettext("Under customs control on arrival until its declaration is released"),
        actor=system_user(),
    )


def _open_visit(number: str) -> ContainerVisit:
    box = yard_selectors.container_get_by_number(number=number)
    visit = ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).filter(container=box).first()
    if visit is None:
        raise ContainerNotInTerminal(container=box.number)
    return visit


@transaction.atomic
def declaration_register(
    *, number: str, procedure: str, containers: list[str], actor: AbstractBaseUser
) -> CustomsDeclaration:
    visits = [_open_visit(container) for container in containers]
    declaration = audited(
        CustomsDeclaration(number=number.strip().upper(), procedure=procedure, created_by=actor), actor
    )
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        raise DeclarationExists(number=declaration.number) from None
    declaration.visits.set(visits)
    return declaration


@transaction.atomic
def declaration_release(*, declaration_id: int, actor: AbstractBaseUser) -> CustomsDeclaration:
    """Releases the declaration and the arrival-control holds of its containers (other holds stay)."""
    declaration = CustomsDeclaration.objects.select_for_update().filter(pk=declaration_id).first()
    if declaration is None:
        raise DeclarationNotFound(declaration=declaration_id)
    if declaration.status != CustomsDeclaration.Status.SUBMITTED:
        raise DeclarationNotOpen(number=declaration.number, status=declaration.get_status_display().lower())
    declaration.status, declaration.released_at, declaration.released_by = "released", timezone.now(), actor
    audited(declaration, actor).save(update_fields=["status", "released_at", "released_by"])
    control_holds = Hold.objects.filter(
        visit__in=declaration.visits.all(), authority=Hold.Authority.CUSTOMS, kind=CONTROL_KIND, released_at=None
    )
    for hold in control_holds:
        hold_release(hold_id=hold.pk, actor=actor)
    return declaration


@transaction.atomic
def inspection_order(
    *, container: str, kind: str, actor: AbstractBaseUser, appointment_at: datetime | None = None
) -> InspectionOrder:
    """Holds the container and plans its move to the inspection area (by the appointment, if given)."""
    visit = _open_visit(container)
    if visit.state != ContainerVisit.State.IN_YARD:
        raise ContainerNotInTerminal(container=visit.container.number)
    if open_order := InspectionOrder.objects.filter(visit=visit, status__in=InspectionOrder.OPEN_STATUSES).first():
        raise InspectionAlreadyOpen(container=visit.container.number, kind=_kind_text(open_order), order=open_order.pk)
    hold = yard_services.hold_place(
        container=visit.container.number,
        authority=Hold.Authority.CUSTOMS,
        kind=HOLD_FOR_INSPECTION[kind],
        # Translators: a hold's reason; kind is the inspection, e.g. "X-ray scan".
        reason=gettext("%(kind)s ordered") % {"kind": InspectionOrder.Kind(kind).label},
        actor=actor,
    )
    order = InspectionOrder(
        visit=visit, kind=kind, appointment_at=appointment_at, hold=hold, ordered_by=actor,
        seals_before=list(visit.seals),
    )  # fmt: skip
    if inspected_where_it_stands(visit):
        order.status, order.arrived_at = InspectionOrder.Status.AT_INSPECTION, timezone.now()
    else:
        order.move_in = yard_services.move_plan_to_yard(
            visit=visit, kind=YardMove.Kind.INSPECTION, inspection=True, deadline=appointment_at, actor=actor,
            wait_for_slot=True,  # a full inspection area delays the inspection; customs' order stands
        )  # fmt: skip
    audited(order, actor).save()
    return order


def _kind_text(order: InspectionOrder) -> str:
    """The order's kind as it reads inside a sentence: "physical examination", but "X-ray scan" kept as written."""
    label = order.get_kind_display()
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def inspected_where_it_stands(visit: ContainerVisit) -> bool:
    """Dangerous goods stand only in the fenced, drained DG area, kept apart by segregation: officers inspect
    them there, and the box does not move. Everything else goes to the inspection area (reefers to its powered
    bays)."""
    return bool(visit.dangerous_goods)


def _at_inspection_area(visit: ContainerVisit) -> bool:
    return visit.occupancies.filter(slot__block__kind=Block.Kind.INSPECTION).exists()


def arrival_at_inspection_note(*, move: YardMove, actor: AbstractBaseUser) -> None:
    """Registered with yard.hooks.move_completed: an inspection move into the inspection area brings its order
    there."""
    if move.kind != YardMove.Kind.INSPECTION or not move.to_slot_id or move.to_slot.block.kind != Block.Kind.INSPECTION:
        return
    order = InspectionOrder.objects.filter(move_in=move, status=InspectionOrder.Status.ORDERED).first()
    if order:
        order.status, order.arrived_at = InspectionOrder.Status.AT_INSPECTION, timezone.now()
        audited(order, actor).save(update_fields=["status", "arrived_at"])


def _order_locked(order_id: int) -> InspectionOrder:
    order = (
        InspectionOrder.objects.select_for_update(of=("self",))
        .select_related("visit__container", "hold")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise InspectionNotFound(order=order_id)
    return order


@transaction.atomic
def inspection_result(
    *, order_id: int, result: str, actor: AbstractBaseUser, findings: str = "", seals: list[str] | None = None
) -> InspectionOrder:
    """The officer's result, from the handheld at the inspection area.

    No suspicion: the inspection's hold is released and the container goes back. Suspicion: a physical
    examination is ordered on the spot (a new hold; the container stays). Findings: recorded, the hold
    stays for the officer to decide, and the container goes back to the yard.
    """
    order = _order_locked(order_id)
    if order.status != InspectionOrder.Status.AT_INSPECTION:
        raise InspectionNotAtArea(order=order.pk, status=order.get_status_display().lower())
    visit = order.visit
    if seals:
        yard_services.visit_seals_set(
            visit=visit,
            seals=seals,
            actor=actor,
            reason=gettext("sealed after inspection %(order)s") % {"order": order.pk},
        )
    order.result, order.findings, order.seals_after = result, findings, list(visit.seals)
    order.status, order.recorded_by, order.recorded_at = InspectionOrder.Status.DONE, actor, timezone.now()
    yard_hooks.inspection_recorded_announce(visit=visit, result=result, actor=actor)  # the partners' milestone
    if result == InspectionOrder.Result.SUSPICION:
        audited(order, actor).save()
        hold_release(hold_id=order.hold_id, actor=actor)  # the examination's own hold takes over
        exam_hold = yard_services.hold_place(
            container=visit.container.number, authority=Hold.Authority.CUSTOMS, kind="physical_exam",
            # Translators: kind is the inspection, e.g. "X-ray scan"; order its number.
            reason=gettext("Suspicion at %(kind)s (order %(order)s)") % {"kind": _kind_text(order), "order": order.pk},
            actor=actor,
        )  # fmt: skip
        exam = InspectionOrder(
            visit=visit, kind=InspectionOrder.Kind.PHYSICAL_EXAM, status=InspectionOrder.Status.AT_INSPECTION,
            hold=exam_hold, ordered_by=actor, arrived_at=timezone.now(), seals_before=list(visit.seals),
        )  # fmt: skip
        audited(exam, actor).save()
        return order
    if result == InspectionOrder.Result.NO_SUSPICION:
        hold_release(hold_id=order.hold_id, actor=actor)
    if _at_inspection_area(visit):  # back to the yard; a box inspected where it stands stays there
        order.move_out = yard_services.move_plan_to_yard(
            visit=visit, kind=YardMove.Kind.INSPECTION, actor=actor, wait_for_slot=True
        )
    audited(order, actor).save()
    return order


@transaction.atomic
def inspection_photo_add(*, order_id: int, image: UploadedFile, actor: AbstractBaseUser) -> InspectionPhoto:
    order = _order_locked(order_id)
    photo = InspectionPhoto(order=order, image=image, taken_by=actor)
    photo.save()
    return photo


def storage_clock(visit: ContainerVisit, now: datetime | None = None) -> dict:
    """Days under customs control (since arrival), the limit, and whether operators must be warned."""
    now = now or timezone.now()
    days = (now - visit.arrived_at).days if visit.arrived_at else 0
    left = settings.CUSTOMS_STORAGE_LIMIT_DAYS - days
    return {"days": days, "limit": settings.CUSTOMS_STORAGE_LIMIT_DAYS, "days_left": left,
            "warning": left <= settings.CUSTOMS_STORAGE_WARNING_DAYS}  # fmt: skip
